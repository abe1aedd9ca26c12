import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallTauB, ndcgAt, requestConsistency, summarize, summarizeConsistency, topK, topKOverlap } from './rank-consistency.js';
import { Rng } from '../util/rng.js';

test('Kendall τ-b: identical order 1, reversed −1, hand-counted example with ties', () => {
  assert.equal(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // a = [1,2,2,3], b = [1,3,2,2]: pairs (0,1)+ (0,2)+ (0,3)+ (1,2) tied in a, (1,3)+? a:2<3, b:3>2 → −,
  // (2,3): a 2<3, b 2=2 → tied in b. n_c = 3, n_d = 1, n0 = 6, n1 = 1, n2 = 1 → (3−1)/√(5·5) = 0.4
  assert.ok(Math.abs(kendallTauB([1, 2, 2, 3], [1, 3, 2, 2]) - 0.4) < 1e-12);
  assert.ok(Number.isNaN(kendallTauB([1, 1, 1], [1, 2, 3])));
  // scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) = −0.47140452079103173 (its docs' example)
  assert.ok(Math.abs(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) - -0.47140452079103173) < 1e-12);
});

test('Kendall τ-b is invariant to monotone transforms and symmetric', () => {
  const rng = new Rng(4);
  const a = Array.from({ length: 60 }, () => rng.normal());
  const b = a.map((x) => x + 0.7 * rng.normal());
  const t = kendallTauB(a, b);
  assert.ok(t > 0.3 && t < 0.95, `τ ${t}`);
  assert.ok(Math.abs(kendallTauB(a.map(Math.exp), b.map((x) => 3 * x - 1)) - t) < 1e-12);
  assert.ok(Math.abs(kendallTauB(b, a) - t) < 1e-12);
});

test('top-k: order, ties by index, overlap by hand', () => {
  assert.deepEqual(Array.from(topK([0.1, 0.9, 0.5, 0.9], 3)), [1, 3, 2]);
  // fine top 2 = {0, 1}; coarse top 2 = {0, 2} → 1/2
  assert.equal(topKOverlap([5, 1, 4, 0], [9, 8, 1, 0], 2), 0.5);
  assert.equal(topKOverlap([1, 2, 3], [1, 2, 3], 50), 1); // k > n: k' = n
  assert.equal(topKOverlap([3, 2, 1, 0], [0, 1, 2, 3], 2), 0);
  assert.throws(() => topKOverlap([1], [1, 2], 1), /1 scores against 2/);
});

test('NDCG: 1 for the ideal order, hand value otherwise', () => {
  const g = [3, 2, 0, 1];
  assert.equal(ndcgAt(g, g, 4), 1);
  // order by scores [0, 1, 2, 3] reversed: items 3, 2, 1, 0 → DCG@2 = 1/1 + 0/log2(3); IDCG@2 = 3 + 2/log2(3)
  const want = 1 / (3 + 2 / Math.log2(3));
  assert.ok(Math.abs(ndcgAt([0, 1, 2, 3], g, 2) - want) < 1e-12);
  assert.throws(() => ndcgAt([1, 2], [1, -1], 2), /gains must be ≥ 0/);
});

test('per-request consistency summarised over requests', () => {
  const a = requestConsistency([1, 2, 3, 4], [1, 2, 3, 4], { ks: [2], ndcgK: 2 });
  const b = requestConsistency([4, 3, 2, 1], [1, 2, 3, 4], { ks: [2], ndcgK: 2 });
  assert.deepEqual(a.overlap, { top2: 1 });
  assert.equal(b.overlap.top2, 0);
  const s = summarizeConsistency([a, b], 2);
  assert.equal(s.requests, 2);
  assert.equal(s.tau.mean, 0);
  assert.equal(s.overlap.top2!.mean, 0.5);
  assert.ok(Math.abs(s.overlap.top2!.sd - Math.SQRT1_2) < 1e-12);
  assert.deepEqual(summarize([1, NaN, 3]), { mean: 2, sd: Math.SQRT2, n: 2 });
});
