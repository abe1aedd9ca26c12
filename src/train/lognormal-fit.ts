// After training, per `loss: lognormal` task (hurdle.ts): the variance term. On training rows with
// y > 0, the residual r = ln y − μ̂(x) has mean b and variance σ² (globally and per row of the wide
// feature `variance.by`); for a log-normal y, E[y | y > 0, x] = exp(μ̂ + b + σ²/2). The offset
// d = b + σ²/2 goes into head.<task>.bias (global) and column k of the wide table (per slice, minus
// the global), exactly as calibrate.ts writes its offsets, so the checkpoint, `liverank eval` and
// the exported model.onnx serve p_enter · exp(μ̂ + d). Why moments of ln y and not the sample mean
// of y: with σ ≈ 1.7 the log-normal mean estimate exp(mean + var/2) has a standard error of about
// σ·√(1 + σ²/2)/√n against the sample mean's √(e^{σ²} − 1)/√n (≈ 2.2/√n vs ≈ 4.1/√n).
import type { Table } from '../data/table.js';
import { takeRows } from '../data/table.js';
import type { Evaluator } from '../engine/step.js';
import { transform } from '../features/index.js';
import { Rng } from '../util/rng.js';
import type { Assembler } from './assembler.js';
import type { TaskConfig } from './config.js';
import { predOutput, taskColumns, inSampleSpace } from './heads.js';
import { isLogNormal, logMeanOutput, type VarianceConfig } from './hurdle.js';

/** The run directory's record of the fit. */
export const LOGNORMAL_FILE = 'lognormal.json';

export interface ResidualMoments {
  /** Positive rows. */
  n: number;
  /** Mean and (n − 1) variance of ln y − μ̂. */
  mean: number;
  variance: number;
}

export interface LogNormalOffsets {
  global: ResidualMoments & { offset: number };
  /** Per group id with at least `minRows` positive rows: its moments and its offset relative to the global one. */
  groups: Map<number, ResidualMoments & { offset: number }>;
}

function moments(s: number, s2: number, n: number): ResidualMoments {
  const mean = n > 0 ? s / n : 0;
  const variance = n > 1 ? Math.max(0, (s2 - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/**
 * Moments of r = ln y − mu over rows with mask ≠ 0 and y > 0, globally and per group id; offsets
 * d = mean + variance/2 (the global one absolute, a group's relative to it; 0 for groups with
 * fewer than `minRows` positive rows).
 */
export function fitLogNormalOffsets(mu: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number>, group: ArrayLike<number> | null, minRows = 100): LogNormalOffsets {
  let s = 0, s2 = 0, n = 0;
  const acc = new Map<number, [number, number, number]>();
  for (let i = 0; i < mu.length; i++) {
    if (!mask[i] || !(y[i]! > 0)) continue;
    const r = Math.log(y[i]!) - mu[i]!;
    s += r; s2 += r * r; n++;
    if (group) {
      const a = acc.get(group[i]!) ?? [0, 0, 0];
      a[0] += r; a[1] += r * r; a[2]++;
      acc.set(group[i]!, a);
    }
  }
  const gm = moments(s, s2, n);
  const d0 = gm.mean + gm.variance / 2;
  const groups = new Map<number, ResidualMoments & { offset: number }>();
  for (const [k, [a, b, c]] of [...acc].sort((x, y) => x[0] - y[0])) {
    const m = moments(a, b, c);
    groups.set(k, { ...m, offset: c >= minRows ? m.mean + m.variance / 2 - d0 : 0 });
  }
  return { global: { ...gm, offset: d0 }, groups };
}

export interface LogNormalReport {
  task: string;
  /** Rows scored, rows of the task's space, rows with y > 0. */
  rows: number;
  spaceRows: number;
  positives: number;
  by: string | null;
  global: ResidualMoments & { offset: number };
  /** Per slice (the wide feature's value): moments, offset (relative to the global), Σ pred / Σ y on the fit rows after. */
  slices: Record<string, ResidualMoments & { offset: number; pcoc: number }>;
  /** Σ pred / Σ y over the task's space on the fit rows, before (exp(μ̂) · p_enter) and after. */
  pcocBefore: number;
  pcocAfter: number;
}

/** Fit and write the variance term of every lognormal task (see the file comment). */
export async function fitLogNormalTasks(table: Table, ev: Evaluator, asm: Assembler, tasks: TaskConfig[], seed: number, batchSize: number): Promise<LogNormalReport[]> {
  const todo = tasks.filter(isLogNormal) as (TaskConfig & { variance?: VarianceConfig })[];
  const report: LogNormalReport[] = [];
  const taskIndex = new Map(tasks.map((t, k) => [t.name, k]));
  for (const t of todo) {
    const v = t.variance;
    const N = table.numRows, n = Math.min(N, v?.rows ?? N);
    const idx = n === N ? Int32Array.from({ length: N }, (_, i) => i) : new Rng(seed * 7727 + 29).permutation(N).subarray(0, n);
    const mu = new Float64Array(n), pred = new Float64Array(n), y = new Float64Array(n), m = new Uint8Array(n);
    const grp = v?.by ? new Int32Array(n) : null;
    const spec = v?.by ? asm.fitted.specs.find((s) => s.name === v.by) : undefined;
    if (v?.by && (!spec || spec.output !== 'ids')) throw new Error(`tasks "${t.name}".variance.by: "${v.by}" is not a single-id feature`);
    for (let a = 0; a < n; a += batchSize) {
      const part = takeRows(table, idx.subarray(a, Math.min(n, a + batchSize)));
      const fb = transform(asm.fitted, part);
      const out = await ev.run(asm.feeds(fb), [logMeanOutput(t.name), predOutput(t.name)]);
      const z = out[logMeanOutput(t.name)]!.data as Float32Array, p = out[predOutput(t.name)]!.data as Float32Array;
      const cols = taskColumns(part, t);
      for (let i = 0; i < part.numRows; i++) {
        mu[a + i] = z[i]!; pred[a + i] = p[i]!;
        m[a + i] = inSampleSpace(t, cols, i) ? 1 : 0;
        y[a + i] = m[a + i] ? (cols.label[i] as number) : 0;
      }
      if (grp) grp.set(fb.ids[v!.by!]!, a);
    }
    const fit = fitLogNormalOffsets(mu, y, m, grp, v?.min_rows ?? 100);
    const offsetOf = (i: number) => fit.global.offset + (grp ? (fit.groups.get(grp[i]!)?.offset ?? 0) : 0);
    let sp = 0, spa = 0, sy = 0, space = 0, pos = 0;
    const per = new Map<number, [number, number]>();
    for (let i = 0; i < n; i++) {
      if (!m[i]) continue;
      const after = pred[i]! * Math.exp(offsetOf(i));
      sp += pred[i]!; spa += after; sy += y[i]!; space++; if (y[i]! > 0) pos++;
      if (grp) { const c = per.get(grp[i]!) ?? [0, 0]; c[0] += after; c[1] += y[i]!; per.set(grp[i]!, c); }
    }
    // Write into the model: the global offset into the head bias, slice offsets into column k of the wide table.
    if (!ev.store.has(`head.${t.name}.bias`)) throw new Error(`task "${t.name}": loss ${t.loss} needs the head bias head.${t.name}.bias to carry its variance term`);
    ev.store.get(`head.${t.name}.bias`)[0]! += fit.global.offset;
    const slices: LogNormalReport['slices'] = {};
    if (grp && spec) {
      const tab = asm.tables.get(spec.table!)!, k = taskIndex.get(t.name)!, vocab = asm.fitted.vocabs[spec.table!] ?? [];
      if (tab.dim !== tasks.length) throw new Error(`tasks "${t.name}".variance.by: "${v!.by}" is not a wide feature (dim ${tab.dim}, tasks ${tasks.length})`);
      for (const [r, g] of fit.groups) {
        tab.values[r * tab.dim + k]! += g.offset;
        const name = r >= 2 && vocab[r - 2] !== undefined ? vocab[r - 2]! : r === 1 ? '(oov)' : `id ${r}`;
        const c = per.get(r) ?? [0, 0];
        slices[name] = { n: g.n, mean: g.mean, variance: g.variance, offset: g.offset, pcoc: c[1] > 0 ? c[0] / c[1] : NaN };
      }
    }
    report.push({ task: t.name, rows: n, spaceRows: space, positives: pos, by: v?.by ?? null, global: fit.global, slices, pcocBefore: sy > 0 ? sp / sy : NaN, pcocAfter: sy > 0 ? spa / sy : NaN });
  }
  return report;
}

/** Per lognormal task: the variance of ln y over its training rows with y > 0 (the Gaussian loss's scale). */
export function logNormalScales(train: Table, tasks: TaskConfig[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tasks.filter(isLogNormal)) {
    const cols = taskColumns(train, t);
    let s = 0, s2 = 0, n = 0;
    for (let i = 0; i < train.numRows; i++) {
      const v = cols.label[i] as number;
      if (!(v > 0) || !inSampleSpace(t, cols, i)) continue;
      const l = Math.log(v);
      s += l; s2 += l * l; n++;
    }
    const var_ = moments(s, s2, n).variance;
    if (var_ > 0) out[t.name] = var_;
  }
  return out;
}

/** One log line per task: the global moments and each slice's σ², level and Σ pred / Σ y on the fit rows. */
export function describeLogNormal(r: LogNormalReport): string {
  const sl = Object.entries(r.slices).map(([k, v]) => `${k}: n ${v.n}, b ${v.mean.toFixed(3)}, σ² ${v.variance.toFixed(3)}, Σpred/Σy ${v.pcoc.toFixed(3)}`).join('; ');
  return `lognormal ${r.task}: ${r.positives.toLocaleString('en-US')} of ${r.spaceRows.toLocaleString('en-US')} training rows with y > 0; ln y − μ̂: mean ${r.global.mean.toFixed(3)}, σ² ${r.global.variance.toFixed(3)} (global offset ${r.global.offset.toFixed(3)})` +
    `${sl ? `; by ${r.by}: ${sl}` : ''}; Σ pred / Σ y ${r.pcocBefore.toFixed(3)} → ${r.pcocAfter.toFixed(3)}`;
}
