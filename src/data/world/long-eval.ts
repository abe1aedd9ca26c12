// The long-sequence comparison's read-out (docs/sequences.md): per-row test predictions of several
// runs (`liverank predict --split test`) joined with the long-history world's `*.long.csv`
// (impression_id, long_term, long_slice) → AUC, oracle AUC and the oracle gap of click and effective
// view on all rows, the documented long slice, its dormant part (long_term > 0) and the rest; then
// mean ± sd per variant over seeds and the paired differences. Run as a script:
//
//   npx tsx src/data/world/long-eval.ts --long data/generated/world-long.long.csv \
//     mean=/tmp/p-mean-1.parquet din=/tmp/p-din-1.parquet sim=/tmp/p-sim-1.parquet mean=… [--json]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readAll } from '../io/index.js';
import { auc } from './auc.js';
import type { Table } from '../table.js';

export const SLICES = ['all', 'long_slice', 'long_slice_dormant', 'not_slice'] as const;
export type SliceName = (typeof SLICES)[number];
export const TASKS = [{ task: 'click', label: 'click', truth: 'p_click' }, { task: 'effective_view', label: 'effective_view', truth: 'p_effective_view' }] as const;

/** The columns of `liverank predict` output read here. */
const PRED_SCHEMA = [
  { name: 'impression_id', type: 'int' as const },
  ...TASKS.flatMap((t) => [`pred_${t.task}`, t.label, t.truth].map((name) => ({ name, type: 'float' as const, nullable: true }))),
];

export interface Cell { n: number; auc: number; oracle: number; gap: number }
export type RunResult = Record<string, Record<SliceName, Cell>>;

export interface LongTruth { longTerm: Map<number, number>; slice: Map<number, number> }

export function parseLongCsv(text: string, source = 'long.csv'): LongTruth {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== 'impression_id,long_term,long_slice') throw new Error(`${source}: expected the header impression_id,long_term,long_slice`);
  const longTerm = new Map<number, number>(), slice = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!; if (!l) continue;
    const [a, b, c] = l.split(',').map(Number);
    if (!Number.isInteger(a) || !Number.isFinite(b) || !Number.isFinite(c)) throw new Error(`${source}:${i + 1}: bad row ${JSON.stringify(l)}`);
    longTerm.set(a!, b!); slice.set(a!, c!);
  }
  return { longTerm, slice };
}

/** The metrics of one run's predictions. */
export function evaluateRun(pred: Table, truth: LongTruth, where = 'predictions'): RunResult {
  const col = (name: string) => {
    const c = pred.columns[name];
    if (!c || Array.isArray(c)) throw new Error(`${where}: numeric column "${name}" missing`);
    return c as ArrayLike<number>;
  };
  const ids = col('impression_id');
  const n = pred.numRows;
  const inSlice = new Uint8Array(n), dormant = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = truth.slice.get(ids[i]!);
    if (s === undefined) throw new Error(`${where}: impression_id ${ids[i]} (row ${i}) is not in the long csv`);
    inSlice[i] = s; dormant[i] = s && truth.longTerm.get(ids[i]!)! > 0 ? 1 : 0;
  }
  const masks: Record<SliceName, (i: number) => boolean> = {
    all: () => true, long_slice: (i) => inSlice[i] === 1, long_slice_dormant: (i) => dormant[i] === 1, not_slice: (i) => inSlice[i] === 0,
  };
  const out: RunResult = {};
  for (const t of TASKS) {
    const p = col(`pred_${t.task}`), y = col(t.label), o = col(t.truth);
    out[t.task] = {} as Record<SliceName, Cell>;
    for (const s of SLICES) {
      let k = 0; for (let i = 0; i < n; i++) if (masks[s](i) && Number.isFinite(y[i]!)) k++;
      const a = auc(p, y, masks[s]), b = auc(o, y, masks[s]);
      out[t.task]![s] = { n: k, auc: a, oracle: b, gap: b - a };
    }
  }
  return out;
}

export const meanSd = (xs: number[]): { mean: number; sd: number } => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return { mean: m, sd: Math.sqrt(v) };
};

/** Text table: per variant and task, mean ± sd over runs of AUC and gap on each slice; paired differences. */
export function formatComparison(byVariant: Map<string, RunResult[]>): string {
  const f = (x: { mean: number; sd: number }) => `${x.mean.toFixed(4)} ± ${x.sd.toFixed(4)}`;
  const out: string[] = [];
  for (const t of TASKS) {
    out.push(`${t.task}: AUC / oracle gap (mean ± sd over runs)`);
    out.push(['variant', 'runs', ...SLICES.map((s) => `${s} AUC`), ...SLICES.map((s) => `${s} gap`)].join(' | '));
    for (const [v, runs] of byVariant) {
      const cells = SLICES.map((s) => f(meanSd(runs.map((r) => r[t.task]![s].auc))));
      const gaps = SLICES.map((s) => f(meanSd(runs.map((r) => r[t.task]![s].gap))));
      out.push([v, String(runs.length), ...cells, ...gaps].join(' | '));
    }
    const first = [...byVariant.values()][0]?.[0];
    if (first) out.push(`rows: ${SLICES.map((s) => `${s} ${first[t.task]![s].n}`).join(', ')}; oracle AUC: ${SLICES.map((s) => `${s} ${first[t.task]![s].oracle.toFixed(4)}`).join(', ')}`);
    const names = [...byVariant.keys()];
    for (let a = 0; a < names.length; a++) for (let b = a + 1; b < names.length; b++) {
      const ra = byVariant.get(names[a]!)!, rb = byVariant.get(names[b]!)!;
      const k = Math.min(ra.length, rb.length);
      if (k === 0) continue;
      const d = SLICES.map((s) => f(meanSd(Array.from({ length: k }, (_, i) => rb[i]![t.task]![s].auc - ra[i]![t.task]![s].auc))));
      out.push(`  ${names[b]} − ${names[a]} AUC (paired by seed, ${k}): ${SLICES.map((s, i) => `${s} ${d[i]}`).join(', ')}`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const li = args.indexOf('--long');
  if (li < 0) throw new Error('--long <world-long.long.csv> is required');
  const longPath = args[li + 1]!;
  const truth = parseLongCsv(readFileSync(longPath, 'utf8'), longPath);
  const byVariant = new Map<string, RunResult[]>();
  for (const a of args.filter((x, i) => x.includes('=') && i !== li + 1)) {
    const [v, path] = a.split('=') as [string, string];
    const r = evaluateRun((await readAll(path, { schema: PRED_SCHEMA })).table, truth, path);
    (byVariant.get(v) ?? byVariant.set(v, []).get(v)!).push(r);
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(Object.fromEntries(byVariant), null, 1)}\n`);
  else process.stdout.write(`${formatComparison(byVariant)}\n`);
}
