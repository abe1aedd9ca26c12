// Dense optimizers as graph code: the update runs inside the training-step graph on the flat
// parameter vector θ [P] and its flat gradient. Scalars that change per step (learning rate, bias
// corrections) are graph inputs, so schedules need no new graph.
import type { Tensor } from './graph.js';
import * as op from './ops/index.js';

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number }
  | { type: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { type: 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { type: 'adagrad'; lr: number; eps?: number; initialAccumulator?: number; weightDecay?: number };

export interface UpdateArgs {
  theta: Tensor;
  grad: Tensor;
  slots: Tensor[];
  scalars: Record<string, Tensor>;
  /** 1 where weight decay applies, 0 elsewhere (null = everywhere). */
  decayMask: Tensor | null;
  /** Per-element learning-rate multiplier (null = 1). */
  lrScale: Tensor | null;
}

export interface GraphOptimizer {
  readonly config: OptimizerConfig;
  /** Optimizer state vectors, each [P], with their initial value. */
  readonly slots: { name: string; init: number }[];
  /** Names of the scalar inputs the update reads. */
  readonly scalarNames: string[];
  update(a: UpdateArgs): { theta: Tensor; slots: Tensor[] };
  /** Values of the scalar inputs at 1-based step t with learning rate lr. */
  scalarValues(t: number, lr: number): Record<string, number>;
}

const scaled = (x: Tensor, s: Tensor | null) => (s ? op.mul(x, s) : x);

/** L2 (coupled) weight decay: g + wd·mask·θ. */
function coupledDecay(a: UpdateArgs, wd: number): Tensor {
  if (!wd) return a.grad;
  return op.add(a.grad, scaled(op.mul(a.theta, wd), a.decayMask));
}

export function makeOptimizer(c: OptimizerConfig): GraphOptimizer {
  switch (c.type) {
    case 'sgd': {
      const mu = c.momentum ?? 0;
      return {
        config: c,
        slots: mu ? [{ name: 'momentum', init: 0 }] : [],
        scalarNames: ['lr'],
        update(a) {
          const g = coupledDecay(a, c.weightDecay ?? 0);
          const lr = scaled(a.scalars.lr!, a.lrScale);
          if (!mu) return { theta: op.sub(a.theta, op.mul(g, lr)), slots: [] };
          const buf = op.add(op.mul(a.slots[0]!, mu), g);
          const step = c.nesterov ? op.add(g, op.mul(buf, mu)) : buf;
          return { theta: op.sub(a.theta, op.mul(step, lr)), slots: [buf] };
        },
        scalarValues: (_t, lr) => ({ lr }),
      };
    }
    case 'adam':
    case 'adamw': {
      const b1 = c.beta1 ?? 0.9, b2 = c.beta2 ?? 0.999, eps = c.eps ?? 1e-8;
      const decoupled = c.type === 'adamw';
      const wd = c.weightDecay ?? (decoupled ? 0.01 : 0);
      return {
        config: c,
        slots: [{ name: 'm', init: 0 }, { name: 'v', init: 0 }],
        scalarNames: decoupled ? ['lr_t', 'eps_t', 'lr_wd'] : ['lr_t', 'eps_t'],
        update(a) {
          const g = decoupled ? a.grad : coupledDecay(a, wd);
          const m = op.add(op.mul(a.slots[0]!, b1), op.mul(g, 1 - b1));
          const v = op.add(op.mul(a.slots[1]!, b2), op.mul(op.mul(g, g), 1 - b2));
          // lr·m̂/(√v̂ + ε) = lr_t·m/(√v + ε_t) with lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ), ε_t = ε·√(1−β2ᵗ)
          const stepv = op.div(op.mul(m, scaled(a.scalars.lr_t!, a.lrScale)), op.add(op.sqrt(v), a.scalars.eps_t!));
          let theta = a.theta;
          if (decoupled && wd) theta = op.sub(theta, scaled(op.mul(theta, scaled(a.scalars.lr_wd!, a.lrScale)), a.decayMask));
          return { theta: op.sub(theta, stepv), slots: [m, v] };
        },
        scalarValues(t, lr) {
          const bc2 = Math.sqrt(1 - b2 ** t);
          const out: Record<string, number> = { lr_t: (lr * bc2) / (1 - b1 ** t), eps_t: eps * bc2 };
          if (decoupled) out.lr_wd = lr * wd;
          return out;
        },
      };
    }
    case 'adagrad': {
      const eps = c.eps ?? 1e-10;
      return {
        config: c,
        slots: [{ name: 'accumulator', init: c.initialAccumulator ?? 0 }],
        scalarNames: ['lr'],
        update(a) {
          const g = coupledDecay(a, c.weightDecay ?? 0);
          const acc = op.add(a.slots[0]!, op.mul(g, g));
          const stepv = op.div(op.mul(g, scaled(a.scalars.lr!, a.lrScale)), op.add(op.sqrt(acc), eps));
          return { theta: op.sub(a.theta, stepv), slots: [acc] };
        },
        scalarValues: (_t, lr) => ({ lr }),
      };
    }
  }
}
