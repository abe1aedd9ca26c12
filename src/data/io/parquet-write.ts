// Parquet output via hyparquet-writer's incremental ParquetWriter: each written batch becomes one
// or more row groups. Column types come from the schema when given, else from the array kinds.
import { ParquetWriter, fileWriter, schemaFromColumnData, type BasicType, type ColumnSource } from 'hyparquet-writer';
import type { FieldSpec, Schema } from '../schema.js';
import { concatTables, isStringColumn, sliceTable, type Column, type Table } from '../table.js';

function typeOf(c: Column, f: FieldSpec | undefined): BasicType {
  if (f) {
    switch (f.type) {
      case 'float': return 'DOUBLE';
      case 'bool': return 'BOOLEAN';
      case 'string': return 'STRING';
      case 'int': return c instanceof Int32Array ? 'INT32' : 'INT64';
    }
  }
  if (isStringColumn(c)) return 'STRING';
  if (c instanceof Float64Array) return 'DOUBLE';
  if (c instanceof Float32Array) return 'FLOAT';
  if (c instanceof Uint32Array) return 'INT64';
  return 'INT32';
}

function values(c: Column, type: BasicType, keepNaN: boolean): ColumnSource['data'] {
  if (isStringColumn(c)) return c;
  const n = c.length;
  if (type === 'INT64') {
    const out = new Array<bigint | null>(n);
    for (let i = 0; i < n; i++) {
      const v = c[i]!;
      if (Number.isNaN(v)) { out[i] = null; continue; }
      if (!Number.isSafeInteger(v)) throw new Error(`table writer: int column has a non-integer or unsafe value ${v} at row ${i}`);
      out[i] = BigInt(v);
    }
    return out;
  }
  if (type === 'BOOLEAN') {
    const out = new Array<boolean | null>(n);
    for (let i = 0; i < n; i++) { const v = c[i]!; out[i] = Number.isNaN(v) ? null : v !== 0; }
    return out;
  }
  if (type === 'INT32') return c instanceof Int32Array ? c : Int32Array.from(c);
  // DOUBLE / FLOAT: NaN is written as null (missing) unless it is a value of the field.
  if (!keepNaN && c.some(Number.isNaN)) {
    const out = new Array<number | null>(n);
    for (let i = 0; i < n; i++) { const v = c[i]!; out[i] = Number.isNaN(v) ? null : v; }
    return out;
  }
  return c instanceof Float64Array || c instanceof Float32Array ? c : Float64Array.from(c);
}

export class ParquetTableWriter {
  private pw: ParquetWriter | undefined;
  private cols: { name: string; type: BasicType; keepNaN: boolean }[] = [];
  private pending: Table[] = [];
  private pendingRows = 0;

  constructor(private readonly tmpPath: string, private readonly schema: Schema | undefined,
    private readonly rowGroupSize: number) {
    if (!(Number.isInteger(rowGroupSize) && rowGroupSize > 0)) throw new Error(`rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  }

  write(t: Table): void {
    const names = Object.keys(t.columns);
    if (!this.pw) {
      this.cols = names.map((name) => {
        const f = this.schema?.find((s) => s.name === name);
        const keepNaN = f?.type === 'float' && f.allowNonFinite === true && f.nullable !== true;
        return { name, type: typeOf(t.columns[name]!, f), keepNaN };
      });
      const schema = schemaFromColumnData({
        columnData: this.cols.map((c) => ({ name: c.name, data: [], type: c.type, nullable: true })),
      });
      this.pw = new ParquetWriter({ writer: fileWriter(this.tmpPath), schema });
    } else {
      checkSameColumns(this.cols.map((c) => c.name), names);
      for (const c of this.cols) {
        if (isStringColumn(t.columns[c.name]!) !== (c.type === 'STRING')) {
          throw new Error(`table writer: column "${c.name}" changed kind (string vs numeric) after the first batch`);
        }
      }
    }
    if (t.numRows === 0) return;
    // Buffer small batches so row groups get rowGroupSize rows (memory stays ≈ one row group).
    this.pending.push(t);
    this.pendingRows += t.numRows;
    if (this.pendingRows >= this.rowGroupSize) this.flush(false);
  }

  private flush(all: boolean): void {
    if (this.pendingRows === 0) return;
    const t = this.pending.length === 1 ? this.pending[0]! : concatTables(this.pending);
    const whole = all ? t.numRows : t.numRows - (t.numRows % this.rowGroupSize);
    const head = whole === t.numRows ? t : sliceTable(t, 0, whole);
    const columnData: ColumnSource[] = this.cols.map((c) => ({
      name: c.name, type: c.type, nullable: true, data: values(head.columns[c.name]!, c.type, c.keepNaN),
    }));
    void this.pw!.write({ columnData, rowGroupSize: this.rowGroupSize });
    this.pending = whole === t.numRows ? [] : [sliceTable(t, whole, t.numRows)];
    this.pendingRows = t.numRows - whole;
  }

  /** Flush buffered rows and write the footer. */
  finish(): void {
    if (!this.pw) this.write({ numRows: 0, columns: {} });
    this.flush(true);
    void this.pw!.finish();
  }
}

/** Later batches must have the same column names (any order) as the first. */
export function checkSameColumns(expected: string[], got: string[]): void {
  const g = new Set(got);
  if (expected.length !== got.length || expected.some((n) => !g.has(n))) {
    throw new Error(`table writer: batch columns [${got.join(', ')}] differ from the first batch [${expected.join(', ')}]`);
  }
}
