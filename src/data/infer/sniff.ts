// Guess how to read a file from its first lines: format (extension, else content), gzip (content),
// comment prefix, separator, spaces after separators (trim) and whether the first line is a header.
// Options the user gave are kept as they are; only the missing ones are guessed, each with a reason.
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { parseNumber } from '../schema.js';
import { detectFormat } from '../io/read.js';
import type { FileReadOptions } from '../io/options.js';
import type { TableFormat } from '../io/types.js';

export interface Sniffed {
  options: FileReadOptions;
  /** Column names in file order (header, given columns, generated col1…colN; JSONL keys seen). */
  columns: string[];
  /** What was guessed and why, one line each. */
  notes: string[];
}

const CANDIDATES = [',', '\t', ';', '|'];
const HEAD_BYTES = 256 * 1024;

async function head(path: string): Promise<Buffer> {
  const fh = await open(path, 'r').catch((e: Error) => { throw new Error(`${path}: cannot open: ${e.message}`); });
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function gunzipPrefix(buf: Buffer): Buffer {
  // A truncated gzip stream: decode what is there (finishFlush keeps the partial output).
  return gunzipSync(buf, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
}

const show = (d: string) => (d === '\t' ? 'a tab' : JSON.stringify(d));

/** Field count of each line for a delimiter. */
const counts = (lines: string[], d: string) => lines.map((l) => l.split(d).length);

function mode(xs: number[]): { value: number; share: number } {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  let best = 0, n = 0;
  for (const [k, v] of m) if (v > n || (v === n && k > best)) { best = k; n = v; }
  return { value: best, share: xs.length ? n / xs.length : 0 };
}

const isNum = (s: string) => { const t = s.trim(); return t !== '' && parseNumber(t) !== undefined; };

/** Sniff one file; `given` options win over guesses. */
export async function sniffFile(path: string, given: FileReadOptions): Promise<Sniffed> {
  const notes: string[] = [];
  const options: FileReadOptions = { ...given };
  let buf = await head(path);
  const gz = buf[0] === 0x1f && buf[1] === 0x8b;
  if (gz) {
    buf = gunzipPrefix(buf);
    if (!path.toLowerCase().endsWith('.gz')) notes.push('gzip: the file is gzip-compressed (by its first bytes) although its name does not end in .gz');
  }
  const ext = detectFormat(path);
  let format: TableFormat;
  if (given.format) format = given.format;
  else if (buf.subarray(0, 4).toString('latin1') === 'PAR1') { format = 'parquet'; if (ext?.format !== 'parquet') notes.push('format parquet: the file starts with PAR1'); }
  else if (ext) format = ext.format;
  else {
    const first = buf.toString('utf8').replace(/^\uFEFF/, '').split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
    format = first.trimStart().startsWith('{') ? 'jsonl' : 'csv';
    notes.push(`format ${format === 'jsonl' ? 'jsonl' : 'delimited text'}: the extension does not tell, and the first line ${format === 'jsonl' ? 'is a JSON object' : 'is not JSON'}`);
  }
  if (!ext || ext.format !== format) options.format = format;
  if (format === 'parquet') return { options, columns: [], notes };

  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) { text = text.slice(1); notes.push('a UTF-8 byte-order mark starts the file (skipped)'); }
  let lines = text.split('\n');
  if (buf.length === HEAD_BYTES || gz) lines.pop(); // the last line may be cut
  if (lines.some((l) => l.endsWith('\r'))) notes.push('line ends: CRLF (handled)');
  lines = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '').slice(0, 500);
  if (lines.length === 0) throw new Error(`${path}: no lines to look at (empty file?)`);

  if (format === 'jsonl') {
    if (given.comment === undefined && !lines[0]!.trimStart().startsWith('{')) {
      options.comment = lines[0]!.trimStart()[0]!;
      notes.push(`comment ${JSON.stringify(options.comment)}: the first line is not a JSON object`);
    }
    const keys: string[] = [];
    for (const l of lines) {
      if (options.comment && l.startsWith(options.comment)) continue;
      try {
        const o = JSON.parse(l) as unknown;
        if (o && typeof o === 'object' && !Array.isArray(o)) for (const k of Object.keys(o)) if (!keys.includes(k)) keys.push(k);
      } catch { /* counted as a bad row when read */ }
    }
    return { options, columns: keys, notes };
  }

  // Delimited text.
  let delimiter = given.delimiter ?? (format === 'tsv' ? '\t' : undefined);
  const probe = lines.slice(1, 200).length >= 2 ? lines.slice(1, 200) : lines;
  if (delimiter === undefined) {
    let best: { d: string; fields: number; share: number } | null = null;
    for (const d of CANDIDATES) {
      const m = mode(counts(probe, d));
      if (m.value < 2) continue;
      if (!best || m.share > best.share + 0.05 || (Math.abs(m.share - best.share) <= 0.05 && m.value > best.fields)) best = { d, fields: m.value, share: m.share };
    }
    delimiter = best ? best.d : ',';
    notes.push(best ? `delimiter ${show(delimiter)}: ${best.fields} fields on ${(best.share * 100).toFixed(0)} % of the first lines` : 'delimiter ",": no separator splits the lines (one column)');
    if (delimiter === '\t' && format === 'csv' && !given.format) {
      format = 'tsv';
      if (ext?.format === 'tsv') delete options.format; else options.format = 'tsv';
    } else options.delimiter = delimiter;
  }
  const fieldsOf = (l: string) => l.split(delimiter!);
  const expected = mode(counts(probe, delimiter)).value;
  if (given.comment === undefined) {
    const firstFields = fieldsOf(lines[0]!).length;
    const c0 = lines[0]!.trimStart()[0] ?? '';
    if (c0 === '#' || (firstFields !== expected && expected > 1 && /[^\p{L}\p{N}"'\s]/u.test(c0))) {
      options.comment = c0;
      notes.push(`comment ${JSON.stringify(c0)}: the first line starts with it${firstFields !== expected ? ` and has ${firstFields} field(s), not ${expected}` : ''}`);
    }
  }
  const data = options.comment ? lines.filter((l) => !l.startsWith(options.comment!)) : lines;
  if (given.trim === undefined) {
    let spaced = 0, total = 0;
    for (const l of data.slice(0, 100)) for (const f of fieldsOf(l).slice(1)) { total++; if (f.startsWith(' ')) spaced++; }
    if (total > 0 && spaced / total > 0.5) { options.trim = true; notes.push(`trim: ${(100 * spaced / total).toFixed(0)} % of the fields start with a space after ${show(delimiter)}`); }
  }
  const trimIt = (s: string) => (options.trim ? s.trim() : s);
  let header = given.header ?? (given.columns ? false : undefined);
  if (header === undefined) {
    const first = fieldsOf(data[0]!).map(trimIt);
    const rest = data.slice(1, 200).map((l) => fieldsOf(l).map(trimIt));
    let numericBelow = 0, textOnTop = 0, seenBelow = 0;
    first.forEach((v, j) => {
      const col = rest.map((r) => r[j] ?? '').filter((x) => x !== '');
      if (col.length && col.every(isNum)) { numericBelow++; if (!isNum(v)) textOnTop++; }
      if (col.includes(v)) seenBelow++;
    });
    const distinct = new Set(first).size === first.length && first.every((v) => v !== '');
    header = rest.length === 0 ? first.every((v) => !isNum(v)) : textOnTop > 0 || (numericBelow === 0 && distinct && seenBelow === 0 && first.every((v) => !isNum(v)));
    notes.push(header
      ? `header: the first line ${textOnTop > 0 ? `has text above ${textOnTop} numeric column(s)` : 'has distinct names that never occur below'}`
      : 'header: none (the first line looks like data); columns named col1, col2, … unless --columns is given');
    options.header = header;
  }
  let columns: string[];
  if (given.columns) columns = given.columns;
  else if (header) columns = fieldsOf(data[0]!).map((v) => trimIt(v).replace(/^"(.*)"$/, '$1'));
  else { columns = Array.from({ length: expected }, (_, j) => `col${j + 1}`); options.columns = columns; }
  if (!header) options.header = false;
  if (given.columns) options.columns = given.columns;
  return { options, columns, notes };
}
