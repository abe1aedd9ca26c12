// readTable / readAll: the one entry point for reading CSV, TSV, JSONL and Parquet files into
// schema-typed Table batches. Bad rows are counted, reported (first N) and skipped; too many abort.
import { open } from 'node:fs/promises';
import { emptyTable, parseSchema } from '../schema.js';
import { isStringColumn, type Column, type NumericColumn, type Table } from '../table.js';
import { Collector } from './collector.js';
import { readCsv } from './csv.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { DataReadError, type ReadOptions, type ReadStats, type TableFormat } from './types.js';

export function detectFormat(path: string): { format: TableFormat; gzip: boolean } | undefined {
  const p = path.toLowerCase();
  const gzip = p.endsWith('.gz');
  const base = gzip ? p.slice(0, -3) : p;
  const ext = base.slice(base.lastIndexOf('.') + 1);
  const formats: Record<string, TableFormat> = { csv: 'csv', tsv: 'tsv', jsonl: 'jsonl', ndjson: 'jsonl', parquet: 'parquet' };
  const format = formats[ext];
  if (!format || (gzip && format === 'parquet')) return undefined;
  return { format, gzip };
}

/**
 * Stream a file as Tables of at most batchSize rows. The generator's return value (visible with
 * manual next() calls; readAll uses it) is the ReadStats. Throws DataReadError for unreadable
 * files, missing required columns and when the bad-row rate exceeds maxErrorRate.
 */
export async function* readTable(path: string, opts: ReadOptions): AsyncGenerator<Table, ReadStats> {
  const schema = parseSchema(opts.schema);
  const det = detectFormat(path);
  const format = opts.format ?? det?.format;
  if (!format) {
    throw new DataReadError(path, `${path}: cannot tell the format from the extension (known: .csv, .tsv, .jsonl, .ndjson, .parquet, optionally .gz for text); set the format (config data.format, flag --format: csv | tsv | jsonl | parquet)`);
  }
  const magic = await firstBytes(path, 4);
  const gzip = opts.gzip ?? (magic[0] === 0x1f && magic[1] === 0x8b);
  if (gzip && format === 'parquet') throw new DataReadError(path, `${path}: gzip-compressed Parquet is not supported`);
  if (format !== 'parquet' && !gzip && magic.length === 4 && magic.toString('latin1') === 'PAR1') {
    throw new DataReadError(path, `${path}: this is a Parquet file, read as ${format}; set the format to parquet (config data.format, flag --format)`);
  }
  const c = new Collector(path, schema, opts);
  const src = format === 'parquet' ? readParquet(path, c)
    : format === 'jsonl' ? readJsonl(path, gzip, c)
      : readCsv(path, gzip, opts.csv ?? {}, format === 'tsv' ? '\t' : ',', c);
  yield* src;
  if (c.builder.length > 0) yield c.take();
  return c.end();
}

/** The first n bytes of a file (fewer when it is shorter); DataReadError when it cannot be opened. */
export async function firstBytes(path: string, n: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new DataReadError(path, `${path}: cannot open: ${(e as Error).message}`);
  }
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } catch (e) {
    throw new DataReadError(path, `${path}: cannot read: ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}

/** Read a whole file into one Table (plus the stats). */
export async function readAll(path: string, opts: ReadOptions): Promise<{ table: Table; stats: ReadStats }> {
  const it = readTable(path, opts);
  const parts: Table[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) {
      const table = parts.length === 0 ? emptyTable(parseSchema(opts.schema)) : parts.length === 1 ? parts[0]! : concatBatches(parts);
      return { table, stats: r.value };
    }
    parts.push(r.value);
  }
}

/** Concatenate same-shaped batches into preallocated columns. */
function concatBatches(parts: Table[]): Table {
  const numRows = parts.reduce((s, p) => s + p.numRows, 0);
  const columns: Record<string, Column> = {};
  for (const name of Object.keys(parts[0]!.columns)) {
    const first = parts[0]!.columns[name]!;
    let off = 0;
    if (isStringColumn(first)) {
      const out = new Array<string | null>(numRows);
      for (const p of parts) {
        const c = p.columns[name] as (string | null)[];
        for (let i = 0; i < c.length; i++) out[off + i] = c[i]!;
        off += c.length;
      }
      columns[name] = out;
    } else {
      const out = new (first.constructor as new (n: number) => NumericColumn)(numRows);
      for (const p of parts) { const c = p.columns[name] as NumericColumn; out.set(c, off); off += c.length; }
      columns[name] = out;
    }
  }
  return { numRows, columns };
}
