// Post-training calibration offsets: exact global PCOC on the fit sample, recovery of planted group
// shifts for well-populated groups, shrinkage for sparse ones, ranking unchanged within a group;
// in the trainer: fitted on training rows, saved with the final checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { fitOffsets } from './calibrate.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from './config.js';
import { evaluateRun } from './eval-run.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import * as ort from 'onnxruntime-node';
import { openSession, train } from './trainer.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { transform } from '../features/index.js';
import { sliceTable } from '../data/table.js';
import { predOutput } from './heads.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function world(n: number, seed: number) {
  const r = new Rng(seed);
  const shift = [0.4, -0.3, 0.0, 0.8];           // true per-group logit shift the model missed
  const z = new Float64Array(n), y = new Float32Array(n), mask = new Float32Array(n), g = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const grp = r.next() < 0.002 ? 3 : Math.floor(r.next() * 3); // group 3 is tiny
    const base = -3 + r.normal();
    z[i] = base - 0.5;                              // the model is 0.5 too low everywhere, and blind to groups
    y[i] = r.next() < sigmoid(base + shift[grp]!) ? 1 : 0;
    mask[i] = r.next() < 0.9 ? 1 : 0;               // rows outside the task's space are ignored
    g[i] = grp;
  }
  return { z, y, mask, g, shift };
}

test('fitOffsets: the fit sample ends with PCOC = 1 and the planted shifts are found', () => {
  const { z, y, mask, g, shift } = world(200_000, 1);
  const fit = fitOffsets(z, y, mask, [g], 1, 6);
  assert.ok(fit.pcocBefore < 0.75, `before ${fit.pcocBefore}`);
  assert.ok(Math.abs(fit.pcocAfter - 1) < 1e-3, `after ${fit.pcocAfter}`);
  const off = fit.offsets[0]!;
  // global + group offset ≈ 0.5 + shift for the big groups (sd of the estimate ≈ 1/√(positives) ≈ 0.03)
  for (const grp of [0, 1, 2]) {
    const total = fit.global + off.get(grp)!;
    assert.ok(Math.abs(total - (0.5 + shift[grp]!)) < 0.1, `group ${grp}: ${total} vs ${0.5 + shift[grp]!}`);
  }
});

test('fitOffsets: a tight prior shrinks a sparse group toward the global offset', () => {
  const { z, y, mask, g } = world(200_000, 2);
  const loose = fitOffsets(z, y, mask, [g], 10, 6).offsets[0]!.get(3)!;
  const tight = fitOffsets(z, y, mask, [g], 0.01, 6).offsets[0]!.get(3)!;
  assert.ok(Math.abs(tight) < 0.02, `tight prior offset ${tight}`);
  assert.ok(Math.abs(loose) > Math.abs(tight), `loose ${loose} vs tight ${tight}`);
});

test('fitOffsets: offsets are one shift per group (within-group order unchanged), masked rows ignored', () => {
  const z = [0, 1, 2, 0, 1, 2], y = [0, 0, 1, 0, 1, 1], mask = [1, 1, 1, 1, 1, 0];
  const fit = fitOffsets(z, y, mask, [[0, 0, 0, 1, 1, 1]], 1, 10);
  assert.ok(Number.isFinite(fit.global));
  assert.ok(Math.abs(fit.pcocAfter - 1) < 1e-6);
  const m = [0, 0, 0, 1, 1, 1].map((grp, i) => z[i]! + fit.global + fit.offsets[0]!.get(grp)!);
  assert.ok(m[0]! < m[1]! && m[1]! < m[2]! && m[3]! < m[4]! && m[4]! < m[5]!);
  const y2 = [...y]; y2[5] = 0; // a masked row's label does not matter
  const fit2 = fitOffsets(z, y2, mask, [[0, 0, 0, 1, 1, 1]], 1, 10);
  assert.equal(fit2.global, fit.global);
});

// ---- in the trainer ----------------------------------------------------------------------------

function tiny(calibration: Record<string, unknown>) {
  return parseTrainConfig({
    name: 'tiny-cal', seed: 4,
    data: { source: 'world', impressions: 20000, world_seed: 3, split: [0.6, 0.2, 0.2] },
    features: {
      version: 1, defaults: { dim: 4 },
      features: [
        { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 4096 },
        { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
        { name: 'scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'] },
        { name: 'wide_country', kind: 'id', column: 'country', vocab: { min_count: 1 }, dim: 2 },
        { name: 'wide_scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'], dim: 2 },
      ],
    },
    tasks: [{ name: 'click', label: 'click' }, { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' }],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8], wide: ['wide_country', 'wide_scenario'] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 256 },
    calibration,
  }, process.cwd(), 'test config');
}

test('trainer: calibration fits on training rows, lands in the final checkpoint and the metrics', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-cal-'));
  const cfg = tiny({ by: ['wide_country', 'wide_scenario'], rows: 5000 });
  await train(cfg, { out, verbose: false });
  const rep = JSON.parse(readFileSync(join(out, 'calibration.json'), 'utf8')) as { task: string; rows: number; pcocAfter: number }[];
  assert.deepEqual(rep.map((r) => r.task), ['click', 'effective_view']);
  for (const r of rep) {
    assert.ok(r.rows > 0 && r.rows <= 5000);
    assert.ok(Math.abs(r.pcocAfter - 1) < 1e-3, `${r.task}: PCOC after ${r.pcocAfter}`);
  }
  assert.match(findCheckpoint(out, 'final')!, /-calibrated$/);
  // Re-evaluating the saved run reproduces metrics.json: the offsets were saved with the model.
  const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const again = await evaluateRun(cfg, out, 'test', join(out, 'again.json'));
  assert.equal(again.matrix.tasks.click!.all.n, saved.tasks.click.all.n);
  assert.ok(Math.abs((again.matrix.tasks.click!.all as { pcoc: number }).pcoc - saved.tasks.click.all.pcoc) < 1e-9);

  // The exported model.onnx (tables folded in) carries the wide part and the offsets too.
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out, 'final')!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const fb = transform(s.fitted, sliceTable(s.splits.test, 0, 32));
  const want = await ev.run(s.asm.feeds(fb));
  const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { inputs: { name: string; feature?: string }[] };
  for (const inp of manifest.inputs) feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [32]);
  const got = await session.run(feeds);
  for (const t of cfg.tasks) {
    const a = want[predOutput(t.name)]!.data as Float32Array, b = got[predOutput(t.name)]!.data as Float32Array;
    for (let i = 0; i < 32; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5, `${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
});

test('trainer: calibration.by must name a wide feature (fails before training)', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-cal-'));
  await assert.rejects(train(tiny({ by: ['scenario'] }), { out, verbose: false }), /calibration\.by: "scenario" is not a wide feature of the model; model\.wide is \[wide_country, wide_scenario\]/);
});

test('fitOffsets, log link: Σ exp(z) = Σ y after the fit, planted multiplicative shifts found, overdispersion shrinks more', () => {
  // Zero-inflated log-normal "watch seconds": E[y] = q·exp(μ + σ²/2) per row, the model's ln μ is
  // 0.3 too high everywhere and blind to the group factor exp(shift).
  const r = new Rng(5), n = 200_000, shift = [0.3, -0.2, 0.0, 0.5];
  const z = new Float64Array(n), y = new Float32Array(n), mask = new Float32Array(n), g = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const grp = r.next() < 0.002 ? 3 : Math.floor(r.next() * 3);
    const q = 0.1 + 0.8 * r.next(), mu = 2 + r.normal() * 0.5, sigma = 1;
    const e = q * Math.exp(mu + shift[grp]! + sigma * sigma / 2);
    z[i] = Math.log(e) - shift[grp]! + 0.3;
    y[i] = r.next() < q ? Math.exp(mu + shift[grp]! + sigma * r.normal()) : 0;
    mask[i] = r.next() < 0.9 ? 1 : 0;
    g[i] = grp;
  }
  const fit = fitOffsets(z, y, mask, [g], 1, 6, 'log');
  assert.ok(fit.pcocBefore > 1.2, `before ${fit.pcocBefore}`);
  assert.ok(Math.abs(fit.pcocAfter - 1) < 1e-6, `after ${fit.pcocAfter}`);
  assert.ok(fit.dispersion! > 1, `dispersion ${fit.dispersion}`);
  for (const grp of [0, 1, 2]) {
    const total = fit.global + fit.offsets[0]!.get(grp)!;
    assert.ok(Math.abs(total - (shift[grp]! - 0.3)) < 0.05, `group ${grp}: ${total} vs ${shift[grp]! - 0.3}`);
  }
  // The same prior shrinks the tiny group more when the labels are noisier (larger dispersion).
  const y10 = y.map((v, i) => (i % 10 === 0 ? v * 10 : 0)); // same mean, 10× the spread
  const noisy = fitOffsets(z, y10, mask, [g], 0.1, 6, 'log');
  const calm = fitOffsets(z, y, mask, [g], 0.1, 6, 'log');
  assert.ok(noisy.dispersion! > 5 * calm.dispersion!);
  assert.ok(Math.abs(noisy.offsets[0]!.get(3)!) < Math.abs(calm.offsets[0]!.get(3)!), `noisy ${noisy.offsets[0]!.get(3)} vs calm ${calm.offsets[0]!.get(3)}`);
});
