// The log-normal hurdle head end to end on a small synthetic world: the served value is
// p_click · exp(μ̂ + d) off slide and exp(μ̂ + d) on slide (p_enter ≡ 1 there, from the model's
// scenario ids), d the post-training offset b + σ²/2 per scenario written into the model; the
// exported model.onnx scores like the trainer; bad configs are refused naming the field.
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
import { hostLabels, labelProblem, predOutput } from './heads.js';
import { logMeanOutput } from './hurdle.js';
import { LOGNORMAL_FILE, type LogNormalReport } from './lognormal-fit.js';
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

const HURDLE = { task: 'click', entered_when: { column: 'scenario', values: ['slide'] } };

function raw(task: Record<string, unknown>, clickTask: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'hurdle',
    seed: 3,
    data: { source: 'world', impressions: 20000, world_seed: 2, split_by: 'random', split: [0.6, 0.2, 0.2] }, // random: a 1-day world's time split puts other hours (another watch level) into test
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click', ...clickTask },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', true_prob: 'e_watch_s', loss: 'lognormal', ...task },
    ],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8], wide: ['wide_scenario'] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 2, batch_size: 256 },
    calibration: { by: ['wide_scenario'], rows: 8000 },
  };
}
const config = (task: Record<string, unknown>, clickTask: Record<string, unknown> = {}): TrainConfig => parseTrainConfig(raw(task, clickTask), process.cwd(), 'test config');

test('lognormal hurdle head: served value = p_enter · exp(μ̂ + b + σ²/2) per scenario (p_enter ≡ 1 on slide), in the trainer and in model.onnx', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-hurdle-'));
  const cfg = config({ hurdle: HURDLE, variance: { by: 'wide_scenario', min_rows: 20 } });
  await train(cfg, { out, verbose: false });
  const rep = JSON.parse(readFileSync(join(out, LOGNORMAL_FILE), 'utf8')) as LogNormalReport[];
  const r = rep[0]!;
  assert.equal(r.task, 'watch_time');
  assert.deepEqual(Object.keys(r.slices).sort(), ['home', 'outside', 'slide']);
  // The world's σ per scenario is 1–2: the fitted residual variance is of that order (the model's μ̂ is imperfect, so it is larger).
  for (const [k, v] of Object.entries(r.slices)) assert.ok(v.variance > 0.3 && v.variance < 8, `σ² ${k} = ${v.variance}`);
  assert.ok(r.pcocBefore < r.pcocAfter, `exp(μ̂) is the median, below the mean: Σpred/Σy ${r.pcocBefore} → ${r.pcocAfter}`);
  assert.match(findCheckpoint(out, 'final')!, /-calibrated$/);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const all = m.tasks.watch_time.all as RegressionCell;
  assert.ok(all.pcoc_true! > 0.6 && all.pcoc_true! < 1.5, `Σ pred / Σ e_watch_s = ${all.pcoc_true}`);
  assert.ok(all.xauc! > 0.55, `xauc ${all.xauc}`);

  // Trainer: pred = p_click · exp(μ̂) off slide, exp(μ̂) on slide (the offsets are inside μ̂ now).
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'final')!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const n = 200;
  const rows = sliceTable(s.splits.test, 0, n);
  const fb = transform(loadFitted(join(out, 'features.json')), rows);
  const want = await ev.run(s.asm.feeds(fb), [predOutput('watch_time'), predOutput('click'), logMeanOutput('watch_time')]);
  const w = want[predOutput('watch_time')]!.data as Float32Array, pc = want[predOutput('click')]!.data as Float32Array;
  const mu = want[logMeanOutput('watch_time')]!.data as Float32Array;
  const sc = rows.columns.scenario as ArrayLike<string>;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const expect = Math.exp(mu[i]!) * (sc[i] === 'slide' ? 1 : pc[i]!);
    assert.ok(Math.abs(w[i]! - expect) <= 1e-5 * expect, `row ${i} (${sc[i]}): pred ${w[i]} vs p_enter · exp(μ̂) ${expect}`);
    seen.add(sc[i]!);
  }
  assert.equal(seen.size, 3, 'the rows cover every scenario');
  // model.onnx against the trainer.
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of manifest.inputs as { name: string; feature?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [n]);
  }
  const got = (await session.run(feeds))[predOutput('watch_time')]!.data as Float32Array;
  for (let i = 0; i < n; i++) assert.ok(Math.abs(w[i]! - got[i]!) <= 1e-5 * Math.max(1, w[i]!), `watch_time[${i}]: trainer ${w[i]} vs model.onnx ${got[i]}`);
});

test('lognormal config: hurdle task must be a binary task, the rule column must be in the data and read by a vocabulary feature; hurdle / variance only with lognormal', async () => {
  assert.throws(() => config({ hurdle: { task: 'clik' } }), /tasks "watch_time"\.hurdle\.task: "clik" is not a task; tasks are click, watch_time/);
  assert.throws(() => config({ hurdle: { task: 'click' } }, { kind: 'regression', loss: 'mse' }), /tasks "watch_time"\.hurdle\.task: task "click" is a regression task; p_enter must be a binary task's probability/);
  assert.throws(() => config({ hurdle: { task: 'watch_time' } }), /hurdle\.task: a task cannot be its own hurdle/);
  assert.throws(() => config({ loss: 'poisson', hurdle: HURDLE }), /tasks "watch_time"\.hurdle: only loss "lognormal" has a hurdle \(loss is "poisson"\)/);
  assert.throws(() => config({ loss: 'mse', variance: {} }), /tasks "watch_time"\.variance: only loss "lognormal"/);
  assert.throws(() => config({ label_transform: 'log1p' }), /label_transform: "log1p" cannot be combined with loss "lognormal"/);
  assert.throws(() => config({ hurdle: { task: 'click', entered_when: { column: 'scenario' } } }), /hurdle\.entered_when\.values/);
  assert.throws(() => config({ hurdle: { task: 'click', when: 1 } }), /hurdle/);
  // Checks against the data and the fitted features (openSession, before training).
  const open = (task: Record<string, unknown>) => openSession(config(task), null, () => {});
  await assert.rejects(open({ hurdle: { task: 'click', entered_when: { column: 'scenari', values: ['slide'] } } }),
    /tasks "watch_time"\.hurdle\.entered_when\.column: column "scenari" is not in the data/);
  await assert.rejects(open({ hurdle: { task: 'click', entered_when: { column: 'user_id', values: [1] } } }),
    /tasks "watch_time"\.hurdle\.entered_when\.column: no single-id vocabulary feature reads column "user_id"/);
  await assert.rejects(open({ hurdle: { task: 'click', entered_when: { column: 'scenario', values: ['slid'] } } }),
    /tasks "watch_time"\.hurdle\.entered_when\.values: "slid" is not in the vocabulary of feature "scenario"/);
  await assert.rejects(open({ variance: { by: 'position' } }), /tasks "watch_time"\.variance\.by: "position" is not a wide feature of the model/);
  // Labels: ≥ 0; the loss sees ln y on the rows with y > 0 only, the metrics every row of the space.
  const t = config({}).tasks[1]!;
  const cols = (v: number) => ({ label: Float32Array.of(v), space: null, weight: null });
  assert.match(labelProblem(t, cols(-1), 0) ?? '', /lognormal label "watch_s" is negative/);
  const h = hostLabels({ numRows: 3, columns: { watch_s: Float32Array.of(0, Math.E, Number.NaN) } }, [t]);
  assert.deepEqual([...h.mask.watch_time!], [0, 1, 0]);
  assert.ok(Math.abs(h.label.watch_time![1]! - 1) < 1e-6);
  assert.deepEqual([...h.metricLabel.watch_time!].slice(0, 2), [0, Math.fround(Math.E)]);
  assert.ok(Number.isNaN(h.metricLabel.watch_time![2]!));
});
