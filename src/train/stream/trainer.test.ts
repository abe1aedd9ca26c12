// The streaming trainer in process (MemoryEventStream): malformed records go to the dead-letter
// stream with their reason while training continues; progressive metrics (window AUC / PCOC per task
// and slice) against hand-computed values; a restart with other options is refused.
import { test } from 'node:test';
import { STREAMS } from '../../data/stream/names.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStream } from '../../data/stream/memory.js';
import { makeTable } from '../../data/table.js';
import { auc } from '../../metrics/auc.js';
import { streamConfig, streamConfigJson, worldSamples } from './fixture.js';
import { ProgressiveEval } from './progressive.js';
import { trainStream } from './trainer.js';
import { readLedger } from './checkpoint.js';
import { packMapperState, unpackMapperState } from '../../embedding/admission.js';

test('malformed records are counted and dead-lettered with their reason; training goes on', async () => {
  const cfg = streamConfig();
  const good = worldSamples(3000, 3);
  const row = JSON.parse(good[10]!) as Record<string, unknown>;
  const bad = ['{not json', '[1,2]', JSON.stringify({ ...row, sample_id: undefined }), JSON.stringify({ ...row, sample_id: 'b4', user_id: 'abc' }),
    JSON.stringify({ ...row, sample_id: 'b5', scenario: 'home', click: 3 })];
  const es = new MemoryEventStream();
  await es.append(STREAMS.samples, good.slice(0, 1500));
  await es.append(STREAMS.samples, bad);
  await es.append(STREAMS.samples, good.slice(1500));
  const out = mkdtempSync(join(tmpdir(), 'lr-stream-bad-'));
  const r = await trainStream(cfg, { out, stream: es, untilIdleMs: 200, bootstrap: 500, log: () => {} });
  assert.equal(r.state.records, 3005);
  assert.equal(r.state.rejected, 5);
  assert.deepEqual(r.state.rejectedBy, { bad_json: 1, not_object: 1, sample_id: 1, type: 1, label: 1 });
  assert.equal(r.state.samples, 3000);
  await es.ensureGroup(`${STREAMS.samples}:dead`, 'check', '0');
  const dead = await es.read(`${STREAMS.samples}:dead`, 'check', 'c', { count: 100 });
  assert.equal(dead.length, 5);
  const reasons = dead.map((d) => (JSON.parse(d.body) as { reason: string }).reason);
  assert.match(reasons[0]!, /bad JSON/);
  assert.match(reasons[1]!, /expected a JSON object, got an array/);
  assert.match(reasons[2]!, /sample_id/);
  assert.match(reasons[3]!, /user_id: expected a number/);
  assert.match(reasons[4]!, /binary labels must be 0 or 1/);
  assert.equal(r.report.tasks.click!.all.total + 0 > 0, true);
  assert.ok(r.report.tasks.effective_view!.all.auc! > 0.55, `effective_view progressive AUC ${r.report.tasks.effective_view!.all.auc}`);
  assert.deepEqual(Object.keys(r.report.tasks.click!.by).sort(), ['country', 'day', 'scenario']);
  assert.ok(r.report.tasks.click!.all.oracle_auc! > 0.6, 'the truth column p_click gives the oracle AUC');

  // a restart must use the options the run was started with
  await assert.rejects(trainStream(cfg, { out, stream: es, untilIdleMs: 100, bootstrap: 500, window: 500, log: () => {} }), /window = 10000.*window = 500/);
});

test('progressive metrics: window AUC and PCOC per task and slice = hand-computed; the window slides; state round trip', () => {
  const tasks = streamConfig().tasks;
  const pe = new ProgressiveEval(tasks, ['scenario'], 10);
  const n = 25;
  const p = Float32Array.from({ length: n }, (_, i) => ((i * 37) % 23) / 25 + 0.01);
  const y = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const scen = Array.from({ length: n }, (_, i) => (i % 2 ? 'home' : 'slide'));
  const ev = Float32Array.from({ length: n }, (_, i) => (i < 5 ? NaN : 1 - (i % 2)));
  pe.add(makeTable({ scenario: scen }), { click: p, effective_view: p }, { click: y, effective_view: ev });
  const rep = pe.report();
  const last = (a: Float32Array, k: number) => a.subarray(a.length - k);
  const c = rep.tasks.click!.all;
  assert.equal(c.n, 10);
  assert.equal(c.total, 25);
  assert.ok(Math.abs(c.auc! - auc(last(p, 10), last(y, 10))) < 1e-12);
  const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(c.pcoc! - sum(last(p, 10)) / sum(last(y, 10))) < 1e-6);
  assert.ok(Math.abs(c.pcoc_total! - sum(p) / sum(y)) < 1e-5);
  const home = rep.tasks.click!.by.scenario!.home!;
  const hi = [...Array(n).keys()].filter((i) => i % 2).slice(-10);
  assert.ok(Math.abs(home.auc! - auc(Float32Array.from(hi, (i) => p[i]!), Float32Array.from(hi, (i) => y[i]!))) < 1e-12);
  assert.equal(rep.tasks.effective_view!.all.total, 20, 'NaN labels (outside the task) are not counted');
  const back = new ProgressiveEval(tasks, ['scenario'], 10);
  back.restore(unpackMapperState(packMapperState(pe.state()), 't'), 't');
  assert.deepEqual(back.report(), rep);
});

test('--train-until: trains on the first records, then only predicts (frozen model, metrics on every sample)', async () => {
  const es = new MemoryEventStream();
  await es.append(STREAMS.samples, worldSamples(2000, 8));
  const out = mkdtempSync(join(tmpdir(), 'lr-stream-frozen-'));
  const r = await trainStream(streamConfig(), { out, stream: es, untilIdleMs: 100, bootstrap: 500, batch: 250, trainUntil: 1000, ledger: true, log: () => {} });
  assert.equal(r.state.steps, 4, 'batches of 250 up to record 1000');
  assert.equal(r.state.samples, 2000);
  assert.equal(r.report.tasks.effective_view!.all.total, 2000, 'every sample scored');
  assert.equal(readLedger(out).size, 1000, 'only the trained ids are in the ledger');
});

test('a model with a sequence block (DIN over seq_streamers) trains on the stream: the behaviours\' rows get their gradients', async () => {
  const feats = (JSON.parse(streamConfigJson()) as { features: { features: Record<string, unknown>[] } }).features;
  const cfg = streamConfig({
    features: { version: 1, defaults: { dim: 4 }, features: [...(feats.features ?? []),
      { name: 'seq_streamers', kind: 'sequence', column: 'seq_streamer_ids', max_len: 20, embedding: 'streamer_id' }] },
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8], sequence: [{ feature: 'seq_streamers', query: 'streamer_id', block: 'din' }] },
  });
  const es = new MemoryEventStream();
  await es.append(STREAMS.samples, worldSamples(2000, 4));
  const out = mkdtempSync(join(tmpdir(), 'lr-stream-din-'));
  const r = await trainStream(cfg, { out, stream: es, untilIdleMs: 200, bootstrap: 500, log: () => {} });
  assert.equal(r.state.samples, 2000);
  assert.equal(r.state.rejected, 0);
  assert.ok(Number.isFinite(r.report.tasks.effective_view!.all.auc!), 'progressive AUC computed');
});
