// Table writers: CSV/TSV, JSONL (optionally .gz) and Parquet. Output goes to a temp file in the
// target's directory, which is fsynced and renamed over the target on close(): readers never see a
// torn file, and a failed/aborted write leaves the old file (if any) untouched.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import type { Schema } from '../schema.js';
import type { Table } from '../table.js';
import { csvFormatters, csvQuote, formatRows, jsonFormatters, type CellFormatter } from './format-text.js';
import { ParquetTableWriter, checkSameColumns } from './parquet-write.js';
import { detectFormat } from './read.js';
import type { TableFormat } from './types.js';

export interface WriteOptions {
  /** Default: from the extension (.csv/.tsv/.jsonl/.ndjson/.parquet, .gz for text formats). */
  format?: TableFormat;
  /** gzip text output (default: path ends with .gz). */
  gzip?: boolean;
  /** Field types for typed output: bool as true/false, Parquet INT64/BOOLEAN, NaN kept where it is a value. */
  schema?: Schema;
  /** CSV/TSV separator (default ',' / '\t'). */
  delimiter?: string;
  /** Parquet rows per row group (default 65536). */
  rowGroupSize?: number;
  /** fsync the temp file before the rename (default true; false = atomic for readers but not crash-durable). */
  fsync?: boolean;
}

export interface TableWriter {
  /** Append a batch (same column names as the first batch). */
  write(batch: Table): Promise<void>;
  /** Finish the file and move it into place. */
  close(): Promise<void>;
  /** Drop the temp file; the target is left as it was. */
  abort(): Promise<void>;
}

let tmpCounter = 0;
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${tmpCounter++}.tmp`);
}

async function fsyncAndRename(tmp: string, path: string, sync: boolean): Promise<void> {
  if (sync) {
    const fh = await open(tmp, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
  }
  await rename(tmp, path);
}

export async function openTableWriter(path: string, opts: WriteOptions = {}): Promise<TableWriter> {
  const det = detectFormat(path);
  const format = opts.format ?? det?.format;
  if (!format) throw new Error(`${path}: cannot tell the output format from the extension; pass opts.format`);
  const gzip = opts.gzip ?? path.toLowerCase().endsWith('.gz');
  if (gzip && format === 'parquet') throw new Error(`${path}: gzip-compressed Parquet is not supported`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  let done = false;
  const guard = (): void => { if (done) throw new Error(`${path}: table writer already closed`); };

  if (format === 'parquet') {
    const pw = new ParquetTableWriter(tmp, opts.schema, opts.rowGroupSize ?? 65536);
    const abortPq = async (): Promise<void> => { done = true; await rm(tmp, { force: true }); };
    return {
      async write(batch) { guard(); try { pw.write(batch); } catch (e) { await abortPq(); throw e; } },
      async close() {
        guard();
        done = true;
        try { pw.finish(); await fsyncAndRename(tmp, path, opts.fsync !== false); } catch (e) { await abortPq(); throw new Error(`${path}: write failed: ${(e as Error).message}`); }
      },
      abort: abortPq,
    };
  }

  const delimiter = opts.delimiter ?? (format === 'tsv' ? '\t' : ',');
  const file: WriteStream = createWriteStream(tmp);
  const gz: Gzip | undefined = gzip ? createGzip() : undefined;
  if (gz) gz.pipe(file);
  const sink = gz ?? file;
  let failure: Error | undefined;
  sink.on('error', (e: Error) => { failure ??= e; });
  file.on('error', (e) => { failure ??= e; });
  const put = async (s: string): Promise<void> => {
    if (failure) throw failure;
    if (s.length && !sink.write(s)) await once(sink, 'drain');
  };
  let names: string[] | undefined;
  let fmts: CellFormatter[] = [];
  const abort = async (): Promise<void> => {
    done = true;
    sink.destroy();
    if (!file.closed) {
      const closed = once(file, 'close').catch(() => undefined);
      file.destroy();
      await closed;
    }
    await rm(tmp, { force: true });
  };
  return {
    async write(batch) {
      guard();
      try {
        if (!names) {
          names = Object.keys(batch.columns);
          fmts = format === 'jsonl' ? jsonFormatters(batch, names, opts.schema) : csvFormatters(batch, names, delimiter, opts.schema);
          if (format !== 'jsonl') await put(`${names.map((n) => csvQuote(n, delimiter)).join(delimiter)}\n`);
        } else checkSameColumns(names, Object.keys(batch.columns));
        await put(formatRows(batch, names, fmts, format === 'jsonl' ? 'jsonl' : 'csv', delimiter));
      } catch (e) { await abort(); throw e; }
    },
    async close() {
      guard();
      done = true;
      try {
        if (failure) throw failure;
        sink.end();
        await finished(file);
        if (failure) throw failure;
        await fsyncAndRename(tmp, path, opts.fsync !== false);
      } catch (e) { await abort(); throw new Error(`${path}: write failed: ${(e as Error).message}`); }
    },
    abort,
  };
}

/** Write a whole table atomically; the format comes from the extension unless opts.format is given. */
export async function writeTable(path: string, table: Table, opts: WriteOptions = {}): Promise<void> {
  const w = await openTableWriter(path, opts);
  await w.write(table);
  await w.close();
}
