import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterfactualAuc } from './counterfactual.js';
import { bruteAuc } from './reference.js';
import { Rng } from '../util/rng.js';

// Seven rows worked by hand (positives listed first in each slice):
//   home:    pos {0.9}; neg {0.2, 0.5}            -> served AUC 1;  oracle pos {0.8} vs neg {0.3, 0.9} -> 1/2
//   outside: pos {0.4}; neg {0.6, 0.4 (tie)}      -> served AUC (0 + 1/2)/2 = 1/4; oracle {0.6} vs {0.1, 0.2} -> 1
//   slide:   label NaN -> skipped
//   all:     pos {0.9, 0.4}; neg {0.2, 0.5, 0.6, 0.4}: 0.9 beats 4, 0.4 beats 0.2 and ties 0.4 -> 5.5/8 = 0.6875
//            oracle pos {0.8, 0.6} vs neg {0.3, 0.9, 0.1, 0.2}: 3 + 3 -> 6/8 = 0.75
const input = {
  scores: [0.9, 0.2, 0.5, 0.4, 0.6, 0.7, 0.4],
  labels: [1, 0, 0, 1, 0, NaN, 0],
  oracle: [0.8, 0.3, 0.9, 0.6, 0.1, NaN, 0.2],
  scenarios: ['home', 'home', 'home', 'outside', 'outside', 'slide', 'outside'],
};

test('counterfactual AUC: a hand-checked example (ties count 1/2, NaN labels skipped and counted)', () => {
  assert.deepEqual(counterfactualAuc(input), {
    all: { auc: 0.6875, oracle_auc: 0.75, n: 6 },
    by_scenario: {
      home: { auc: 1, oracle_auc: 0.5, n: 3 },
      outside: { auc: 0.25, oracle_auc: 1, n: 3 },
    },
    skipped: 1,
  });
});

test('counterfactual AUC: a slice with one class has NaN AUC; random data matches the O(n²) definition', () => {
  const r = counterfactualAuc({ scores: [0.1, 0.2, 0.3], labels: [0, 0, 1], oracle: [0.5, 0.5, 0.6], scenarios: ['a', 'a', 'b'] });
  assert.ok(Number.isNaN(r.by_scenario.a!.auc) && Number.isNaN(r.by_scenario.b!.oracle_auc));
  assert.equal(r.all.auc, 1);
  const rng = new Rng(3); const n = 400;
  const scores = Array.from({ length: n }, () => Math.round(rng.next() * 20) / 20); // ties
  const oracle = Array.from({ length: n }, () => rng.next());
  const labels = oracle.map((p, i) => (i % 17 === 0 ? NaN : rng.next() < p ? 1 : 0));
  const scenarios = labels.map((_, i) => (i % 3 === 0 ? 'home' : 'outside'));
  const got = counterfactualAuc({ scores, labels, oracle, scenarios });
  for (const s of ['home', 'outside'] as const) {
    const idx = labels.map((y, i) => i).filter((i) => !Number.isNaN(labels[i]!) && scenarios[i] === s);
    assert.ok(Math.abs(got.by_scenario[s]!.auc - bruteAuc(idx.map((i) => scores[i]!), idx.map((i) => labels[i]!))) < 1e-12);
    assert.ok(Math.abs(got.by_scenario[s]!.oracle_auc - bruteAuc(idx.map((i) => oracle[i]!), idx.map((i) => labels[i]!))) < 1e-12);
    assert.equal(got.by_scenario[s]!.n, idx.length);
  }
  assert.equal(got.skipped, labels.filter((y) => Number.isNaN(y)).length);
});

test('counterfactual AUC: bad input names the row and what was expected', () => {
  assert.throws(() => counterfactualAuc({ ...input, scores: [1, 2] }), /scores has 2 rows, labels has 7/);
  assert.throws(() => counterfactualAuc({ ...input, labels: [1, 0, 2, 1, 0, NaN, 0] }), /row 2: label 2 is not 0, 1 or NaN/);
  assert.throws(() => counterfactualAuc({ ...input, scores: [0.9, NaN, 0.5, 0.4, 0.6, 0.7, 0.4] }), /row 1: score NaN is not a finite number/);
  assert.throws(() => counterfactualAuc({ ...input, oracle: [0.8, 0.3, 0.9, 0.6, 0.1, NaN, NaN] }), /row 6: oracle probability NaN/);
  assert.throws(() => counterfactualAuc({ ...input, scenarios: ['home', null, 'home', 'outside', 'outside', 'slide', 'outside'] }), /row 1: scenario is missing/);
});
