// Per-row losses as graph code, from logits (numerically stable forms). Every function returns a
// [B, 1] tensor of per-row losses; `reduceTaskLoss` averages it over the task's sample space.
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';

export type LossName = 'bce' | 'weighted_bce' | 'focal' | 'mse' | 'l1' | 'huber' | 'weighted_lr' | 'poisson' | 'tweedie' | 'lognormal';

/** Losses whose output z is the log of the prediction: the served value is exp(z), an estimate of E[y | x]. */
export const LOG_LINK_LOSSES: readonly LossName[] = ['poisson', 'tweedie'];
export const isLogLink = (name: string | undefined): boolean => LOG_LINK_LOSSES.includes(name as LossName);

export interface LossOptions {
  /** weighted_bce: weight of positives / negatives. */
  posWeight?: number;
  negWeight?: number;
  /** focal: α (weight of positives) and γ (focusing). Defaults 0.25 and 2 (Lin et al. 2017). */
  alpha?: number | null;
  gamma?: number;
  /** huber: the transition point δ (default 1). */
  delta?: number;
  /** tweedie: the variance power p ∈ [1, 2) (1 = Poisson; default 1.5). */
  power?: number;
  /**
   * poisson / tweedie: the label scale s (the trainer passes the training mean of the label). The
   * loss is divided by s^(2−p), which makes it the same loss as on y/s with z − ln s: gradients of
   * order 1 whatever the label's unit, so a task in seconds does not outweigh the binary tasks in
   * the shared layers. The minimizer (exp z = E[y | x]) does not depend on s. Default 1.
   * lognormal: the Gaussian's fixed variance (the training variance of ln y).
   */
  scale?: number;
}

/** −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z */
export function bceWithLogits(z: Tensor, y: Tensor): Tensor {
  return op.sub(op.softplus(z), op.mul(y, z));
}

/** −[w₊ y log p + w₋ (1 − y) log(1 − p)] with log p = −softplus(−z), log(1 − p) = −softplus(z). */
export function weightedBce(z: Tensor, y: Tensor, posWeight = 1, negWeight = 1): Tensor {
  const pos = op.mul(op.mul(y, op.softplus(op.neg(z))), posWeight);
  const neg = op.mul(op.mul(op.sub(1, y), op.softplus(z)), negWeight);
  return op.add(pos, neg);
}

/**
 * Focal loss −α_t (1 − p_t)^γ log p_t with α_t = α for positives and 1 − α for negatives; alpha null
 * means no class balancing (α_t = 1), so γ = 0 with alpha null is exactly BCE.
 */
export function focal(z: Tensor, y: Tensor, alpha: number | null = 0.25, gamma = 2): Tensor {
  const p = op.sigmoid(z);
  const logP = op.neg(op.softplus(op.neg(z)));
  const log1mP = op.neg(op.softplus(z));
  const fPos = gamma === 0 ? logP : op.mul(op.pow(op.sub(1, p), gamma), logP);
  const fNeg = gamma === 0 ? log1mP : op.mul(op.pow(p, gamma), log1mP);
  const pos = op.mul(y, fPos), neg = op.mul(op.sub(1, y), fNeg);
  if (alpha === null) return op.neg(op.add(pos, neg));
  return op.neg(op.add(op.mul(pos, alpha), op.mul(neg, 1 - alpha)));
}

export function mse(pred: Tensor, y: Tensor): Tensor {
  const d = op.sub(pred, y);
  return op.mul(d, d);
}

export function l1(pred: Tensor, y: Tensor): Tensor {
  return op.abs(op.sub(pred, y));
}

/** ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond: written as ½c² + δ(|d| − c) with c = clip(|d|, 0, δ). */
export function huber(pred: Tensor, y: Tensor, delta = 1): Tensor {
  const a = op.abs(op.sub(pred, y));
  const c = op.clip(a, 0, delta);
  return op.add(op.mul(op.mul(c, c), 0.5), op.mul(op.sub(a, c), delta));
}

/**
 * Tweedie half-deviance with a log link, per row: z = ln μ (μ the predicted mean), y ≥ 0 the raw
 * label, p ∈ [1, 2) the variance power (Var y ∝ μ^p; p = 1 is Poisson, 1 < p < 2 the compound
 * Poisson–gamma, which has a point mass at 0 and a continuous positive part, like watch seconds):
 *
 *   p = 1:  μ − y·z + y ln y − y
 *   p > 1:  μ^(2−p)/(2−p) − y·μ^(1−p)/(1−p) + y^(2−p)/((1−p)(2−p))
 *
 * divided by s^(2−p). The y-only terms make it 0 at μ = y (≥ 0 everywhere) and carry no gradient.
 * ∂ℓ/∂z = μ^(1−p)·(μ − y) / s^(2−p), so E[∂ℓ/∂z | x] = 0 exactly at μ = E[y | x] for every p: the
 * head estimates the mean (not a median or a typical value), whatever the label's distribution; p
 * only decides how rows are weighted (μ^(1−p)) on the way there.
 */
export function tweedie(z: Tensor, y: Tensor, power = 1.5, scale = 1): Tensor {
  if (!(power >= 1 && power < 2)) throw new Error(`tweedie: power ${power} is outside [1, 2)`);
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`tweedie: scale ${scale} must be a positive number`);
  const norm = 1 / Math.pow(scale, 2 - power);
  let l: Tensor;
  if (power === 1) {
    const yLogY = op.mul(y, op.log(op.maximum(y, 1e-30))); // 0 at y = 0
    l = op.sub(op.add(op.exp(z), yLogY), op.add(op.mul(y, z), y));
  } else {
    const a = 2 - power, b = 1 - power;
    const mu2 = op.mul(op.exp(op.mul(z, a)), 1 / a);
    const ymu1 = op.mul(op.mul(y, op.exp(op.mul(z, b))), 1 / b);
    const yy = op.mul(op.pow(op.maximum(y, 0), a), 1 / (a * b));
    l = op.add(op.sub(mu2, ymu1), yy);
  }
  return norm === 1 ? l : op.mul(l, norm);
}

/**
 * Gaussian negative log-likelihood of y (here ln of a positive label) with mean z and a fixed
 * variance s² (the trainer passes the training variance of ln y): ½(z − y)²/s², so its gradient
 * (z − y)/s² is of order 1/s whatever the label's spread. The `lognormal` head's μ (hurdle.ts).
 */
export function gaussian(z: Tensor, y: Tensor, variance = 1): Tensor {
  if (!(variance > 0 && Number.isFinite(variance))) throw new Error(`gaussian: variance ${variance} must be a positive number`);
  const d = op.sub(z, y);
  return op.mul(op.mul(d, d), 0.5 / variance);
}

/**
 * Per-row loss of a task. Binary losses read logits; regression losses read the raw prediction.
 * `weighted_lr` (YouTube watch time) is BCE on the logit whose per-row weights (positives weighted
 * by watch time, negatives 1) the caller supplies; at inference exp(z) estimates the watch time.
 * `poisson` / `tweedie` read z = ln μ and the raw label; at inference exp(z) estimates E[y | x].
 */
export function taskLoss(name: LossName, z: Tensor, y: Tensor, o: LossOptions = {}): Tensor {
  switch (name) {
    case 'bce':
    case 'weighted_lr': return bceWithLogits(z, y);
    case 'weighted_bce': return weightedBce(z, y, o.posWeight ?? 1, o.negWeight ?? 1);
    case 'focal': return focal(z, y, o.alpha === undefined ? 0.25 : o.alpha, o.gamma ?? 2);
    case 'mse': return mse(z, y);
    case 'l1': return l1(z, y);
    case 'huber': return huber(z, y, o.delta ?? 1);
    case 'poisson': return tweedie(z, y, 1, o.scale ?? 1);
    case 'tweedie': return tweedie(z, y, o.power ?? 1.5, o.scale ?? 1);
    case 'lognormal': return gaussian(z, y, o.scale ?? 1);
  }
}

/**
 * Weighted mean of per-row losses over the task's sample space: Σ m·w·ℓ / max(Σ m·w, ε). `mask`
 * (1 = the row belongs to the task's space) and `weight` are [B, 1] or null. With `denominator`
 * ([B, 1], plain IPS: 1 on the rows of the full space) it is Σ m·w·ℓ / max(Σ denominator, ε).
 */
export function reduceTaskLoss(perRow: Tensor, mask: Tensor | null, weight: Tensor | null, denominator: Tensor | null = null): Tensor {
  const w = mask && weight ? op.mul(mask, weight) : (mask ?? weight);
  if (!w) return op.reduceMean(perRow);
  return op.div(op.reduceSum(op.mul(perRow, w)), op.maximum(op.reduceSum(denominator ?? w), 1e-6));
}
