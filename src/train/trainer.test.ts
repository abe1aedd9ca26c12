// The trainer end to end on a small synthetic world: metrics.json shape with the oracle, the
// exported model scoring like the evaluator, resume equal to an uninterrupted run, the NaN guard,
// and config errors raised before any training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
import { predOutput } from './heads.js';
import { worldIdFeatures } from './fixtures/world-features.js';

const features = {
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(),
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 } },
    { name: 'followed', kind: 'id', column: 'hist_followed', vocab: [0, 1] },
    { name: 'seq_categories', kind: 'sequence', column: 'seq_category_ids', max_len: 5, embedding: 'category' },
    { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
    { name: 'user_x_category', kind: 'cross', fields: ['user_id', 'category'], hash_buckets: 8192 },
  ],
};

function config(over: Record<string, unknown> = {}): TrainConfig {
  return parseTrainConfig({
    name: 'tiny',
    seed: 3,
    data: { source: 'world', impressions: 20000, world_seed: 2, split: [0.6, 0.2, 0.2] },
    features,
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p' },
    ],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 256 },
    ...over,
  }, process.cwd(), 'test config');
}

const tmp = () => mkdtempSync(join(tmpdir(), 'lr-train-'));

test('trains on the world: metrics.json with the oracle per scenario and country; model.onnx scores like the evaluator', async () => {
  const out = tmp();
  const res = await train(config(), { out, verbose: false });
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(m.tasks).sort(), ['click', 'effective_view', 'watch_time']);
  const click = m.tasks.click;
  assert.ok(click.all.auc > 0.55, `click AUC ${click.all.auc}`); // 47 steps on 12k rows: a sanity floor
  assert.deepEqual(Object.keys(click.by_scenario).sort(), ['home', 'outside'], 'no click on slide: those rows are outside the task');
  assert.ok(Object.keys(click.by_country).length >= 6);
  assert.ok(m.oracle.tasks.click.all.auc > 0.7);
  assert.equal(typeof m.tasks.watch_time.all.xauc, 'number');
  assert.equal(res.steps, Math.ceil(12000 / 256));
  const log = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(log.some((l) => l.kind === 'val'));

  // The exported model (tables folded in, int64 ids) against the evaluator on test rows.
  const cfg = config();
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'best')!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const rows = sliceTable(s.splits.test, 0, 64);
  const fitted = loadFitted(join(out, 'features.json'));
  const fb = transform(fitted, rows);
  const want = await ev.run(s.asm.feeds(fb));
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  for (const inp of manifest.inputs as { name: string; feature?: string; shape: unknown[]; mask?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [64, fb.denseWidth]); continue; }
    const f = inp.feature!;
    if (fb.ids[f]) feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[f]!, (v) => BigInt(v)), [64]);
    else {
      const mv = fb.multi[f]!;
      feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(mv.ids, (v) => BigInt(v)), [64, mv.maxLen]);
      feeds[inp.mask!] = new ort.Tensor('float32', Float32Array.from(mv.mask), [64, mv.maxLen]);
    }
  }
  const got = await session.run(feeds);
  for (const t of cfg.tasks) {
    const a = want[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
});

test('--resume continues mid-epoch and ends exactly where an uninterrupted run ends', async () => {
  const straight = tmp(), split = tmp();
  const cfg = (steps: number) => config({ train: { epochs: 1, batch_size: 256, max_steps: steps } });
  await train(cfg(20), { out: straight, verbose: false });
  await train(cfg(9), { out: split, verbose: false });
  const r = await train(cfg(20), { out: split, verbose: false, resume: true });
  assert.equal(r.steps, 20);
  const a = JSON.parse(readFileSync(join(straight, 'metrics.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(split, 'metrics.json'), 'utf8'));
  assert.equal(b.tasks.click.all.auc, a.tasks.click.all.auc);
  assert.equal(b.tasks.watch_time.all.rmse, a.tasks.watch_time.all.rmse);
  assert.ok(existsSync(join(split, 'checkpoints', 'MANIFEST.json')));
});

test('the NaN guard names the step, the task and the last good checkpoint', async () => {
  const out = tmp();
  await assert.rejects(
    train(config({ optimizer: { type: 'sgd', lr: 1e12 }, embedding: { optimizer: 'sgd', lr: 1e12 } }), { out, verbose: false }),
    /NaN guard: step \d+ \(epoch 1, batch \d+\): loss .*(task "\w+" has loss|every task loss is finite).*Last good checkpoint/,
  );
});

test('bad configs fail before training with the key and the allowed values', () => {
  assert.throws(() => parseTrainConfig({ ...base(), tasks: [{ name: 'x', label: 'click', kind: 'ordinal' }] }),
    /tasks\[0\]\.kind: "ordinal" is not allowed; allowed: "binary", "regression"/);
  assert.throws(() => parseTrainConfig({ ...base(), optimizer: { type: 'adam', lr: 'fast' } }), /optimizer\.lr: expected number, got string/);
  assert.throws(() => parseTrainConfig({ ...base(), data: { source: 'kaggle' } }), /data\.source: "kaggle" is not allowed; allowed: "world", "census", "files"/);
  assert.throws(() => parseTrainConfig({ ...base(), tasks: [{ name: 'x', label: 'click', loss: 'mse' }] }),
    /tasks "x"\.loss: "mse" is not a binary loss; allowed: bce, weighted_bce, focal/);
  assert.throws(() => parseTrainConfig({ ...base(), train: { early_stopping: { metric: 'ctr.auc' } } }),
    /train\.early_stopping\.metric: "ctr\.auc" must be <task>\.<metric> with task one of click/);
  assert.throws(() => parseTrainConfig({ ...base(), trian: {} }), /unknown key\(s\) "trian"/);
});

test('unknown model, feature or column is reported before any step runs', async () => {
  const out = tmp();
  await assert.rejects(train(config({ model: { type: 'mmeo' } }), { out, verbose: false }),
    /model\.type: unknown model "mmeo"; allowed: dnn, shared_bottom, esmm, mmoe, cgc, ple, deepfm, dcn_v2/);
  const badFeatures = { ...features, features: [...features.features, { name: 'x', kind: 'cross', fields: ['user_id', 'catgory'], hash_buckets: 64 }] };
  await assert.rejects(train(config({ features: badFeatures }), { out, verbose: false }), /"x".*unknown feature "catgory"/);
  await assert.rejects(train(config({ tasks: [{ name: 'click', label: 'clicks' }] }), { out, verbose: false }),
    /tasks "click"\.label: column "clicks" is not in the data/);
  assert.ok(!existsSync(join(out, 'checkpoints')), 'nothing was trained');
});

function base() {
  return { data: { source: 'world' }, features, tasks: [{ name: 'click', label: 'click' }], model: { type: 'dnn' } };
}
