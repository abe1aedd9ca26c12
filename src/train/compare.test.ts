import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gapSummary, meanSd, smallestCountries } from '../metrics/compare.js';
import type { MatrixJSON } from '../metrics/index.js';
import { loadCompareConfig, mergeConfig, parseSeeds } from './compare-config.js';
import { runCompare, type CompareResult } from './compare.js';
import { formatCompare } from './compare-report.js';

const cell = (n: number, auc: number, meanTrue = 0.1) => ({ n, n_pos: 0, pos_rate: 0, mean_pred: 0, auc, gauc: auc, gauc_groups: 0, gauc_groups_skipped: 0, logloss: 0, pcoc: 1, n_true: n, mean_true: meanTrue, pcoc_true: 1.02 });
const task = (s: Record<string, number>, c: Record<string, [number, number]>, all = 0.7) => ({
  all: cell(100, all), by_scenario: Object.fromEntries(Object.entries(s).map(([k, a]) => [k, cell(50, a)])),
  by_country: Object.fromEntries(Object.entries(c).map(([k, [n, a]]) => [k, cell(n, a)])), by_scenario_country: {},
});

test('gapSummary: oracle − model AUC per slice; mean over task × scenario slices and over the k smallest countries', () => {
  const m = {
    tasks: { click: task({ home: 0.70, slide: 0.60 }, { US: [900, 0.7], SA: [10, 0.5], TH: [20, 0.6], BR: [300, 0.65] }) },
    oracle: { tasks: { click: task({ home: 0.72, slide: 0.66 }, { US: [900, 0.71], SA: [10, 0.6], TH: [20, 0.62], BR: [300, 0.7] }) } },
  } as unknown as MatrixJSON;
  assert.deepEqual(smallestCountries(m, ['click'], 2), ['SA', 'TH']);
  const g = gapSummary(m, { smallCountries: 2 });
  assert.deepEqual(g.tasks, ['click']);
  assert.ok(Math.abs(g.mean_gap_all! - (0.02 + 0.06) / 2) < 1e-12);
  assert.ok(Math.abs(g.mean_gap_small_countries! - (0.1 + 0.02) / 2) < 1e-12);
  const sa = g.slices.find((s) => s.slice === 'SA')!;
  assert.equal(sa.dim, 'country');
  assert.ok(Math.abs(sa.expected_pos! - 1) < 1e-12);
  assert.throws(() => gapSummary(m, { tasks: ['gift'] }), /gap task "gift" is not in the metric matrix/);
  assert.throws(() => gapSummary({ ...m, oracle: null }), /no oracle/);
});

test('meanSd, mergeConfig, parseSeeds', () => {
  const r = meanSd([1, 2, 3, null]);
  assert.equal(r.mean, 2); assert.equal(r.sd, 1); assert.equal(r.n, 3);
  assert.equal(meanSd([5]).sd, null);
  assert.deepEqual(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
  assert.deepEqual(parseSeeds('1, 2,3'), [1, 2, 3]);
  assert.throws(() => parseSeeds('1,x'), /--seeds: expected integers/);
});

const BASE = `
name: tiny
seed: 3
data: { source: world, impressions: 5000, world_seed: 2, split: [0.6, 0.2, 0.2] }
features:
  version: 1
  defaults: { dim: 4 }
  features:
    - { name: user_id, kind: id, column: user_id, hash_buckets: 512 }
    - { name: scenario, kind: id, column: scenario, vocab: [home, slide, outside] }
    - { name: country, kind: id, column: country, vocab: { min_count: 1 } }
tasks:
  - { name: click, label: click, true_prob: p_click }
  - { name: watch_time, label: watch_s, kind: regression, loss: huber, label_transform: log1p }
model: { type: shared_bottom, bottom: [8], tower: [4] }
optimizer: { type: adam, lr: 0.005 }
train: { epochs: 1, batch_size: 256 }
`;

test('compare config errors name the file, the model entry and the key, before any training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-cmpcfg-'));
  writeFileSync(join(dir, 'base.yaml'), BASE);
  const write = (s: string) => { const p = join(dir, 'c.yaml'); writeFileSync(p, s); return p; };
  assert.throws(() => loadCompareConfig(write('base: base.yaml\nmodels: [{ name: a, model: { type: mmoe, expertz: 2 } }]\n')), /c\.yaml: models\[0\] "a": model/);
  assert.throws(() => loadCompareConfig(write('base: base.yaml\nmodels: [{ name: a, model: { type: dnn } }, { name: a, model: { type: dnn } }]\n')), /models\[1\]\.name: "a" is used twice/);
  assert.throws(() => loadCompareConfig(write('base: base.yaml\ngap_tasks: [watch_time]\nmodels: [{ name: a, model: { type: dnn } }]\n')), /gap_tasks: "watch_time" must be a binary task/);
  assert.throws(() => loadCompareConfig(write('base: nope.yaml\nmodels: [{ name: a, model: { type: dnn } }]\n')), /cannot read base config .*nope\.yaml/);
  assert.throws(() => loadCompareConfig(write('base: base.yaml\nmodel: {}\nmodels: [{ name: a, model: { type: dnn } }]\n')), /c\.yaml: [^]*unknown key\(s\) "model"/);
  const cc = loadCompareConfig(write('base: base.yaml\nmodels: [{ name: a, model: { type: dnn, hidden: [4] }, optimizer: { lr: 0.01 } }]\n'));
  assert.equal(cc.models[0]!.config.optimizer.lr, 0.01);
  assert.equal(cc.models[0]!.config.optimizer.type, 'adam', 'an override merges into the base, key by key');
  assert.deepEqual(cc.seeds, [3]);
});

test('runCompare: one normal run directory per model and seed, compare.json in the documented shape, resume reuses finished runs', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-compare-'));
  writeFileSync(join(dir, 'base.yaml'), BASE);
  const cfg = join(dir, 'cmp.yaml');
  writeFileSync(cfg, 'name: tiny\nbase: base.yaml\nsmall_countries: 2\nmodels:\n  - { name: sb, model: { type: shared_bottom, bottom: [8], tower: [4] } }\n  - { name: mmoe, model: { type: mmoe, experts: 2, expert: [8], tower: [4] } }\n');
  const out = join(dir, 'out');
  const lines: string[] = [];
  const r = await runCompare(loadCompareConfig(cfg), { out, seeds: [1, 2], log: (s) => lines.push(s) });
  const j = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareResult;
  assert.equal(j.models.length, 4);
  for (const e of j.models) {
    assert.equal(e.error, undefined, e.error);
    for (const k of ['name', 'type', 'run_dir', 'mean_gap_all', 'mean_gap_small_countries', 'samples_per_s', 'seed']) assert.ok(k in e, `entry lacks ${k}`);
    assert.ok(existsSync(join(e.run_dir, 'metrics.json')) && existsSync(join(e.run_dir, 'model.onnx')) && existsSync(join(e.run_dir, 'metrics_val.json')));
    assert.equal(typeof e.mean_gap_all, 'number');
    assert.ok(Math.abs(e.mean_gap_all!) < 0.5);
    assert.equal(e.small_countries.length, 2);
    assert.ok(e.samples_per_s! > 0);
  }
  assert.equal(j.models[0]!.run_dir, join(out, 'sb-seed1'));
  assert.equal(j.summary.length, 2);
  assert.equal(j.summary[0]!.seeds, 2);
  assert.notEqual(j.summary[0]!.mean_gap_all.sd, null);
  assert.equal(lines.filter((l) => /: training into/.test(l)).length, 4, 'a progress line per run');
  const text = formatCompare(r);
  assert.match(text, /gap all \(val\)/);
  assert.match(text, /click · home/);
  const again: string[] = [];
  const r2 = await runCompare(loadCompareConfig(cfg), { out, seeds: [1, 2], resume: true, log: (s) => again.push(s) });
  assert.equal(again.filter((l) => /reusing/.test(l)).length, 4);
  assert.deepEqual(r2.summary, r.summary);
  // A changed model config is not silently reused: the entry fails naming the key.
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('bottom: [8], tower: [4] } }', 'bottom: [6], tower: [4] } }'));
  const r3 = await runCompare(loadCompareConfig(cfg), { out, seeds: [1, 2], resume: true, log: () => {} });
  assert.match(r3.models.find((e) => e.name === 'sb')!.error ?? '', /model\.bottom/);
});
