// Row bookkeeping shared by every reader: fills batches, counts good/bad rows, keeps the first bad
// row reports and enforces maxErrorRate.
import { BatchBuilder, type Schema } from '../schema.js';
import type { Table } from '../table.js';
import { DataReadError, formatBadRow, reasonKind, type ReadOptions, type ReadStats } from './types.js';

export class Collector {
  readonly stats: ReadStats = { rowsSeen: 0, rowsOk: 0, rowsBad: 0, firstErrors: [], unknownColumns: [], badByReason: {}, commentLines: 0 };
  readonly builder: BatchBuilder;
  private readonly maxErrorRate: number;
  private readonly minRows: number;
  private readonly maxReported: number;
  private readonly unknown = new Set<string>();
  /** Lines of the rows in the current batch (opts.lineColumn). */
  private lines: Float64Array | null;
  /** opts.nullValues (string values read as missing). */
  private readonly nulls: Set<string> | null;

  constructor(readonly file: string, readonly schema: Schema, private readonly opts: ReadOptions) {
    const batchSize = opts.batchSize ?? 8192;
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    this.builder = new BatchBuilder(schema, batchSize);
    this.maxErrorRate = opts.maxErrorRate ?? 0.01;
    this.minRows = opts.minRowsForErrorRate ?? 1000;
    this.maxReported = opts.maxReportedErrors ?? 20;
    this.lines = opts.lineColumn ? new Float64Array(batchSize) : null;
    this.nulls = opts.nullValues && opts.nullValues.length ? new Set(opts.nullValues) : null;
  }

  /** Does a line start with the comment prefix? (Counted when it does.) */
  isComment(line: string): boolean {
    const p = this.opts.comment;
    if (p === undefined || !line.startsWith(p)) return false;
    this.stats.commentLines!++;
    return true;
  }

  /** Offer row fields in schema order: get(j) returns the raw value (undefined = absent). */
  row(line: number, get: (j: number) => unknown): void {
    const b = this.builder;
    const nulls = this.nulls;
    for (let j = 0; j < this.schema.length; j++) {
      let v = get(j);
      if (nulls !== null && typeof v === 'string' && nulls.has(v)) v = null;
      const reason = b.set(j, v);
      if (reason !== null) { this.bad(line, this.schema[j]!.name, reason); return; }
    }
    if (this.lines) this.lines[b.length] = line;
    b.commit();
    this.stats.rowsSeen++;
    this.stats.rowsOk++;
    if (this.stats.rowsSeen === this.minRows) this.check(false);
  }

  bad(line: number, field: string | undefined, reason: string): void {
    const s = this.stats;
    s.rowsSeen++;
    s.rowsBad++;
    const kind = reasonKind(field, reason);
    s.badByReason![kind] = (s.badByReason![kind] ?? 0) + 1;
    if (s.firstErrors.length < this.maxReported) {
      s.firstErrors.push(field === undefined ? { file: this.file, line, reason } : { file: this.file, line, field, reason });
    }
    if (s.rowsSeen >= this.minRows) this.check(false);
  }

  unknownColumn(name: string, where: string): void {
    if (this.unknown.has(name)) return;
    this.unknown.add(name);
    this.stats.unknownColumns.push(name);
    this.opts.onWarning?.(`${where}: column "${name}" is not in the schema (ignored)`);
  }

  get full(): boolean { return this.builder.full; }

  take(): Table {
    this.opts.onProgress?.(this.stats.rowsSeen);
    const t = this.builder.finish();
    if (!this.lines) return t;
    return { numRows: t.numRows, columns: { ...t.columns, [this.opts.lineColumn!]: this.lines.slice(0, t.numRows) } };
  }

  /** Throws when the bad-row rate exceeds maxErrorRate. */
  check(final: boolean): void {
    const s = this.stats;
    if (s.rowsSeen === 0 || s.rowsBad / s.rowsSeen <= this.maxErrorRate) return;
    const rate = s.rowsBad / s.rowsSeen;
    const shown = s.firstErrors.slice(0, 5).map((e) => `  ${formatBadRow(e)}`).join('\n');
    const fields = s.firstErrors.some((e) => /^expected \d+ fields/.test(e.reason));
    const csv = this.opts.csv ?? {};
    const hint = fields
      ? `the field count differs from the columns: check the delimiter (${csv.delimiter !== undefined ? JSON.stringify(csv.delimiter) : 'default'}; data.delimiter / --delimiter), header / columns, and comment lines (data.comment / --comment)`
      : 'check the schema types and the read options (data.null_values / --null-values for missing-value spellings, data.trim / --trim)';
    throw new DataReadError(this.file,
      `${this.file}: ${s.rowsBad} bad rows of ${s.rowsSeen} ${final ? 'read' : 'seen so far'} ` +
      `(error rate ${(rate * 100).toFixed(2)} % exceeds maxErrorRate ${(this.maxErrorRate * 100).toFixed(2)} %); first bad rows:\n${shown}\n` +
      `${hint}; or raise the limit (config data.max_error_rate)`,
      { ...s, firstErrors: [...s.firstErrors], unknownColumns: [...s.unknownColumns] });
  }

  /** End of input: final rate check, then the stats. */
  end(): ReadStats {
    this.check(true);
    this.opts.onProgress?.(this.stats.rowsSeen);
    return this.stats;
  }
}
