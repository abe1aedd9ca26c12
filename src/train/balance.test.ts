// Sample balancing (balance.ts): the down-sampling correction restores Σ pred / Σ y (synthetic
// numbers and a training run on the world against Σ true p), temperature sampling's slice shares,
// slice and exposure weights, per-task negative masking, config errors, the exported model scoring
// the corrected predictions, and --resume reproducing a balanced run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Table } from '../data/table.js';
import { sliceTable } from '../data/table.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { loadFitted, transform } from '../features/index.js';
import { Rng } from '../util/rng.js';
import { Balance, correctDownsampled, hashUnit, quotas, temperatureShares } from './balance.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { hostLabels, predOutput } from './heads.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import { openSession, train } from './trainer.js';
import { worldIdFeatures } from './fixtures/world-features.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lr-balance-'));
const minimal = (over: Record<string, unknown> = {}) => ({
  data: { source: 'world' }, features: {}, model: { type: 'dnn' },
  tasks: [{ name: 'click', label: 'click' }, { name: 'view', label: 'view' }, { name: 'watch', label: 'watch_s', kind: 'regression' }],
  ...over,
});
const tasksOf = (over: Record<string, unknown> = {}) => parseTrainConfig(minimal(over)).tasks;

test('correction: the spec numbers, and it equals σ(logit q + log w)', () => {
  assert.ok(Math.abs(correctDownsampled(0.5, 0.1) - 0.090909) < 1e-6);
  assert.ok(Math.abs(correctDownsampled(0.2, 0.05) - 0.012346) < 1e-6);
  for (const [q, w] of [[0.3, 0.1], [0.9, 0.5], [0.01, 0.02]] as const) {
    const z = Math.log(q / (1 - q)) + Math.log(w);
    assert.ok(Math.abs(correctDownsampled(q, w) - 1 / (1 + Math.exp(-z))) < 1e-12);
  }
  assert.equal(correctDownsampled(0.37, 1), 0.37);
  // The notebook's example (spec §11 tests): CTR 0.012, negatives kept at 10 % → ≈ 0.108 → back to 0.012.
  const q = 0.012 / (0.012 + 0.988 * 0.1);
  assert.ok(Math.abs(q - 0.1083) < 1e-4);
  assert.ok(Math.abs(correctDownsampled(q, 0.1) - 0.012) < 1e-12);
});

/** A table of `n` rows per slice with Bernoulli(p_s) clicks, plus a second label and a user column. */
function syntheticTable(rates: Record<string, number>, n: number, seed = 1): Table {
  const rng = new Rng(seed);
  const slice: string[] = [], user = new Float64Array(n * Object.keys(rates).length);
  const click: number[] = [], view: number[] = [], watch: number[] = [];
  for (const [s, p] of Object.entries(rates)) {
    for (let i = 0; i < n; i++) {
      user[slice.length] = rng.int(1000);
      slice.push(s); click.push(rng.bernoulli(p) ? 1 : 0); view.push(rng.bernoulli(0.5) ? 1 : 0); watch.push(rng.uniform(0, 30));
    }
  }
  return { numRows: slice.length, columns: { scenario: slice, user_id: user, click: Float64Array.from(click), view: Float64Array.from(view), watch_s: Float64Array.from(watch) } };
}
const allRows = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

test('down-sampling click negatives to 10 % and correcting restores Σ pred / Σ y per slice (synthetic)', () => {
  const rates = { a: 0.012, b: 0.05, c: 0.2 };
  const table = syntheticTable(rates, 200_000);
  const tasks = tasksOf({ balance: { negative_sampling: { click: 0.1 } } });
  const b = new Balance({ negative_sampling: { click: 0.1 } }, table, tasks, 7);
  const h = hostLabels(table, tasks);
  b.apply(h, allRows(table.numRows), 0);
  // A model that fits the down-sampled data exactly per slice predicts q_s = kept positives / kept rows.
  const y = h.label.click!, m = h.mask.click!, s = table.columns.scenario as string[];
  for (const sl of Object.keys(rates)) {
    let kept = 0, keptPos = 0, rows = 0, pos = 0;
    for (let i = 0; i < y.length; i++) {
      if (s[i] !== sl) continue;
      rows++; pos += y[i]!; kept += m[i]!; keptPos += m[i]! * y[i]!;
    }
    const q = keptPos / kept;
    assert.equal(keptPos, pos, 'every positive is kept');
    const raw = (q * rows) / pos, fixed = (correctDownsampled(q, 0.1) * rows) / pos;
    assert.ok(Math.abs(fixed - 1) < 0.03, `slice ${sl}: corrected Σ pred / Σ y = ${fixed}`);
    assert.ok(raw > 3, `slice ${sl}: uncorrected Σ pred / Σ y = ${raw} (the down-sampled rate)`);
  }
});

test('negative down-sampling masks only that task\'s negatives, at rate 1 − w, reproducibly per (seed, epoch)', () => {
  const table = syntheticTable({ home: 0.1 }, 50_000);
  const tasks = tasksOf();
  const b = new Balance({ negative_sampling: { click: 0.25 } }, table, tasks, 3);
  const run = (epoch: number) => { const h = hostLabels(table, tasks); b.apply(h, allRows(table.numRows), epoch); return h; };
  const h = run(0);
  let neg = 0, negKept = 0;
  for (let i = 0; i < table.numRows; i++) {
    if (h.label.click![i] === 1) assert.equal(h.mask.click![i], 1, 'positives stay');
    else { neg++; negKept += h.mask.click![i]!; }
    assert.equal(h.mask.view![i], 1, 'the row stays for the other tasks');
    assert.equal(h.mask.watch![i], 1);
  }
  assert.ok(Math.abs(negKept / neg - 0.25) < 0.01, `kept ${negKept / neg} of the negatives`);
  assert.deepEqual(run(0).mask.click, h.mask.click, 'same seed and epoch: same rows');
  assert.notDeepEqual(run(1).mask.click, h.mask.click, 'a new epoch draws new negatives');
  // The keyed hash is uniform enough: the mean of 100k draws.
  let sum = 0;
  for (let r = 0; r < 100_000; r++) sum += hashUnit(5, 2, r, 1);
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
});

test('temperature sampling: α = 0 gives a uniform slice mixture, α = 1 the natural one, α = 0.5 shares ∝ √n', () => {
  const rows: Record<string, number> = { US: 8000, BR: 1800, SA: 200 };
  const scen: string[] = [];
  for (const [c, n] of Object.entries(rows)) for (let i = 0; i < n; i++) scen.push(c);
  const table: Table = { numRows: scen.length, columns: { country: scen, click: new Float64Array(scen.length), view: new Float64Array(scen.length), watch_s: new Float64Array(scen.length) } };
  const tasks = tasksOf();
  const N = table.numRows, n = Object.values(rows);
  for (const alpha of [0, 0.5, 1]) {
    const b = new Balance({ temperature: { column: 'country', alpha } }, table, tasks, 1);
    const order = b.order(0, N)!;
    assert.equal(order.length, N, 'an epoch has as many rows as the split');
    const want = n.map((x) => Math.pow(x, alpha) / n.reduce((a, y) => a + Math.pow(y, alpha), 0));
    const got = b.shares(order);
    got.forEach((s, k) => assert.ok(Math.abs(s.drawn - want[k]!) <= 1 / N, `α ${alpha} ${s.slice}: drawn ${s.drawn}, want ${want[k]}`));
    if (alpha === 0) got.forEach((s) => assert.ok(Math.abs(s.drawn - 1 / 3) <= 1 / N));
    if (alpha === 1) assert.deepEqual([...order].sort((a, b) => a - b), [...allRows(N)], 'α = 1: each row exactly once');
    assert.deepEqual(b.order(0, N), order, 'seeded: the same epoch draws the same rows');
    assert.notDeepEqual(b.order(1, N), order, 'a new epoch draws a new sample');
  }
  // α = 0: SA (200 rows) is drawn 3333 times: every row 16 or 17 times (passes over fresh permutations).
  const b = new Balance({ temperature: { column: 'country', alpha: 0 } }, table, tasks, 1);
  const seen = new Map<number, number>();
  for (const r of b.order(0, N)!) if (scen[r] === 'SA') seen.set(r, (seen.get(r) ?? 0) + 1);
  assert.equal(seen.size, 200);
  for (const c of seen.values()) assert.ok(c === 16 || c === 17, `a SA row drawn ${c} times`);
  assert.deepEqual(quotas(temperatureShares([3, 1], 0), 5).sort(), [2, 3]);
});

test('slice loss weights and exposure down-weighting: the row weights reach every task\'s mask', () => {
  const table = syntheticTable({ home: 0.1, slide: 0.1, outside: 0.1 }, 1000);
  const users = table.columns.user_id as Float64Array;
  users.fill(1, 0, 100); // user 1: 100 rows; the rest spread over 1000 ids (a few rows each)
  for (let i = 100; i < users.length; i++) if (users[i] === 1) users[i] = 2;
  const tasks = tasksOf();
  const b = new Balance({ slice_weights: { column: 'scenario', weights: { slide: 2 }, default: 1 }, exposure: { column: 'user_id', cap: 20, power: 1 } }, table, tasks, 1);
  const h = hostLabels(table, tasks);
  b.apply(h, allRows(table.numRows), 0);
  assert.ok(Math.abs(h.mask.view![0]! - 0.2) < 1e-6, 'home, user with 100 rows: min(1, 20/100) = 0.2');
  const slideRow = 1000 + 500; // slide block, a light user
  assert.equal(h.mask.click![slideRow], 2);
  assert.equal(h.mask.watch![slideRow], 2);
  // beta: w_s = (mean n / n_s)^β
  const scen = [...Array(300).fill('home'), ...Array(100).fill('slide')] as string[];
  const both: Table = { numRows: 400, columns: { scenario: scen, click: new Float64Array(400), view: new Float64Array(400), watch_s: new Float64Array(400) } };
  const bb = new Balance({ slice_weights: { column: 'scenario', beta: 1, default: 1 } }, both, tasks, 1);
  assert.ok(Math.abs(bb.rowWeight![0]! - 200 / 300) < 1e-6 && Math.abs(bb.rowWeight![399]! - 2) < 1e-6);
  assert.throws(() => new Balance({ slice_weights: { column: 'scenario', weights: { slid: 2 }, default: 1 } }, table, tasks, 1),
    /balance\.slice_weights\.weights\.slid: "slid" is not a value of scenario in the training split \(values: home, outside, slide\)/);
  assert.throws(() => new Balance({ temperature: { column: 'contry', alpha: 0.5 } }, table, tasks, 1),
    /balance\.temperature\.column: column "contry" is not in the training data/);
  assert.throws(() => new Balance({ exposure: { column: 'uid', cap: 5, power: 1 } }, table, tasks, 1), /balance\.exposure\.column: column "uid"/);
});

test('balance config errors name the key', () => {
  const bad = (balance: unknown) => () => parseTrainConfig(minimal({ balance }), process.cwd(), 'x.yaml');
  assert.throws(bad({ negative_sampling: { clik: 0.1 } }), /x\.yaml: balance\.negative_sampling\.clik: no task "clik"; tasks: click, view, watch/);
  assert.throws(bad({ negative_sampling: { watch: 0.1 } }), /balance\.negative_sampling\.watch: task "watch" is a regression task/);
  assert.throws(bad({ negative_sampling: { click: 0 } }), /balance\.negative_sampling\.click: /);
  assert.throws(bad({ negative_sampling: { click: 1.5 } }), /balance\.negative_sampling\.click: /);
  assert.throws(bad({ temperature: { column: 'country', alpha: -1 } }), /balance\.temperature\.alpha: /);
  assert.throws(bad({ temperature: { column: 'country' } }), /balance\.temperature\.alpha: expected number/);
  assert.throws(bad({ slice_weights: { column: 'scenario' } }), /balance\.slice_weights: give exactly one of `weights`/);
  assert.throws(bad({ slice_weights: { column: 'scenario', weights: { slide: 2 }, beta: 0.5 } }), /balance\.slice_weights\.beta: give exactly one/);
  assert.throws(bad({ exposure: { column: 'user_id', cap: 0 } }), /balance\.exposure\.cap: /);
  assert.throws(bad({ temprature: {} }), /balance: unknown key\(s\) "temprature"/);
  assert.ok(parseTrainConfig(minimal({ balance: { temperature: { column: ['country', 'scenario'], alpha: 0.5 }, negative_sampling: { click: 0.1 } } })).balance);
});

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(),
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 } },
    { name: 'followed', kind: 'id', column: 'hist_followed', vocab: [0, 1] },
    { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
  ],
};

function worldConfig(over: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    name: 'balance', seed: 3,
    data: { source: 'world', impressions: 300_000, world_seed: 2, split: [0.6, 0.2, 0.2], split_by: 'random' },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
    ],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    schedule: { type: 'cosine', min_ratio: 0.05 },
    train: { epochs: 2, batch_size: 2048 },
    balance: { negative_sampling: { click: 0.1 } },
    ...over,
  }, process.cwd(), 'balance test config');
}

test('training with click negatives kept at 10 %: Σ pred / Σ true p on test in [0.95, 1.05] overall and per scenario; model.onnx scores the corrected predictions', async () => {
  const out = tmp();
  const cfg = worldConfig();
  await train(cfg, { out, verbose: false });
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const click = m.tasks.click;
  const cells: [string, { pcoc_true: number }][] = [['all', click.all], ...Object.entries(click.by_scenario as Record<string, { pcoc_true: number }>)];
  assert.deepEqual(cells.map(([k]) => k).sort(), ['all', 'home', 'outside']);
  for (const [k, c] of cells) assert.ok(c.pcoc_true >= 0.95 && c.pcoc_true <= 1.05, `click ${k}: Σ pred / Σ true p = ${c.pcoc_true}`);
  assert.ok(click.all.auc > 0.68, `click AUC ${click.all.auc}`);
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(manifest.outputs.find((o: { task: string }) => o.task === 'click').negative_keep_rate, 0.1);

  // The same checkpoint through a session without the balance section gives the raw (down-sampled) q:
  // the trainer's prediction is exactly q / (q + (1 − q)/w), and the exported model scores the same.
  const score = async (c: TrainConfig) => {
    const s = await openSession(c, out, () => {}, true);
    const store = new ParameterStore(c.seed);
    ensureLayout(s.build, store, s.asm.substitute);
    restoreParams(findCheckpoint(out, 'final')!, store, s.asm);
    const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
    const fb = transform(loadFitted(join(out, 'features.json')), sliceTable(s.splits.test, 0, 64));
    return { fb, preds: await ev.run(s.asm.feeds(fb)) };
  };
  const { fb, preds } = await score(cfg);
  const raw = (await score({ ...cfg, balance: undefined })).preds;
  const corrected = preds[predOutput('click')]!.data as Float32Array, q = raw[predOutput('click')]!.data as Float32Array;
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(corrected[i]! - correctDownsampled(q[i]!, 0.1)) <= 1e-6, `row ${i}: ${corrected[i]} vs corrected ${q[i]}`);
  assert.deepEqual(raw[predOutput('effective_view')]!.data, preds[predOutput('effective_view')]!.data, 'other tasks are not corrected');

  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of manifest.inputs as { name: string; feature?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [64, fb.denseWidth]); continue; }
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [64]);
  }
  const got = await session.run(feeds);
  for (const t of cfg.tasks) {
    const a = preds[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `${t.name}[${i}]: trainer ${a[i]} vs onnx ${b[i]}`);
  }
});

test('--resume with temperature sampling, slice and exposure weights and down-sampling ends where an uninterrupted run ends', async () => {
  const balance = {
    temperature: { column: 'country', alpha: 0.5 },
    slice_weights: { column: 'scenario', weights: { slide: 2 } },
    exposure: { column: 'user_id', cap: 10 },
    negative_sampling: { click: 0.2 },
  };
  const cfg = (steps: number) => worldConfig({ data: { source: 'world', impressions: 20_000, world_seed: 2, split: [0.6, 0.2, 0.2] }, train: { epochs: 2, batch_size: 256, max_steps: steps }, schedule: { type: 'constant' }, balance });
  const straight = tmp(), split = tmp();
  await train(cfg(60), { out: straight, verbose: false });
  await train(cfg(30), { out: split, verbose: false });
  await train(cfg(60), { out: split, verbose: false, resume: true });
  const a = JSON.parse(readFileSync(join(straight, 'metrics.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(split, 'metrics.json'), 'utf8'));
  assert.equal(b.tasks.click.all.auc, a.tasks.click.all.auc);
  assert.equal(b.tasks.effective_view.all.logloss, a.tasks.effective_view.all.logloss);
});
