// The two_tower model through the ordinary trainer on a small world: the loss goes down, the
// exported artefacts follow the contract (docs/models/two-tower.md) and load through serving's run
// loader, the exported user tower + items.f32 give the training graph's scores (|Δ| ≤ 1e-5), recall
// of the effectively viewed streamer is far above random; the hard-negative batch extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import * as ort from 'onnxruntime-node';
import { makeTable, takeRows } from '../data/table.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import * as op from '../engine/ops/index.js';
import { transform } from '../features/index.js';
import { feedsFor, loadRunArtefacts } from '../serving/fine-ranker-model.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { openSession, train } from './trainer.js';
import { findCheckpoint, restoreParams } from './run-dir.js';
import { loadItems } from './retrieval-recall.js';
import { negativeSampler } from './retrieval-prepare.js';
import { countItems } from './retrieval-logq.js';

function config(over: Record<string, unknown> = {}): TrainConfig {
  const raw = YAML.parse(readFileSync('examples/two-tower.yaml', 'utf8'));
  raw.data = { source: 'world', impressions: 30000, world_seed: 2, split: [0.7, 0.1, 0.2] };
  raw.train = { epochs: 2, batch_size: 256, tensorboard: false, log_every: 10 };
  delete raw.schedule;
  Object.assign(raw.model, over);
  return parseTrainConfig(raw, join(process.cwd(), 'examples'), 'two-tower test config');
}
const tmp = () => mkdtempSync(join(tmpdir(), 'lr-two-tower-'));

test('two_tower trains, exports the recall artefacts, and serving-side scores equal the training graph', async () => {
  const out = tmp();
  const cfg = config();
  await train(cfg, { out, verbose: false, hooks: null });
  const log = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.kind === 'train');
  const mean = (xs: { loss: number }[]) => xs.reduce((s, l) => s + l.loss, 0) / xs.length;
  const first = mean(log.slice(0, 3)), last = mean(log.slice(-3));
  assert.ok(last < first - 0.2, `loss went from ${first.toFixed(3)} to ${last.toFixed(3)}`);

  // artefacts (contract)
  const items = loadItems(out);
  const meta = JSON.parse(readFileSync(join(out, 'items.json'), 'utf8'));
  assert.equal(meta.format, 'liverank.two_tower.items');
  assert.equal(meta.id_column, 'streamer_id');
  assert.equal(statSync(join(out, 'items.f32')).size, meta.count * 32 * 4);
  assert.equal(new Set(meta.ids).size, meta.count, 'one row per streamer');
  assert.equal(meta.log_q.length, meta.count);
  for (let k = 0; k < meta.count; k += 97) {
    const n = Math.hypot(...items.vectors.subarray(k * 32, (k + 1) * 32));
    assert.ok(Math.abs(n - 1) < 1e-5, `item ${k}: norm ${n}`);
  }
  const loaded = loadRunArtefacts(join(out, 'user_tower')); // serving's loader (checksum, manifest, features)
  assert.deepEqual(loaded.manifest.outputs.map((o) => o.name), ['user_emb']);
  assert.ok(!loaded.fitted.specs.some((s) => ['streamer_id', 'category', 'room_country', 'followers_log2'].includes(s.name)), 'user tower features only');

  // training graph: s_ij = ⟨u_i, v_j⟩/τ over test rows, from the restored last checkpoint
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out)!, store, s.asm);
  const ev = await Evaluator.create((g) => {
    const f = s.forward(g);
    return { outputs: { scores: op.div(op.matmul(f.out.extras!.user_emb!, op.transpose(f.out.extras!.item_emb!, [1, 0])), 0.05) } };
  }, store, { substitute: s.asm.substitute });
  const R = 64;
  const rows = takeRows(s.splits.test, Int32Array.from({ length: R }, (_, i) => i * 17));
  const want = (await ev.run(s.asm.feeds(transform(s.fitted, rows)))).scores!.data as Float32Array;
  // exported: user_tower/model.onnx (fed the way serving feeds a run) + items.f32 rows of each row's streamer
  const sess = await ort.InferenceSession.create(loaded.bytes);
  const feeds = feedsFor(loaded.manifest, transform(loaded.fitted, rows));
  const u = (await sess.run(Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as never, f.dims)])))).user_emb!.data as Float32Array;
  const streamers = rows.columns.streamer_id as ArrayLike<number>;
  let maxDiff = 0;
  for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) {
    const k = items.index.get(String(streamers[j]))!;
    let dot = 0;
    for (let c = 0; c < 32; c++) dot += u[i * 32 + c]! * items.vectors[k * 32 + c]!;
    maxDiff = Math.max(maxDiff, Math.abs(dot / items.temperature - want[i * R + j]!));
  }
  assert.ok(maxDiff <= 1e-5, `exported vs training-graph scores: max |Δ| ${maxDiff}`);

  // recall@50 of the effectively viewed streamer among every streamer of the world, vs random
  const ev1 = s.splits.test.columns.effective_view as ArrayLike<number>;
  const pos = Int32Array.from([...Array(s.splits.test.numRows).keys()].filter((i) => ev1[i] === 1).slice(0, 300));
  const prow = takeRows(s.splits.test, pos);
  const pf = feedsFor(loaded.manifest, transform(loaded.fitted, prow));
  const pu = (await sess.run(Object.fromEntries(Object.entries(pf).map(([k, f]) => [k, new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as never, f.dims)])))).user_emb!.data as Float32Array;
  const ps = prow.columns.streamer_id as ArrayLike<number>;
  let hits = 0;
  for (let i = 0; i < pos.length; i++) {
    const score = (k: number) => { let d = 0; for (let c = 0; c < 32; c++) d += pu[i * 32 + c]! * items.vectors[k * 32 + c]!; return d; };
    const mine = score(items.index.get(String(ps[i]))!);
    let rank = 0;
    for (let k = 0; k < meta.count; k++) if (score(k) > mine) rank++;
    if (rank < 50) hits++;
  }
  const recall = hits / pos.length, random = 50 / meta.count;
  assert.ok(recall > 5 * random, `recall@50 ${recall.toFixed(3)} vs random ${random.toFixed(3)}`);
  await sess.release();
});

test('hard negatives: K rows appended per batch, label missing on them, deterministic per step, uniform over items', async () => {
  const train = makeTable({ streamer_id: Int32Array.from([1, 1, 1, 1, 2, 3]), effective_view: Uint8Array.from([1, 0, 1, 0, 1, 1]), user_id: ['a', 'b', 'c', 'd', 'e', 'f'] });
  const ids = Int32Array.from([10, 10, 10, 10, 20, 30]);
  const counts = { counts: Float64Array.from({ length: 40 }, (_, j) => ids.filter((x) => x === j).length), rowIds: ids, rows: 6, distinct: 3 };
  const extend = negativeSampler(train, counts, 3000, 'uniform', 'effective_view', 7);
  const batch = takeRows(train, [0, 4]);
  const a = extend(batch, 5), b = extend(batch, 5), c = extend(batch, 6);
  assert.equal(a.numRows, 3002);
  const y = a.columns.effective_view as Float32Array;
  assert.deepEqual([y[0], y[1]], [1, 1]);
  assert.ok(y.subarray(2).every((v) => Number.isNaN(v)), 'appended rows carry no label');
  assert.deepEqual(a.columns.user_id, b.columns.user_id, 'same step, same rows');
  assert.notDeepEqual(a.columns.user_id, c.columns.user_id);
  const st = Array.from((a.columns.streamer_id as Int32Array).subarray(2));
  for (const v of [1, 2, 3]) {
    const share = st.filter((x) => x === v).length / 3000;
    assert.ok(Math.abs(share - 1 / 3) < 0.04, `streamer ${v}: share ${share.toFixed(3)} (uniform over items: 1/3, not 4/6 for the popular one)`);
  }
  const pop = negativeSampler(train, counts, 3000, 'popularity', 'effective_view', 7)(batch, 1);
  const share1 = Array.from((pop.columns.streamer_id as Int32Array).subarray(2)).filter((x) => x === 1).length / 3000;
  assert.ok(Math.abs(share1 - 4 / 6) < 0.04, `popularity sampling: streamer 1 share ${share1.toFixed(3)}, expected 0.667`);
  void countItems;
});

test('two_tower with hard negatives trains (loss finite, decreasing)', async () => {
  const out = tmp();
  await train(config({ hard_negatives: { count: 128, sampling: 'uniform' } }), { out, verbose: false, hooks: null });
  const log = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.kind === 'train');
  assert.ok(log.every((l) => Number.isFinite(l.loss)));
  assert.ok(log[log.length - 1].loss < log[0].loss, `loss ${log[0].loss} → ${log[log.length - 1].loss}`);
});
