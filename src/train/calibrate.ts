// Post-training calibration (spec §12: "Platt / isotonic / per-slice factor" corrections): per
// binary task, a logit offset δ₀ and — for each wide feature listed in `by` — one offset per row of
// that feature's table, fitted by penalized maximum likelihood on a sample of the TRAINING split and
// written into the model itself (δ₀ into head.<task>.bias, the row offsets into column k of the wide
// table), so the exported .onnx carries them. Why: with Adam's per-parameter normalized steps the
// output level follows the last few dozen batches (the demo's validation PCOC moved by 5–15 % over
// its last 42 steps at the smallest learning rate), and the deep part shrinks small slices' base
// rates toward the mean. Offsets are ranking-neutral within a slice (one shift per slice).
//
// Model: logit_i = z_i + δ₀ + Σ_f δ_f[r_f(i)], prior δ_f[r] ~ N(0, σ²) (δ₀ flat). Block coordinate
// Newton: each block's Newton step Σ(y − p) / (Σ p(1 − p) + 1/σ²) per row, a few sweeps.
// Expected-value regression tasks with a log link (loss poisson / tweedie) get the same offsets on
// ln μ, fitted by quasi-Poisson likelihood: the step is Σ(y − μ)/c / (Σ μ/c + 1/σ²) with
// c = φ·s (s the mean label, φ the dispersion Σ(y − μ)² / (s·Σμ) on the fit rows), so a slice's
// offset is shrunk as much as its heavy-tailed labels warrant (watch seconds: φ ≫ 1).
import type { Table } from '../data/table.js';
import { takeRows } from '../data/table.js';
import type { Evaluator } from '../engine/step.js';
import type { ParameterStore } from '../engine/store.js';
import { transform } from '../features/index.js';
import { Rng } from '../util/rng.js';
import type { Assembler } from './assembler.js';
import type { TaskConfig } from './config.js';
import { hostLabels, predOutput } from './heads.js';
import { isLogLink } from './losses.js';

export interface CalibrationSettings {
  /** Training rows used for the fit; all rows when the split is smaller. */
  rows: number;
  /** `recent`: the split's last `rows` rows (time-ordered data: the level closest to what follows); `random`: a seeded sample. */
  sample: 'recent' | 'random';
  /** Wide features (model.wide) that get per-row offsets. */
  by: string[];
  /** Prior standard deviation σ of a per-row offset (shrinks rows with few positives toward 0). */
  prior_sd: number;
  sweeps: number;
}

export interface TaskCalibration {
  task: string;
  rows: number;
  positives: number;
  /** Σ predicted / Σ label on the fit sample before and after. */
  pcocBefore: number;
  pcocAfter: number;
  globalOffset: number;
  /** Per `by` feature: rows with an offset and the largest |offset|. */
  byFeature: Record<string, { rows: number; maxAbs: number }>;
  /** Log-link tasks: the quasi-Poisson dispersion φ used to weigh the fit against the prior. */
  dispersion?: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Tasks a logit offset can calibrate: binary, plain BCE (a weighted or focal loss aims elsewhere),
 * or an expected-value regression with a log link (poisson / tweedie: offsets on ln μ), unweighted,
 * with a head bias.
 */
export function calibratableTasks(tasks: TaskConfig[], store: ParameterStore): TaskConfig[] {
  const fits = (t: TaskConfig) => (t.kind === 'binary' && t.loss === 'bce') || (t.kind === 'regression' && isLogLink(t.loss));
  return tasks.filter((t) => fits(t) && !t.weight_column && store.has(`head.${t.name}.bias`));
}

export interface OffsetFit {
  global: number;
  /** Per group column: row id → offset. */
  offsets: Map<number, number>[];
  /** Σσ(logit) (Σ exp(logit) for the log link) / Σy over the masked rows, before and after. */
  pcocBefore: number;
  pcocAfter: number;
  /** Log link: the dispersion φ (see the file comment). */
  dispersion?: number;
}

/**
 * Penalized ML offsets for logits `z` with labels `y` (rows with mask 0 ignored): a flat global
 * offset plus, per group column, one N(0, priorSd²) offset per group id. Block coordinate Newton.
 * `link: 'log'`: z = ln μ of a non-negative label, quasi-Poisson likelihood (see the file comment).
 */
export function fitOffsets(z: ArrayLike<number>, y: ArrayLike<number>, mask: ArrayLike<number>, groups: ArrayLike<number>[], priorSd: number, sweeps: number, link: 'logit' | 'log' = 'logit'): OffsetFit {
  const n = z.length, prec = 1 / (priorSd * priorSd);
  const logit = Float64Array.from(z); // current z + offsets, updated in place after each block
  const mean = link === 'log' ? Math.exp : sigmoid;
  // Log link: per-row likelihood weight 1/c with c = φ·s (labels in units of their mean, dispersion φ).
  let c = 1, dispersion: number | undefined;
  if (link === 'log') {
    let sy = 0, smu = 0, m = 0;
    for (let i = 0; i < n; i++) if (mask[i]) { sy += y[i]!; smu += Math.exp(logit[i]!); m++; }
    const k = smu > 0 ? sy / smu : 1, s = m > 0 ? sy / m : 1; // k: the global level, so φ measures spread, not bias
    let sse = 0;
    for (let i = 0; i < n; i++) if (mask[i]) { const d = y[i]! - k * Math.exp(logit[i]!); sse += d * d; }
    dispersion = sy > 0 ? Math.max(1, sse / (s * sy)) : 1;
    c = s > 0 ? dispersion * s : 1;
  }
  // One block: rows grouped by `key` (all in one group for the global offset), Newton step per group.
  const block = (key: ArrayLike<number> | null, off: Float64Array, penalty: number) => {
    const G = new Float64Array(off.length), H = new Float64Array(off.length);
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const p = mean(logit[i]!), r = key ? key[i]! : 0;
      if (link === 'log') { G[r]! += (y[i]! - p) / c; H[r]! += p / c; }
      else { G[r]! += y[i]! - p; H[r]! += p * (1 - p); }
    }
    const step = new Float64Array(off.length);
    for (let r = 0; r < off.length; r++) if (H[r]! > 0) step[r] = (G[r]! - off[r]! * penalty) / (H[r]! + penalty);
    for (let r = 0; r < off.length; r++) off[r]! += step[r]!;
    for (let i = 0; i < n; i++) logit[i]! += step[key ? key[i]! : 0]!;
  };
  const pcoc = () => {
    let sp = 0, sy = 0;
    for (let i = 0; i < n; i++) if (mask[i]) { sp += mean(logit[i]!); sy += y[i]!; }
    return sy > 0 ? sp / sy : NaN;
  };
  const pcocBefore = pcoc();
  const global = new Float64Array(1);
  const offs = groups.map((g) => {
    let max = -1;
    for (let i = 0; i < n; i++) if (mask[i] && g[i]! > max) max = g[i]!;
    return new Float64Array(max + 1);
  });
  for (let sweep = 0; sweep < sweeps; sweep++) {
    block(null, global, 0);
    groups.forEach((g, j) => block(g, offs[j]!, prec));
  }
  block(null, global, 0); // a last global step: the fit sample's PCOC is 1 after the groups moved
  const seen = groups.map((g) => {
    const m = new Set<number>();
    for (let i = 0; i < n; i++) if (mask[i]) m.add(g[i]!);
    return m;
  });
  const offsets = offs.map((o, j) => new Map([...seen[j]!].sort((a, b) => a - b).map((r) => [r, o[r]!] as [number, number])));
  return { global: global[0]!, offsets, pcocBefore, pcocAfter: pcoc(), ...(dispersion !== undefined ? { dispersion } : {}) };
}

/** `s.by` must name wide features of the model (openSession checks this before training). */
export async function calibrate(
  table: Table, ev: Evaluator, asm: Assembler, tasks: TaskConfig[],
  s: CalibrationSettings, seed: number, batchSize: number,
): Promise<TaskCalibration[]> {
  const store = ev.store;
  const todo = calibratableTasks(tasks, store);
  if (todo.length === 0) return [];
  const N = table.numRows, n = Math.min(N, s.rows);
  const idx = n === N ? Int32Array.from({ length: N }, (_, i) => i)
    : s.sample === 'recent' ? Int32Array.from({ length: n }, (_, i) => N - n + i)
      : new Rng(seed * 104729 + 17).permutation(N).subarray(0, n);
  const z: Record<string, Float64Array> = Object.fromEntries(todo.map((t) => [t.name, new Float64Array(n)]));
  const y: Record<string, Float32Array> = Object.fromEntries(todo.map((t) => [t.name, new Float32Array(n)]));
  const m: Record<string, Float32Array> = Object.fromEntries(todo.map((t) => [t.name, new Float32Array(n)]));
  const rowsOf: Record<string, Int32Array> = Object.fromEntries(s.by.map((f) => [f, new Int32Array(n)]));
  for (let a = 0; a < n; a += batchSize) {
    const part = takeRows(table, idx.subarray(a, Math.min(n, a + batchSize)));
    const fb = transform(asm.fitted, part);
    const out = await ev.run(asm.feeds(fb), todo.map((t) => predOutput(t.name)));
    const h = hostLabels(part, todo);
    for (const t of todo) {
      const p = out[predOutput(t.name)]!.data as Float32Array;
      if (isLogLink(t.loss)) {
        for (let i = 0; i < p.length; i++) z[t.name]![a + i] = Math.log(Math.max(p[i]!, 1e-30));
      } else {
        for (let i = 0; i < p.length; i++) {
          const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]!));
          z[t.name]![a + i] = Math.log(q / (1 - q));
        }
      }
      y[t.name]!.set(h.label[t.name]!, a);
      m[t.name]!.set(h.mask[t.name]!, a);
    }
    for (const f of s.by) {
      const ids = fb.ids[f];
      if (!ids) throw new Error(`calibration.by: "${f}" is not a single-id feature`);
      rowsOf[f]!.set(ids, a);
    }
  }

  const report: TaskCalibration[] = [];
  const taskIndex = new Map(tasks.map((t, k) => [t.name, k]));
  for (const t of todo) {
    const M = m[t.name]!, Y = y[t.name]!;
    const fit = fitOffsets(z[t.name]!, Y, M, s.by.map((f) => rowsOf[f]!), s.prior_sd, s.sweeps, isLogLink(t.loss) ? 'log' : 'logit');
    const d0 = fit.global, offsets = fit.offsets;
    // Write into the model: the head bias and column k of each wide table.
    store.get(`head.${t.name}.bias`)[0]! += d0;
    const k = taskIndex.get(t.name)!;
    const byFeature: TaskCalibration['byFeature'] = {};
    s.by.forEach((f, j) => {
      const tab = asm.tables.get(asm.fitted.specs.find((x) => x.name === f)!.table!)!;
      let maxAbs = 0;
      for (const [r, d] of offsets[j]!) { tab.values[r * tab.dim + k]! += d; maxAbs = Math.max(maxAbs, Math.abs(d)); }
      byFeature[f] = { rows: offsets[j]!.size, maxAbs };
    });
    let positives = 0, rows = 0;
    for (let i = 0; i < n; i++) if (M[i]) { rows++; positives += Y[i]!; }
    report.push({ task: t.name, rows, positives, pcocBefore: fit.pcocBefore, pcocAfter: fit.pcocAfter, globalOffset: d0, byFeature, ...(fit.dispersion !== undefined ? { dispersion: fit.dispersion } : {}) });
  }
  return report;
}
