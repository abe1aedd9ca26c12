// What the trainer refuses before the first step, and the row accounting of a run (data_report.json):
// rows read, skipped per reason and per file (with the first bad lines), rows dropped for a bad label
// (named by file and line), and the size of each split.
import type { Table } from '../data/table.js';
import type { BadRow, ReadStats } from '../data/io/types.js';
import type { TaskConfig } from './config.js';
import { inSampleSpace, labelProblem, taskColumns } from './heads.js';
import { isStringColumn, takeRows } from '../data/table.js';
import type { Schema } from '../data/schema.js';
import { applyLabelRule, badLabelReason } from '../data/label-rules.js';

/** Column the file readers add: the row's line in its file (1-based; Parquet: 0-based row index). */
export const LINE_COLUMN = '__line';

export interface FileReport {
  rows_seen: number;
  rows_ok: number;
  rows_skipped: number;
  skipped_by_reason: Record<string, number>;
  first_skipped: BadRow[];
  /** Lines skipped as comments (data.comment). */
  comment_lines?: number;
}

export interface DataReport {
  source: string;
  files: Record<string, FileReport>;
  splits: { train: number; val: number; test: number };
  notes: string[];
}

export function emptyReport(source: string): DataReport {
  return { source, files: {}, splits: { train: 0, val: 0, test: 0 }, notes: [] };
}

/** A reader's counts as a file entry. */
export function fileReport(stats: ReadStats): FileReport {
  return {
    rows_seen: stats.rowsSeen, rows_ok: stats.rowsOk, rows_skipped: stats.rowsBad,
    skipped_by_reason: { ...(stats.badByReason ?? {}) }, first_skipped: [...stats.firstErrors],
    ...(stats.commentLines ? { comment_lines: stats.commentLines } : {}),
  };
}

export const skippedRows = (r: DataReport) => Object.values(r.files).reduce((s, f) => s + f.rows_skipped, 0);

/** One line: "skipped 12 of 10,000 rows (a.csv: 12 — label: 7, age: expected int: 5); see data_report.json". */
export function summarizeSkipped(r: DataReport): string | null {
  const n = skippedRows(r);
  if (n === 0) return null;
  const seen = Object.values(r.files).reduce((s, f) => s + f.rows_seen, 0);
  const per = Object.entries(r.files).filter(([, f]) => f.rows_skipped > 0).map(([file, f]) =>
    `${file}: ${f.rows_skipped} — ${Object.entries(f.skipped_by_reason).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  return `skipped ${n.toLocaleString('en-US')} of ${seen.toLocaleString('en-US')} rows (${per.join('; ')})`;
}

/**
 * Drop rows whose label or weight is invalid for some task, counting them in the file's report with
 * their line. Returns the table without them.
 */
export function dropBadLabels(t: Table, tasks: TaskConfig[], file: string, rep: FileReport, maxReported = 20): Table {
  const lines = t.columns[LINE_COLUMN] as Float64Array | undefined;
  const cols = tasks.map((task) => taskColumns(t, task));
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) {
    let problem: string | null = null;
    for (let k = 0; k < tasks.length && !problem; k++) problem = labelProblem(tasks[k]!, cols[k]!, i);
    if (!problem) { keep.push(i); continue; }
    const task = tasks.find((x, k) => labelProblem(x, cols[k]!, i) !== null)!;
    const reason = `label of task "${task.name}" (column "${task.label}")`;
    rep.rows_ok--; rep.rows_skipped++;
    rep.skipped_by_reason[reason] = (rep.skipped_by_reason[reason] ?? 0) + 1;
    if (rep.first_skipped.length < maxReported) rep.first_skipped.push({ file, line: lines ? lines[i]! : i, field: task.label, reason: problem });
  }
  return keep.length === t.numRows ? t : takeRows(t, keep);
}

/** A label rule's column must be read: it has to be in data.schema. */
export function checkRuleColumns(tasks: TaskConfig[], schema: Schema): void {
  const names = new Set(schema.map((f) => f.name));
  for (const t of tasks) {
    if (t.label_rule && !names.has(t.label_rule.column)) {
      throw new Error(`tasks "${t.name}".label.column: column "${t.label_rule.column}" is not in data.schema; schema columns: ${[...names].join(', ')}`);
    }
  }
}

/**
 * Derive the 0/1 label of every task with a label rule (into its ruleLabelColumn), counting each row
 * whose value no rule accepts in the file's report with its line; those rows are dropped.
 */
export function applyLabelRules(t: Table, tasks: TaskConfig[], file: string, rep: FileReport, maxReported = 20): Table {
  const ruled = tasks.filter((x) => x.label_rule);
  if (ruled.length === 0) return t;
  const lines = t.columns[LINE_COLUMN] as Float64Array | undefined;
  const columns = { ...t.columns };
  const drop = new Uint8Array(t.numRows);
  let dropped = 0;
  for (const task of ruled) {
    const rule = task.label_rule!;
    const { label, bad } = applyLabelRule(rule, t.columns[rule.column]!);
    columns[task.label] = label;
    const kind = `label of task "${task.name}": value of column "${rule.column}" matches no label rule`;
    for (const b of bad) {
      if (drop[b.row]) continue;
      drop[b.row] = 1; dropped++;
      rep.rows_ok--; rep.rows_skipped++;
      rep.skipped_by_reason[kind] = (rep.skipped_by_reason[kind] ?? 0) + 1;
      if (rep.first_skipped.length < maxReported) rep.first_skipped.push({ file, line: lines ? lines[b.row]! : b.row, field: rule.column, reason: badLabelReason(task.name, rule, b.value) });
    }
  }
  const out: Table = { numRows: t.numRows, columns };
  if (dropped === 0) return out;
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) if (!drop[i]) keep.push(i);
  return takeRows(out, keep);
}

/** Rows in ascending order of a column (numbers, or text such as ISO dates); missing values first; stable. */
export function sortByColumn(t: Table, column: string, where: string): Table {
  const c = t.columns[column];
  if (!c) throw new Error(`${where}: column "${column}" is not in the data; columns: ${Object.keys(t.columns).filter((x) => x !== LINE_COLUMN).join(', ')}`);
  const idx = Array.from({ length: t.numRows }, (_, i) => i);
  if (isStringColumn(c)) idx.sort((a, b) => { const x = c[a] ?? '', y = c[b] ?? ''; return x < y ? -1 : x > y ? 1 : a - b; });
  else idx.sort((a, b) => { const x = Number.isNaN(c[a]!) ? -Infinity : c[a]!, y = Number.isNaN(c[b]!) ? -Infinity : c[b]!; return x - y || a - b; });
  return takeRows(t, idx);
}

/** Check that every column the tasks name exists before any training starts. */
export function checkTaskColumns(tasks: TaskConfig[], t: Table): void {
  const have = new Set(Object.keys(t.columns).filter((c) => c !== LINE_COLUMN));
  for (const task of tasks) {
    if (task.label_rule && !have.has(task.label)) {
      throw new Error(`tasks "${task.name}".label: a label rule (on column "${task.label_rule.column}") is applied by data.source: files; with this data source give the label column's name`);
    }
    const need: [string, string | undefined][] = [
      ['label', task.label], ['sample_space.column', task.sample_space?.column], ['weight_column', task.weight_column], ['true_prob', task.true_prob],
      ['counterfactual.label', task.counterfactual?.label], ['counterfactual.true_prob', task.counterfactual?.true_prob],
    ];
    for (const [key, col] of need) {
      if (col && !have.has(col)) throw new Error(`tasks "${task.name}".${key}: column "${col}" is not in the data; columns: ${[...have].join(', ')}`);
    }
  }
}

/** Where a split's rows come from, for messages. */
export type SplitOrigin = Record<'train' | 'val' | 'test', string>;

/** Refuse splits that cannot train or be evaluated: empty, or a binary task without both classes. */
export function checkSplits(splits: Record<'train' | 'val' | 'test', Table>, tasks: TaskConfig[], origin: SplitOrigin): void {
  checkTaskColumns(tasks, splits.train);
  for (const name of ['train', 'val', 'test'] as const) {
    const t = splits[name];
    if (t.numRows === 0) throw new Error(`the ${name} split is empty (${origin[name]}); nothing to ${name === 'train' ? 'train on' : 'evaluate'} — check the data file and data.split`);
    for (const task of tasks) {
      if (task.kind !== 'binary') continue;
      const c = taskColumns(t, task);
      let pos = 0, neg = 0;
      for (let i = 0; i < t.numRows; i++) {
        if (!inSampleSpace(task, c, i)) continue;
        if (c.label[i] === 1) pos++; else neg++;
      }
      if (pos === 0 || neg === 0) {
        throw new Error(`task "${task.name}": the ${name} split (${origin[name]}) has ${pos} positive and ${neg} negative labels in column "${task.label}"` +
          `${task.sample_space ? ` within its sample space (${task.sample_space.column})` : ''}; a binary task needs both classes in every split (its AUC and loss are undefined otherwise)` +
          `${task.label_rule ? ` — check tasks "${task.name}".label (rule: column "${task.label_rule.column}")` : ''}`);
      }
    }
  }
}
