// The commented YAML `liverank init` writes: features.yaml (one line per feature, the reason as a
// comment) and config.yaml (data section with the read options and schema, tasks, model, schedule).
import type { FileReadOptions } from '../io/options.js';
import type { LabelRule } from '../label-rules.js';
import type { Decision } from './decide.js';
import type { LabelChoice } from './labels.js';

/** A YAML flow value: plain identifiers and numbers bare, any other text JSON-quoted. */
export function flow(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  const e = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  return `{ ${e.map(([k, x]) => `${flow(k)}: ${flow(x)}`).join(', ')} }`;
}

export interface ColumnPlan { column: string; type: 'float' | 'string'; decision: Decision }

const ident = (s: string, used: Set<string>): string => {
  let t = s.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(t)) t = `f_${t}`;
  let u = t, k = 2;
  while (used.has(u)) u = `${t}_${k++}`;
  used.add(u);
  return u;
};

export function featuresYaml(plans: ColumnPlan[], header: string[]): string {
  const used = new Set<string>();
  const out: string[] = [...header.map((h) => `# ${h}`), 'version: 1', 'defaults: { dim: 8 }', 'features:'];
  let n = 0;
  for (const { column, decision: d } of plans) {
    const name = ident(column, used);
    const line = (f: Record<string, unknown>, why: string) => { out.push(`  - ${flow(f)}   # ${why}`); n++; };
    if (d.kind === 'id_vocab') line({ name, kind: 'id', column, vocab: { min_count: d.minCount } }, d.reason);
    else if (d.kind === 'id_hash') line({ name, kind: 'id', column, hash_buckets: d.buckets, dim: 16 }, d.reason);
    else if (d.kind === 'dense') {
      line({ name, kind: 'dense', column, ops: d.log1p ? ['log1p', 'standardize'] : ['standardize'], ...(d.missingIndicator ? { missing_indicator: true } : {}) }, d.reason);
      if (d.twin) line({ name: ident(`${column}_q`, used), kind: 'bucketized', column, quantiles: 10, dim: 4 }, `bucketized twin of ${column}`);
    } else if (d.kind === 'time' && d.unit === 'seconds') {
      line({ name: ident(`${column}_hour`, used), kind: 'time', column, unit: 'hour_of_day', dim: 4 }, d.reason);
      line({ name: ident(`${column}_dow`, used), kind: 'time', column, unit: 'day_of_week', dim: 4 }, 'day of week (UTC)');
    } else out.push(`  # ${column}: ${d.kind === 'label' ? 'label source' : d.kind === 'time' ? 'time' : 'dropped'} — ${d.reason}`);
  }
  if (n === 0) throw new Error('no column is usable as a feature (see the table above); nothing to train on');
  return `${out.join('\n')}\n`;
}

export interface ConfigParts {
  name: string;
  header: string[];
  train: string | string[];
  val?: string | string[];
  test?: string | string[];
  read: FileReadOptions;
  schema: { name: string; type: 'float' | 'string'; nullable: true }[];
  splitBy: 'time' | 'random';
  timeColumn?: string;
  split: [number, number, number];
  tasks: LabelChoice[];
  rows: number;
}

export function configYaml(c: ConfigParts): string {
  const L: string[] = c.header.map((h) => `# ${h}`);
  L.push(`name: ${flow(c.name)}`, 'seed: 1', 'data:', '  source: files');
  L.push(`  train: ${flow(c.train)}`);
  if (c.val) L.push(`  val: ${flow(c.val)}`);
  if (c.test) L.push(`  test: ${flow(c.test)}`);
  const r = c.read;
  const readLines: [string, unknown, string][] = [
    ['format', r.format, 'csv | tsv | jsonl | parquet'],
    ['delimiter', r.delimiter, 'field separator'],
    ['header', r.header, 'first line holds the column names?'],
    ['columns', r.columns, 'column names in file order'],
    ['trim', r.trim, 'strip spaces around fields'],
    ['comment', r.comment, 'lines starting with this are skipped (and counted)'],
    ['null_values', r.null_values, 'values read as missing'],
  ];
  for (const [k, v, why] of readLines) if (v !== undefined) L.push(`  ${k}: ${flow(v)}   # ${why}`);
  L.push('  max_error_rate: 0.01   # per file: more bad rows than this stops the run');
  L.push(`  split_by: ${c.splitBy}${c.splitBy === 'time' ? '   # train on the earliest rows, test on the latest' : '   # seeded shuffle (no time column found)'}`);
  if (c.timeColumn) L.push(`  time_column: ${flow(c.timeColumn)}`);
  const given = [c.val ? 'val' : '', c.test ? 'test' : ''].filter(Boolean);
  L.push(`  split: ${flow(c.split)}   # train / val / test fractions${given.length ? ` (${given.join(', ')} come from their own files; the rest of train is cut by these fractions)` : ''}`);
  L.push('  schema:   # columns read (the others are ignored); float = numbers, string = anything else');
  for (const f of c.schema) L.push(`    - ${flow(f)}`);
  L.push('features: features.yaml', 'tasks:');
  for (const t of c.tasks) {
    const label = typeof t.label === 'string' ? t.label : (t.label satisfies LabelRule);
    L.push(`  - ${flow({ name: t.task, label, ...(t.kind === 'regression' ? { kind: 'regression' } : {}) })}   # ${t.reason}`);
  }
  const multi = c.tasks.length > 1;
  L.push(multi ? 'model: { type: mmoe, experts: 4, expert: [128, 64], tower: [32] }   # several tasks: MMoE' : 'model: { type: dnn, hidden: [128, 64] }   # one task: an MLP');
  const small = c.rows < 5000;
  L.push(`optimizer: { type: adam, lr: ${small ? 0.003 : 0.001} }`, `embedding: { optimizer: adam, lr: ${small ? 0.03 : 0.01} }`);
  const first = c.tasks[0]!;
  const metric = `${first.task}.${first.kind === 'binary' ? 'auc' : 'rmse'}`;
  const batch = small ? 16 : c.rows < 50_000 ? 256 : 512;
  L.push(`train: { epochs: ${small ? 30 : 6}, batch_size: ${batch}, early_stopping: { metric: ${metric}, patience: ${small ? 5 : 2} } }   # sized for ${c.rows.toLocaleString('en-US')} sampled rows`);
  return `${L.join('\n')}\n`;
}
