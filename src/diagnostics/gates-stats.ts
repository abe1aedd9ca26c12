// Statistics of mixture-of-experts gate weights (models-and-methods.md §2): mean weight per expert
// (= utilisation Σ_rows g / rows), per-sample spread, normalised entropy H(g)/ln n (uniform = 1,
// one-hot = 0), Jensen–Shannon divergence between mean gates, and the collapse / uniform alarms.
// Pure functions on row-major [rows, n] weights; no model or run knowledge.
import type { Alarm, GateStats } from './types.js';

export const GATE_THRESHOLDS = {
  /** A row is collapsed when its largest weight exceeds this… */
  collapse_weight: 0.9,
  /** …and the gate is collapsed when more than this share of rows is. */
  collapse_rows: 0.5,
  /** Uniform: mean normalised entropy ≥ this… */
  uniform_entropy: 0.98,
  /** …and every expert's per-sample std ≤ this (the gate ignores the input). */
  uniform_std: 0.02,
  /** An expert whose mean weight is below this in every gate that can choose it is dead. */
  dead_expert_weight: 0.01,
  /** An expert whose ReLU outputs are 0 on more than this share is dead (HoME's > 90 %). */
  dead_relu: 0.9,
};

/** Shannon entropy (nats) of a distribution; 0·ln 0 = 0. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/** H(p)/ln n in [0, 1]; a one-expert gate has entropy 0 by convention. */
export function normalisedEntropy(p: ArrayLike<number>): number {
  return p.length > 1 ? entropy(p) / Math.log(p.length) : 0;
}

/** KL(p ‖ q) in nats; terms with p_i = 0 contribute 0. */
function kl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) s += p[i]! * Math.log(p[i]! / q[i]!);
  return s;
}

/** Jensen–Shannon divergence (nats, in [0, ln 2]) of two distributions over the same support. */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new Error(`jsDivergence: distributions of length ${p.length} and ${q.length}`);
  const m = Array.from(p, (v, i) => (v + q[i]!) / 2);
  return Math.max(0, (kl(p, m) + kl(q, m)) / 2);
}

/**
 * Statistics of gate weights `w` (row-major [rows, n]) over the rows listed in `idx` (all rows when
 * absent). Rows are expected to sum to 1 (softmax outputs).
 */
export function gateStats(w: ArrayLike<number>, n: number, idx?: ArrayLike<number>): GateStats {
  const rows = idx ? idx.length : Math.floor(w.length / n);
  const sum = new Float64Array(n), sq = new Float64Array(n), top = new Float64Array(n);
  let ent = 0, collapsed = 0;
  const row = new Float64Array(n);
  for (let k = 0; k < rows; k++) {
    const r = idx ? idx[k]! : k;
    let best = 0;
    for (let i = 0; i < n; i++) {
      const v = w[r * n + i]!;
      row[i] = v;
      sum[i] += v;
      sq[i] += v * v;
      if (v > row[best]!) best = i;
    }
    top[best] += 1;
    ent += normalisedEntropy(row);
    if (row[best]! > GATE_THRESHOLDS.collapse_weight) collapsed++;
  }
  const d = Math.max(rows, 1);
  const mean = Array.from(sum, (s) => s / d);
  const std = Array.from(sq, (s, i) => Math.sqrt(Math.max(0, s / d - mean[i]! * mean[i]!)));
  return {
    rows,
    mean,
    std,
    top1_share: Array.from(top, (t) => t / d),
    entropy: ent / d,
    entropy_of_mean: normalisedEntropy(mean),
    collapsed_rows: collapsed / d,
  };
}

/** Collapse and uniform alarms of one gate's statistics. */
export function gateAlarms(subject: string, experts: string[], s: GateStats, scenario?: string): Alarm[] {
  const out: Alarm[] = [];
  const where = scenario === undefined ? {} : { scenario };
  const T = GATE_THRESHOLDS;
  if (s.rows === 0 || experts.length < 2) return out;
  if (s.collapsed_rows > T.collapse_rows) {
    const top = s.top1_share.indexOf(Math.max(...s.top1_share));
    out.push({
      kind: 'collapse', subject, ...where,
      message: `one expert takes > ${T.collapse_weight} of the weight on ${pct(s.collapsed_rows)} of rows (most often ${experts[top]}, top on ${pct(s.top1_share[top]!)}); normalised entropy ${s.entropy.toFixed(3)}`,
    });
  }
  const maxStd = Math.max(...s.std);
  if (s.entropy >= T.uniform_entropy && maxStd <= T.uniform_std) {
    out.push({
      kind: 'uniform', subject, ...where,
      message: `weights ≈ 1/${experts.length} on every row (normalised entropy ${s.entropy.toFixed(3)}, largest per-sample std ${maxStd.toFixed(4)}): the gate learned nothing and mixes all experts equally`,
    });
  }
  return out;
}

export const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
