// Partitioned normalization and star-topology layers (spec §4): PN numbers, mixed-domain batches
// against per-domain runs, the single-row rule, running-statistics updates, inference with each
// domain's statistics (and the shared fallback for a domain without them), reduction to batch
// norm, and finite-difference gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph, type Tensor } from '../graph.js';
import * as op from '../ops/index.js';
import { initialize } from '../params.js';
import { gradCheck, randomFeed } from '../gradcheck.js';
import { gradients } from '../autodiff.js';
import { Runner, type Feed } from '../runtime.js';
import { batchNorm, crossDomains, domains, partitionedNorm, starLinear, starMlp } from './index.js';

const TOL = 1e-6;
type Feeds = Record<string, Feed>;
const f64 = (dims: number[], v: number[]): Feed => ({ data: Float64Array.from(v), dims });
const ids = (v: number[]): Feed => ({ data: BigInt64Array.from(v.map(BigInt)), dims: [v.length] });
const arr = (f: Feed | undefined) => Array.from(f!.data as Float64Array);

/** A float64 graph z [B, D], domain ids d [B] → PN (S domains); state updates as `next:<name>` outputs. */
function pnGraph(training: boolean, D: number, S: number, o: { eps?: number; momentum?: number } = {}) {
  const g = new Graph({ float: 'float64', training });
  const z = g.input('z', 'float64', ['B', D]);
  const d = g.input('d', 'int64', ['B']);
  g.output('y', partitionedNorm(z, domains(d, S), 'pn', o));
  if (training) for (const [k, v] of g.stateUpdates) g.output(`next:${k}`, v);
  return g;
}

/** Values for every parameter / state of g not in `given` (their initializers, seed 1). */
function paramFeeds(g: Graph, given: Feeds = {}): Feeds {
  const out: Feeds = {};
  for (const [name, { spec }] of g.params) {
    if (given[name]) { out[name] = given[name]!; continue; }
    const data = new Float64Array(spec.shape.reduce((a, b) => a * b, 1));
    initialize(spec, data, 1);
    out[name] = { data, dims: spec.shape };
  }
  return out;
}

async function run(g: Graph, feeds: Feeds, params: Feeds = {}) {
  return (await Runner.fromGraph(g)).run({ ...feeds, ...paramFeeds(g, params) });
}

const close = (a: number[], b: number[], tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol, `${what}[${i}]: ${v} vs ${b[i]}`));
};

test('PN numbers: z = [1, 3], γ = 1, γ_p = 2, β = 0, β_p = 0.5 → ≈ [−1.5, 2.5]', async () => {
  const params = { 'pn.domain_gamma': f64([2, 1], [1, 2]), 'pn.domain_beta': f64([2, 1], [0, 0.5]) };
  const feeds = { z: f64([2, 1], [1, 3]), d: ids([1, 1]) };
  const exact = await run(pnGraph(true, 1, 2, { eps: 0 }), feeds, params);
  assert.deepEqual(arr(exact.y), [-1.5, 2.5]);
  const withEps = await run(pnGraph(true, 1, 2), feeds, params);
  close(arr(withEps.y), [-1.5, 2.5], 1e-4, 'eps 1e-5');
});

test('a mixed-domain batch equals PN run on each domain\'s rows alone (outputs and running statistics)', async () => {
  const D = 3, S = 3;
  const params = {
    'pn.gamma': randomFeed([D], 11), 'pn.beta': randomFeed([D], 12),
    'pn.domain_gamma': randomFeed([S, D], 13), 'pn.domain_beta': randomFeed([S, D], 14),
  };
  const dom = [0, 2, 0, 1, 2, 2, 1, 0];
  const z = randomFeed([dom.length, D], 15, 3);
  const g = pnGraph(true, D, S);
  const mixed = await run(g, { z, d: ids(dom) }, params);
  for (let s = 0; s < S; s++) {
    const rows = dom.map((v, i) => (v === s ? i : -1)).filter((i) => i >= 0);
    const zs = rows.flatMap((i) => Array.from((z.data as Float64Array).subarray(i * D, (i + 1) * D)));
    const alone = await run(g, { z: f64([rows.length, D], zs), d: ids(rows.map(() => s)) }, params);
    const y = arr(mixed.y);
    close(rows.flatMap((i) => y.slice(i * D, (i + 1) * D)), arr(alone.y), 1e-12, `domain ${s} outputs`);
    for (const k of ['domain_mean', 'domain_var']) {
      close(arr(mixed[`next:pn.${k}`]).slice(s * D, (s + 1) * D), arr(alone[`next:pn.${k}`]).slice(s * D, (s + 1) * D), 1e-12, `domain ${s} ${k}`);
    }
    assert.equal(arr(mixed['next:pn.domain_rows'])[s], rows.length);
  }
});

test('running statistics: the first update takes the batch statistics, later ones the EMA; shared ones as batchNorm', async () => {
  const m = 0.9;
  const g = pnGraph(true, 1, 3, { momentum: m, eps: 0 });
  // Domain 0: rows 1, 3 (μ 2, σ² 1); domain 1: rows 10, 20, 30 (μ 20, σ² 200/3); domain 2: absent.
  const feeds = { z: f64([5, 1], [1, 10, 3, 20, 30]), d: ids([0, 1, 0, 1, 1]) };
  const first = await run(g, feeds);
  close(arr(first['next:pn.domain_mean']), [2, 20, 0], 1e-12, 'first mean');
  close(arr(first['next:pn.domain_var']), [1, 200 / 3, 1], 1e-12, 'first var');
  assert.deepEqual(arr(first['next:pn.domain_rows']), [2, 3, 0]);
  const second = await run(g, feeds, {
    'pn.domain_mean': f64([3, 1], [0, 10, 7]), 'pn.domain_var': f64([3, 1], [1, 4, 9]), 'pn.domain_rows': f64([3], [0, 6, 0]),
  });
  close(arr(second['next:pn.domain_mean']), [2, m * 10 + (1 - m) * 20, 7], 1e-12, 'EMA mean (domain 0 still first)');
  close(arr(second['next:pn.domain_var']), [1, m * 4 + (1 - m) * 200 / 3, 9], 1e-12, 'EMA var, absent domain unchanged');
  assert.deepEqual(arr(second['next:pn.domain_rows']), [2, 9, 0]);
  // The shared statistics over the whole batch follow batchNorm's rule exactly.
  const bg = new Graph({ float: 'float64', training: true });
  batchNorm(bg.input('z', 'float64', ['B', 1]), 'bn', { momentum: m, eps: 0 });
  const bnNext = [...bg.stateUpdates].map(([k, v]) => { bg.output(`next:${k}`, v); return `next:${k}`; });
  const bn = await run(bg, { z: feeds.z });
  assert.deepEqual(arr(first['next:pn.running_mean']), arr(bn[bnNext[0]!]));
  assert.deepEqual(arr(first['next:pn.running_var']), arr(bn[bnNext[1]!]));
});

test('a domain with one row in the batch: normalized with the whole batch\'s statistics, its statistics untouched', async () => {
  const g = pnGraph(true, 1, 2, { eps: 0 });
  const res = await run(g, { z: f64([3, 1], [1, 3, 8]), d: ids([0, 0, 1]) }, { 'pn.domain_beta': f64([2, 1], [0, 0.25]) });
  // Whole batch: μ = 4, σ² = (9 + 1 + 16)/3.
  close(arr(res.y), [-1, 1, 4 / Math.sqrt(26 / 3) + 0.25], 1e-12, 'outputs');
  close(arr(res['next:pn.domain_mean']), [2, 0], 1e-12, 'domain 1 mean stays at its initial value');
  assert.deepEqual(arr(res['next:pn.domain_rows']), [2, 0]);
  assert.ok(arr(res.y).every(Number.isFinite));
});

test('inference uses each domain\'s running statistics; another domain\'s statistics do not change a row', async () => {
  const g = pnGraph(false, 2, 3, { eps: 0 });
  const state = {
    'pn.domain_mean': f64([3, 2], [1, 2, 3, 4, 5, 6]), 'pn.domain_var': f64([3, 2], [4, 4, 1, 9, 16, 1]),
    'pn.domain_rows': f64([3], [10, 10, 10]), 'pn.domain_gamma': f64([3, 2], [1, 1, 2, 2, 1, 1]),
  };
  const feeds = { z: f64([3, 2], [3, 4, 3, 4, 3, 4]), d: ids([0, 1, 2]) };
  const a = arr((await run(g, feeds, state)).y);
  close(a, [(3 - 1) / 2, (4 - 2) / 2, 0, 0, (3 - 5) / 4, (4 - 6) / 1], 1e-12, 'E_p, Var_p per row');
  const moved = { ...state, 'pn.domain_mean': f64([3, 2], [1, 2, 3, 4, 50, 60]), 'pn.domain_var': f64([3, 2], [4, 4, 1, 9, 0.5, 7]) };
  const b = arr((await run(g, feeds, moved)).y);
  assert.deepEqual(b.slice(0, 4), a.slice(0, 4), 'rows of domains 0 and 1 are bit-identical');
  assert.notEqual(b[4], a[4]);
});

test('a domain without statistics (unseen in training) falls back to the shared statistics: finite, equal to batchNorm', async () => {
  const g = pnGraph(false, 2, 3);
  const state = {
    'pn.running_mean': f64([2], [0.5, -1]), 'pn.running_var': f64([2], [2, 3]),
    'pn.domain_mean': f64([3, 2], [1, 2, 3, 4, 5, 6]), 'pn.domain_var': f64([3, 2], [4, 4, 1, 9, 16, 1]),
    'pn.domain_rows': f64([3], [10, 0, 10]), 'pn.gamma': f64([2], [1.5, 0.5]), 'pn.beta': f64([2], [0.1, 0.2]),
  };
  const z = f64([2, 2], [3, 4, -2, 7]);
  const y = arr((await run(g, { z, d: ids([1, 1]) }, state)).y);
  const bg = new Graph({ float: 'float64', training: false });
  bg.output('y', batchNorm(bg.input('z', 'float64', ['B', 2]), 'bn'));
  const bn = await run(bg, { z }, {
    'bn.running_mean': state['pn.running_mean'], 'bn.running_var': state['pn.running_var'], 'bn.gamma': state['pn.gamma'], 'bn.beta': state['pn.beta'],
  });
  assert.ok(y.every(Number.isFinite));
  close(y, arr(bn.y), 1e-12, 'unseen domain = shared normalization');
});

test('PN with γ_p ≡ 1, β_p ≡ 0 and one domain is batch norm (training and inference)', async () => {
  const z = randomFeed([6, 3], 21, 2);
  for (const training of [true, false]) {
    const g = pnGraph(training, 3, 2);
    const params = { 'pn.gamma': randomFeed([3], 22), 'pn.beta': randomFeed([3], 23) };
    const state: Feeds = training ? {} : { 'pn.domain_mean': f64([2, 3], [0, 0, 0, 0.3, -0.2, 0.1]), 'pn.domain_var': f64([2, 3], [1, 1, 1, 2, 0.5, 1.5]), 'pn.domain_rows': f64([2], [0, 5]) };
    const y = arr((await run(g, { z, d: ids([1, 1, 1, 1, 1, 1]) }, { ...params, ...state })).y);
    const bg = new Graph({ float: 'float64', training });
    bg.output('y', batchNorm(bg.input('z', 'float64', ['B', 3]), 'bn'));
    const bn = arr((await run(bg, { z }, {
      'bn.gamma': params['pn.gamma'], 'bn.beta': params['pn.beta'],
      ...(training ? {} : { 'bn.running_mean': f64([3], [0.3, -0.2, 0.1]), 'bn.running_var': f64([3], [2, 0.5, 1.5]) }),
    })).y);
    close(y, bn, 1e-12, training ? 'training' : 'inference');
  }
});

test('star layer: y = x·(W ⊙ W_p) + (b + b_p) per row; W_p ≡ 1, b_p ≡ 0 is the shared linear layer', async () => {
  const g = new Graph({ float: 'float64' });
  const x = g.input('x', 'float64', ['B', 2]);
  g.output('y', starLinear(x, domains(g.input('d', 'int64', ['B']), 2), 'star', 2));
  const params = {
    'star.weight': f64([2, 2], [1, 2, 3, 4]), 'star.bias': f64([2], [0.5, -0.5]),
    'star.domain_weight': f64([2, 2, 2], [1, 1, 1, 1, 2, 0, -1, 3]), 'star.domain_bias': f64([2, 2], [0, 0, 10, 20]),
  };
  const y = arr((await run(g, { x: f64([2, 2], [1, 1, 1, 1]), d: ids([0, 1]) }, params)).y);
  // Row 0 (W_0 = 1): [1+3, 2+4] + b; row 1: W ⊙ W_1 = [[2, 0], [−3, 12]] → [−1, 12] + b + [10, 20].
  assert.deepEqual(y, [4.5, 5.5, 9.5, 31.5]);
});

test('star layer on random rows, a domain absent from the batch: each row uses its own domain\'s W ⊙ W_p, b + b_p', async () => {
  const g = new Graph({ float: 'float64' });
  g.output('y', starLinear(g.input('x', 'float64', ['B', 4]), domains(g.input('d', 'int64', ['B']), 3), 'star', 2));
  const dom = [0, 2, 2, 0, 2, 2, 0, 2, 0];
  const x = randomFeed([9, 4], 61), W = randomFeed([4, 2], 62), b = randomFeed([2], 63), Wp = randomFeed([3, 4, 2], 64), bp = randomFeed([3, 2], 65);
  const y = arr((await run(g, { x, d: ids(dom) }, { 'star.weight': W, 'star.bias': b, 'star.domain_weight': Wp, 'star.domain_bias': bp })).y);
  const [X, w, bb, wp, bq] = [x, W, b, Wp, bp].map(arr) as number[][];
  const want = dom.flatMap((p, r) => [0, 1].map((j) => {
    let v = bb![j]! + bq![p * 2 + j]!;
    for (let i = 0; i < 4; i++) v += X![r * 4 + i]! * w![i * 2 + j]! * wp![p * 8 + i * 2 + j]!;
    return v;
  }));
  close(y, want, 1e-12, 'rows');
  const one = arr((await run(g, { x: f64([1, 4], X!.slice(0, 4)), d: ids([1]) }, { 'star.weight': W, 'star.bias': b, 'star.domain_weight': Wp, 'star.domain_bias': bp })).y);
  close(one, [0, 1].map((j) => bb![j]! + bq![2 + j]! + [0, 1, 2, 3].reduce((v, i) => v + X![i]! * w![i * 2 + j]! * wp![8 + i * 2 + j]!, 0)), 1e-12, 'a batch of one row');
});

test('crossed domains: (i, j) ↦ i·S_b + j', async () => {
  const g = new Graph({ float: 'float64' });
  const a = domains(g.input('a', 'int64', ['B']), 2), b = domains(g.input('b', 'int64', ['B']), 3);
  const c = crossDomains(a, b);
  g.output('p', c.onehot);
  g.output('i', c.index);
  const r = await run(g, { a: ids([1, 0]), b: ids([2, 1]) });
  assert.deepEqual(arr(r.p), [0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(r.i!.data as BigInt64Array, Number), [5, 1]);
  assert.equal(c.count, 6);
});

function assertGrads(name: string, r: Awaited<ReturnType<typeof gradCheck>>) {
  for (const p of r.perTensor) assert.ok(p.relError <= TOL, `${name}: d/d${p.name} relative error ${p.relError.toExponential(2)} > ${TOL}`);
  for (const p of r.perTensor) assert.ok(p.norm > 0, `${name}: gradient of ${p.name} is zero`);
}

const weightedSum = (g: Graph, y: Tensor, seed: number) => {
  const w = g.constant(randomFeed([...(y.shape as number[]).slice(1)], seed).data, y.shape.slice(1), 'float64');
  return op.reduceSum(op.mul(op.tanh(y), w));
};

test('PN against finite differences: training (mixed domains, a one-row domain) and inference', async () => {
  for (const training of [true, false]) {
    const r = await gradCheck((g) => {
      const z = g.input('z', 'float64', ['B', 3]);
      const y = partitionedNorm(z, domains(g.input('d', 'int64', ['B']), 3), 'pn');
      return weightedSum(g, y, 31);
    }, {
      z: randomFeed([7, 3], 32, 2), d: ids([0, 1, 0, 2, 1, 1, 0]),
      'pn.domain_rows': f64([3], [5, 5, 0]), 'pn.domain_mean': randomFeed([3, 3], 33), 'pn.domain_var': f64([3, 3], [1, 2, 3, 1, 2, 3, 1, 2, 3]),
      'pn.domain_gamma': randomFeed([3, 3], 34), 'pn.domain_beta': randomFeed([3, 3], 35),
    }, { training, wrt: ['z', 'pn.gamma', 'pn.beta', 'pn.domain_gamma', 'pn.domain_beta'] });
    assertGrads(`PN ${training ? 'training' : 'inference'}`, r);
  }
});

test('star layer (rows grouped by domain: Gather, run-time Split, Concat) and a star FCN with PN against finite differences', async () => {
  const feeds = { x: randomFeed([6, 4], 41), d: ids([0, 2, 0, 2, 0, 2]) }; // domain 1 absent: an empty group
  const r1 = await gradCheck((g) => {
    const y = starLinear(g.input('x', 'float64', ['B', 4]), domains(g.input('d', 'int64', ['B']), 3), 'star', 3);
    return weightedSum(g, y, 42);
  }, { ...feeds, 'star.domain_weight': randomFeed([3, 4, 3], 43), 'star.domain_bias': randomFeed([3, 3], 44) },
  { wrt: ['x', 'star.weight', 'star.bias', 'star.domain_weight', 'star.domain_bias'] });
  assertGrads('starLinear', r1);
  const r2 = await gradCheck((g) => {
    const P = domains(g.input('d', 'int64', ['B']), 3);
    const y = starMlp(g.input('x', 'float64', ['B', 4]), P, 'fcn', [5, 1], { activation: 'tanh', lastActivation: false });
    return weightedSum(g, y, 45);
  }, { ...feeds, 'fcn.0.domain_weight': randomFeed([3, 4, 5], 46), 'fcn.0.pn.domain_gamma': randomFeed([3, 5], 47) },
  { training: true, wrt: ['x', 'fcn.0.weight', 'fcn.0.domain_weight', 'fcn.0.pn.gamma', 'fcn.0.pn.domain_gamma', 'fcn.0.pn.domain_beta', 'fcn.1.domain_weight', 'fcn.1.domain_bias'] });
  assertGrads('starMlp', r2);
});

test('float32: the gradient graph of a one-output star layer loads in ORT and matches float64', async () => {
  // dW of W ⊙ W_p is a sum over the domain axis kept as [1, in, 1], then reshaped to W's [in, 1]:
  // the leading-sum lowering once built that kept shape with Concat, which ORT failed to load.
  const grads = async (float: 'float32' | 'float64') => {
    const g = new Graph({ float });
    const y = starLinear(g.input('x', float, ['B', 4]), domains(g.input('d', 'int64', ['B']), 3), 'star', 1);
    const ps = ['star.weight', 'star.bias', 'star.domain_weight', 'star.domain_bias'].map((n) => g.params.get(n)!.tensor);
    gradients(op.reduceSum(op.mul(y, y)), ps).forEach((t, i) => g.output(`g${i}`, t!));
    const cast = (f: Feed): Feed => ({ data: float === 'float32' ? Float32Array.from(f.data as Float64Array) : f.data, dims: f.dims });
    const feeds: Feeds = { x: cast(randomFeed([5, 4], 51)), d: ids([0, 2, 1, 2, 0]) };
    for (const [name, { spec }] of g.params) feeds[name] = cast(randomFeed(spec.shape, name.length));
    return (await Runner.fromGraph(g)).run(feeds);
  };
  const [a, b] = [await grads('float32'), await grads('float64')];
  for (const k of Object.keys(b)) close(Array.from(a[k]!.data as Float32Array), arr(b[k]), 1e-4, k);
});
