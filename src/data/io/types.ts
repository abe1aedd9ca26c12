// Shared types of the table readers/writers.
import type { Schema } from '../schema.js';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

export interface CsvOptions {
  /** Field separator, may be several characters (default ',' for .csv, '\t' for .tsv). */
  delimiter?: string;
  /** First non-empty line is a header (default true, or false when `columns` is given). */
  header?: boolean;
  /** Explicit column names in file order (a header line, if `header: true`, is then skipped). */
  columns?: string[];
  /** Strip whitespace around unquoted fields (e.g. the census "comma + space" format). */
  trim?: boolean;
}

export interface ReadOptions {
  /** Expected columns. */
  schema: Schema;
  /** Rows per yielded Table (default 8192). */
  batchSize?: number;
  /** Abort when bad rows / rows seen exceeds this (default 0.01). */
  maxErrorRate?: number;
  /** The rate is checked once at least this many rows were seen (default 1000), and at the end. */
  minRowsForErrorRate?: number;
  /** Keep the first N bad-row reports (default 20). */
  maxReportedErrors?: number;
  onProgress?: (rowsSeen: number) => void;
  /** Called once per unknown (ignored) input column, e.g. to log it. */
  onWarning?: (message: string) => void;
  /** Override the format detected from the extension. */
  format?: TableFormat;
  /** Override gzip detection (default: by content — the file starts with the gzip magic bytes). */
  gzip?: boolean;
  csv?: CsvOptions;
  /** Lines starting with this text are skipped and counted in stats.commentLines (CSV/TSV/JSONL). */
  comment?: string;
  /** String values that mean missing (e.g. "?", "NA", "\\N"); compared after trim. */
  nullValues?: string[];
  /** Add a float column of this name holding each row's line in the file (1-based; Parquet: 0-based row index). */
  lineColumn?: string;
}

export interface BadRow {
  file: string;
  /** 1-based physical line for CSV/JSONL (the line a record starts on); 0-based row index for Parquet. */
  line: number;
  field?: string;
  reason: string;
}

export interface ReadStats {
  rowsSeen: number;
  rowsOk: number;
  rowsBad: number;
  firstErrors: BadRow[];
  /** Input columns/keys not in the schema (ignored; each reported once through onWarning). */
  unknownColumns: string[];
  /** Bad rows per kind of problem ("<field>: <reason without the value>"). */
  badByReason?: Record<string, number>;
  /** Lines skipped because they start with the `comment` prefix. */
  commentLines?: number;
}

/** A bad-row reason without the offending value, for counting by kind ("age: expected int, got …"). */
export function reasonKind(field: string | undefined, reason: string): string {
  const generic = reason.replace(/"(?:[^"\\]|\\.)*"|'[^']*'|-?\b\d[\d.eE+-]*/g, '…').replace(/\s*\(.*\)$/, '');
  return field === undefined ? generic : `${field}: ${generic}`;
}

export function formatBadRow(b: BadRow): string {
  return `${b.file}:${b.line}: ${b.field !== undefined ? `${b.field}: ` : ''}${b.reason}`;
}

/** A read failed: bad file, missing column, too many bad rows. The message names the file. */
export class DataReadError extends Error {
  constructor(readonly file: string, message: string, readonly stats?: ReadStats) {
    super(message);
    this.name = 'DataReadError';
  }
}
