import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricMatrix, batchFromTable } from './matrix.js';
import type { BinaryCell, MatrixBatch, RegressionCell } from './matrix-types.js';
import { auc } from './auc.js';
import { gauc } from './gauc.js';
import { logloss, pcoc } from './binary.js';
import { rmse, xauc } from './regression.js';
import { makeTable } from '../data/table.js';
import { Rng } from '../util/rng.js';

const SCEN = ['home', 'slide', 'outside'];
const CTRY = ['BR', 'ID', 'US', 'VN'];

/** A small synthetic eval set: click (binary, not labelled on slide), like (binary), watch (regression). */
function world(seed: number, n: number): MatrixBatch & { n: number } {
  const rng = new Rng(seed);
  const scenario: string[] = []; const country: string[] = []; const user: string[] = [];
  const pc = new Float64Array(n); const tc = new Float64Array(n); const yc = new Float64Array(n);
  const pl = new Float64Array(n); const tl = new Float64Array(n); const yl = new Float64Array(n);
  const pw = new Float64Array(n); const tw = new Float64Array(n); const yw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = rng.int(3); const c = Math.min(3, Math.floor(rng.next() ** 2 * 4)); const u = rng.int(200);
    scenario.push(SCEN[s]!); country.push(CTRY[c]!); user.push(`u${u}`);
    const z = rng.normal() + (u % 7) * 0.1 - 1.5 + s * 0.3;
    tc[i] = 1 / (1 + Math.exp(-z)); pc[i] = 1 / (1 + Math.exp(-(z + rng.normal() * 0.7 + 0.1)));
    yc[i] = s === 1 ? NaN : rng.next() < tc[i]! ? 1 : 0;
    tl[i] = 1 / (1 + Math.exp(-(z - 2))); pl[i] = Math.round(tl[i]! * 20) / 20; // coarse → ties
    yl[i] = rng.next() < tl[i]! ? 1 : 0;
    tw[i] = 30 * Math.exp(z * 0.5); yw[i] = tw[i]! * Math.exp(rng.normal() * 0.5); pw[i] = tw[i]! * Math.exp(rng.normal() * 0.3);
  }
  return {
    n, scenario, country, user,
    preds: { click: pc, like: pl, watch: pw },
    labels: { click: yc, like: yl, watch: yw },
    trueProbs: { click: tc, like: tl, watch: tw },
  };
}

const TASKS = [
  { name: 'click', kind: 'binary' as const },
  { name: 'like', kind: 'binary' as const },
  { name: 'watch', kind: 'regression' as const },
];

function rowsWhere(b: MatrixBatch & { n: number }, task: string, keep: (i: number) => boolean) {
  const p: number[] = []; const y: number[] = []; const t: number[] = []; const u: string[] = [];
  for (let i = 0; i < b.n; i++) {
    if (!keep(i) || Number.isNaN(b.labels[task]![i]!)) continue;
    p.push(b.preds[task]![i]!); y.push(b.labels[task]![i]!); t.push(b.trueProbs![task]![i]!); u.push(b.user![i] as string);
  }
  return { p, y, t, u };
}

const close = (a: number | null | undefined, b: number, tol = 1e-12) =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('matrix JSON: shape, keys, per-task sample spaces, no NaN', () => {
  const b = world(1, 3000);
  const m = new MetricMatrix({ tasks: TASKS });
  m.add(b);
  const j = m.toJSON();
  assert.deepEqual(Object.keys(j), ['tasks', 'oracle']);
  assert.deepEqual(Object.keys(j.tasks), ['click', 'like', 'watch']);
  for (const t of Object.values(j.tasks)) assert.deepEqual(Object.keys(t), ['all', 'by_scenario', 'by_country', 'by_scenario_country']);
  // click is not labelled on slide: no slide slice, rows counted as missing labels
  assert.deepEqual(Object.keys(j.tasks.click!.by_scenario), ['home', 'outside']);
  assert.deepEqual(Object.keys(j.tasks.like!.by_scenario), ['home', 'outside', 'slide']);
  assert.deepEqual(Object.keys(j.tasks.like!.by_country), CTRY);
  assert.ok(Object.keys(j.tasks.like!.by_scenario_country).includes('slide|BR'));
  const click = j.tasks.click!.all as BinaryCell;
  assert.equal(click.n + click.n_missing_label!, 3000);
  assert.ok(click.n_missing_label! > 800);
  for (const k of ['n', 'n_pos', 'pos_rate', 'mean_pred', 'auc', 'gauc', 'gauc_groups', 'gauc_groups_skipped', 'logloss', 'pcoc', 'n_true', 'mean_true', 'pcoc_true']) {
    assert.ok(k in click, `binary cell lacks ${k}`);
  }
  const watch = j.tasks.watch!.all as RegressionCell;
  for (const k of ['n', 'rmse', 'mae', 'xauc', 'mean_pred', 'mean_label', 'pcoc', 'n_true', 'mean_true', 'pcoc_true']) assert.ok(k in watch, `regression cell lacks ${k}`);
  assert.ok(click.calibration && click.calibration.bins.reduce((a, x) => a + x.count, 0) === click.n);
  // oracle: same shape, scores = true probabilities, no pcoc_true
  assert.ok(j.oracle);
  assert.deepEqual(Object.keys(j.oracle.tasks), ['click', 'like', 'watch']);
  assert.ok(!('pcoc_true' in j.oracle.tasks.click!.all));
  assert.ok(!('pcoc_true' in j.oracle.tasks.watch!.all));
  const text = JSON.stringify(j);
  assert.ok(!text.includes('NaN'));
  assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(m))); // JSON.stringify(matrix) works
});

test('matrix cells equal the standalone metrics on the same slice', () => {
  const b = world(2, 4000);
  const m = new MetricMatrix({ tasks: TASKS });
  m.add(b);
  const j = m.toJSON();
  const sc = b.scenario!; const ct = b.country!;
  const checks: [string, (i: number) => boolean, string][] = [
    ['all', () => true, ''], ['by_scenario', (i) => sc[i] === 'home', 'home'],
    ['by_country', (i) => ct[i] === 'US', 'US'], ['by_scenario_country', (i) => sc[i] === 'outside' && ct[i] === 'BR', 'outside|BR'],
  ];
  for (const task of ['click', 'like']) {
    for (const [dim, keep, key] of checks) {
      const t = j.tasks[task]!;
      const cell = (dim === 'all' ? t.all : (t as unknown as Record<string, Record<string, BinaryCell>>)[dim]![key]!) as BinaryCell;
      const o = (dim === 'all' ? j.oracle!.tasks[task]!.all : (j.oracle!.tasks[task] as unknown as Record<string, Record<string, BinaryCell>>)[dim]![key]!) as BinaryCell;
      const r = rowsWhere(b, task, keep);
      assert.equal(cell.n, r.p.length);
      close(cell.auc, auc(r.p, r.y));
      close(cell.gauc, gauc(r.p, r.y, r.u).gauc);
      assert.equal(cell.gauc_groups, gauc(r.p, r.y, r.u).groupsUsed);
      close(cell.logloss, logloss(r.p, r.y));
      close(cell.pcoc, pcoc(r.p, r.y));
      close(cell.pcoc_true, r.p.reduce((a, x) => a + x, 0) / r.t.reduce((a, x) => a + x, 0));
      close(o.auc, auc(r.t, r.y));
      close(o.gauc, gauc(r.t, r.y, r.u).gauc);
      close(o.pcoc, pcoc(r.t, r.y));
    }
  }
  for (const [dim, keep, key] of checks) {
    const t = j.tasks.watch!;
    const cell = (dim === 'all' ? t.all : (t as unknown as Record<string, Record<string, RegressionCell>>)[dim]![key]!) as RegressionCell;
    const r = rowsWhere(b, 'watch', keep);
    close(cell.rmse, rmse(r.p, r.y));
    close(cell.xauc, xauc(r.p, r.y).xauc);
    const sum = (v: number[]) => v.reduce((a, x) => a + x, 0);
    close(cell.pcoc, sum(r.p) / sum(r.y));        // Σ pred / Σ label
    close(cell.pcoc_true, sum(r.p) / sum(r.t));   // Σ pred / Σ true expected value
    const o = (dim === 'all' ? j.oracle!.tasks.watch!.all : (j.oracle!.tasks.watch as unknown as Record<string, Record<string, RegressionCell>>)[dim]![key]!) as RegressionCell;
    close(o.xauc, xauc(r.t, r.y).xauc);
  }
});

test('merge of two workers == all rows at once; batches of any size', () => {
  const b = world(3, 2500);
  const part = (from: number, to: number): MatrixBatch => ({
    n: to - from,
    scenario: (b.scenario as string[]).slice(from, to), country: (b.country as string[]).slice(from, to), user: (b.user as string[]).slice(from, to),
    preds: Object.fromEntries(Object.entries(b.preds).map(([k, v]) => [k, (v as Float64Array).slice(from, to)])),
    labels: Object.fromEntries(Object.entries(b.labels).map(([k, v]) => [k, (v as Float64Array).slice(from, to)])),
    trueProbs: Object.fromEntries(Object.entries(b.trueProbs!).map(([k, v]) => [k, (v as Float64Array).slice(from, to)])),
  });
  const all = new MetricMatrix({ tasks: TASKS }); all.add(b);
  const w1 = new MetricMatrix({ tasks: TASKS }); w1.add(part(0, 700)); w1.add(part(700, 1100));
  const w2 = new MetricMatrix({ tasks: TASKS }); w2.add(part(1100, 2500));
  assert.deepEqual(w1.merge(w2).toJSON(), all.toJSON());
  assert.throws(() => all.merge(new MetricMatrix({ tasks: TASKS.slice(0, 2) })), /tasks differ/);
});

test('oracle PCOC ≈ 1 and pcoc_true exposes a miscalibrated model on every big slice', () => {
  const b = world(4, 30000);
  const over = new Float64Array(b.n);
  for (let i = 0; i < b.n; i++) over[i] = Math.min(1, b.trueProbs!.like![i]! * 1.3);
  const m = new MetricMatrix({ tasks: [{ name: 'like', kind: 'binary' }] });
  m.add({ ...b, preds: { like: over } });
  const j = m.toJSON();
  const cells = Object.values(j.tasks.like!.by_scenario_country) as BinaryCell[];
  for (const c of [j.tasks.like!.all as BinaryCell, ...cells]) {
    if (c.n < 1000) continue;
    close(c.pcoc_true, 1.3, 0.01);
  }
  close((j.oracle!.tasks.like!.all as BinaryCell).pcoc, 1, 0.05);
});

test('masks, NaN predictions, missing users and one-class slices are counted, not dropped silently', () => {
  const m = new MetricMatrix({ tasks: [{ name: 'click', kind: 'binary' }], calibrationBins: 0, scenarioCountry: false });
  m.add({
    preds: { click: [0.9, 0.2, NaN, 0.4, 0.6, 0.3] },
    labels: { click: [1, 0, 1, NaN, 0, 0] },
    masks: { click: [1, 1, 1, 1, 0, 1] },
    scenario: ['a', 'a', 'a', 'a', 'a', null],
    user: ['x', 'x', 'y', 'y', 'y', null],
  });
  const j = m.toJSON();
  const all = j.tasks.click!.all as BinaryCell;
  assert.equal(all.n, 3); assert.equal(all.n_masked, 1); assert.equal(all.n_missing_label, 1); assert.equal(all.n_nan_pred, 1);
  assert.equal(all.n_missing_user, 1);
  assert.equal(all.gauc, 1); assert.equal(all.gauc_groups, 1);
  assert.equal(all.calibration, undefined);
  const miss = j.tasks.click!.by_scenario['(missing)'] as BinaryCell;
  assert.equal(miss.n, 1); assert.equal(miss.auc, null); assert.equal(miss.gauc, null); assert.equal(miss.pcoc, null);
  assert.deepEqual(j.tasks.click!.by_country, {});
  assert.deepEqual(j.tasks.click!.by_scenario_country, {});
  assert.equal(j.oracle, null);
  assert.throws(() => m.add({ preds: { click: [0.5] }, labels: { click: [3] } }), /task "click": label 3 at row 6/);
  assert.throws(() => m.add({ preds: {}, labels: {} }), /no predictions for task "click"/);
});

test('batchFromTable maps columns and names a missing one; weights flow into every cell', () => {
  const t = makeTable({
    p: new Float64Array([0.9, 0.1, 0.8, 0.3]), y: new Float64Array([1, 0, 0, 1]), w: new Float64Array([1, 2, 1, 2]),
    scen: ['a', 'a', 'b', 'b'],
  });
  const m = new MetricMatrix({ tasks: [{ name: 'ctr', kind: 'binary' }] });
  m.add(batchFromTable(t, { preds: { ctr: 'p' }, labels: { ctr: 'y' }, weights: 'w', scenario: 'scen' }));
  const c = m.toJSON().tasks.ctr!.all as BinaryCell;
  assert.equal(c.weight_sum, 6);
  close(c.auc, auc([0.9, 0.1, 0.8, 0.3], [1, 0, 0, 1], [1, 2, 1, 2]));
  assert.throws(() => batchFromTable(t, { preds: { ctr: 'nope' }, labels: { ctr: 'y' } }), /no column "nope"/);
});

test('numeric slice / user columns (typed arrays, NaN = missing, huge ids) equal their string form', () => {
  const b = world(5, 2000);
  const users = new Float64Array(b.n);
  for (let i = 0; i < b.n; i++) users[i] = i % 97 === 0 ? NaN : Number((b.user![i] as string).slice(1)) * (i % 2 ? 1 : 1e12 + 1);
  const asText = users.map((x) => x); // same ids, as strings below
  const scen = new Float64Array(b.n).map((_, i) => (i % 50 === 0 ? NaN : SCEN.indexOf(b.scenario![i] as string)));
  const m1 = new MetricMatrix({ tasks: TASKS }); m1.add({ ...b, user: users, scenario: scen });
  const m2 = new MetricMatrix({ tasks: TASKS });
  m2.add({
    ...b, user: Array.from(asText, (x) => (Number.isNaN(x) ? null : String(x))),
    scenario: Array.from(scen, (x) => (Number.isNaN(x) ? null : String(x))),
  });
  const j1 = m1.toJSON();
  assert.deepEqual(j1, m2.toJSON());
  assert.ok((j1.tasks.like!.all as BinaryCell).n_missing_user! > 15);
  // integer-like keys always come first in a JS object, whatever the insertion order
  assert.deepEqual(Object.keys(j1.tasks.like!.by_scenario), ['0', '1', '2', '(missing)']);
});
