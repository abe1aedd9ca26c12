import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { bucketOf, compileDense, dayOfWeekId, hourId, logBucketOf, quantileBoundaries, runDense, RunningMoments, slog1p } from './numeric.js';

test('bucketOf: TF semantics, a value equal to a boundary goes right', () => {
  const b = Float64Array.from([0, 1, 2]);
  const cases: [number, number][] = [[-5, 0], [-1e-12, 0], [0, 1], [0.5, 1], [1, 2], [1.999, 2], [2, 3], [1e9, 3], [-Infinity, 0], [Infinity, 3]];
  for (const [x, want] of cases) assert.equal(bucketOf(b, x), want, `x=${x}`);
  assert.equal(bucketOf(new Float64Array(0), 5), 0);
});

test('quantile boundaries: strictly increasing; equal training counts within ±1 row', () => {
  const rng = new Rng(7);
  const n = 100_000;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = Math.exp(rng.normal(3, 2)); // heavy-tailed, distinct
  const sorted = xs.slice().sort();
  for (const k of [2, 10, 37, 100]) {
    const b = quantileBoundaries(sorted, k);
    assert.equal(b.length, k - 1);
    for (let i = 1; i < b.length; i++) assert.ok(b[i]! > b[i - 1]!);
    const counts = new Array(k).fill(0);
    const bb = Float64Array.from(b);
    for (const x of xs) counts[bucketOf(bb, x)]++;
    for (const c of counts) assert.ok(Math.abs(c - n / k) <= 1, `k=${k} count ${c} vs ${n / k}`);
  }
  // a mass point: 95 % zeros → zeros alone, then the non-zero tail in equal buckets
  const z = new Float64Array(2000);
  for (let i = 1900; i < 2000; i++) z[i] = i;
  const b = quantileBoundaries(z, 6);
  assert.deepEqual(b, [1900, 1920, 1940, 1960, 1980]);
  const zc = new Array(6).fill(0);
  for (const x of z) zc[bucketOf(Float64Array.from(b), x)]++;
  assert.deepEqual(zc, [1900, 20, 20, 20, 20, 20]);
  // duplicates in the middle: strictly increasing, at most k − 1
  const d = Float64Array.from([1, 2, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 7, 8, 9, 10, 11, 12, 13]);
  const bd = quantileBoundaries(d, 5);
  assert.ok(bd.length <= 4);
  for (let i = 1; i < bd.length; i++) assert.ok(bd[i]! > bd[i - 1]!);
  assert.deepEqual(quantileBoundaries(Float64Array.from([3, 3, 3]), 4), []);
  assert.deepEqual(quantileBoundaries(new Float64Array(0), 10), []);
});

test('log buckets: floor(log_b(1+x)) capped; exact powers land in the upper bucket', () => {
  const inv = 1 / Math.log(2);
  const cases: [number, number][] = [[-3, 0], [0, 0], [0.5, 0], [1, 1], [2, 1], [3, 2], [7, 3], [6.99, 2], [1023, 10], [1e12, 30]];
  for (const [x, want] of cases) assert.equal(logBucketOf(x, inv, 30), want, `x=${x}`);
  assert.equal(logBucketOf(999, 1 / Math.log(10), 5), 3);
  assert.equal(logBucketOf(NaN, inv, 5), 0);
});

test('time ids: hour of day and ISO day of week with UTC offsets', () => {
  const t = Date.UTC(2024, 0, 1, 23, 30) / 1000; // Monday 2024-01-01 23:30 UTC
  assert.equal(hourId(t, 0), 24);
  assert.equal(dayOfWeekId(t, 0), 1);
  assert.equal(hourId(t, 7 * 3600), 7); // UTC+7: 06:30 Tuesday
  assert.equal(dayOfWeekId(t, 7 * 3600), 2);
  assert.equal(hourId(t, -3 * 3600), 21);
  assert.equal(dayOfWeekId(0, 0), 4); // 1970-01-01 was a Thursday
  assert.equal(dayOfWeekId(-1, 0), 3);
  assert.equal(hourId(-1, 0), 24);
  assert.equal(hourId(NaN, 0), 0);
  assert.equal(dayOfWeekId(NaN, 0), 0);
});

test('dense program: clip, sign-preserving log1p, standardize in order', () => {
  const p = compileDense([{ clip: [-10, 100] }, 'log1p', 'standardize'], 2, 0.5);
  assert.equal(runDense(p, 1000), (Math.log1p(100) - 2) / 0.5);
  assert.equal(runDense(p, -20), (-Math.log1p(10) - 2) / 0.5);
  assert.equal(runDense(p, 3, 2), Math.log1p(3));
  assert.equal(slog1p(-1), -Math.log(2));
  const m = new RunningMoments();
  for (const x of [1, 2, 3, 4]) m.add(x);
  assert.equal(m.mean, 2.5);
  assert.ok(Math.abs(m.std() - Math.sqrt(1.25)) < 1e-12);
  const c = new RunningMoments();
  for (let i = 0; i < 5; i++) c.add(3);
  assert.equal(c.std(), 1);
});
