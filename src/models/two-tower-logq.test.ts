// The logQ correction on a synthetic power-law corpus (models-and-methods.md §13 test): users and
// items with latent tastes, interactions drawn ∝ popularity_j · exp(β⟨θ_u, φ_j⟩) with popularity
// ∝ (j + 1)^−1.1; two free-embedding two-tower models trained with the same in-batch softmax
// (two-tower-loss.ts), one with s − log q_j (q = training frequency), one without. On held-out
// interactions, the corrected model's recall@K of tail items (outside the head that makes half of
// the training interactions) must be ≥ the uncorrected one's — and its overall recall too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Tensor } from '../engine/graph.js';
import type { ForwardResult } from '../engine/step.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { Evaluator, TrainStep } from '../engine/step.js';
import { Rng } from '../util/rng.js';
import { inBatchSoftmaxLoss } from './two-tower-loss.js';
import { l2Normalize } from './two-tower.js';

const U = 300, M = 300, LATENT = 4, DIM = 16, N = 30000, NT = 6000, B = 128, ALPHA = 1.1, BETA = 2, TAU = 0.1, EPOCHS = 3;

function corpus() {
  const rng = new Rng(5);
  const theta = Float64Array.from({ length: U * LATENT }, () => rng.normal());
  const phi = Float64Array.from({ length: M * LATENT }, () => rng.normal());
  const cdf = Array.from({ length: U }, (_, u) => {
    const w = new Float64Array(M);
    let s = 0;
    for (let j = 0; j < M; j++) {
      let dot = 0;
      for (let k = 0; k < LATENT; k++) dot += theta[u * LATENT + k]! * phi[j * LATENT + k]!;
      s += Math.pow(j + 1, -ALPHA) * Math.exp(BETA * dot / Math.sqrt(LATENT));
      w[j] = s;
    }
    return w.map((x) => x / s);
  });
  const draw = (n: number) => {
    const users = new Int32Array(n), items = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const u = rng.int(U), r = rng.next(), c = cdf[u]!;
      let lo = 0, hi = M - 1;
      while (lo < hi) { const m = (lo + hi) >> 1; if (c[m]! < r) lo = m + 1; else hi = m; }
      users[i] = u; items[i] = lo;
    }
    return { users, items };
  };
  return { train: draw(N), test: draw(NT) };
}

async function trainAndScore(data: ReturnType<typeof corpus>, logq: Float32Array | null): Promise<Float32Array> {
  const build = (g: Graph): ForwardResult => {
    const ui = g.input('u', 'int64', ['B']), ii = g.input('i', 'int64', ['B']);
    const userTable = g.param({ name: 'user', shape: [U, DIM], init: init.normal(0.1), trainable: true });
    const itemTable = g.param({ name: 'item', shape: [M, DIM], init: init.normal(0.1), trainable: true });
    // every (user, item) score, for evaluation
    const all = op.matmul(l2Normalize(userTable), op.transpose(l2Normalize(itemTable), [1, 0]));
    if (!g.training) return { outputs: { all } };
    const user = l2Normalize(op.gather(userTable, ui, 0)), item = l2Normalize(op.gather(itemTable, ii, 0));
    const logQ = logq ? op.gather(g.constant(logq, [M, 1], 'float32'), ii, 0) : null;
    const ones = op.add(op.mul(op.cast(op.unsqueeze(ui, [1]), 'float32'), 0), 1); // [B, 1] of 1: every row a positive
    const loss: Tensor = op.reduceMean(inBatchSoftmaxLoss({ user, item, itemIds: ii, temperature: TAU, logQ }, ones, ones));
    return { loss, outputs: {} };
  };
  const step = await TrainStep.create(build, { optimizer: { type: 'adam', lr: 0.01 }, seed: 1 });
  const rng = new Rng(9);
  const ids = (a: Int32Array, idx: Int32Array) => ({ data: BigInt64Array.from(idx, (k) => BigInt(a[k]!)), dims: [idx.length] });
  for (let e = 0; e < EPOCHS; e++) {
    const p = rng.permutation(N);
    for (let b = 0; b + B <= N; b += B) { const idx = p.subarray(b, b + B); await step.run({ u: ids(data.train.users, idx), i: ids(data.train.items, idx) }); }
  }
  const ev = await Evaluator.create(build, step.store);
  const one = { data: BigInt64Array.of(0n), dims: [1] };
  const all = (await ev.run({ u: one, i: one })).all!.data as Float32Array;
  await step.dispose();
  return all;
}

function recall(S: Float32Array, data: ReturnType<typeof corpus>, keep: (item: number) => boolean, K: number): number {
  let hit = 0, n = 0;
  for (let k = 0; k < NT; k++) {
    const u = data.test.users[k]!, j = data.test.items[k]!;
    if (!keep(j)) continue;
    let rank = 0;
    for (let x = 0; x < M; x++) if (S[u * M + x]! > S[u * M + j]!) rank++;
    if (rank < K) hit++;
    n++;
  }
  return hit / n;
}

test('logQ: on a power-law corpus the corrected model recalls tail items at least as well as the uncorrected one', async () => {
  const data = corpus();
  const counts = new Float64Array(M);
  for (const j of data.train.items) counts[j]!++;
  const logq = Float32Array.from(counts, (c) => Math.log(Math.max(c, 0.5) / N));
  const byPop = [...Array(M).keys()].sort((a, b) => counts[b]! - counts[a]!);
  const head = new Set<number>();
  let acc = 0;
  for (const j of byPop) { if (acc >= N / 2) break; head.add(j); acc += counts[j]!; }
  const corrected = await trainAndScore(data, logq);
  const plain = await trainAndScore(data, null);
  const tail = (j: number) => !head.has(j);
  for (const K of [10, 50]) {
    const c = recall(corrected, data, tail, K), p = recall(plain, data, tail, K);
    assert.ok(c >= p, `tail recall@${K}: corrected ${c.toFixed(3)} < uncorrected ${p.toFixed(3)}`);
    const ca = recall(corrected, data, () => true, K), pa = recall(plain, data, () => true, K);
    assert.ok(ca >= pa, `recall@${K}: corrected ${ca.toFixed(3)} < uncorrected ${pa.toFixed(3)}`);
  }
  assert.ok(head.size < M / 10, `the head (${head.size} items) should be a small part of the corpus`);
});
