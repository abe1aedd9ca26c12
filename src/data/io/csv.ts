// Streaming CSV/TSV reader. Lines without a quote character are split directly (fast path, e.g. the
// census file); any record containing '"' is parsed by csv-parse, with records spanning several
// physical lines (quoted newlines) gathered first. Missing values: an unquoted empty field is
// missing (null/NaN); a quoted empty field ("") is the empty string.
import { parse as csvParseSync } from 'csv-parse/sync';
import type { Table } from '../table.js';
import type { Collector } from './collector.js';
import { lineChunks, openText } from './lines.js';
import { DataReadError, type CsvOptions } from './types.js';

type Rec = (string | null)[];
const NOT_CLOSED = Symbol('not-closed');
const MAX_PENDING_LINES = 100_000;
const MAX_PENDING_CHARS = 64 * 1024 * 1024;

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

export async function* readCsv(file: string, gzip: boolean, csv: CsvOptions, defaultDelimiter: string,
  c: Collector): AsyncGenerator<Table> {
  const delimiter = csv.delimiter ?? defaultDelimiter;
  if (delimiter.length === 0 || delimiter.includes('"') || delimiter.includes('\n')) {
    throw new DataReadError(file, `${file}: invalid CSV delimiter ${JSON.stringify(delimiter)}`);
  }
  const trim = csv.trim === true;
  let expectHeader = csv.header ?? csv.columns === undefined;
  const schema = c.schema;

  const split = (line: string): Rec => {
    const r: Rec = line.split(delimiter);
    for (let i = 0; i < r.length; i++) {
      let v = r[i]!;
      if (trim) v = v.trim();
      r[i] = v === '' ? null : v;
    }
    return r;
  };
  const parseQuoted = (text: string): Rec | string | typeof NOT_CLOSED => {
    try {
      const recs = csvParseSync(text, {
        delimiter, trim, relax_column_count: true, skip_empty_lines: false,
        cast: (v, ctx) => (v === '' && !ctx.quoting ? null : v),
      }) as unknown as Rec[];
      if (recs.length !== 1) return `malformed CSV: expected one record, got ${recs.length}`;
      return recs[0]!;
    } catch (e) {
      if ((e as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') return NOT_CLOSED;
      return `malformed CSV: ${(e as Error).message.replace(/ at line \d+/, '')}`;
    }
  };

  let index: Int32Array | null = null;
  let ncols = 0;
  const setColumns = (names: string[], line: number): void => {
    const pos = new Map<string, number>();
    names.forEach((nm, k) => {
      if (pos.has(nm)) throw new DataReadError(file, `${file}:${line}: duplicate column "${nm}" in header`);
      pos.set(nm, k);
    });
    index = new Int32Array(schema.length);
    schema.forEach((f, j) => {
      const k = pos.get(f.name);
      if (k === undefined && f.required !== false) {
        throw new DataReadError(file, `${file}:${line}: required column "${f.name}" not found; file columns: ${names.join(', ')}`);
      }
      index![j] = k ?? -1;
    });
    const known = new Set(schema.map((f) => f.name));
    for (const nm of names) if (!known.has(nm)) c.unknownColumn(nm, `${file}:${line}`);
    ncols = names.length;
  };
  if (csv.columns) setColumns(csv.columns, 0);
  else if (!expectHeader) setColumns(schema.map((f) => f.name), 0);

  let rec: Rec = [];
  const get = (j: number): string | null | undefined => {
    const k = index![j]!;
    return k < 0 ? undefined : rec[k];
  };

  let lineNo = 0;
  let pending: string | null = null;
  let pendingStart = 0;
  let pendingLines = 0;
  let pendingQuotes = 0;
  try {
    for await (const lines of lineChunks(openText(file, gzip))) {
      for (const line of lines) {
        lineNo++;
        if (pending === null && c.isComment(line)) continue;
        let start = lineNo;
        let r: Rec | string | typeof NOT_CLOSED;
        if (pending !== null) {
          pending += `\n${line}`;
          pendingLines++;
          pendingQuotes += countQuotes(line);
          start = pendingStart;
          if (pendingQuotes % 2 === 1) {
            if (pendingLines > MAX_PENDING_LINES || pending.length > MAX_PENDING_CHARS) {
              throw new DataReadError(file, `${file}:${pendingStart}: quoted field not closed after ${pendingLines} lines`);
            }
            continue;
          }
          r = parseQuoted(pending);
          pending = null;
          if (r === NOT_CLOSED) r = 'malformed CSV: quoted field not closed';
        } else if (line === '') {
          if (expectHeader || ncols !== 1) continue; // blank lines are skipped, except in 1-column files
          r = [null];
        } else if (line.indexOf('"') < 0) {
          r = split(line);
        } else {
          r = parseQuoted(line);
          if (r === NOT_CLOSED) {
            pending = line; pendingStart = lineNo; pendingLines = 1; pendingQuotes = countQuotes(line);
            continue;
          }
        }
        if (expectHeader) {
          if (typeof r === 'string') throw new DataReadError(file, `${file}:${start}: bad header: ${r}`);
          expectHeader = false;
          if (index === null) setColumns(r.map((v) => v ?? ''), start);
          continue;
        }
        if (typeof r === 'string') { c.bad(start, undefined, r); continue; }
        if (r.length !== ncols) { c.bad(start, undefined, `expected ${ncols} fields, got ${r.length}`); continue; }
        rec = r;
        c.row(start, get);
        if (c.full) yield c.take();
      }
    }
  } catch (e) {
    if (e instanceof DataReadError) throw e;
    throw new DataReadError(file, `${file}: read failed near line ${lineNo}: ${(e as Error).message}`);
  }
  if (pending !== null) c.bad(pendingStart, undefined, `malformed CSV: quoted field opened here is never closed (runs to end of file, ${pendingLines} lines)`);
  if (expectHeader && index === null) throw new DataReadError(file, `${file}: empty file (no header line)`);
}
