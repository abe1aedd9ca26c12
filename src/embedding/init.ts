// Initializers for embedding rows. All draws go through a seeded Rng so tables are reproducible.
//
// Default: normal(0, 0.01). Small enough that the first dot products / interactions of a fresh
// table do not dominate the dense inputs, large enough that rows are distinguishable and gradients
// flowing through products of embeddings (FM, DCN, attention) are not zero. (DeepCTR uses
// N(0, 1e-4), Keras U(±0.05), TF's embedding_column N(0, 1/√dim) truncated: 0.01 sits in between.)
import { Rng } from '../util/rng.js';

export type Initializer =
  | { kind: 'normal'; std?: number; mean?: number }
  | { kind: 'uniform'; limit?: number }
  /**
   * Glorot/Xavier-uniform treating the lookup as a linear map from one active one-hot input
   * (fan_in = 1) to dim outputs: U(±√(6 / (1 + dim))), i.e. per-coordinate variance 2/(1 + dim)
   * (a row's squared norm ≈ 2).
   */
  | { kind: 'xavier' }
  | { kind: 'zeros' };

export const DEFAULT_INITIALIZER: Initializer = { kind: 'normal', std: 0.01, mean: 0 };
const DEFAULT_UNIFORM_LIMIT = 0.05;

/** Validates an initializer and fills in its defaults. */
export function normalizeInitializer(init: Initializer | undefined, where: string): Initializer {
  const i = init ?? DEFAULT_INITIALIZER;
  switch (i.kind) {
    case 'normal': {
      const std = i.std ?? 0.01, mean = i.mean ?? 0;
      if (!(std >= 0) || !Number.isFinite(std) || !Number.isFinite(mean)) {
        throw new Error(`${where}: normal initializer needs a finite std ≥ 0 and finite mean, got std=${i.std} mean=${i.mean}`);
      }
      return { kind: 'normal', std, mean };
    }
    case 'uniform': {
      const limit = i.limit ?? DEFAULT_UNIFORM_LIMIT;
      if (!(limit >= 0) || !Number.isFinite(limit)) throw new Error(`${where}: uniform initializer needs a finite limit ≥ 0, got ${i.limit}`);
      return { kind: 'uniform', limit };
    }
    case 'xavier': return { kind: 'xavier' };
    case 'zeros': return { kind: 'zeros' };
    default:
      throw new Error(`${where}: unknown initializer kind ${JSON.stringify((i as { kind: unknown }).kind)} (expected normal|uniform|xavier|zeros)`);
  }
}

/** Fills out[start, start + count) with draws from `init` (already normalized). */
export function fillInit(out: Float32Array, start: number, count: number, init: Initializer, dim: number, rng: Rng): void {
  const end = start + count;
  switch (init.kind) {
    case 'normal': {
      const std = init.std ?? 0.01, mean = init.mean ?? 0;
      for (let i = start; i < end; i++) out[i] = mean + std * rng.normal();
      return;
    }
    case 'uniform': {
      const a = init.limit ?? DEFAULT_UNIFORM_LIMIT;
      for (let i = start; i < end; i++) out[i] = (2 * rng.next() - 1) * a;
      return;
    }
    case 'xavier': {
      const a = Math.sqrt(6 / (1 + dim));
      for (let i = start; i < end; i++) out[i] = (2 * rng.next() - 1) * a;
      return;
    }
    case 'zeros':
      out.fill(0, start, end);
      return;
  }
}

/**
 * A deterministic generator for re-initialising one row (after eviction / fresh admission): depends
 * only on (seed, row, serial), so a resumed run re-initialises exactly like an uninterrupted one.
 */
export function rowRng(seed: number, row: number, serial: number): Rng {
  const s = (seed ^ Math.imul(row + 1, 0x9e3779b1) ^ Math.imul(serial + 1, 0x85ebca6b)) >>> 0;
  return new Rng(s);
}

export function describeInitializer(init: Initializer, dim: number): string {
  switch (init.kind) {
    case 'normal': return `normal(${init.mean ?? 0}, ${init.std ?? 0.01})`;
    case 'uniform': return `uniform(±${init.limit ?? DEFAULT_UNIFORM_LIMIT})`;
    case 'xavier': return `xavier uniform(±${Math.sqrt(6 / (1 + dim)).toPrecision(4)})`;
    case 'zeros': return 'zeros';
  }
}
