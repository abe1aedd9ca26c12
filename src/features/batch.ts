// Per-batch column access shared by every feature op: string columns become dictionary codes once
// per batch; numeric columns are read as typed arrays (text columns holding numbers are parsed once).
import { isStringColumn, type Column, type NumericColumn, type StringColumn, type Table } from '../data/table.js';
import { StringDict } from './dict.js';

export type NumericLike = NumericColumn | Float64Array;

/** Dictionaries live as long as the compiled plan (across batches). */
export class DictPool {
  readonly dicts = new Map<string, StringDict>();
  get(column: string): StringDict {
    let d = this.dicts.get(column);
    if (!d) { d = new StringDict(); this.dicts.set(column, d); }
    return d;
  }
}

export class BatchColumns {
  private codes = new Map<string, Int32Array>();
  private parsed = new Map<string, Float64Array>();
  /** Single-id outputs computed so far (emitted or not), by feature name: cross fields read them. */
  readonly ids = new Map<string, Int32Array>();
  /** Counter feature values for this batch, by feature name. */
  readonly counterValues = new Map<string, NumericLike>();

  constructor(readonly table: Table, readonly dicts: DictPool) {}

  get numRows(): number { return this.table.numRows; }

  column(name: string, feature: string): Column {
    const c = this.table.columns[name];
    if (!c) {
      const have = Object.keys(this.table.columns);
      throw new Error(`feature "${feature}": column "${name}" is not in the table (columns: ${have.slice(0, 40).join(', ')}${have.length > 40 ? ', …' : ''})`);
    }
    return c;
  }

  /** Dictionary codes (−1 = null) of a string column, computed once per batch. */
  codesOf(name: string, col: StringColumn): Int32Array {
    let c = this.codes.get(name);
    if (!c) {
      c = new Int32Array(this.table.numRows);
      this.dicts.get(name).encode(col, this.table.numRows, c);
      this.codes.set(name, c);
    }
    return c;
  }

  /** A numeric view of a column; text columns are parsed ('' / null → NaN; other non-numbers throw). */
  numeric(name: string, feature: string): NumericLike {
    const c = this.column(name, feature);
    if (!isStringColumn(c)) return c;
    let p = this.parsed.get(name);
    if (!p) {
      p = new Float64Array(c.length);
      for (let i = 0; i < c.length; i++) {
        const s = c[i];
        if (s === null || s === undefined || s.trim() === '') { p[i] = NaN; continue; }
        const x = Number(s);
        if (Number.isNaN(x) && s.trim().toLowerCase() !== 'nan') {
          throw new Error(`feature "${feature}": column "${name}" row ${i}: ${JSON.stringify(s)} is not a number`);
        }
        p[i] = x;
      }
      this.parsed.set(name, p);
    }
    return p;
  }
}
