// The one definition of "how to read a file as it comes": a zod schema (the keys of a config's
// `data: { source: files, … }` section) and the matching command-line flags (`--format`,
// `--delimiter`, `--no-header`, `--columns`, `--trim`, `--comment`, `--null-values`), both mapped to
// the readers' ReadOptions by `toReaderOptions`. Every command that reads data uses these.
import type { Command } from 'commander';
import { z } from 'zod';
import { formatZodError } from '../../util/zod-error.js';
import type { ReadOptions, TableFormat } from './types.js';

export const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'] as const satisfies readonly TableFormat[];

/** Read options as written in a config (snake_case) — also what the CLI flags are parsed into. */
export const fileReadSchema = z.object({
  /** csv | tsv | jsonl | parquet; default: from the extension (an error naming the file when it cannot tell). */
  format: z.enum(FORMATS).optional(),
  /** Field separator of csv/tsv, one or more characters (default ',' for csv, a tab for tsv). */
  delimiter: z.string().min(1).refine((d) => !d.includes('"') && !d.includes('\n'), { message: 'a delimiter cannot contain a quote or a newline' }).optional(),
  /** Is the first (non-comment) line a header? Default true, or false when `columns` is given. */
  header: z.boolean().optional(),
  /** Column names in file order (needed when header is false). */
  columns: z.array(z.string().min(1)).min(1).optional(),
  /** Strip spaces around unquoted fields (", " separated files). */
  trim: z.boolean().optional(),
  /** Lines starting with this text are skipped and counted (csv, tsv, jsonl). */
  comment: z.string().min(1).optional(),
  /** Field values that mean "missing", e.g. ["", "?", "NA", "\\N"] (compared after trim). */
  null_values: z.array(z.string()).optional(),
  /** gzip: default "auto" (by the file's first bytes, whatever its name). */
  gzip: z.union([z.boolean(), z.literal('auto')]).optional(),
}).strict();
export type FileReadOptions = z.infer<typeof fileReadSchema>;
export const FILE_READ_KEYS = Object.keys(fileReadSchema.shape) as (keyof FileReadOptions)[];

/** The reader options of a validated FileReadOptions (schema and the rest come from the caller). */
export function toReaderOptions(o: FileReadOptions): Pick<ReadOptions, 'format' | 'gzip' | 'csv' | 'comment' | 'nullValues'> {
  const out: Pick<ReadOptions, 'format' | 'gzip' | 'csv' | 'comment' | 'nullValues'> = {};
  if (o.format) out.format = o.format;
  if (o.gzip !== undefined && o.gzip !== 'auto') out.gzip = o.gzip;
  const csv: NonNullable<ReadOptions['csv']> = {};
  if (o.delimiter !== undefined) csv.delimiter = o.delimiter;
  if (o.header !== undefined) csv.header = o.header;
  if (o.columns) csv.columns = o.columns;
  if (o.trim) csv.trim = true;
  if (Object.keys(csv).length) out.csv = csv;
  if (o.comment !== undefined) out.comment = o.comment;
  if (o.null_values) out.nullValues = o.null_values;
  return out;
}

/** Validate read options (from a config section or flags); errors name `where.<key>`. */
export function parseFileReadOptions(raw: unknown, where: string): FileReadOptions {
  const r = fileReadSchema.safeParse(raw);
  if (!r.success) throw new Error(formatZodError(r.error, where, raw));
  if (r.data.header === false && !r.data.columns && r.data.format !== 'jsonl' && r.data.format !== 'parquet') {
    throw new Error(`${where}.header: false needs ${where === '' ? '' : `${where}.`}columns (the column names in file order)`);
  }
  return r.data;
}

/** Split "a,b,c" (a backslash escapes a comma); "\t" and "\\t" spell a tab. */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === ',') { cur += ','; i++; } else if (s[i] === ',') { out.push(cur); cur = ''; } else cur += s[i];
  }
  out.push(cur);
  return out;
}

export const unescapeDelimiter = (d: string): string => d.replace(/\\t/g, '\t');

/** The flags, with the config key each one sets. */
export const READ_FLAGS: { flag: string; key: keyof FileReadOptions; help: string }[] = [
  { flag: '--format <format>', key: 'format', help: 'csv | tsv | jsonl | parquet (default: from the extension)' },
  { flag: '--delimiter <d>', key: 'delimiter', help: 'field separator, e.g. ", " or "\\t" (config: delimiter)' },
  { flag: '--no-header', key: 'header', help: 'the file has no header line (give --columns)' },
  { flag: '--columns <names>', key: 'columns', help: 'comma-separated column names in file order' },
  { flag: '--trim', key: 'trim', help: 'strip spaces around fields (", " separated files)' },
  { flag: '--comment <prefix>', key: 'comment', help: 'skip (and count) lines starting with this' },
  { flag: '--null-values <list>', key: 'null_values', help: 'comma-separated values meaning missing, e.g. "?,NA,\\N" (add "" with a leading comma)' },
];

/** Add the read flags to a command. */
export function addReadFlags(c: Command): Command {
  for (const f of READ_FLAGS) c.option(f.flag, f.help);
  return c;
}

interface Flags { format?: string; delimiter?: string; header?: boolean; columns?: string; trim?: boolean; comment?: string; nullValues?: string }

/** Read options from parsed flags (commander's camelCase), validated by the same schema as the config. */
export function readOptionsFromFlags(o: Flags): FileReadOptions {
  const raw: Record<string, unknown> = {};
  if (o.format !== undefined) raw.format = o.format;
  if (o.delimiter !== undefined) raw.delimiter = unescapeDelimiter(o.delimiter);
  if (o.header === false) raw.header = false;
  if (o.columns !== undefined) raw.columns = splitList(o.columns).map((s) => s.trim());
  if (o.trim) raw.trim = true;
  if (o.comment !== undefined) raw.comment = o.comment;
  if (o.nullValues !== undefined) raw.null_values = splitList(o.nullValues);
  if (raw.header === false && raw.columns === undefined && raw.format !== 'jsonl' && raw.format !== 'parquet') {
    throw new Error('--no-header needs --columns (the column names in file order)');
  }
  const r = fileReadSchema.safeParse(raw);
  if (r.success) return r.data;
  // Name the flag instead of the config key.
  throw new Error(r.error.issues.map((i) => {
    const f = READ_FLAGS.find((x) => x.key === i.path[0]);
    const line = formatZodError(new z.ZodError([i]), '', raw).replace(/^invalid config:\n\s*/, '');
    return f ? line.replace(new RegExp(`^${f.key}`), f.flag.split(' ')[0]!) : line;
  }).join('\n'));
}
