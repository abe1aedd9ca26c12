// The columnar batch every layer passes around: readers yield Tables, the synthetic world is a
// Table, feature pipelines turn a Table into model inputs (the same call in training and serving).
export type NumericColumn =
  | Float64Array | Float32Array | Int32Array | Uint32Array
  | Int16Array | Uint16Array | Int8Array | Uint8Array;
/** Strings; null marks a missing value. */
export type StringColumn = (string | null)[];
export type Column = NumericColumn | StringColumn;

export interface Table {
  readonly numRows: number;
  /** Every column has exactly numRows entries. Missing numbers are NaN (float columns). */
  readonly columns: Readonly<Record<string, Column>>;
}

export function isStringColumn(c: Column): c is StringColumn {
  return Array.isArray(c);
}

export function makeTable(columns: Record<string, Column>): Table {
  const names = Object.keys(columns);
  const numRows = names.length ? columns[names[0]!]!.length : 0;
  for (const n of names) {
    if (columns[n]!.length !== numRows) {
      throw new Error(`table column "${n}" has ${columns[n]!.length} rows, expected ${numRows} (as "${names[0]}")`);
    }
  }
  return { numRows, columns };
}

/** Rows [start, end) as a new table (typed-array views are copied so the result owns its memory). */
export function sliceTable(t: Table, start: number, end: number): Table {
  const cols: Record<string, Column> = {};
  for (const [n, c] of Object.entries(t.columns)) cols[n] = c.slice(start, end) as Column;
  return { numRows: Math.max(0, Math.min(end, t.numRows) - start), columns: cols };
}

/** Gather rows by index (e.g. a shuffled or split order). */
export function takeRows(t: Table, idx: ArrayLike<number>): Table {
  const cols: Record<string, Column> = {};
  for (const [n, c] of Object.entries(t.columns)) {
    if (isStringColumn(c)) {
      const out: StringColumn = new Array(idx.length);
      for (let i = 0; i < idx.length; i++) out[i] = c[idx[i]!]!;
      cols[n] = out;
    } else {
      const Ctor = c.constructor as new (n: number) => NumericColumn;
      const out = new Ctor(idx.length);
      for (let i = 0; i < idx.length; i++) out[i] = c[idx[i]!]!;
      cols[n] = out;
    }
  }
  return { numRows: idx.length, columns: cols };
}

/** Concatenate tables with the same column names and kinds. */
export function concatTables(parts: Table[]): Table {
  if (parts.length === 0) return { numRows: 0, columns: {} };
  const names = Object.keys(parts[0]!.columns);
  const numRows = parts.reduce((s, p) => s + p.numRows, 0);
  const cols: Record<string, Column> = {};
  for (const n of names) {
    const first = parts[0]!.columns[n]!;
    if (isStringColumn(first)) {
      const out: StringColumn = [];
      for (const p of parts) for (const v of p.columns[n] as StringColumn) out.push(v);
      cols[n] = out;
    } else {
      const Ctor = first.constructor as new (n: number) => NumericColumn;
      const out = new Ctor(numRows);
      let off = 0;
      for (const p of parts) {
        const c = p.columns[n];
        if (!c || isStringColumn(c)) throw new Error(`concatTables: column "${n}" missing or of another kind`);
        out.set(c as never, off);
        off += c.length;
      }
      cols[n] = out;
    }
  }
  return { numRows, columns: cols };
}
