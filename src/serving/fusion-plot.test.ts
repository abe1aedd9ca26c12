import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frontierChart } from './fusion-plot.js';
import { renderChart } from '../diagnostics/report/render.js';
import type { SearchRow } from './fusion-search.js';

const row = (w: number, watch: number, gifts: number, orders: number, frontier: boolean): SearchRow =>
  ({ point: { 'terms.gift.weight': w }, metrics: { watch, gifts, orders }, frontier });

const rows = [
  row(0, 10, 1, 5, true),   // best watch
  row(5, 8, 2, 4, true),
  row(20, 6, 3, 1, true),   // best gifts
  row(50, 5, 2.5, 0, false), // beaten by w=20 on watch and gifts
  row(1, 7, 1.5, 9, true),  // on the all-outcome frontier (orders) but beaten on watch–gifts by w=5
];

test('frontierChart: the line joins exactly the watch–gifts frontier; colour is the all-outcome frontier', () => {
  const c = frontierChart(rows, 'watch', 'gifts', 'orders');
  const values = (c.spec as { data: { values: { xy_frontier: boolean; frontier: string; point: string }[] } }).data.values;
  assert.deepEqual(values.map((v) => v.xy_frontier), [true, true, true, false, false]);
  assert.deepEqual(values.map((v) => v.frontier), ['frontier', 'frontier', 'frontier', 'dominated', 'frontier']);
  assert.equal(values[2]!.point, 'terms.gift.weight=20');
});

test('frontierChart: an unknown outcome is refused naming the flag', () => {
  assert.throws(() => frontierChart(rows, 'clicks', 'gifts'), /--x: "clicks" is not an outcome; outcomes: watch, gifts, orders/);
  assert.throws(() => frontierChart(rows, 'watch', 'gifts', 'nope'), /--size: "nope"/);
});

test('frontierChart renders to an SVG with one dot per grid point', async () => {
  const warnings: string[] = [];
  const svg = await renderChart(frontierChart(rows, 'watch', 'gifts', 'orders'), warnings);
  assert.match(svg, /^<svg/);
  assert.equal((svg.match(/<path[^>]*aria-roledescription="point"/g) ?? []).length, rows.length, 'one point mark per row');
  assert.deepEqual(warnings, []);
});
