// Samples from the stream → a Table in the world's impression schema. One record body is one JSON
// object: an impression row (IMPRESSION_COLUMNS, labels included) plus `sample_id` (written by the
// delayed-label joiner). Columns get the schema's types whatever the batch holds (a numeric column
// stays numeric, a string column stays strings), so every batch featurizes like the bootstrap.
// A record that cannot be a training row (bad JSON, not an object, no sample_id, a value of the wrong
// type for a known column) is rejected with its reason — the trainer counts it and sends it to the
// dead-letter stream; it never stops the trainer. Unknown fields are counted per name and ignored.
import type { Column, Table } from '../../data/table.js';
import { IMPRESSION_COLUMNS, BIASED_LOG_COLUMNS, type ColumnSpec } from '../../data/world/schema.js';
import type { StreamRecord } from '../../data/stream/types.js';

export const SAMPLE_ID = 'sample_id';

export type RejectKind = 'bad_json' | 'not_object' | 'sample_id' | 'type' | 'missing' | 'label';

export interface Reject {
  id: string;
  body: string;
  kind: RejectKind;
  reason: string;
}

export interface DecodedBatch {
  table: Table;
  /** sample_id of each row (table order). */
  sampleIds: string[];
  /** Stream id of each row. */
  streamIds: string[];
  rejects: Reject[];
  /** Unknown field name → rows that carried it. */
  unknown: Map<string, number>;
}

const SPECS: readonly ColumnSpec[] = [...IMPRESSION_COLUMNS, ...BIASED_LOG_COLUMNS];
const BY_NAME = new Map(SPECS.map((c) => [c.name, c]));

/** The columns every decoded table has (world schema; the biased log's columns only when a row has them). */
export function decodeSamples(records: readonly StreamRecord[], required: readonly string[] = []): DecodedBatch {
  const rows: Record<string, unknown>[] = [];
  const sampleIds: string[] = [], streamIds: string[] = [];
  const rejects: Reject[] = [];
  const unknown = new Map<string, number>();
  const seenBiased = new Set<string>();
  for (const r of records) {
    let o: unknown;
    try { o = JSON.parse(r.body); } catch (e) {
      rejects.push({ id: r.id, body: r.body, kind: 'bad_json', reason: `bad JSON: ${(e as Error).message}` });
      continue;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) { rejects.push({ id: r.id, body: r.body, kind: 'not_object', reason: `expected a JSON object, got ${Array.isArray(o) ? 'an array' : o === null ? 'null' : typeof o}` }); continue; }
    const row = o as Record<string, unknown>;
    const sid = row[SAMPLE_ID];
    if ((typeof sid !== 'string' || sid === '') && typeof sid !== 'number') { rejects.push({ id: r.id, body: r.body, kind: 'sample_id', reason: `field ${SAMPLE_ID}: expected a non-empty string or number, got ${JSON.stringify(sid)}` }); continue; }
    const bad = checkRow(row, required);
    if (bad) { rejects.push({ id: r.id, body: r.body, kind: / missing /.test(bad) ? 'missing' : 'type', reason: bad }); continue; }
    for (const k of Object.keys(row)) {
      if (k === SAMPLE_ID) continue;
      const spec = BY_NAME.get(k);
      if (!spec) unknown.set(k, (unknown.get(k) ?? 0) + 1);
      else if (spec.role === 'truth' && BIASED_LOG_COLUMNS.includes(spec)) seenBiased.add(k);
    }
    rows.push(row);
    sampleIds.push(String(sid));
    streamIds.push(r.id);
  }
  const n = rows.length;
  const columns: Record<string, Column> = {};
  for (const c of SPECS) {
    if (BIASED_LOG_COLUMNS.includes(c) && !seenBiased.has(c.name)) continue;
    if (c.type === 'string') {
      const a = new Array<string | null>(n);
      for (let i = 0; i < n; i++) { const v = rows[i]![c.name]; a[i] = v === undefined || v === null ? null : String(v); }
      columns[c.name] = a;
    } else {
      const a: Float64Array | Float32Array = c.type === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) { const v = rows[i]![c.name]; a[i] = v === undefined || v === null ? NaN : typeof v === 'boolean' ? Number(v) : (v as number); }
      columns[c.name] = c.type === 'int32' || c.type === 'uint8' ? intColumn(a, c) : a;
    }
  }
  columns[SAMPLE_ID] = sampleIds.slice();
  return { table: { numRows: n, columns }, sampleIds, streamIds, rejects, unknown };
}

/** int columns keep the world's typed arrays when no value is missing (features hash integers the same either way). */
function intColumn(a: Float64Array | Float32Array, c: ColumnSpec): Column {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i]!)) return a;
  return c.type === 'uint8' ? Uint8Array.from(a) : Int32Array.from(a);
}

function checkRow(row: Record<string, unknown>, required: readonly string[]): string | null {
  for (const [k, v] of Object.entries(row)) {
    const spec = BY_NAME.get(k);
    if (!spec || v === null || v === undefined) continue;
    if (spec.type === 'string') {
      if (typeof v !== 'string' && typeof v !== 'number') return `field ${k}: expected a string, got ${JSON.stringify(v)}`;
    } else if (typeof v !== 'number' && typeof v !== 'boolean') return `field ${k}: expected a number, got ${JSON.stringify(v)}`;
    else if (spec.type !== 'float32' && spec.type !== 'float64' && typeof v === 'number' && !Number.isInteger(v)) return `field ${k}: expected an integer (${spec.type}), got ${v}`;
  }
  for (const k of required) if (row[k] === undefined) return `field ${k}: missing (the model reads it)`;
  return null;
}
