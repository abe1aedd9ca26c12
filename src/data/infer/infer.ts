// `liverank init`'s work: sniff how to read the files, sample rows (default 100 000), profile every
// column, decide labels and features, and produce the config + features YAML and a table of what was
// decided and why.
import { isAbsolute, relative, resolve } from 'node:path';
import { readTable } from '../io/read.js';
import { toReaderOptions, type FileReadOptions } from '../io/options.js';
import { expandPaths } from '../io/paths.js';
import { parquetColumnNames } from '../io/parquet.js';
import { formatBadRow } from '../io/types.js';
import type { Schema } from '../schema.js';
import { TableProfile } from './profile.js';
import { sniffFile } from './sniff.js';
import { decideColumn, type Decision } from './decide.js';
import { chooseLabel, type LabelChoice } from './labels.js';
import { configYaml, featuresYaml, type ColumnPlan } from './write.js';

/** Texts that mean "missing" in public data sets and logs; those found in the sample become null_values. */
export const NULL_TOKENS = ['?', 'NA', 'N/A', 'n/a', 'NaN', 'nan', 'null', 'NULL', 'None', '\\N'];

export interface InferOptions {
  data: string[];
  val?: string[];
  test?: string[];
  labels: string[];
  drop?: string[];
  read: FileReadOptions;
  sample?: number;
  split?: [number, number, number];
  splitBy?: 'time' | 'random';
  name?: string;
  /** Where config.yaml goes (paths in it are written relative to it). */
  outDir: string;
  /** The command line, for the header comment. */
  command: string;
  log?: (s: string) => void;
  progress?: (s: string) => void;
}

export interface InferResult {
  config: string;
  features: string;
  /** Printable table: column, type, missing, distinct, decision, why. */
  table: string;
  notes: string[];
  rows: number;
  tasks: LabelChoice[];
}

async function columnsOf(path: string, read: FileReadOptions) {
  const s = await sniffFile(path, read);
  if (s.options.format === 'parquet' || (!s.options.format && path.toLowerCase().endsWith('.parquet'))) {
    return { ...s, columns: await parquetColumnNames(path) };
  }
  return s;
}

/** Read up to `max` rows of the files as text columns into `cols`. */
async function sample(files: string[], names: string[], read: FileReadOptions, max: number, cols: Record<string, (string | null)[]>,
  progress: (s: string) => void): Promise<{ rows: number; notes: string[] }> {
  const schema: Schema = names.map((name) => ({ name, type: 'string', nullable: true, required: false }));
  const notes: string[] = [];
  let rows = 0;
  for (const f of files) {
    if (rows >= max) break;
    const it = readTable(f, { schema, ...toReaderOptions(read), maxErrorRate: 1, batchSize: 8192, onWarning: () => undefined });
    for (;;) {
      const r = await it.next();
      if (r.done) {
        const st = r.value;
        if (st.rowsBad) notes.push(`${f}: ${st.rowsBad} of ${st.rowsSeen} sampled rows could not be read, e.g. ${formatBadRow(st.firstErrors[0]!)}`);
        if (st.commentLines) notes.push(`${f}: ${st.commentLines} comment line(s) skipped`);
        break;
      }
      const t = r.value;
      const take = Math.min(t.numRows, max - rows);
      for (const n of names) { const c = t.columns[n] as (string | null)[]; for (let i = 0; i < take; i++) cols[n]!.push(c[i]!); }
      rows += take;
      progress(`sampled ${rows.toLocaleString('en-US')} rows (${f})`);
      if (rows >= max) { await it.return(undefined as never); break; }
    }
  }
  return { rows, notes };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export async function inferConfig(o: InferOptions): Promise<InferResult> {
  const log = o.log ?? (() => {});
  const progress = o.progress ?? (() => {});
  const max = o.sample ?? 100_000;
  const cwd = process.cwd();
  const files = expandPaths(o.data, cwd, '--data');
  const valFiles = o.val ? expandPaths(o.val, cwd, '--val') : undefined;
  const testFiles = o.test ? expandPaths(o.test, cwd, '--test') : undefined;
  const sniffed = await columnsOf(files[0]!, o.read);
  const read: FileReadOptions = { ...sniffed.options };
  const notes = [...sniffed.notes];
  // The comment prefix may only show in another file (a test file's first line): sniff those too.
  if (read.comment === undefined) {
    for (const f of [...(valFiles ?? []), ...(testFiles ?? []), ...files.slice(1)]) {
      const s = await sniffFile(f, { ...read, comment: undefined }).catch(() => null);
      if (s?.options.comment !== undefined) { read.comment = s.options.comment; notes.push(`${f}: ${s.notes.find((n) => n.startsWith('comment')) ?? 'comment line'}`); break; }
    }
  }
  const names = sniffed.columns;
  if (names.length === 0) throw new Error(`${files[0]}: found no columns`);
  const cols: Record<string, (string | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  const main = await sample(files, names, read, max, cols, progress);
  notes.push(...main.notes);
  for (const extra of [valFiles, testFiles]) {
    if (extra) notes.push(...(await sample(extra, names, read, Math.max(1000, Math.floor(max / 4)), cols, progress)).notes);
  }
  const rows = cols[names[0]!]!.length;
  if (main.rows === 0) throw new Error(`${files.join(', ')}: no rows could be read with ${JSON.stringify(read)}; set --format / --delimiter / --no-header --columns / --comment`);

  // Missing-value spellings found in the sample.
  if (read.null_values === undefined) {
    const found = NULL_TOKENS.filter((tok) => names.some((n) => cols[n]!.includes(tok)));
    if (found.length) { read.null_values = found; notes.push(`null_values ${JSON.stringify(found)}: found in the sample (read as missing)`); }
  }
  const nulls = new Set(read.null_values ?? []);
  const profile = new TableProfile(names);
  const view: Record<string, (string | null)[]> = {};
  for (const n of names) view[n] = nulls.size ? cols[n]!.map((v) => (v !== null && nulls.has(read.trim ? v.trim() : v) ? null : v)) : cols[n]!;
  profile.addColumns(view, rows);

  const tasks = o.labels.map((a) => chooseLabel(a, (c) => profile.get(c)));
  if (tasks.length === 0) throw new Error('--label: give at least one label column (e.g. --label clicked, --label \'income==>50K\')');
  const dupTask = tasks.find((t, i) => tasks.findIndex((u) => u.task === t.task) !== i);
  if (dupTask) throw new Error(`--label: task "${dupTask.task}" named twice; name them: --label NAME=COLUMN…`);
  const labelCols = new Set(tasks.map((t) => t.column));
  const drop = new Set(o.drop ?? []);
  for (const d of drop) if (!names.includes(d)) throw new Error(`--drop: no column "${d}"; columns: ${names.join(', ')}`);

  const decisions = new Map<string, Decision>();
  for (const p of profile.columns) {
    if (labelCols.has(p.name)) decisions.set(p.name, { kind: 'label', reason: `label of task ${tasks.filter((t) => t.column === p.name).map((t) => t.task).join(', ')}` });
    else if (drop.has(p.name)) decisions.set(p.name, { kind: 'drop', reason: '--drop' });
    else decisions.set(p.name, decideColumn(p, rows));
  }
  const timeCol = o.splitBy === 'random' ? undefined : names.find((n) => decisions.get(n)!.kind === 'time');
  const splitBy = o.splitBy ?? (timeCol ? 'time' : 'random');
  if (splitBy === 'time' && !timeCol) notes.push('split_by time without a time column: rows are split in file order');

  const schema: ConfigSchema = [];
  const plans: ColumnPlan[] = [];
  for (const n of names) {
    const d = decisions.get(n)!;
    const used = d.kind === 'dense' || d.kind === 'id_vocab' || d.kind === 'id_hash' || (d.kind === 'time' && (n === timeCol || d.unit === 'seconds')) || d.kind === 'label';
    if (!used) { plans.push({ column: n, type: 'string', decision: d }); continue; }
    const plainNumericLabel = d.kind === 'label' && tasks.some((t) => t.column === n && typeof t.label === 'string');
    const type: 'float' | 'string' = d.kind === 'dense' || (d.kind === 'time' && d.unit !== 'iso') || plainNumericLabel ? 'float' : 'string';
    schema.push({ name: n, type, nullable: true });
    plans.push({ column: n, type, decision: d });
  }
  const split: [number, number, number] = valFiles && testFiles ? [1, 0, 0] : o.split ?? (rows >= 10_000 ? [0.8, 0.1, 0.1] : [0.6, 0.2, 0.2]);
  const rel = (given: string[] | undefined): string | string[] | undefined => {
    if (!given) return undefined;
    // Absolute paths stay absolute; relative ones are rewritten relative to the config's directory.
    const r = given.map((g) => (isAbsolute(g) ? g : relative(resolve(o.outDir), resolve(cwd, g)) || '.'));
    return r.length === 1 ? r[0]! : r;
  };
  const header = [
    `Written by \`${o.command}\``,
    `from ${rows.toLocaleString('en-US')} sampled rows on ${new Date().toISOString().slice(0, 10)}. Every choice is a starting point: edit freely (docs/data.md).`,
    ...notes.map((n) => `  ${n}`),
  ];
  const config = configYaml({
    name: o.name ?? 'init', header, train: rel(o.data)!, val: rel(o.val), test: rel(o.test), read, schema,
    splitBy, timeColumn: splitBy === 'time' ? timeCol : undefined, split, tasks, rows,
  });
  const features = featuresYaml(plans.filter((p) => p.decision.kind !== 'label'), [`Written by \`${o.command}\` (${rows.toLocaleString('en-US')} sampled rows). One line per feature; the comment says why.`]);

  const lines: string[] = [];
  const w = Math.max(6, ...names.map((n) => n.length));
  lines.push(`${pad('column', w)}  ${pad('values', 8)}  ${pad('missing', 7)}  ${pad('distinct', 8)}  ${pad('decision', 16)}  why`);
  for (const n of names) {
    const p = profile.get(n)!;
    const d = decisions.get(n)!;
    const kind = d.kind === 'id_vocab' ? 'id (vocab)' : d.kind === 'id_hash' ? 'id (hashed)' : d.kind === 'dense' ? (d.log1p ? 'dense log1p+q' : 'dense +q') : d.kind === 'time' ? (n === timeCol ? 'time (split)' : 'time') : d.kind;
    const label = d.kind === 'label' ? tasks.filter((t) => t.column === n).map((t) => `${t.task}: ${t.reason}`).join('; ') : d.reason;
    lines.push(`${pad(n, w)}  ${pad(p.allNumeric ? (p.allInteger ? 'integer' : 'number') : 'text', 8)}  ${pad(`${((100 * p.missing) / Math.max(1, p.n)).toFixed(1)}%`, 7)}  ${pad(`${p.overflow ? '>' : ''}${p.distinct}`, 8)}  ${pad(kind, 16)}  ${label}`);
  }
  log(`read options: ${JSON.stringify(read)}`);
  return { config, features, table: lines.join('\n'), notes, rows, tasks };
}

type ConfigSchema = { name: string; type: 'float' | 'string'; nullable: true }[];
