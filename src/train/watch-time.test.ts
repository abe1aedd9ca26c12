// The expected-watch-time head (loss: poisson, exp link) end to end on a small synthetic world: its
// prediction is exp(logit) in seconds, the exported model.onnx outputs the same expected value as the
// trainer's evaluator, the metric matrix reports Σ pred / Σ e_watch_s (pcoc_true), and the config
// refuses combinations that would not estimate the mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { openSession, train } from './trainer.js';
import { sliceTable } from '../data/table.js';
import { transform, loadFitted } from '../features/index.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { labelProblem, predOutput } from './heads.js';
import type { RegressionCell } from '../metrics/index.js';
import { worldIdFeatures } from './fixtures/world-features.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(),
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 } },
    { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
    { name: 'wide_scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'], dim: 2 },
  ],
};

function config(task: Record<string, unknown>): TrainConfig {
  return parseTrainConfig({
    name: 'watch',
    seed: 3,
    data: { source: 'world', impressions: 20000, world_seed: 2, split: [0.6, 0.2, 0.2] },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', true_prob: 'e_watch_s', ...task },
    ],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8], wide: ['wide_scenario'] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 2, batch_size: 256 },
    calibration: { by: ['wide_scenario'], rows: 8000 },
  }, process.cwd(), 'test config');
}

test('poisson watch-time head: predictions in seconds at the level of E[watch], calibrated by scenario; model.onnx outputs the same expected value', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-watch-'));
  const cfg = config({ loss: 'poisson' });
  await train(cfg, { out, verbose: false });
  // The post-training calibration fits ln μ offsets (quasi-Poisson) for the log-link task too.
  const cal = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8')) as { task: string; pcocAfter: number; dispersion?: number }[];
  const wc = cal.find((r) => r.task === 'watch_time');
  assert.ok(wc, 'watch_time is calibrated');
  assert.ok(Math.abs(wc.pcocAfter - 1) < 1e-6, `Σ pred / Σ label on the fit rows after calibration: ${wc.pcocAfter}`);
  assert.ok(wc.dispersion! > 1, `watch seconds are overdispersed: φ = ${wc.dispersion}`);
  assert.match(findCheckpoint(out, 'final')!, /-calibrated$/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const all = m.tasks.watch_time.all as RegressionCell;
  // The level: Σ pred / Σ e_watch_s on the test split. A log1p-Huber head sits at 2–30 % of it.
  assert.ok(all.pcoc_true !== undefined && all.pcoc_true !== null, 'the regression cell reports Σ pred / Σ true');
  assert.ok(Math.abs(all.pcoc_true - all.mean_pred! / all.mean_true!) < 1e-9);
  assert.ok(all.pcoc_true > 0.6 && all.pcoc_true < 1.5, `Σ pred / Σ e_watch_s = ${all.pcoc_true}`);
  assert.ok(Math.abs(all.pcoc! - all.mean_pred! / all.mean_label!) < 1e-9);
  for (const s of ['home', 'slide', 'outside']) assert.equal(typeof (m.tasks.watch_time.by_scenario[s] as RegressionCell).pcoc_true, 'number');

  // The exported model against the trainer's evaluator on test rows.
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'final')!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const n = 64;
  const rows = sliceTable(s.splits.test, 0, n);
  const fb = transform(loadFitted(join(out, 'features.json')), rows);
  const want = await ev.run(s.asm.feeds(fb), [predOutput('watch_time')]);
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  for (const inp of manifest.inputs as { name: string; feature?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [n]);
  }
  const got = await session.run(feeds);
  const a = want[predOutput('watch_time')]!.data as Float32Array, b = got[predOutput('watch_time')]!.data as Float32Array;
  for (let i = 0; i < n; i++) {
    assert.ok(a[i]! > 0 && Number.isFinite(a[i]!), `pred[${i}] = ${a[i]} (exp of a logit: positive seconds)`);
    assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `watch_time[${i}]: trainer ${a[i]} vs model.onnx ${b[i]}`);
  }
  // The mean level on the rows scored here follows the label's scale (seconds), not log seconds.
  const meanPred = a.reduce((x, y) => x + y, 0) / n;
  assert.ok(meanPred > 1 && meanPred < 200, `mean prediction ${meanPred} s`);
});

test('poisson / tweedie config: raw labels only, power only for tweedie, negative labels refused', () => {
  assert.throws(() => config({ loss: 'poisson', label_transform: 'log1p' }),
    /tasks "watch_time"\.label_transform: "log1p" cannot be combined with loss "poisson"/);
  assert.throws(() => config({ loss: 'poisson', loss_options: { power: 1.5 } }), /loss_options\.power: only loss "tweedie" has a power/);
  assert.throws(() => config({ loss: 'tweedie', loss_options: { power: 2 } }), /power/);
  assert.throws(() => config({ kind: 'binary', loss: 'poisson' }), /"poisson" is not a binary loss/);
  const t = config({ loss: 'tweedie', loss_options: { power: 1.3 } }).tasks[1]!;
  assert.equal(t.loss, 'tweedie');
  assert.equal(t.loss_options.power, 1.3);
  const cols = (v: number) => ({ label: Float32Array.of(v), space: null, weight: null });
  assert.match(labelProblem(t, cols(-2), 0) ?? '', /tweedie label "watch_s" is negative \(-2\); a log-link loss needs labels ≥ 0/);
  assert.equal(labelProblem(t, cols(0), 0), null);
});
