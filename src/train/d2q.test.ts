// D2Q (d2q.ts): equal-frequency duration groups, quantile labels uniform within each group (KS test;
// the global quantile fails it where watch time depends on duration), Φ_k⁻¹(0.5) = the group's
// median, the inverse on the grid, ties at the mid-rank, config and data errors naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../data/table.js';
import { Rng } from '../util/rng.js';
import { parseTrainConfig } from './config.js';
import { D2Q, D2QMaps, quantileSorted } from './d2q.js';
import { Debias } from './debias.js';
import { hostLabels } from './heads.js';

const cfgOf = (task: Record<string, unknown> = {}, d2q: Record<string, unknown> = {}) => parseTrainConfig({
  data: { source: 'world' }, features: {}, model: { type: 'dnn' },
  tasks: [{ name: 'click', label: 'click' }, { name: 'watch', label: 'watch_s', kind: 'regression', ...task }],
  debias: { d2q: { task: 'watch', ...d2q } },
}, process.cwd(), 'test.yaml');

/** Watch time log-normal around a level that grows with the duration (duration confounds it). */
function synthetic(n: number, seed = 1): Table {
  const rng = new Rng(seed);
  const dur = new Float64Array(n), watch = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dur[i] = Math.floor(rng.uniform(0, 1) ** 2 * 20000);
    watch[i] = Math.exp(2 + 1.5 * (dur[i]! / 20000) + rng.normal(0, 1));
  }
  return { numRows: n, columns: { room_live_s: dur, watch_s: watch, click: new Float64Array(n) } };
}

/** Kolmogorov–Smirnov statistic of a sample against U(0, 1). */
function ksUniform(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  let d = 0;
  s.forEach((x, i) => { d = Math.max(d, (i + 1) / s.length - x, x - i / s.length); });
  return d;
}

test('quantile labels are uniform within each duration group (KS at α = 0.05); the global quantile is not', () => {
  const table = synthetic(30_000);
  const cfg = cfgOf();
  const d = new Debias(cfg.debias!, table, cfg.tasks).d2q.watch!;
  assert.equal(d.maps.groups, 30);
  const dur = table.columns.room_live_s as Float64Array, watch = table.columns.watch_s as Float64Array;
  const byGroup: number[][] = Array.from({ length: 30 }, () => []);
  for (let i = 0; i < table.numRows; i++) byGroup[d.maps.group(dur[i]!)]!.push(d.labels[i]!);
  // Equal frequency: every group holds n/K rows up to the ties of the integer durations.
  for (const g of byGroup) assert.ok(Math.abs(g.length - 1000) < 60, `group size ${g.length}`);
  const globalSorted = Float64Array.from(watch).sort();
  let globalFails = 0;
  byGroup.forEach((g, k) => {
    const crit = 1.36 / Math.sqrt(g.length);
    assert.ok(ksUniform(g) < crit, `group ${k}: KS ${ksUniform(g)} ≥ ${crit}`);
    // The same test on quantiles over all groups together (what D2Q must not do) fails in most groups.
    const glob: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (d.maps.group(dur[i]!) === k) {
      let lo = 0, hi = globalSorted.length;
      while (lo < hi) { const m = (lo + hi) >>> 1; if (globalSorted[m]! < watch[i]!) lo = m + 1; else hi = m; }
      glob.push((lo + 0.5) / globalSorted.length);
    }
    if (ksUniform(glob) >= crit) globalFails++;
  });
  assert.ok(globalFails >= 20, `the global quantile passes KS in ${30 - globalFails} of 30 groups`);
});

test('Φ_k⁻¹(0.5) returns the group\'s median; Φ_k⁻¹ is monotone, spans the group\'s range and inverts Φ_k on the data', () => {
  const table = synthetic(20_001, 2);
  const cfg = cfgOf({}, { groups: 12 });
  const d = new Debias(cfg.debias!, table, cfg.tasks).d2q.watch!;
  const dur = table.columns.room_live_s as Float64Array, watch = table.columns.watch_s as Float64Array;
  for (let k = 0; k < d.maps.groups; k++) {
    const w: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (d.maps.group(dur[i]!) === k) w.push(watch[i]!);
    w.sort((a, b) => a - b);
    const n = w.length;
    const median = n % 2 ? w[(n - 1) / 2]! : (w[n / 2 - 1]! + w[n / 2]!) / 2;
    assert.ok(Math.abs(d.maps.inverse(k, 0.5) - median) <= 1e-9 * median, `group ${k}: Φ⁻¹(0.5) = ${d.maps.inverse(k, 0.5)}, median ${median}`);
    assert.equal(d.maps.inverse(k, 0), w[0]);
    assert.equal(d.maps.inverse(k, 1), w[n - 1]);
    assert.equal(d.maps.inverse(k, 1.7), w[n - 1]); // q̂ outside [0, 1] is clipped
    for (let j = 1; j <= 100; j++) assert.ok(d.maps.inverse(k, j / 100) >= d.maps.inverse(k, (j - 1) / 100));
    // Φ⁻¹(Φ(x)) ≈ x: within the spacing of neighbouring order statistics, for interior rows.
    for (const r of [Math.floor(n * 0.1), Math.floor(n * 0.37), Math.floor(n * 0.8)]) {
      const back = d.maps.inverse(k, d.maps.quantile(k, w[r]!));
      assert.ok(back >= w[r - 2]! && back <= w[r + 2]!, `group ${k} row ${r}: ${back} vs ${w[r]}`);
    }
  }
  // The served prediction of a row is Φ⁻¹ of its own duration group.
  const q = Float32Array.of(0.5, 0.5);
  const t2: Table = { numRows: 2, columns: { room_live_s: Float64Array.of(0, 19999) } };
  const s = d.inverse(q, t2);
  assert.ok(Math.abs(s[0]! - d.maps.inverse(0, 0.5)) < 1e-3 * s[0]! && Math.abs(s[1]! - d.maps.inverse(d.maps.groups - 1, 0.5)) < 1e-3 * s[1]!);
  assert.ok(s[1]! > 2 * s[0]!, 'the long-duration group has longer watches');
});

test('ties (zero watches) share their mid-rank; batch labels are replaced only inside the task\'s space; the JSON carries the maps', () => {
  const n = 1000;
  const watch = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? i : 0)); // 75 % zeros
  watch[5] = NaN; // outside the space
  const table: Table = { numRows: n, columns: { room_live_s: Float64Array.from({ length: n }, (_, i) => i % 2), watch_s: watch, click: new Float64Array(n) } };
  const cfg = cfgOf({}, { groups: 2 });
  const d = new Debias(cfg.debias!, table, cfg.tasks).d2q.watch!;
  assert.equal(d.maps.groups, 2);
  // group 1 (odd rows, row 5 outside) is all zeros: mid-rank ½; group 0 (even rows): 251 zeros of 500 → 125.5 / 500.
  assert.equal(d.labels[1], 0.5);
  assert.ok(Math.abs(d.labels[2]! - 125.5 / 500) < 1e-6, `${d.labels[2]}`);
  assert.ok(Math.abs(d.labels[4]! - (251 + 0.5) / 500) < 1e-6, `the smallest positive watch: ${d.labels[4]}`);
  assert.ok(Number.isNaN(d.labels[5]!));
  const h = hostLabels(table, cfg.tasks);
  d.apply(h, Int32Array.from({ length: n }, (_, i) => i));
  assert.equal(h.label.watch![1], 0.5);
  assert.equal(h.mask.watch![5], 0);
  assert.equal(h.label.click![1], 0, 'other tasks untouched');
  const j = d.maps.toJSON();
  assert.deepEqual(j.boundaries, [1]);
  assert.equal(j.groups[0]!.quantiles.length, 201);
  assert.equal(j.groups[1]!.quantiles[100], 0);
  const bias: Record<string, number> = { watch: 123 };
  new Debias(cfg.debias!, table, cfg.tasks).adjustBias(bias);
  assert.ok(Math.abs(bias.watch! - 0.5) < 0.01, `initial bias ${bias.watch}`);
  assert.equal(quantileSorted([1, 2, 3, 10], 0.5), 2.5);
  // train --only-task click drops the watch task after the config check: its D2Q is skipped, and said so.
  const only = new Debias(cfg.debias!, table, [cfg.tasks[0]!]);
  assert.deepEqual(Object.keys(only.d2q), []);
  assert.deepEqual(only.notes, ['debias.d2q: task "watch" is not trained in this run; skipped']);
});

test('config and data errors name the field and the row', () => {
  assert.throws(() => cfgOf({}, { task: 'nope' }), /test\.yaml: debias\.d2q\.task: no task "nope"/);
  assert.throws(() => cfgOf({}, { task: 'click' }), /debias\.d2q\.task: task "click" is binary/);
  assert.throws(() => cfgOf({ loss: 'poisson' }), /debias\.d2q\.task: task "watch" has loss "poisson"/);
  assert.throws(() => cfgOf({ loss: 'huber', label_transform: 'log1p' }), /label_transform "log1p"/);
  assert.throws(() => cfgOf({}, { groups: 1 }), /debias\.d2q\.groups/);
  assert.throws(() => cfgOf({}, { bins: 3 }), /debias\.d2q.*bins/);
  const cfg = cfgOf();
  const t = (dur: number[]) => ({ numRows: dur.length, columns: { room_live_s: Float64Array.from(dur), watch_s: Float64Array.from(dur, () => 1), click: new Float64Array(dur.length) } });
  assert.throws(() => new Debias(cfg.debias!, t([...Array(40).keys(), NaN]), cfg.tasks), /debias\.d2q\.column: "room_live_s" is NaN on training row 40/);
  assert.throws(() => new Debias(cfg.debias!, t([1, 2, 3]), cfg.tasks), /debias\.d2q\.groups: 30 groups need at least as many training rows/);
  assert.throws(() => new Debias(cfg.debias!, { numRows: 1, columns: { watch_s: Float64Array.of(1), click: Float64Array.of(0) } }, cfg.tasks), /debias\.d2q\.column: column "room_live_s" is not in the data/);
  const d = new D2Q({ task: 'watch', column: 'room_live_s', groups: 2, grid: 10 }, t([1, 2, 3, 4]), cfg.tasks[1]!);
  assert.throws(() => d.inverse(Float32Array.of(0.5), { numRows: 1, columns: { room_live_s: Float64Array.of(NaN) } }, 4096), /on row 4096 of the scored table/);
  assert.ok(D2QMaps.fit({ task: 'watch', column: 'd', groups: 3, grid: 10 }, [5, 5, 5, 5, 5, 5], [1, 2, 3, 4, 5, 6], () => true, 'k').groups === 1, 'one duration value: one group');
});
