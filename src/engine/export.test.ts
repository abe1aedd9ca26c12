// Exported forward graph (with embedding tables folded in) scores like the training-side forward;
// checkpoints round-trip exactly and reject mismatched models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import type { Graph } from './graph.js';
import * as op from './ops/index.js';
import { mlp } from './layers/index.js';
import { TrainStep, Evaluator } from './step.js';
import { exportForward } from './export.js';
import { saveStepCheckpoint, loadStepCheckpoint } from './checkpoint.js';
import { Rng } from '../util/rng.js';

const B = 16, D = 4, L = 3, ROWS_A = 10, ROWS_B = 7;

function model(hidden = 8, dropout = 0.2) {
  return (g: Graph) => {
    const emb = g.input('emb', 'float32', ['B', 2 * D]);
    const dense = g.input('dense', 'float32', ['B', 3]);
    const x = op.concat([emb, dense], 1);
    const z = mlp(x, 'mlp', [hidden, 1], { lastActivation: false, norm: 'batch', dropout });
    const p = op.sigmoid(z);
    if (!g.training) return { outputs: { p } };
    const y = g.input('y', 'float32', ['B', 1]);
    return { loss: op.reduceMean(op.sub(op.softplus(z), op.mul(y, z))), outputs: { p }, gradInputs: { emb } };
  };
}

function data(seed: number) {
  const r = new Rng(seed);
  const idsA = BigInt64Array.from({ length: B }, () => BigInt(r.int(ROWS_A)));
  const idsB = BigInt64Array.from({ length: B * L }, () => BigInt(r.int(ROWS_B)));
  const mask = Float32Array.from({ length: B * L }, (_, i) => (i % L === 0 || r.next() < 0.5 ? 1 : 0));
  const dense = Float32Array.from({ length: B * 3 }, () => r.normal());
  const y = Float32Array.from({ length: B }, () => (r.next() < 0.3 ? 1 : 0));
  return { idsA, idsB, mask, dense, y };
}

/** Gather rows in JS the way the trainer does: field a single id, field b mean-pooled. */
function gatherRows(tA: Float32Array, tB: Float32Array, d: ReturnType<typeof data>): Float32Array {
  const out = new Float32Array(B * 2 * D);
  for (let b = 0; b < B; b++) {
    const ra = Number(d.idsA[b]);
    for (let k = 0; k < D; k++) out[b * 2 * D + k] = tA[ra * D + k]!;
    let n = 0;
    for (let j = 0; j < L; j++) {
      if (!d.mask[b * L + j]) continue;
      n++;
      const rb = Number(d.idsB[b * L + j]);
      for (let k = 0; k < D; k++) out[b * 2 * D + D + k] += tB[rb * D + k]!;
    }
    for (let k = 0; k < D; k++) out[b * 2 * D + D + k] /= Math.max(n, 1);
  }
  return out;
}

test('exported forward graph (tables folded in) scores like the evaluator, ≤ 1e-5', async () => {
  const r = new Rng(3);
  const tA = Float32Array.from({ length: ROWS_A * D }, () => r.normal(0, 0.5));
  const tB = Float32Array.from({ length: ROWS_B * D }, () => r.normal(0, 0.5));
  const build = model();
  const step = await TrainStep.create(build, { optimizer: { type: 'adam', lr: 0.05 }, seed: 7 });
  for (let i = 0; i < 5; i++) {
    const d = data(100 + i);
    await step.run({ emb: { data: gatherRows(tA, tB, d), dims: [B, 2 * D] }, dense: { data: d.dense, dims: [B, 3] }, y: { data: d.y, dims: [B, 1] } });
  }
  assert.ok(step.store.get('mlp.0.bn.running_mean').some((v) => v !== 0), 'running stats were updated');

  const d = data(999);
  const ev = await Evaluator.create(build, step.store);
  const want = (await ev.run({ emb: { data: gatherRows(tA, tB, d), dims: [B, 2 * D] }, dense: { data: d.dense, dims: [B, 3] } })).p!.data as Float32Array;

  const bytes = exportForward(build, step.store, {
    folds: [{ input: 'emb', parts: [{ ids: 'ids_a', table: 'A' }, { ids: 'ids_b', table: 'B', length: L, pooling: 'mean' }] }],
    tables: { A: { values: tA, rows: ROWS_A, dim: D }, B: { values: tB, rows: ROWS_B, dim: D } },
    metadata: { model: 'test' },
  });
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual([...session.inputNames].sort(), ['dense', 'ids_a', 'ids_b', 'ids_b_mask']);
  const res = await session.run({
    ids_a: new ort.Tensor('int64', d.idsA, [B]),
    ids_b: new ort.Tensor('int64', d.idsB, [B, L]),
    ids_b_mask: new ort.Tensor('float32', d.mask, [B, L]),
    dense: new ort.Tensor('float32', d.dense, [B, 3]),
  });
  const got = res.p!.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < B; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
  assert.ok(maxDiff <= 1e-5, `max |export − evaluator| = ${maxDiff}`);
  assert.ok(new Set(Array.from(got, (v) => v.toFixed(4))).size > 1, 'scores are not constant');

  // The ONNX checker (Debian python3-onnx) accepts the file when it is installed.
  const dir = mkdtempSync(join(tmpdir(), 'lr-export-'));
  writeFileSync(join(dir, 'm.onnx'), bytes);
  const py = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1])); print("ok")', join(dir, 'm.onnx')], { encoding: 'utf8' });
  if (py.status === 0) assert.equal(py.stdout.trim(), 'ok');
  else if (!/No module named|ENOENT/.test(py.stderr + String(py.error ?? ''))) assert.fail(`onnx.checker: ${py.stderr}`);
});

test('checkpoint round trip is exact and training continues identically', async () => {
  const build = model(8, 0); // no dropout: the continuation must be bit-identical
  const mkFeeds = (i: number) => {
    const d = data(200 + i);
    const r = new Rng(i);
    return { emb: { data: Float32Array.from({ length: B * 2 * D }, () => r.normal()), dims: [B, 2 * D] }, dense: { data: d.dense, dims: [B, 3] }, y: { data: d.y, dims: [B, 1] } };
  };
  const a = await TrainStep.create(build, { optimizer: { type: 'adamw', lr: 0.01 }, seed: 1 });
  for (let i = 0; i < 3; i++) await a.run(mkFeeds(i));
  const dir = mkdtempSync(join(tmpdir(), 'lr-ckpt-'));
  const path = join(dir, 'dense.ckpt');
  saveStepCheckpoint(path, a, { epoch: 2 });
  assert.deepEqual(readdirSync(dir), ['dense.ckpt'], 'no temp file left behind');

  const b = await TrainStep.create(build, { optimizer: { type: 'adamw', lr: 0.01 }, seed: 99 });
  assert.deepEqual(loadStepCheckpoint(path, b), { epoch: 2 });
  assert.equal(b.step, 3);
  assert.deepEqual(Array.from(b.store.theta), Array.from(a.store.theta));
  assert.deepEqual(Array.from(b.slots[1]!), Array.from(a.slots[1]!));
  assert.deepEqual(Array.from(b.store.buffers), Array.from(a.store.buffers));
  const ra = await a.run(mkFeeds(5)), rb = await b.run(mkFeeds(5));
  assert.equal(ra.loss, rb.loss);
  assert.deepEqual(Array.from(b.store.theta), Array.from(a.store.theta));

  const other = await TrainStep.create(model(9, 0), { optimizer: { type: 'adamw', lr: 0.01 } });
  assert.throws(() => loadStepCheckpoint(path, other), /dense\.ckpt: checkpoint does not match the model: parameter "mlp\.0\.weight": checkpoint \[11,8\] vs model \[11,9\]/);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  assert.throws(() => loadStepCheckpoint(path, b), /truncated checkpoint/);
});
