import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { AliasTable, Fenwick, PairMap, erfc, logNormalTail, normalCdf, sigmoid } from './mathx.js';
import { auc } from './auc.js';

test('erfc matches reference values to ~1e-13 relative', () => {
  const ref: [number, number][] = [
    [0, 1], [0.5, 0.4795001221869535], [1, 0.15729920705028513], [1.5, 0.033894853524689274],
    [2, 0.004677734981047266], [2.5, 0.0004069520174449590], [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12], [-1, 1.8427007929497148], [-3, 1.9999779095030014],
  ];
  for (const [x, want] of ref) {
    const got = erfc(x);
    assert.ok(Math.abs(got - want) <= 1e-13 * Math.max(1e-300, Math.abs(want)) + 1e-16, `erfc(${x}) = ${got}, want ${want}`);
  }
  assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-14);
  assert.equal(erfc(40), 0);
});

test('logNormalTail equals the Monte Carlo tail of a log-normal', () => {
  const rng = new Rng(3);
  const mu = 2.5; const sigma = 1.4; const t = 20;
  let hit = 0; const n = 200_000;
  for (let i = 0; i < n; i++) if (Math.exp(mu + sigma * rng.normal()) >= t) hit++;
  const p = logNormalTail(t, mu, sigma);
  assert.ok(Math.abs(hit / n - p) < 4 * Math.sqrt((p * (1 - p)) / n), `MC ${hit / n} vs exact ${p}`);
  assert.ok(Math.abs(sigmoid(-800)) < 1e-300 && sigmoid(800) === 1 && sigmoid(0) === 0.5);
});

test('AliasTable draws in proportion to the weights', () => {
  const w = [1, 0, 3, 6];
  const a = new AliasTable(w); const rng = new Rng(9);
  const cnt = [0, 0, 0, 0]; const n = 100_000;
  for (let i = 0; i < n; i++) cnt[a.sample(rng)]!++;
  assert.equal(cnt[1], 0);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(cnt[i]! / n - w[i]! / 10) < 0.01, `slot ${i}: ${cnt[i]! / n}`);
  assert.throws(() => new AliasTable([0, 0]), /all weights are zero/);
});

test('Fenwick samples only non-zero slots, in proportion, after updates', () => {
  const f = new Fenwick(37); const rng = new Rng(1);
  for (let i = 0; i < 37; i++) f.set(i, i + 1);
  for (let i = 0; i < 37; i += 2) f.set(i, 0); // remove even slots
  f.set(5, 100);
  assert.equal(f.total, [...Array(37).keys()].filter((i) => i % 2 === 1).reduce((s, i) => s + i + 1, 0) - 6 + 100);
  const cnt = new Array(37).fill(0); const n = 200_000;
  for (let i = 0; i < n; i++) cnt[f.sample(rng)]++;
  for (let i = 0; i < 37; i += 2) assert.equal(cnt[i], 0, `removed slot ${i} drawn`);
  assert.ok(Math.abs(cnt[5] / n - 100 / f.total) < 0.01);
  assert.ok(Math.abs(cnt[35] / n - 36 / f.total) < 0.01);
  const e = new Fenwick(4);
  assert.equal(e.sample(rng), -1);
});

test('PairMap agrees with a Map under random inserts and lookups (with growth)', () => {
  const pm = new PairMap(4); const ref = new Map<string, number>(); const rng = new Rng(5);
  for (let i = 0; i < 20_000; i++) {
    const a = rng.int(500); const b = rng.int(3000);
    if (rng.next() < 0.6) { pm.set(a, b, i); ref.set(`${a},${b}`, i); }
    const want = ref.get(`${a},${b}`);
    assert.equal(pm.get(a, b), want === undefined ? -1 : want);
  }
  assert.equal(pm.size, ref.size);
});

test('auc: perfect, reversed, ties, a hand example, masks and degenerate input', () => {
  assert.equal(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.equal(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
  assert.equal(auc([0.5, 0.5, 0.5], [0, 1, 0]), 0.5);
  // pos {0.8, 0.4}, neg {0.6, 0.4, 0.2}: pairs won 3 + 0.5 + 1 = 4.5 of 6
  assert.equal(auc([0.8, 0.4, 0.6, 0.4, 0.2], [1, 1, 0, 0, 0]), 0.75);
  assert.equal(auc([0.8, 0.4, 0.6, NaN, 0.2], [1, 1, 0, 0, NaN]), 0.5);
  assert.equal(auc([0.1, 0.9, 0.5], [0, 1, 1], (i) => i !== 2), 1);
  assert.ok(Number.isNaN(auc([0.1, 0.2], [1, 1])));
});
