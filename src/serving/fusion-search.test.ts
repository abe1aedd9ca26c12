import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFusionConfig } from './fusion-config.js';
import { fusionSearch, markFrontier, frontierTable, applyPoint, type ReplayData, type SearchRow } from './fusion-search.js';

const base = buildFusionConfig({ version: 1, fusion: { form: 'multiplicative', gate: { task: 'click' }, terms: { gift: { weight: 0 } } } }).defaults.fusion;
// request A = rows 0,1 ; request B = rows 2,3 (interleaved on purpose: rows 1 and 2 swapped in order)
const data: ReplayData = {
  n: 4,
  request: ['A', 'B', 'A', 'B'],
  preds: { click: [0.9, 0.8, 0.5, 0.4], gift: [0, 0.1, 0.5, 0.9] },
  outcomes: { click: [1, 1, 0, 0], gift: [0, 0, 1, 1] },
};

test('replay: hand-computed top-1 outcomes per gift weight', () => {
  const rows = fusionSearch(data, base, { 'terms.gift.weight': [0, 1, 1.5, 10] }, 1);
  // w=0,1: CTR wins in both requests; w=1.5: A keeps .9 > .5·1.75, B flips (.4·2.35 > .8·1.15); w=10: both flip
  assert.deepEqual(rows.map((r) => [r.point['terms.gift.weight'], r.metrics.click, r.metrics.gift]),
    [[0, 1, 0], [1, 1, 0], [1.5, 0.5, 0.5], [10, 0, 1]]);
  assert.deepEqual(rows.map((r) => r.frontier), [true, true, true, true]);
  // top 2 of 2 rows: every point sees everything
  for (const r of fusionSearch(data, base, { 'terms.gift.weight': [0, 10] }, 2)) assert.deepEqual(r.metrics, { click: 1, gift: 1 });
});

test('frontier: dominated points are not on it', () => {
  const rows: SearchRow[] = [
    { point: { a: 1 }, metrics: { x: 1, y: 1 }, frontier: false },
    { point: { a: 2 }, metrics: { x: 2, y: 1 }, frontier: false },
    { point: { a: 3 }, metrics: { x: 0, y: 3 }, frontier: false },
    { point: { a: 4 }, metrics: { x: 2, y: 1 }, frontier: false },
  ];
  markFrontier(rows, ['x', 'y']);
  assert.deepEqual(rows.map((r) => r.frontier), [false, true, true, true]);
  const t = frontierTable(rows).split('\n');
  assert.match(t[0], /frontier\s+a\s+x\s+y/);
  assert.match(t[1], /^\s*\*\s+2\s+2\.0000\s+1\.0000$/);
  assert.match(t[4], /^\s+1\s+1\.0000\s+1\.0000$/);
});

test('bad grids and data are refused with a message', () => {
  assert.throws(() => applyPoint(base, { 'terms.follow.weight': 1 }), /no term for task "follow"/);
  assert.throws(() => applyPoint(base, { 'terms.gift.wieght': 1 }), /expected gate\.power or terms/);
  assert.throws(() => applyPoint(base, { 'terms.gift.weight': -1 }), /out of range/);
  assert.throws(() => fusionSearch(data, base, { 'terms.gift.weight': [] }, 1), /no values/);
  assert.throws(() => fusionSearch(data, base, { 'terms.gift.weight': Array.from({ length: 101 }, (_, i) => i), 'gate.power': Array.from({ length: 100 }, (_, i) => i) }, 1), /10100 points/);
  assert.throws(() => fusionSearch({ ...data, request: ['A'] }, base, { 'gate.power': [1] }, 1), /request has 1 rows/);
  assert.throws(() => fusionSearch(data, base, { 'gate.power': [1] }, 0), /topK/);
});
