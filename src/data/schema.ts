// Data schemas: which columns a reader expects, how raw values (CSV strings, JSON values, Parquet
// values) become typed column values, and why a row is rejected.
//
// Column storage (fixed per field, so every batch of a file has the same array types and
// concatTables works):
//   float  → Float64Array; NaN = missing (only when the field can be missing).
//   int    → Float64Array by default: exact for |v| ≤ 2^53 (ids up to 2^40 fit), NaN = missing.
//            `storage: 'int32'` opts into Int32Array (values must fit int32 and the field can
//            never be missing); out-of-range values make the row bad, nothing is truncated.
//   bool   → Uint8Array (0/1) when the field can never be missing; otherwise Float64Array with
//            0/1 and NaN = missing (a Uint8Array has no room for "missing").
//   string → (string|null)[]; null = missing. Low-cardinality values are interned per column.
// A field "can be missing" when nullable is true or required is false.
//   required (default true): the column/key must be present (CSV/Parquet: in the header/file
//     schema, else the whole read fails; JSONL: in every object, else the row is bad).
//   nullable (default false): a present value may be missing (null, an empty CSV field).
//   allowNonFinite (default false, float only): NaN/Infinity literals are accepted as values.
import { z } from 'zod';
import type { Column, Table } from './table.js';

export type FieldType = 'float' | 'int' | 'string' | 'bool';
export interface FieldSpec {
  name: string;
  type: FieldType;
  required?: boolean;
  nullable?: boolean;
  allowNonFinite?: boolean;
  /** int only: 'float64' (default) or 'int32'. */
  storage?: 'float64' | 'int32';
}
export type Schema = FieldSpec[];
export type Storage = 'float64' | 'int32' | 'uint8' | 'string';

const FIELD_TYPES = ['float', 'int', 'string', 'bool'] as const;
const fieldZ = z.object({
  name: z.string().min(1),
  type: z.enum(FIELD_TYPES),
  required: z.boolean().optional(),
  nullable: z.boolean().optional(),
  allowNonFinite: z.boolean().optional(),
  storage: z.enum(['float64', 'int32']).optional(),
}).strict().superRefine((f, ctx) => {
  if (f.allowNonFinite && f.type !== 'float') {
    ctx.addIssue({ code: 'custom', path: ['allowNonFinite'], message: `allowNonFinite is only allowed for type "float", not "${f.type}"` });
  }
  if (f.storage !== undefined && f.type !== 'int') {
    ctx.addIssue({ code: 'custom', path: ['storage'], message: `storage is only allowed for type "int", not "${f.type}"` });
  }
  if (f.storage === 'int32' && (f.nullable || f.required === false)) {
    ctx.addIssue({ code: 'custom', path: ['storage'], message: 'storage "int32" cannot hold missing values: needs nullable false and required true' });
  }
});
const schemaZ = z.array(fieldZ).min(1).superRefine((fields, ctx) => {
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate column name "${f.name}"` });
    seen.add(f.name);
  });
});

/** Validate a schema (e.g. from a config file). Throws naming the field and the allowed values. */
export function parseSchema(input: unknown): Schema {
  const r = schemaZ.safeParse(input);
  if (r.success) return r.data;
  const raw = Array.isArray(input) ? input : [];
  const lines = r.error.issues.map((iss) => {
    const [idx, ...rest] = iss.path;
    let where = 'schema';
    if (typeof idx === 'number') {
      const nm = (raw[idx] as { name?: unknown } | undefined)?.name;
      where = `schema field #${idx}${typeof nm === 'string' && nm ? ` ("${nm}")` : ''}`;
      if (rest.length) where += `.${rest.map(String).join('.')}`;
    }
    return `${where}: ${iss.message}`;
  });
  throw new Error(`invalid schema:\n  ${lines.join('\n  ')}`);
}

export function canBeMissing(f: FieldSpec): boolean {
  return f.nullable === true || f.required === false;
}

export function storageOf(f: FieldSpec): Storage {
  switch (f.type) {
    case 'float': return 'float64';
    case 'int': return f.storage === 'int32' ? 'int32' : 'float64';
    case 'bool': return canBeMissing(f) ? 'float64' : 'uint8';
    case 'string': return 'string';
  }
}

export function allocColumn(f: FieldSpec, n: number): Column {
  switch (storageOf(f)) {
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'string': return new Array<string | null>(n).fill(null);
  }
}

/** An empty table with the schema's columns. */
export function emptyTable(schema: Schema): Table {
  const columns: Record<string, Column> = {};
  for (const f of schema) columns[f.name] = allocColumn(f, 0);
  return { numRows: 0, columns };
}

// ---- value conversion ---------------------------------------------------------------------------

const NUM_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NONFINITE_RE = /^([+-]?)(nan|inf|infinity)$/i;
const BOOL_TRUE = new Set(['true', '1', 't', 'yes', 'y']);
const BOOL_FALSE = new Set(['false', '0', 'f', 'no', 'n']);

/** Parse a decimal number (also NaN/Inf/Infinity); undefined when unparsable. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (NUM_RE.test(t)) return Number(t);
  const m = NONFINITE_RE.exec(t);
  if (!m) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'number') return String(v);
  return describeType(v);
}
function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return 'binary';
  return typeof v;
}

const MISSING = Symbol('missing');
type Num = number | string | typeof MISSING; // number, or a reason string, or missing

/** Raw value → number for float/int/bool fields (bool gives 0/1). */
function toNumber(f: FieldSpec, raw: unknown): Num {
  let v: number;
  if (typeof raw === 'number') v = raw;
  else if (typeof raw === 'string') {
    if (f.type === 'bool') {
      const t = raw.trim().toLowerCase();
      if (t === '') return MISSING;
      if (BOOL_TRUE.has(t)) return 1;
      if (BOOL_FALSE.has(t)) return 0;
      return `cannot parse ${show(raw)} as bool (expected true/false/1/0)`;
    }
    const p = parseNumber(raw);
    if (p === undefined) return raw.trim() === '' ? MISSING : `cannot parse ${show(raw)} as ${f.type}`;
    v = p;
  } else if (typeof raw === 'boolean') {
    if (f.type !== 'bool') return `expected ${f.type}, got boolean`;
    return raw ? 1 : 0;
  } else if (typeof raw === 'bigint') {
    if (raw > BigInt(Number.MAX_SAFE_INTEGER) || raw < BigInt(-Number.MAX_SAFE_INTEGER)) {
      return `${f.type} ${raw} exceeds ±2^53 (not exactly representable)`;
    }
    v = Number(raw);
  } else return `expected ${f.type}, got ${describeType(raw)}`;

  if (f.type === 'float') {
    if (!Number.isFinite(v) && !f.allowNonFinite) return `non-finite value ${v} not allowed`;
    return v;
  }
  if (f.type === 'bool') {
    if (v === 0 || v === 1) return v;
    return `cannot parse ${show(raw)} as bool (expected true/false/1/0)`;
  }
  // int
  if (!Number.isFinite(v)) return `non-finite value ${v} not allowed for int`;
  if (!Number.isInteger(v)) return `expected int, got ${show(raw)}`;
  if (Math.abs(v) > Number.MAX_SAFE_INTEGER) return `int ${show(raw)} exceeds ±2^53 (not exactly representable)`;
  if (f.storage === 'int32' && (v > 2147483647 || v < -2147483648)) return `int ${show(raw)} out of int32 range`;
  return v;
}

type Str = string | null | { reason: string };
function toStr(f: FieldSpec, raw: unknown): Str {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean') return String(raw);
  return { reason: `expected ${f.type}, got ${describeType(raw)}` };
}

export type ConvertResult = { ok: true; value: number | string | null } | { ok: false; reason: string };

/**
 * Convert one raw value for a field. `undefined` = field absent, `null` = missing value.
 * Missing values come back as null (strings) or NaN (numeric storage).
 */
export function convertValue(f: FieldSpec, raw: unknown): ConvertResult {
  const b = new BatchBuilder([f], 1);
  const reason = b.set(0, raw);
  if (reason !== null) return { ok: false, reason };
  b.commit();
  const col = b.finish().columns[f.name]!;
  return { ok: true, value: col[0] ?? null };
}

export type RowResult =
  | { ok: true; values: Record<string, number | string | null>; unknown: string[] }
  | { ok: false; field: string; reason: string; unknown: string[] };

/**
 * Validate and convert one object row (e.g. a JSON request) against a schema. Missing values come
 * back as null (strings) or NaN. Keys not in the schema are ignored and listed in `unknown`.
 * (For many rows use a BatchBuilder.)
 */
export function convertRow(schema: Schema, row: Record<string, unknown>): RowResult {
  const known = new Set(schema.map((x) => x.name));
  const unknown = Object.keys(row).filter((k) => !known.has(k));
  const values: Record<string, number | string | null> = {};
  for (const f of schema) {
    const r = convertValue(f, Object.hasOwn(row, f.name) ? row[f.name] : undefined);
    if (!r.ok) return { ok: false, field: f.name, reason: r.reason, unknown };
    values[f.name] = r.value;
  }
  return { ok: true, values, unknown };
}

const INTERN_LIMIT = 4096;

/**
 * Builds one batch (Table) row by row. For each row call set(j, raw) for every field j (stop at the
 * first non-null reason: the row is bad and its slot is reused), then commit() when all are ok.
 */
export class BatchBuilder {
  private cols: Column[];
  private n = 0;
  private readonly kinds: Storage[];
  private readonly interns: Map<string, string>[];

  constructor(readonly schema: Schema, readonly capacity: number) {
    this.kinds = schema.map(storageOf);
    this.interns = schema.map(() => new Map());
    this.cols = schema.map((f) => allocColumn(f, capacity));
  }

  get length(): number { return this.n; }
  get full(): boolean { return this.n >= this.capacity; }

  /** Store raw for field j in the current row; returns null when ok, else the reason. */
  set(j: number, raw: unknown): string | null {
    const f = this.schema[j]!;
    const col = this.cols[j]!;
    const i = this.n;
    if (raw === undefined || raw === null) return this.missing(j, raw === undefined);
    if (this.kinds[j] === 'string') {
      const s = toStr(f, raw);
      if (s === null) return this.missing(j, false);
      if (typeof s !== 'string') return s.reason;
      (col as (string | null)[])[i] = this.intern(j, s);
      return null;
    }
    const v = toNumber(f, raw);
    if (v === MISSING) return this.missing(j, false);
    if (typeof v === 'string') return v;
    (col as Float64Array)[i] = v;
    return null;
  }

  private missing(j: number, absent: boolean): string | null {
    const f = this.schema[j]!;
    if (absent && f.required !== false) return 'missing required field';
    if (!absent && !f.nullable) return 'missing value (field is not nullable)';
    const col = this.cols[j]!;
    if (this.kinds[j] === 'string') (col as (string | null)[])[this.n] = null;
    else (col as Float64Array)[this.n] = NaN;
    return null;
  }

  private intern(j: number, s: string): string {
    const m = this.interns[j]!;
    const hit = m.get(s);
    if (hit !== undefined) return hit;
    if (m.size < INTERN_LIMIT) m.set(s, s);
    return s;
  }

  commit(): void { this.n++; }

  /** The rows committed so far as a Table; the builder starts a fresh batch. */
  finish(): Table {
    const columns: Record<string, Column> = {};
    const n = this.n;
    this.schema.forEach((f, j) => {
      const c = this.cols[j]!;
      columns[f.name] = n === c.length ? c : (c.slice(0, n) as Column);
    });
    this.cols = this.schema.map((f) => allocColumn(f, this.capacity));
    this.n = 0;
    return { numRows: n, columns };
  }
}
