// The serving form through train(): model.onnx scores like scoreServed (bias parts dropped, serve_as
// features at their canonical ids) and ignores the served features' inputs; PAL runs write
// examination.json / .svg; bad serve_as entries stop train() before any step, naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { openSession, train } from './trainer.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import { predOutput } from './heads.js';
import { sliceTable } from '../data/table.js';
import { transform, type FeatureBatch } from '../features/index.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { worldIdFeatures } from './fixtures/world-features.js';
import { scoreServed } from './serve-form.js';
import { examinationCurves } from './examination.js';

const features = (extra: Record<string, unknown>[] = []) => ({
  version: 1,
  defaults: { dim: 4 },
  features: [
    ...worldIdFeatures(2048),
    { name: 'position', kind: 'id', column: 'position', vocab: { min_count: 1 }, dim: 3 },
    { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
    ...extra,
  ],
});

function config(model: Record<string, unknown>, extra: Record<string, unknown>[] = []): TrainConfig {
  return parseTrainConfig({
    name: 'tiny-serve-form',
    seed: 5,
    data: { source: 'world', impressions: 5000, world_seed: 3, split: [0.6, 0.2, 0.2] },
    features: features(extra),
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p' },
    ],
    model,
    optimizer: { type: 'adam', lr: 0.02 },
    embedding: { optimizer: 'adam', lr: 0.02 },
    train: { epochs: 1, batch_size: 128, max_steps: 8 },
  }, process.cwd(), 'test config');
}

function onnxFeeds(out: string, fb: FeatureBatch, n: number, override: Record<string, number> = {}): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  for (const inp of manifest.inputs as { name: string; feature?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
    const f = inp.feature!;
    const ids = override[f] !== undefined ? new Int32Array(n).fill(override[f]!) : fb.ids[f]!;
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [n]);
  }
  return feeds;
}

const dwg = { type: 'dwg', bias_features: ['position'], context_features: ['scenario'], bottom: [8], tower: [4], serve_as: { position: 0 } };
const pal = { type: 'pal', base: { type: 'shared_bottom', bottom: [8], tower: [4] }, bias_features: ['position'], context_features: ['scenario'] };
const plain = { type: 'shared_bottom', bottom: [8], tower: [4], serve_as: { position: 0 } };

for (const [name, model] of [['dwg', dwg], ['pal', pal], ['shared_bottom with position as a feature', plain]] as const) {
  test(`${name}: model.onnx is the serving form and scores like scoreServed; served position inputs are ignored`, async () => {
    const out = mkdtempSync(join(tmpdir(), 'lr-serve-'));
    const cfg = config(model);
    await train(cfg, { out, verbose: false });
    const s = await openSession(cfg, out, () => {}, true);
    const store = new ParameterStore(cfg.seed);
    ensureLayout(s.build, store, s.asm.substitute);
    restoreParams(findCheckpoint(out)!, store, s.asm);
    const n = 64;
    const part = sliceTable(s.splits.test, 0, n);
    const served = await scoreServed(s, store, part);
    const fb = transform(s.fitted, part);
    const logged = await (await Evaluator.create(s.build, store, { substitute: s.asm.substitute })).run(s.asm.feeds(fb));
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const got = await session.run(onnxFeeds(out, fb, n));
    const moved = await session.run(onnxFeeds(out, fb, n, { position: 5 }));
    for (const t of cfg.tasks) {
      const a = served.preds[t.name]!, b = got[predOutput(t.name)]!.data as Float32Array, c = moved[predOutput(t.name)]!.data as Float32Array;
      for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(a[i]!)), `${t.name}[${i}]: scoreServed ${a[i]} vs model.onnx ${b[i]}`);
      assert.deepEqual(c, b, `${t.name}: model.onnx ignores the position input`);
    }
    const l = logged[predOutput('click')]!.data as Float32Array;
    assert.ok(served.preds.click!.some((v, i) => Math.abs(v - l[i]!) > 1e-6), 'the served click score differs from the logged-feature score');
    if (name === 'pal') {
      const curves = JSON.parse(readFileSync(join(out, 'examination.json'), 'utf8')) as Record<string, (number | null)[]>;
      assert.deepEqual(Object.keys(curves).sort(), ['home', 'outside', 'slide']);
      for (const c of Object.values(curves)) assert.equal(c[0], 1);
      assert.ok(curves.home!.length > 5 && curves.home!.slice(1).every((e) => e === null || (e > 0 && e !== 1)));
      assert.ok(readFileSync(join(out, 'examination.svg'), 'utf8').startsWith('<svg'));
      assert.ok(served.seen && served.seen.every((p) => p > 0 && p < 1));
    } else assert.ok(!existsSync(join(out, 'examination.json')));
    if (name !== 'pal') assert.deepEqual(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).serve_as.values, { position: 0 });
  });
}

test('examinationCurves: means per scenario and position over position 0; non-integer positions refused', () => {
  const { curves, skipped } = examinationCurves([0.8, 0.4, 0.6, 0.5, 0.9], [0, 1, 1, 3, 2], ['a', 'a', 'a', 'a', 'b']);
  assert.deepEqual(curves, { a: [1, 0.625, null, 0.625] });
  assert.deepEqual(skipped, ['b']);
  assert.throws(() => examinationCurves([0.5], [1.5], null), /position 1\.5 at row 0 is not an integer/);
});

test('bad serve_as entries stop train() before any step, naming the key', async () => {
  const cases: [Record<string, unknown>, Record<string, unknown>[], RegExp][] = [
    [{ ...plain, serve_as: { position: 25 } }, [], /model\.serve_as\.position: 25 is outside the feature's vocabulary \(20 values fitted on the training split/],
    [{ ...plain, serve_as: { slot: 0 } }, [], /model\.serve_as\.slot: "slot" is not a feature; embedded features are user_id, .*position/],
    [{ ...plain, serve_as: { viewers_log: 0 } }, [], /model\.serve_as\.viewers_log: "viewers_log" is a dense feature/],
    [{ ...plain, serve_as: { position: 0 } }, [{ name: 'scenario_x_position', kind: 'cross', fields: ['scenario', 'position'], hash_buckets: 64 }],
      /model\.serve_as\.position: feature\(s\) scenario_x_position also read column "position"/],
    [{ ...plain, serve_as: { position: 'top' } }, [], /model\.serve_as\.position: "top" is not a number; column "position" is numeric/],
  ];
  for (const [model, extra, want] of cases) {
    const out = mkdtempSync(join(tmpdir(), 'lr-serve-bad-'));
    await assert.rejects(train(config(model, extra), { out, verbose: false }), want);
    assert.equal(findCheckpoint(out), null, 'no checkpoint written');
  }
});
