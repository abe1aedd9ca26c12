import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../../data/table.js';
import { Rng } from '../../util/rng.js';
import { KeyBuffer } from '../encode.js';
import { fitFeatures } from '../fit.js';
import { reportFeatures } from './collect.js';
import { formatReport } from './format.js';
import { HyperLogLog } from './hll.js';
import { KeyStats } from './keystats.js';
import { binCounts, binEdges, ksPValue, ksStatistic, psi, recommendBuckets, theoreticalCollisionRate } from './stats.js';

const normalSample = (rng: Rng, n: number, mean: number): Float64Array => {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(mean, 1);
  return a.sort();
};
// Φ(0.25) for N(0,1) vs N(0.5,1): D = 2Φ(δ/2) − 1
const PHI_025 = 0.5987063256829237;

test('PSI: identical → 0; known value; symmetric; large shift > 0.25', () => {
  assert.equal(psi([10, 20, 30], [10, 20, 30]), 0);
  assert.ok(Math.abs(psi([1000, 2000, 3000], [100, 200, 300])) < 1e-4); // same proportions: only the smoothing differs
  // a = (0.5, 0.5), e = (0.25, 0.75) with α = 0 → 0.25·ln 2 + (−0.25)·ln(2/3)
  const want = 0.25 * Math.log(2) - 0.25 * Math.log(2 / 3);
  assert.ok(Math.abs(psi([50, 50], [25, 75], 0) - want) < 1e-12);
  assert.ok(Math.abs(psi([25, 75], [50, 50], 0) - want) < 1e-12);
  const rng = new Rng(1);
  const e = normalSample(rng, 20000, 0), same = normalSample(rng, 20000, 0), far = normalSample(rng, 20000, 1);
  const edges = binEdges(e, 10);
  assert.equal(edges.length, 9);
  assert.ok(psi(binCounts(same, edges), binCounts(e, edges)) < 0.005);
  assert.ok(psi(binCounts(far, edges), binCounts(e, edges)) > 0.25);
});

test('KS: identical samples ≈ 0; N(0,1) vs N(0.5,1) gives 2Φ(0.25) − 1 = 0.1974', () => {
  const rng = new Rng(2);
  const a = normalSample(rng, 40000, 0), b = normalSample(rng, 40000, 0), c = normalSample(rng, 40000, 0.5);
  assert.equal(ksStatistic(a, a), 0);
  assert.ok(ksStatistic(a, b) < 0.015, `D = ${ksStatistic(a, b)}`);
  const d = ksStatistic(a, c);
  assert.ok(Math.abs(d - (2 * PHI_025 - 1)) < 0.012, `D = ${d}`);
  assert.ok(ksPValue(d, 40000, 40000) < 1e-10);
  assert.ok(ksPValue(0.005, 40000, 40000) > 0.5);
  assert.equal(ksStatistic([1, 2, 3], [4, 5, 6]), 1);
  assert.equal(ksStatistic([1, 1, 2], [1, 2, 2]), 1 / 3); // ties
});

test('HyperLogLog is within a few percent of the true cardinality', () => {
  const kb = new KeyBuffer();
  for (const n of [100, 5000, 200_000]) {
    const h = new HyperLogLog(14);
    for (let i = 0; i < n; i++) {
      kb.reset(); kb.utf8('hll'); kb.byte(0xfe); kb.integer(i);
      const o = kb.hash();
      h.add(o[0]!, o[1]!);
      h.add(o[0]!, o[1]!); // duplicates do not count
    }
    const e = h.estimate();
    assert.ok(Math.abs(e - n) / n < 0.03, `n=${n} estimate ${e}`);
  }
});

test('collision rate: empirical matches 1 − e^(−n/M); bucket advice is a power of two', () => {
  const ks = new KeyStats(65536, 1e6);
  const kb = new KeyBuffer();
  const n = 50_000;
  for (let i = 0; i < n; i++) { kb.reset(); kb.integer(i); const o = kb.hash(); ks.add(o[0]!, o[1]!); }
  const s = ks.summary(0.05);
  assert.equal(s.keys, n);
  assert.ok(s.exact);
  const theory = 1 - Math.exp(-n / 65536);
  assert.ok(Math.abs(s.theory - theory) < 1e-4);
  assert.ok(Math.abs(s.keyCollisionRate! - theory) < 0.01, `empirical ${s.keyCollisionRate} theory ${theory}`);
  assert.equal(s.recommendedBuckets, 2 ** 20); // n / −ln 0.95 = 974 800 → 2^20
  assert.equal(recommendBuckets(1e6), 2 ** 25);
  assert.ok(theoreticalCollisionRate(1e6, 2 ** 25) <= 0.05);
  assert.ok(theoreticalCollisionRate(1e6, 2 ** 24) > 0.05);
  assert.equal(theoreticalCollisionRate(1, 10), 0);
});

test('report on a table: missing, cardinality, OOV, collisions and a planted scenario shift', () => {
  const rng = new Rng(5);
  const n = 20000;
  const scenario: string[] = [], country: (string | null)[] = [], user = new Int32Array(n), fol = new Float64Array(n), ts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const out = rng.bernoulli(0.3);
    scenario.push(out ? 'outside' : 'home');
    country.push(rng.bernoulli(0.1) ? null : ['ID', 'BR', 'US'][rng.int(3)]!);
    user[i] = rng.int(3000);
    fol[i] = Math.exp(rng.normal(out ? 9 : 7, 1)); // outside flow sees streamers with more fans
    ts[i] = i;
  }
  const table = makeTable({ scenario, country, user, fol, ts });
  const fitted = fitFeatures({
    features: [
      { name: 'user', kind: 'id', column: 'user', hash_buckets: 4096 },
      { name: 'country', kind: 'id', column: 'country', vocab: ['ID', 'BR'] },
      { name: 'fol', kind: 'dense', column: 'fol', ops: ['log1p'] },
      { name: 'fol_q', kind: 'bucketized', column: 'fol', quantiles: 10 },
      { name: 'uxc', kind: 'cross', fields: ['user', 'country'], hash_buckets: 1 << 16 },
    ],
  }, table);
  const r = reportFeatures(fitted, table, { by: ['scenario'] });
  const f = Object.fromEntries(r.features.map((x) => [x.name, x]));
  assert.ok(Math.abs(f.country!.missingRate - 0.1) < 0.01);
  assert.equal(f.country!.distinct, 4); // ID BR US + missing marker
  assert.ok(Math.abs(f.country!.vocab!.oovRate - 0.3) < 0.02);
  assert.ok(Math.abs(f.user!.distinct - 3000) <= 5);
  const h = f.user!.hash!;
  assert.ok(Math.abs(h.keyCollisionRate! - h.theory) < 0.05, `emp ${h.keyCollisionRate} theory ${h.theory}`);
  assert.ok(h.theory > 0.4 && h.recommendedBuckets === 65536);
  assert.equal(f.uxc!.missing, r.features.find((x) => x.name === 'country')!.missing);
  const shift = r.shift[0]!;
  assert.deepEqual(shift.groups.map((g) => g.value).sort(), ['home', 'outside']);
  const folShift = shift.features.find((x) => x.name === 'fol')!;
  assert.ok(folShift.maxPsi > 1, `psi ${folShift.maxPsi}`);
  // KS of N(7,1) vs N(9,1) is 2Φ(1) − 1 = 0.6827
  assert.ok(Math.abs(folShift.maxKs! - 0.6827) < 0.04, `ks ${folShift.maxKs}`);
  const cty = shift.features.find((x) => x.name === 'country')!;
  assert.ok(cty.maxPsi < 0.01, `country psi ${cty.maxPsi}`);
  const text = formatReport(r);
  assert.match(text, /distribution shift by "scenario"/);
  assert.match(text, /fol\s+numeric/);
});

test('PSI bins: a mass point gets one bin and the tail still gets the others', () => {
  const xs = new Float64Array(1000);
  for (let i = 950; i < 1000; i++) xs[i] = i - 949; // 95 % zeros, then 1..50
  const e = binEdges(xs, 10);
  assert.equal(e[0], 0);
  assert.ok(e.length === 9, `edges ${e}`);
  for (let i = 1; i < e.length; i++) assert.ok(e[i]! > e[i - 1]!);
  assert.ok(e[1]! >= 1 && e[e.length - 1]! <= 50);
  const tail = new Float64Array(1000); // same zeros, the tail shifted up
  for (let i = 950; i < 1000; i++) tail[i] = 2 * (i - 949);
  assert.ok(psi(binCounts(tail, e), binCounts(xs, e)) > 0.03); // 0.044; with one bin for all values it would be 0
  assert.deepEqual(binEdges(Float64Array.from([1, 2, 3, 4]), 2), [3]);
  assert.deepEqual(binEdges(new Float64Array(0), 10), []);
});
