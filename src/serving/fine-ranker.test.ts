// Train/serve parity: a tiny run trained here, served by FineRanker from its exported artefacts
// (JSON rows → Table → the training transform → model.onnx on a worker thread), scores the logged
// test rows like the trainer's metrics path (Evaluator on the training graph) within 1e-5.
// (The test trains, so it imports src/train; src/serving itself never does.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, train } from '../train/trainer.js';
import { findCheckpoint, restoreParams } from '../train/run-dir.js';
import { predOutput } from '../train/heads.js';
import { sliceTable } from '../data/table.js';
import { transform } from '../features/index.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import { tableRows, tinyServeConfig } from './fine-ranker.fixtures.js';
import { FineRanker, RankInputError, rowsToTable, type Row } from './fine-ranker.js';

test('FineRanker: served scores of logged test rows equal the trainer\'s metrics-path scores (|Δ| ≤ 1e-5)', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-fine-'));
  const cfg = tinyServeConfig();
  await train(cfg, { out, verbose: false });
  const s = await openSession(cfg, out, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(out)!, store, s.asm);
  const n = 200;
  const part = sliceTable(s.splits.test, 0, n);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const logged = await ev.run(s.asm.feeds(transform(s.fitted, part)));
  const ranker = await FineRanker.load(out, { size: 2 });
  try {
    assert.deepEqual(ranker.tasks, ['click', 'watch_time']);
    const rows = tableRows(part);
    const [a, b] = await Promise.all([ranker.score(rows), ranker.score(rows.slice(0, 50))]); // two runs in flight on the pool
    for (const t of cfg.tasks) {
      const want = logged[predOutput(t.name)]!.data as Float32Array, got = a.preds[t.name]!;
      assert.equal(got.length, n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      assert.ok(worst <= 1e-5, `${t.name}: max |served − trainer| = ${worst}`);
      for (let i = 0; i < 50; i++) assert.equal(b.preds[t.name]![i], got[i], `${t.name}[${i}]: same row, same score in a smaller request`);
    }
    assert.ok(new Set(a.preds.click).size > 10, 'scores vary across candidates');
    // The feature arrays are reused across requests: other rows in a smaller request score as before.
    const back = await ranker.score(rows.slice(100, 150).reverse());
    for (const t of cfg.tasks) assert.deepEqual([...back.preds[t.name]!], [...a.preds[t.name]!.slice(100, 150)].reverse(), `${t.name}: no stale feature values`);
    // An unknown scenario is the OOV id (1) of the scenario vocabulary: scored, not refused.
    const oov = await ranker.score(rows.slice(0, 3).map((r) => ({ ...r, scenario: 'no-such-scenario' })));
    assert.ok([...oov.preds.click!].every((p) => p > 0 && p < 1));
    assert.deepEqual([...ranker.featurize([{ ...rows[0]!, scenario: 'no-such-scenario' }]).ids.scenario!], [1]);
    await assert.rejects(ranker.score([]), RankInputError);
    // Request-level columns given once (base) score like rows that carry them.
    const user = ['user_id', 'country', 'scenario'];
    const split = rows.slice(0, 20).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !user.includes(k))));
    const viaBase = await ranker.score(split, Object.fromEntries(user.map((k) => [k, rows[0]![k]!])));
    const merged = await ranker.score(rows.slice(0, 20).map((r) => ({ ...r, ...Object.fromEntries(user.map((k) => [k, rows[0]![k]!])) })));
    assert.deepEqual(viaBase.preds.click, merged.preds.click);
    // One user's candidates (their sequence given once): the request model (model.request.onnx, the
    // sequence gathered and pooled once) scores them, like the trainer does; logged rows of many users: model.onnx.
    const seqBase: Row = { seq_streamer_ids: rows.find((r) => typeof r.seq_streamer_ids === 'string' && r.seq_streamer_ids.includes('|'))!.seq_streamer_ids! };
    const req = await ranker.score(rows, seqBase);
    assert.equal(a.graph, 'rows');
    assert.equal(req.graph, 'request');
    const reqWant = await ev.run(s.asm.feeds(transform(s.fitted, rowsToTable(rows, ranker.columns, seqBase))));
    for (const t of cfg.tasks) {
      const want = reqWant[predOutput(t.name)]!.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(req.preds[t.name]![i]! - want[i]!));
      assert.ok(worst <= 1e-5, `${t.name}: request model vs trainer max |Δ| = ${worst}`);
    }
    // Row shards scored in parallel on the idle workers: the same scores as one run (either graph).
    const sharded = await FineRanker.load(out, { size: 3, shardRows: 16 });
    try {
      const c = await sharded.score(rows);
      assert.equal(c.shards, 3, 'an idle pool of 3 splits 200 rows into 3 shards');
      for (const t of cfg.tasks) assert.deepEqual(c.preds[t.name], a.preds[t.name], `${t.name}: sharded = one run`);
      const d = await sharded.score(rows, seqBase);
      assert.equal(d.shards, 3);
      assert.equal(d.graph, 'request');
      for (const t of cfg.tasks) assert.deepEqual(d.preds[t.name], req.preds[t.name], `${t.name}: request model, sharded = one run`);
    } finally {
      await sharded.dispose();
    }
    // model.json names a request model: a missing or altered one is refused at load, naming it.
    const copy = mkdtempSync(join(tmpdir(), 'lr-fine-req-'));
    cpSync(out, copy, { recursive: true });
    writeFileSync(join(copy, 'model.request.onnx'), Uint8Array.of(1, 2, 3));
    await assert.rejects(FineRanker.load(copy), /model\.request\.onnx/);
    rmSync(join(copy, 'model.request.onnx'));
    await assert.rejects(FineRanker.load(copy), /model\.request\.onnx: request model missing/);
  } finally {
    await ranker.dispose();
  }
});

test('rowsToTable: numeric and string columns, missing values, refusals naming the column', () => {
  const t = rowsToTable([{ a: 1, b: 'x' }, { a: null, b: 2 }, { b: null }], ['a', 'b']);
  assert.deepEqual([...(t.columns.a as Float64Array)], [1, NaN, NaN]);
  assert.deepEqual(t.columns.b, ['x', '2', null]);
  assert.throws(() => rowsToTable([{ a: 1 }], ['a', 'c']), /no candidate row carries column\(s\) c/);
  assert.throws(() => rowsToTable([{ a: [1] as unknown as number }], ['a']), /row 0: column a holds a list/);
  assert.throws(() => rowsToTable([{ a: 1 }, { a: 'x' }, { a: {} as unknown as number }], ['a']), /row 2: column a holds a object/);
  // booleans → 0/1 (numeric) or '1'/'0' (text); numbers before the first string become text too
  const m = rowsToTable([{ a: true, b: 3 }, { a: false, b: true }, { a: null, b: 'y' }], ['a', 'b']);
  assert.deepEqual([...(m.columns.a as Float64Array)], [1, 0, NaN]);
  assert.deepEqual(m.columns.b, ['3', '1', 'y']);
});

test('rowsToTable with base: the same table as merging the base into every row ({...row, ...base})', () => {
  const rows: Row[] = [{ a: 1, b: 'x', c: 5 }, { a: null, b: 2 }, { b: null, c: 7 }];
  const base: Row = { c: 9, d: 'k', e: null, f: true };
  const want = rowsToTable(rows.map((r) => ({ ...r, ...base })), ['a', 'b', 'c', 'd', 'e', 'f']);
  const got = rowsToTable(rows, ['a', 'b', 'c', 'd', 'e', 'f'], base);
  assert.deepEqual(got, want);
  assert.deepEqual([...(got.columns.c as Float64Array)], [9, 9, 9]);
  assert.deepEqual(got.columns.d, ['k', 'k', 'k']);
  assert.throws(() => rowsToTable(rows, ['a', 'g'], base), /no candidate row carries column\(s\) g/);
  // baseWins false: the base only fills what a row lacks ({...base, ...row})
  const fills = rowsToTable(rows, ['a', 'b', 'c', 'd', 'e', 'f'], { ...base, a: 'z' }, false);
  assert.deepEqual(fills, rowsToTable(rows.map((r) => ({ ...base, a: 'z', ...r })), ['a', 'b', 'c', 'd', 'e', 'f']));
  assert.deepEqual([...(fills.columns.c as Float64Array)], [5, 9, 7]);
  assert.deepEqual(fills.columns.a, ['1', null, 'z']);
});

test('FineRanker.load: a missing or damaged model file is refused naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-fine-bad-'));
  await assert.rejects(FineRanker.load(join(dir, 'nope')), /nope: run directory does not exist/);
  await assert.rejects(FineRanker.load(dir), /model\.json: missing; export the run first/);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ model: 'model.onnx', features: 'features.json', inputs: [{ name: 'dense', dtype: 'float32', shape: ['B', 1] }], outputs: [{ name: 'pred_click', task: 'click' }] }));
  await assert.rejects(FineRanker.load(dir), /model\.onnx: model file missing/);
  writeFileSync(join(dir, 'model.json'), '{"model": 3}');
  await assert.rejects(FineRanker.load(dir), /model\.json: not a liverank model manifest: model: /);
});
