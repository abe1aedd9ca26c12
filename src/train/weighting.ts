// Multi-task loss weighting. Fixed, DWA and PLE's schedule are host-side weights fed to the graph
// as the input `task_weights` [T]; uncertainty weighting and GradNorm are learned inside the graph.
import { z } from 'zod';
import type { Graph, Tensor } from '../engine/graph.js';
import { gradients } from '../engine/autodiff.js';
import { init } from '../engine/params.js';
import * as op from '../engine/ops/index.js';

export const weightingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), weights: z.record(z.string(), z.number().nonnegative()).optional() }).strict(),
  z.object({ type: z.literal('uncertainty'), init: z.number().default(-0.5) }).strict(),
  z.object({ type: z.literal('gradnorm'), alpha: z.number().default(1.5) }).strict(),
  z.object({ type: z.literal('dwa'), temperature: z.number().positive().default(2) }).strict(),
  z.object({
    type: z.literal('ple_schedule'),
    initial: z.record(z.string(), z.number().nonnegative()).optional(),
    gamma: z.record(z.string(), z.number().positive()).optional(),
  }).strict(),
]);
export type WeightingConfig = z.infer<typeof weightingSchema>;

export const TASK_WEIGHTS_INPUT = 'task_weights';
export const GRADNORM_L0_INPUT = 'gradnorm_l0';

export interface CombineResult {
  total: Tensor;
  /** The effective per-task weights [T] (logged). */
  weights: Tensor;
}

/** DWA (Liu et al. 2019): w_k = K·softmax(r_k / T), r_k = L_k(t−1)/L_k(t−2); 1 for the first 2 epochs. */
export function dwaWeights(history: number[][], temperature: number, K: number): number[] {
  if (history.length < 2) return new Array<number>(K).fill(1);
  const a = history[history.length - 1]!, b = history[history.length - 2]!;
  const e = a.map((v, k) => Math.exp(v / b[k]! / temperature));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => (K * v) / s);
}

/** PLE Eq. 10: ω_k(t) = ω_{k,0}·γ_k^t, t = epoch (0-based). */
export function pleScheduleWeights(initial: number[], gamma: number[], epoch: number): number[] {
  return initial.map((w, k) => w * gamma[k]! ** epoch);
}

export class TaskWeighting {
  /** Per-epoch mean loss of each task (for DWA). */
  readonly history: number[][] = [];
  /** First-step task losses (GradNorm's L_i(0)). */
  l0: number[] | null = null;

  constructor(readonly cfg: WeightingConfig, readonly tasks: string[]) {
    const known = new Set(tasks);
    const check = (rec: Record<string, number> | undefined, field: string) => {
      for (const k of Object.keys(rec ?? {})) {
        if (!known.has(k)) throw new Error(`weighting.${field}: unknown task "${k}"; tasks are ${tasks.join(', ')}`);
      }
    };
    if (cfg.type === 'fixed') check(cfg.weights, 'weights');
    if (cfg.type === 'ple_schedule') { check(cfg.initial, 'initial'); check(cfg.gamma, 'gamma'); }
  }

  get learned(): boolean {
    return this.cfg.type === 'uncertainty' || this.cfg.type === 'gradnorm';
  }

  /**
   * Combine per-task scalar losses into the training loss. `shared` is the last shared layer's
   * weight (GradNorm measures each task's gradient norm there).
   */
  combine(g: Graph, losses: Tensor[], shared?: Tensor): CombineResult {
    const T = losses.length;
    const L = op.concat(losses.map((l) => op.reshape(l, [1])), 0); // [T]
    switch (this.cfg.type) {
      case 'uncertainty': {
        // Kendall et al.: Σ L_i / (2 e^{s_i}) + s_i / 2, s_i = log σ_i²
        const s = g.param({ name: 'weighting.uw_log_var', shape: [T], init: init.constant(this.cfg.init), trainable: true, decay: false });
        const w = op.mul(op.exp(op.neg(s)), 0.5);
        return { total: op.reduceSum(op.add(op.mul(L, w), op.mul(s, 0.5))), weights: w };
      }
      case 'gradnorm': {
        if (!shared) throw new Error('weighting gradnorm: the model exposes no shared layer');
        const theta = g.param({ name: 'weighting.gradnorm_logits', shape: [T], init: init.zeros, trainable: true, decay: false });
        const w = op.mul(op.softmax(theta, 0), T); // Σ w = T
        const main = op.reduceSum(op.mul(L, op.stopGradient(w)));
        if (!g.training) return { total: main, weights: w };
        // ‖∇_W L_i‖, held constant: only the weights learn from L_grad.
        const norms = losses.map((l) => {
          const [d] = gradients(l, [shared]);
          return d ? op.reshape(op.sqrt(op.add(op.reduceSum(op.mul(d, d)), 1e-12)), [1]) : g.constant(new Float32Array(1), [1], g.float);
        });
        const G = op.mul(w, op.stopGradient(op.concat(norms, 0)));
        const l0 = g.rawInput(GRADNORM_L0_INPUT, g.float, [T]);
        const ratio = op.div(L, l0);
        const r = op.div(ratio, op.reduceMean(ratio, [0], true));
        const target = op.stopGradient(op.mul(op.reduceMean(G, [0], true), op.pow(r, this.cfg.alpha)));
        return { total: op.add(main, op.reduceSum(op.abs(op.sub(G, target)))), weights: w };
      }
      default: {
        const w = g.rawInput(TASK_WEIGHTS_INPUT, g.float, [T]);
        return { total: op.reduceSum(op.mul(L, w)), weights: w };
      }
    }
  }

  /** Host-side weights for the coming epoch (fixed, DWA, PLE schedule). */
  hostWeights(epoch: number): Float32Array {
    const c = this.cfg;
    const T = this.tasks.length;
    switch (c.type) {
      case 'fixed': return Float32Array.from(this.tasks, (t) => c.weights?.[t] ?? 1);
      case 'dwa': return Float32Array.from(dwaWeights(this.history, c.temperature, T));
      case 'ple_schedule': return Float32Array.from(pleScheduleWeights(
        this.tasks.map((t) => c.initial?.[t] ?? 1), this.tasks.map((t) => c.gamma?.[t] ?? 1), epoch));
      default: return new Float32Array(T).fill(1);
    }
  }

  /** Extra graph inputs this weighting reads on each step. */
  feeds(epoch: number): Record<string, { data: Float32Array; dims: number[] }> {
    const T = this.tasks.length;
    if (this.cfg.type === 'gradnorm') return { [GRADNORM_L0_INPUT]: { data: Float32Array.from(this.l0 ?? new Array<number>(T).fill(1)), dims: [T] } };
    if (this.cfg.type === 'uncertainty') return {};
    return { [TASK_WEIGHTS_INPUT]: { data: this.hostWeights(epoch), dims: [T] } };
  }

  /** Record the first step's losses (GradNorm) and nothing else. */
  observeStep(taskLosses: number[]): void {
    if (!this.l0 && taskLosses.every((v) => Number.isFinite(v) && v > 0)) this.l0 = [...taskLosses];
  }

  endEpoch(meanTaskLosses: number[]): void {
    this.history.push([...meanTaskLosses]);
  }
}
