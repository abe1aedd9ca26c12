// A bounded embedding table for streaming training: integer keys (e.g. a feature's hashed bucket id)
// get their own row only after they have been seen `admitAfter` times (count-min sketch); until then,
// and when the table is full, they share one trained DEFAULT row. Rows unused for `ttlSteps` steps
// expire and, when the table is full, the least-frequently-used rows are evicted (HashRowMapper:
// collisionless, Monolith-style). The backing EmbeddingTable has capacity + 1 rows; the last one is the
// default row. A freed row is re-initialised (values and optimizer state) when a new key takes it.
//
// For model pushes, `takeChanges()` lists what changed since the previous call: rows whose values
// changed (with their key: rows are reassigned over time) and rows freed since (their key is gone).
import { EmbeddingTable } from './table.js';
import { HashRowMapper, type HashRowMapperStats } from './hash-mapper.js';
import { NO_ROW, type MapperArray, type MapperState } from './mapper.js';

export interface AdmissionOptions {
  /** Rows for admitted keys (the table has one more: the shared default row). */
  capacity: number;
  /** Sightings before a key gets its own row (1 = at once). */
  admitAfter: number;
  /** Steps without a lookup after which a row expires (0 = never; LFU eviction still bounds the table). */
  ttlSteps: number;
  /** Share of rows freed per LFU round when full (default 1/16: a round scans and sorts the table's counts, so rarer, larger rounds cost less under heavy churn). */
  evictFraction?: number;
  /** Count-min sketch width (power of two; default 2^18). */
  sketchWidth?: number;
  /** Halve the sketch counts every this many steps (default 0 = never). */
  sketchHalfLife?: number;
}

export interface TableChanges {
  /** Rows whose values changed, their keys (−1 for the default row) and values [n × dim]. */
  rows: Int32Array;
  keys: Float64Array;
  values: Float32Array;
  /** Rows freed since the previous call and not reassigned (their keys now read the default row). */
  freed: Int32Array;
}

export class AdmittedTable {
  readonly mapper: HashRowMapper;
  readonly defaultRow: number;
  /** Which rows held a key at the previous takeChanges (to report freed rows). */
  private pushedKey: Float64Array;

  constructor(readonly table: EmbeddingTable, readonly o: AdmissionOptions) {
    if (table.rows !== o.capacity + 1) throw new Error(`AdmittedTable ${table.name}: the table needs capacity + 1 = ${o.capacity + 1} rows, it has ${table.rows}`);
    this.mapper = new HashRowMapper(o.capacity, {
      admitThreshold: o.admitAfter, ttl: o.ttlSteps, evictFraction: o.evictFraction ?? 1 / 16,
      sketchWidth: o.sketchWidth ?? 2 ** 18, sketchDepth: 2, sketchHalfLife: o.sketchHalfLife ?? 0,
    });
    this.defaultRow = o.capacity;
    this.pushedKey = new Float64Array(o.capacity).fill(-1);
  }

  /**
   * Keys → rows in place (`ids` holds non-negative integer keys < 2^32). `mask`: only entries with
   * mask ≠ 0 are keys (padding is left alone). `train`: admit keys and refresh recency; serving
   * lookups (false) change nothing.
   */
  mapInPlace(ids: Int32Array, train: boolean, mask?: Uint8Array): void {
    const n = ids.length;
    let idx: Int32Array | null = null, m = n;
    if (mask) { idx = new Int32Array(n); m = 0; for (let i = 0; i < n; i++) if (mask[i]) idx[m++] = i; }
    const hi = new Uint32Array(m), lo = new Uint32Array(m), out = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      const v = ids[idx ? idx[k]! : k]!;
      if (v < 0) throw new Error(`table ${this.table.name}: negative key ${v}`);
      lo[k] = v;
    }
    this.mapper.map(hi, lo, out, { train, onAssign: (r) => this.table.resetRow(r) });
    for (let k = 0; k < m; k++) ids[idx ? idx[k]! : k] = out[k] === NO_ROW ? this.defaultRow : out[k]!;
  }

  /** Advance the mapper's clock (once per optimizer step). */
  tick(): void { this.mapper.tick(); }

  stats(): HashRowMapperStats { return this.mapper.stats(); }

  /** The key of a row, or −1 when it holds none. */
  keyOf(row: number): number {
    const a = this.mapper.state().arrays;
    return (a.rowLast as Int32Array)[row]! >= 0 ? (a.rowLo as Uint32Array)[row]! : -1;
  }

  /** Changed rows (values with keys) and freed rows since the previous call; clears the table's dirty set. */
  takeChanges(): TableChanges {
    const a = this.mapper.state().arrays;
    const last = a.rowLast as Int32Array, lo = a.rowLo as Uint32Array;
    const dirty = this.table.takeDirtyRows();
    const dim = this.table.dim, vals = this.table.values;
    const rows: number[] = [], keys: number[] = [];
    const isDirty = new Uint8Array(this.table.rows);
    for (const r of dirty) isDirty[r] = 1;
    const freed: number[] = [];
    for (let r = 0; r < this.o.capacity; r++) {
      const key = last[r]! >= 0 ? lo[r]! : -1;
      if (key !== this.pushedKey[r]) { if (key < 0) freed.push(r); else isDirty[r] = 1; }
      this.pushedKey[r] = key;
    }
    for (let r = 0; r < this.table.rows; r++) {
      if (!isDirty[r]) continue;
      if (r === this.defaultRow) { rows.push(r); keys.push(-1); continue; }
      if (last[r]! < 0) continue; // freed (listed in `freed`)
      rows.push(r); keys.push(lo[r]!);
    }
    const values = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => values.set(vals.subarray(r * dim, (r + 1) * dim), i * dim));
    return { rows: Int32Array.from(rows), keys: Float64Array.from(keys), values, freed: Int32Array.from(freed) };
  }

  /** Forget what was pushed: the next takeChanges lists every held row and the default row (a full push). */
  resetPushed(): void {
    this.pushedKey.fill(-1);
    const d = this.table.dirtyMask();
    d.fill(1);
  }

  /** Mapper state for checkpoints (the table itself is checkpointed as any table). */
  state(): MapperState { return this.mapper.state(); }
  restore(s: MapperState, where: string): void {
    this.mapper.restore(s, where);
    this.resetPushed();
  }

  /** Bytes held: values + optimizer state + mapper. */
  bytes(): number {
    const m = this.table.memory();
    return m.totalBytes + this.mapper.stateBytes();
  }
}

/** Binary form of a mapper state: "LRMAP1", u32 header length, JSON header, 8-aligned arrays. */
export function packMapperState(s: MapperState): Uint8Array {
  const names = Object.keys(s.arrays);
  const sections = names.map((n) => ({ name: n, type: s.arrays[n]!.constructor.name, length: s.arrays[n]!.length }));
  const head = Buffer.from(JSON.stringify({ meta: s.meta, sections }), 'utf8');
  const align = (x: number) => (x + 7) & ~7;
  let off = align(10 + head.length);
  const offsets = names.map((n) => { const o = off; off = align(off + s.arrays[n]!.byteLength); return o; });
  const out = new Uint8Array(off);
  out.set(Buffer.from('LRMAP1', 'latin1'), 0);
  new DataView(out.buffer).setUint32(6, head.length, true);
  out.set(head, 10);
  names.forEach((n, i) => { const a = s.arrays[n]!; out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!); });
  return out;
}

const CTORS: Record<string, new (n: number) => MapperArray> = { Float32Array, Float64Array, Int32Array, Uint32Array, Uint16Array, Uint8Array };

export function unpackMapperState(b: Uint8Array, where: string): MapperState {
  if (b.length < 10 || Buffer.from(b.subarray(0, 6)).toString('latin1') !== 'LRMAP1') throw new Error(`${where}: not a mapper state (bad magic)`);
  const hl = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(6, true);
  const h = JSON.parse(Buffer.from(b.subarray(10, 10 + hl)).toString('utf8')) as { meta: MapperState['meta']; sections: { name: string; type: string; length: number }[] };
  const align = (x: number) => (x + 7) & ~7;
  let off = align(10 + hl);
  const arrays: Record<string, MapperArray> = {};
  for (const s of h.sections) {
    const C = CTORS[s.type];
    if (!C) throw new Error(`${where}: section ${s.name} has unknown type ${s.type}`);
    const a = new C(s.length);
    const bytes = s.length * (a as { BYTES_PER_ELEMENT: number } & MapperArray).BYTES_PER_ELEMENT;
    if (off + bytes > b.length) throw new Error(`${where}: truncated (section ${s.name})`);
    new Uint8Array(a.buffer).set(b.subarray(off, off + bytes));
    arrays[s.name] = a;
    off = align(off + bytes);
  }
  return { meta: h.meta, arrays };
}
