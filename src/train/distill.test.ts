// Distillation end to end on a small world: a teacher run, a student distilled from it on request
// snapshots (data.requests) and the same student trained on the logged labels; the distilled one
// orders held-out candidates more like the teacher. Plus the request data and config checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from './config.js';
import { train } from './trainer.js';
import { worldIdFeatures } from './fixtures/world-features.js';
import { coarseReport } from './distill-report.js';
import { fusedLogits, loadRequestSplits, requestRanges } from './distill-data.js';
import { writeFileSync } from 'node:fs';
import { teacherColumn } from './distill-config.js';
import { Teacher } from './distill-teacher.js';

const data = { source: 'world', impressions: 30000, world_seed: 2, split: [0.6, 0.2, 0.2] };
const teacherFeatures = { version: 1, defaults: { dim: 4 }, features: [...worldIdFeatures(),
  { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
  { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
  { name: 'user_x_category', kind: 'cross', fields: ['user_id', 'category'], hash_buckets: 8192 }] };
const studentFeatures = { version: 1, defaults: { dim: 4 }, features: [...worldIdFeatures(),
  { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] }] };
const opt = { optimizer: { type: 'adam', lr: 0.01 }, embedding: { optimizer: 'adam', lr: 0.03 } };

function student(teacher: string | null, over: Record<string, unknown> = {}) {
  return parseTrainConfig({
    name: 's', seed: 1, features: studentFeatures, model: { type: 'dnn', hidden: [16] }, ...opt,
    data: teacher ? { ...data, requests: { count: 300, candidates: 20 } } : data,
    tasks: [{ name: 'effective_view', label: 'effective_view', ...(teacher ? { distill: { teacher, temperature: 2 } } : {}) }],
    train: teacher ? { epochs: 4, batch_size: 100, shuffle: 'none', tensorboard: false } : { epochs: 1, batch_size: 256, tensorboard: false },
    ...over,
  }, process.cwd(), 'test config');
}

test('distilled student follows the teacher\'s order better than the same student on labels; request splits carry teacher logits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-distill-'));
  try {
    const q = { verbose: false, hooks: null } as const;
    const teacherDir = join(dir, 'teacher');
    await train(parseTrainConfig({ name: 't', seed: 1, data, features: teacherFeatures, tasks: [{ name: 'effective_view', label: 'effective_view' }],
      model: { type: 'dnn', hidden: [16] }, train: { epochs: 1, batch_size: 256, tensorboard: false } }, process.cwd(), 'teacher'), { ...q, out: teacherDir });

    // the request splits: whole requests of 20 rows, labels only on the logged row, teacher logits = the teacher's served scores
    const cfg = student(teacherDir);
    const s = await loadRequestSplits(cfg, () => {});
    for (const t of [s.train, s.val, s.test]) {
      const r = requestRanges(t.columns.request_id as ArrayLike<number>, t.numRows);
      assert.ok(r.every(([a, b]) => b - a === 20), 'every request has 20 contiguous rows');
      const logged = t.columns.logged as ArrayLike<number>, y = t.columns.effective_view as ArrayLike<number>;
      for (let i = 0; i < t.numRows; i++) assert.equal(Number.isNaN(y[i]!), logged[i] !== 1);
    }
    const teacher = await Teacher.load(teacherDir);
    const zt = s.val.columns[teacherColumn('effective_view')] as Float64Array;
    const p = (await teacher.predict(s.val)).effective_view!;
    await teacher.dispose();
    for (let i = 0; i < 50; i++) assert.ok(Math.abs(1 / (1 + Math.exp(-zt[i]!)) - p[i]!) < 1e-6);

    await train(cfg, { ...q, out: join(dir, 'distill') });
    await train(student(null), { ...q, out: join(dir, 'labels') });
    const report = (c: string) => coarseReport({ coarse: join(dir, c), fine: teacherDir, requests: { from: 0.8, to: 1, count: 40, candidates: 30, seed: 5 }, ks: [5], ndcgK: 5, timed: 2 });
    const d = await report('distill'), l = await report('labels');
    assert.ok(d.consistency.tau.mean > 0.4, `distilled τ ${d.consistency.tau.mean}`);
    assert.ok(d.consistency.tau.mean > l.consistency.tau.mean + 0.1, `distilled τ ${d.consistency.tau.mean} vs labels ${l.consistency.tau.mean}`);
    assert.ok(d.consistency.overlap.top5!.mean > l.consistency.overlap.top5!.mean, `top-5 overlap ${d.consistency.overlap.top5!.mean} vs ${l.consistency.overlap.top5!.mean}`);
    assert.equal(d.consistency.requests, 40);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('distillation config errors name the field', () => {
  assert.throws(() => student('/tmp/x', { train: { epochs: 1, batch_size: 100, shuffle: 'full' } }), /distill\.weights\.listwise: .*train\.shuffle: none/);
  assert.throws(() => student('/tmp/x', { train: { epochs: 1, batch_size: 110, shuffle: 'none' } }), /train\.batch_size 110 must be a multiple of data\.requests\.candidates 20/);
  assert.throws(() => student('/tmp/x', { data }), /distill: distillation trains on request snapshots .*set data\.requests/);
  assert.throws(() => student('/tmp/x', { tasks: [{ name: 'w', label: 'watch_s', kind: 'regression', distill: { teacher: '/tmp/x' } }] }), /distill\.weights\.soft_bce: soft-label BCE needs a binary task/);
  assert.throws(() => student('/tmp/x', { tasks: [{ name: 'e', label: 'effective_view', distill: { teacher: '/tmp/x', weights: { mse: 0, soft_bce: 0, listwise: 0 } } }] }), /every weight is 0/);
  assert.throws(() => student('/tmp/x', { tasks: [{ name: 'e', label: 'effective_view', distill: { teacher: '/tmp/x', temperature: 0 } }] }), /temperature/);
  assert.throws(() => student('/tmp/x', { tasks: [{ name: 'e', label: 'effective_view', distill: { teacher: '/tmp/x', fusion: 'f.yaml' } }] }), /a fused score is not a probability .*set soft_bce to 0/);
});

test('fused teacher target: ln of the fused score with each request\'s scenario parameters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-fused-'));
  try {
    const path = join(dir, 'f.yaml');
    writeFileSync(path, 'version: 1\nfusion:\n  form: multiplicative\n  gate: { task: click }\n  terms:\n    gift: { weight: 10 }\nscenarios:\n  slide:\n    terms:\n      gift: { weight: 0 }\n');
    const rows = { numRows: 4, columns: { request_id: Int32Array.from([0, 0, 1, 1]), scenario: ['home', 'home', 'slide', 'slide'] } };
    const preds = { click: Float32Array.from([0.5, 0.25, 0.5, 0.25]), gift: Float32Array.from([0.1, 0.5, 0.1, 0.5]) };
    const z = fusedLogits(path, preds, rows, 'test');
    const want = [0.5 * 2, 0.25 * 6, 0.5, 0.25].map(Math.log);
    z.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `row ${i}: ${v} vs ${want[i]}`));
    assert.throws(() => fusedLogits(path, { click: preds.click }, rows, 'test'), /reads task\(s\) gift the teacher does not predict/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
