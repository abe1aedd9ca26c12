// The debias section end to end on a small world: IPS with a fitted propensity on click and D2Q on
// watch time train together; the trainer's evaluation serves Φ_k⁻¹(q̂) in seconds (metrics.json),
// `liverank eval` gives the same matrix, and model.onnx's quantile output mapped through d2q.json
// (the maps written beside it) reproduces the trainer's predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sliceTable } from '../data/table.js';
import { transform, loadFitted } from '../features/index.js';
import { parseTrainConfig } from './config.js';
import { D2QMaps, type D2QJSON } from './d2q.js';
import { evaluateRun } from './eval-run.js';
import { predOutput } from './heads.js';
import { openSession, train } from './trainer.js';
import { worldIdFeatures } from './fixtures/world-features.js';
import { Balance } from './balance.js';
import type { Table } from '../data/table.js';

const cfg = parseTrainConfig({
  name: 'debias',
  seed: 2,
  data: { source: 'world', impressions: 20000, world_seed: 4, split: [0.6, 0.2, 0.2] },
  features: {
    version: 1,
    defaults: { dim: 4 },
    features: [
      ...worldIdFeatures(),
      { name: 'live_time_log', kind: 'dense', column: 'room_live_s', ops: ['log1p', 'standardize'] },
      { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
    ],
  },
  tasks: [
    { name: 'click', label: 'click', true_prob: 'p_click' },
    { name: 'watch_time', label: 'watch_s', kind: 'regression', true_prob: 'e_watch_s' },
  ],
  model: { type: 'shared_bottom', bottom: [16], tower: [8] },
  optimizer: { type: 'adam', lr: 0.005 },
  embedding: { optimizer: 'adam', lr: 0.01 },
  train: { epochs: 1, batch_size: 256 },
  debias: {
    ips: { task: 'click', fit: { column: 'position', min_rows: 100 }, clip: 0.1 },
    d2q: { task: 'watch_time', column: 'room_live_s', groups: 10 },
  },
}, process.cwd(), 'test config');

test('IPS (fitted) + D2Q train together; metrics, liverank eval and model.onnx + d2q.json serve Φ_k⁻¹(q̂) seconds', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-debias-'));
  const lines: string[] = [];
  const r = await train(cfg, { out, verbose: false, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /^debias: ips click \(examination\): propensity from fitted rate ratios over position \(reference 0\)/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^debias: d2q watch_time: 10 equal-frequency groups of room_live_s/.test(l)));
  const cell = r.test.matrix.tasks.watch_time!.all as unknown as Record<string, number>;
  assert.ok(cell.xauc! > 0.5 && cell.xauc! < 1, `XAUC ${cell.xauc}`);
  // Served values are seconds from the groups' watch-time distributions, not quantiles in [0, 1].
  const maps = JSON.parse(readFileSync(join(out, 'd2q.json'), 'utf8')) as Record<string, D2QJSON>;
  const j = maps.watch_time!;
  assert.equal(j.column, 'room_live_s');
  assert.equal(j.groups.length, j.boundaries.length + 1);
  const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { outputs: { task: string; d2q?: string }[] };
  assert.equal(model.outputs.find((o) => o.task === 'watch_time')!.d2q, 'd2q.json');
  assert.equal(model.outputs.find((o) => o.task === 'click')!.d2q, undefined);

  // `liverank eval` on the run: the same test matrix as metrics.json.
  const ev = await evaluateRun(cfg, out, 'test', join(out, 'eval_check.json'), { verbose: false });
  assert.deepEqual(ev.matrix.tasks.watch_time, r.test.matrix.tasks.watch_time);

  // model.onnx outputs q̂; Φ_k⁻¹ from d2q.json gives back the trainer's predictions.
  const s = await openSession(cfg, null, () => {}, false);
  const fitted = loadFitted(join(out, 'features.json'));
  const n = 300;
  const part = sliceTable(s.splits.test, 0, n);
  const fb = transform(fitted, part);
  const sess = await ort.InferenceSession.create(join(out, 'model.onnx'));
  const feeds: Record<string, ort.Tensor> = {};
  const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  for (const inp of manifest.inputs as { name: string; feature?: string }[]) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [n, fb.denseWidth]); continue; }
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [n]);
  }
  const o = await sess.run(feeds);
  const q = o[predOutput('watch_time')]!.data as Float32Array;
  assert.ok(q.every((v) => v > -0.5 && v < 1.5), 'the exported output is a quantile');
  const back = new D2QMaps('watch_time', j.column, j.boundaries, j.groups.map(() => new Float64Array(1)), j.grid);
  const dur = part.columns.room_live_s as ArrayLike<number>;
  const served = Array.from(q, (v, i) => {
    const k = back.group(dur[i]!);
    const g = j.groups[k]!.quantiles, h = Math.min(1, Math.max(0, v)) * j.grid, jj = Math.min(j.grid - 1, Math.floor(h));
    return g[jj]! + (h - jj) * (g[jj + 1]! - g[jj]!);
  });
  const trainerPreds = s.debias!.served('watch_time', q, part);
  served.forEach((v, i) => assert.ok(Math.abs(v - trainerPreds[i]!) <= 1e-4 * Math.max(1, v), `row ${i}: ${v} vs ${trainerPreds[i]}`));
});

test('exposure-count weights w = n_exp^−α are balance.exposure with cap 1 (docs/training.md "Debiasing")', () => {
  const users = [1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3];
  const table: Table = { numRows: users.length, columns: { user_id: Float64Array.from(users), click: new Float64Array(users.length) } };
  const n = (u: number) => users.filter((x) => x === u).length;
  for (const alpha of [0.3, 0.5, 1]) {
    const b = new Balance({ exposure: { column: 'user_id', cap: 1, power: alpha } }, table, cfg.tasks.slice(0, 1), 1);
    users.forEach((u, i) => assert.ok(Math.abs(b.rowWeight![i]! - n(u) ** -alpha) < 1e-6, `α ${alpha}, row ${i}: ${b.rowWeight![i]} vs ${n(u) ** -alpha}`));
  }
});
