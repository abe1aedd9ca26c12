// Partitioned Normalization (STAR, Sheng et al., CIKM 2021) and the domain one-hot rows it reads.
//
//   z' = (γ · γ_p) ⊙ (z − μ) / √(σ² + ε) + (β + β_p)
//
// γ, β are shared; γ_p, β_p belong to the row's domain p. Training normalizes each row with the
// batch statistics of its own domain (mixed-domain batches are allowed); inference uses the
// domain's running statistics E_p, Var_p. Domains are given as one-hot rows P [B, S], so "the
// value of the row's domain" is the product P·T of P with a per-domain table T [S, ·].
import type { Tensor } from '../graph.js';
import { init } from '../params.js';
import * as op from '../ops/index.js';

/**
 * The domain of each row: its index in [0, count) (int64 [B]) and the same as one-hot rows [B, S]
 * (the graph's float type). Indices must lie in [0, count): an id outside would have no one-hot
 * entry (the embedding lookup of the same ids rejects it first).
 */
export class Domains {
  private grouped: { perm: Tensor; inverse: Tensor; counts: Tensor } | null = null;

  constructor(readonly index: Tensor, readonly onehot: Tensor, readonly count: number) {}

  /**
   * Rows grouped by domain, computed once per graph: x[perm] lists domain 0's rows, then domain
   * 1's, …; `counts` [S] int64 rows per domain; y[inverse] undoes the grouping.
   */
  get sorted(): { perm: Tensor; inverse: Tensor; counts: Tensor } {
    if (!this.grouped) {
      const perm = op.argsort(this.index);
      this.grouped = { perm, inverse: op.argsort(perm), counts: op.cast(op.reduceSum(this.onehot, [0]), 'int64') };
    }
    return this.grouped;
  }
}

/** Domains from integer indices [B] (int32 or int64) in [0, count). */
export function domains(index: Tensor, count: number): Domains {
  if (index.rank !== 1) throw new Error(`domains: expected indices [B], got ${index}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`domains: the domain count must be a positive integer, got ${count}`);
  const g = index.graph;
  const ids = op.cast(index, 'int64');
  const range = g.constant(BigInt64Array.from({ length: count }, (_, i) => BigInt(i)), [1, count], 'int64');
  return new Domains(ids, op.cast(op.equal(op.unsqueeze(ids, [1]), range), g.float), count);
}

/** Crossed domains: (i, j) ↦ i·S_b + j, S_a·S_b domains. */
export function crossDomains(a: Domains, b: Domains): Domains {
  const index = op.add(op.mul(a.index, b.count), b.index);
  const onehot = op.reshape(op.mul(op.unsqueeze(a.onehot, [2]), op.unsqueeze(b.onehot, [1])), [a.onehot.shape[0]!, a.count * b.count]);
  return new Domains(index, onehot, a.count * b.count);
}

/** Each row's entry of a per-domain table: P [B, S] · T [S, d] → [B, d]. */
export function perDomain(domain: Tensor, table: Tensor): Tensor {
  return op.matmul(domain, table);
}

/** a ⊙ x + (1 − a) ⊙ y for a row mask a ∈ {0, 1} [B, 1] (exact: one of the two terms is 0). */
function choose(a: Tensor, x: Tensor, y: Tensor): Tensor {
  return op.add(op.mul(a, x), op.mul(op.sub(1, a), y));
}

export interface PartitionedNormOptions {
  /** running ← momentum·running + (1 − momentum)·batch (TF convention, as batchNorm). Default 0.99. */
  momentum?: number;
  eps?: number;
}

/**
 * Partitioned normalization of z [B, D] with domains d (P = d.onehot, [B, S]).
 *
 * Parameters: `<name>.gamma`, `<name>.beta` [D] (shared; init 1, 0) and `<name>.domain_gamma`,
 * `<name>.domain_beta` [S, D] (init 1, 0). State: `<name>.running_mean` / `running_var` [D] (the
 * shared statistics over whole batches, updated exactly like batchNorm's), `<name>.domain_mean` /
 * `domain_var` [S, D] and `<name>.domain_rows` [S] (training rows that updated the domain's
 * statistics).
 *
 * Training. A row whose domain has n_p ≥ 2 rows in the batch is normalized with that domain's batch
 * mean and (biased) variance. A domain with a single row has no variance estimate: that row is
 * normalized with the whole batch's statistics (the shared ones), and its running statistics are
 * not updated this step. Running statistics of a domain with n_p ≥ 2 rows: the first time they are
 * set to the batch statistics (a rare domain would otherwise spend ~1/(1 − momentum) of its own
 * updates drifting away from the (0, 1) initialization), afterwards
 * E_p ← m·E_p + (1 − m)·μ_p, Var_p ← m·Var_p + (1 − m)·σ²_p; domain_rows += n_p.
 *
 * Inference. A row of domain p uses E_p, Var_p if domain_rows[p] > 0, else the shared running
 * statistics — the fallback for a domain never (or only ever one row at a time) seen in training.
 * Such a domain's γ_p, β_p received no gradient, so they are still 1 and 0: its rows get the shared
 * normalization exactly.
 */
export function partitionedNorm(z: Tensor, d: Domains, name: string, o: PartitionedNormOptions = {}): Tensor {
  const g = z.graph;
  const D = z.shape[1], S = d.count, domain = d.onehot;
  if (z.rank !== 2 || typeof D !== 'number') throw new Error(`partitionedNorm ${name}: expected [B, D] with static D, got ${z}`);
  if (domain.dtype !== z.dtype) throw new Error(`partitionedNorm ${name}: domains are ${domain.dtype}, z is ${z.dtype}`);
  const eps = o.eps ?? 1e-5;
  const m = o.momentum ?? 0.99;
  const state = (suffix: string, shape: number[], ini = init.zeros) => g.param({ name: `${name}.${suffix}`, shape, init: ini, trainable: false });
  const rm = state('running_mean', [D]);
  const rv = state('running_var', [D], init.ones);
  const dm = state('domain_mean', [S, D]);
  const dv = state('domain_var', [S, D], init.ones);
  const rows = state('domain_rows', [S]);
  const seen = op.unsqueeze(op.greater(rows, 0), [1]); // [S, 1] bool: the domain has statistics

  let mean: Tensor, variance: Tensor;
  if (g.training) {
    const PT = op.transpose(domain, [1, 0]);
    const n = op.unsqueeze(op.reduceSum(domain, [0]), [1]); // [S, 1] rows per domain in the batch
    const nSafe = op.maximum(n, 1);
    const muP = op.div(op.matmul(PT, z), nSafe); // [S, D]
    const dev = op.sub(z, perDomain(domain, muP));
    const varP = op.div(op.matmul(PT, op.mul(dev, dev)), nSafe);
    const muG = op.reduceMean(z, [0], true); // [1, D]
    const devG = op.sub(z, muG);
    const varG = op.reduceMean(op.mul(devG, devG), [0], true);
    const own = op.greater(n, 1.5); // [S, 1] bool: the domain has ≥ 2 rows
    const ownRow = perDomain(domain, op.cast(own, g.float)); // [B, 1]
    mean = choose(ownRow, perDomain(domain, muP), muG);
    variance = choose(ownRow, perDomain(domain, varP), varG);

    const sg = op.stopGradient;
    const first = op.and(own, op.not(seen));
    const ema = (run: Tensor, batch: Tensor) => op.add(op.mul(run, m), op.mul(batch, 1 - m));
    const update = (run: Tensor, batch: Tensor) => op.where(first, batch, op.where(own, ema(run, batch), run));
    g.updateState(`${name}.domain_mean`, update(dm, sg(muP)));
    g.updateState(`${name}.domain_var`, update(dv, sg(varP)));
    g.updateState(`${name}.domain_rows`, op.add(rows, op.reshape(op.mul(op.cast(own, g.float), n), [S])));
    const flat = (t: Tensor) => op.reshape(sg(t), [D]);
    g.updateState(`${name}.running_mean`, ema(rm, flat(muG)));
    g.updateState(`${name}.running_var`, ema(rv, flat(varG)));
  } else {
    const known = perDomain(domain, op.cast(seen, g.float)); // [B, 1]: 1 if the row's domain has statistics
    mean = choose(known, perDomain(domain, dm), op.unsqueeze(rm, [0]));
    variance = choose(known, perDomain(domain, dv), op.unsqueeze(rv, [0]));
  }

  const param = (suffix: string, shape: number[], ini: typeof init.ones) =>
    g.param({ name: `${name}.${suffix}`, shape, init: ini, trainable: true, decay: false });
  const gamma = param('gamma', [D], init.ones);
  const beta = param('beta', [D], init.zeros);
  const gammaP = param('domain_gamma', [S, D], init.ones);
  const betaP = param('domain_beta', [S, D], init.zeros);
  const zn = op.div(op.sub(z, mean), op.sqrt(op.add(variance, eps)));
  return op.add(op.mul(op.mul(gamma, perDomain(domain, gammaP)), zn), op.add(beta, perDomain(domain, betaP)));
}
