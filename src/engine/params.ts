// Parameter declarations and their initializers.
import { Rng } from '../util/rng.js';

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'const'; value: number }
  | { kind: 'normal'; std: number; mean?: number }
  | { kind: 'uniform'; limit: number }
  | { kind: 'xavier_uniform' }
  | { kind: 'xavier_normal' }
  | { kind: 'he_uniform' }
  | { kind: 'he_normal' };

export const init = {
  zeros: { kind: 'zeros' } as Init,
  ones: { kind: 'ones' } as Init,
  xavier: { kind: 'xavier_uniform' } as Init,
  xavierNormal: { kind: 'xavier_normal' } as Init,
  he: { kind: 'he_uniform' } as Init,
  heNormal: { kind: 'he_normal' } as Init,
  constant: (value: number): Init => ({ kind: 'const', value }),
  normal: (std: number, mean = 0): Init => ({ kind: 'normal', std, mean }),
  uniform: (limit: number): Init => ({ kind: 'uniform', limit }),
};

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** false for state such as batch-norm running statistics (updated by the graph, not the optimizer). */
  trainable: boolean;
  /** Excluded from weight decay (biases, norms) when false. Default true for trainable weights of rank ≥ 2. */
  decay?: boolean;
  /** Learning-rate multiplier for this parameter (default 1). */
  lrScale?: number;
}

export function paramSize(spec: { shape: number[] }): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** Fan-in / fan-out: a weight is [..., in, out] (we multiply x·W). */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  const fanIn = shape[shape.length - 2]!;
  const fanOut = shape[shape.length - 1]!;
  return { fanIn, fanOut };
}

/** Fill `out` with the initial values of a parameter; deterministic in (seed, name). */
export function initialize(spec: ParamSpec, out: Float32Array | Float64Array, seed: number): void {
  const rng = new Rng(`${seed}:${spec.name}`);
  const { fanIn, fanOut } = fans(spec.shape);
  const i = spec.init;
  switch (i.kind) {
    case 'zeros': out.fill(0); return;
    case 'ones': out.fill(1); return;
    case 'const': out.fill(i.value); return;
    case 'normal': for (let k = 0; k < out.length; k++) out[k] = rng.normal(i.mean ?? 0, i.std); return;
    case 'uniform': for (let k = 0; k < out.length; k++) out[k] = rng.uniform(-i.limit, i.limit); return;
    case 'xavier_uniform': {
      const a = Math.sqrt(6 / (fanIn + fanOut));
      for (let k = 0; k < out.length; k++) out[k] = rng.uniform(-a, a);
      return;
    }
    case 'xavier_normal': {
      const s = Math.sqrt(2 / (fanIn + fanOut));
      for (let k = 0; k < out.length; k++) out[k] = rng.normal(0, s);
      return;
    }
    case 'he_uniform': {
      const a = Math.sqrt(6 / fanIn);
      for (let k = 0; k < out.length; k++) out[k] = rng.uniform(-a, a);
      return;
    }
    case 'he_normal': {
      const s = Math.sqrt(2 / fanIn);
      for (let k = 0; k < out.length; k++) out[k] = rng.normal(0, s);
      return;
    }
  }
}
