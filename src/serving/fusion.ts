// Score fusion (spec §13): one ranking score per candidate from the fine ranker's task outputs.
//   multiplicative: S = p_gate^a · Π_i (base_i + w_i · p_i)^{α_i}   (CTR as the overall multiplier)
//   additive:       S = Σ_i w_i · p_i^{α_i}
// With w ≥ 0, α ≥ 0, base > 0 (enforced by the config) both forms are non-decreasing in every p_i,
// and with every w = 0 the multiplicative form is p_ctr^a, i.e. CTR order.
// Inputs must be finite and ≥ 0 (probabilities, or a non-negative value such as log1p watch seconds);
// anything else throws FusionInputError naming the candidate and the task — unless the term has a
// `floor`, which raises finite outputs below it to it.
import type { FusionParams } from './fusion-config.js';

export class FusionInputError extends Error {
  constructor(message: string) { super(message); this.name = 'FusionInputError'; }
}

/** Task outputs of one candidate, by task name. */
export type TaskScores = Readonly<Record<string, number>>;

function read(scores: TaskScores, task: string, at: number, floor?: number): number {
  const raw = scores[task];
  const v = floor !== undefined && typeof raw === 'number' && Number.isFinite(raw) && raw < floor ? floor : raw;
  if (v === undefined) throw new FusionInputError(`candidate ${at}: task "${task}" is missing from the ranker outputs (has: ${Object.keys(scores).join(', ') || 'none'})`);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new FusionInputError(`candidate ${at}: task "${task}" = ${String(v)}; expected a finite number ≥ 0`);
  return v;
}

/** Fused score of one candidate (`at` only labels errors). */
export function fuseOne(p: FusionParams, scores: TaskScores, at = 0): number {
  if (p.form === 'additive') {
    let s = 0;
    for (const t of p.terms) s += t.weight * Math.pow(read(scores, t.task, at, t.floor), t.power);
    return s;
  }
  let s = p.gate ? Math.pow(read(scores, p.gate.task, at), p.gate.power) : 1;
  for (const t of p.terms) s *= Math.pow(t.base + t.weight * read(scores, t.task, at, t.floor), t.power);
  return s;
}

/** Fused scores of a request's candidates, same order. */
export function fuse(p: FusionParams, candidates: readonly TaskScores[]): Float64Array {
  const out = new Float64Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) out[i] = fuseOne(p, candidates[i], i);
  return out;
}

/**
 * Columnar variant for replay / search: `columns[task][i]` is candidate i's output for the task.
 * Every column the params read must exist and have `n` entries.
 */
export function fuseColumns(p: FusionParams, columns: Readonly<Record<string, ArrayLike<number>>>, n: number): Float64Array {
  const need = [...(p.gate ? [p.gate.task] : []), ...p.terms.map((t) => t.task)];
  for (const task of need) {
    const c = columns[task];
    if (!c) throw new FusionInputError(`column "${task}" is missing (has: ${Object.keys(columns).join(', ') || 'none'})`);
    if (c.length !== n) throw new FusionInputError(`column "${task}" has ${c.length} rows, expected ${n}`);
  }
  const out = new Float64Array(n);
  const row: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    for (const task of need) row[task] = columns[task][i];
    out[i] = fuseOne(p, row, i);
  }
  return out;
}
