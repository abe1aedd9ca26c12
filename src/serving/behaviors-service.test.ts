// A run whose features read the behaviour log, served: POST /events appends the user's entered
// impressions, and the next POST /rank scores the candidates with those behaviours — exactly the
// scores the same model gives with the offline log (the trained-with file + the same behaviours).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { parseTrainConfig } from '../train/config.js';
import { worldIdFeatures } from '../train/fixtures/world-features.js';
import { generateWorld } from '../data/world/generate.js';
import { takeRows } from '../data/table.js';
import { BehaviorLogBuilder, watchBucket, writeBehaviorLog } from '../features/behavior/log.js';
import { LiveBehaviorLog } from '../features/behavior/live.js';
import { buildService, type Service } from './server.js';
import { tableRows } from './fine-ranker.fixtures.js';
import type { Row } from './fine-ranker.js';
import type { BehaviorStore } from './behaviors.js';

const dir = mkdtempSync(join(tmpdir(), 'lr-beh-serve-'));
const w = generateWorld({ impressions: 4000, seed: 11 });
const imp = w.impressions;
const col = (n: string) => imp.columns[n] as ArrayLike<number>;
const nUsers = Math.max(...Array.from(col('user_id'))) + 1;
// the trained-with log: every entered impression of the world (time order), action = ev + 2·follow
const builder = new BehaviorLogBuilder(nUsers);
for (let i = 0; i < imp.numRows; i++) {
  if (!(col('watch_s')[i]! > 0)) continue;
  builder.push(col('user_id')[i]!, col('ts')[i]!, col('streamer_id')[i]!, col('category_id')[i]!, col('effective_view')[i]! + 2 * (col('follow')[i]! > 0 ? 1 : 0), watchBucket(col('watch_s')[i]!));
}
const base = builder.freeze();
const logFile = join(dir, 'behaviors.log');
writeBehaviorLog(logFile, base);

const cfg = parseTrainConfig({
  name: 'tiny-behaviors', seed: 7,
  data: { source: 'world', impressions: 4000, world_seed: 11, split: [0.6, 0.2, 0.2] },
  features: { version: 1, defaults: { dim: 4 }, features: [
    ...worldIdFeatures(1024),
    { name: 'beh_streamers', kind: 'sequence', column: 'user_id', max_len: 8, embedding: 'streamer_id', behaviors: { field: 'streamer', within: 50, log: logFile } },
    { name: 'beh_watch', kind: 'sequence', column: 'user_id', max_len: 8, hash_buckets: 32, behaviors: { field: 'watch_bucket', within: 50, log: logFile } },
    { name: 'sim_streamers', kind: 'sequence', column: 'user_id', max_len: 4, embedding: 'streamer_id', behaviors: { field: 'streamer', within: 50, search: { by: 'category', column: 'category_id' }, log: logFile } },
  ] },
  tasks: [{ name: 'click', label: 'click' }],
  model: { type: 'shared_bottom', bottom: [8], tower: [4] },
  optimizer: { type: 'adam', lr: 0.05 }, embedding: { optimizer: 'adam', lr: 0.05 },
  train: { epochs: 1, batch_size: 128, max_steps: 20, tensorboard: false },
}, process.cwd(), 'behaviour serve test');
const run = join(dir, 'run');
await train(cfg, { out: run, verbose: false, hooks: null });
const services: Service[] = [];
after(async () => { for (const v of services) await v.close(); });

test('POST /events → the user\'s behaviour log → POST /rank scores = the model with the offline log', async () => {
  const v = await buildService({ run, workers: 1 });
  services.push(v);
  const last = Math.max(...Array.from(col('ts')));
  // 6 candidate rows of the last user, asked for after the world's end
  const U = col('user_id')[imp.numRows - 1]!;
  const T = last + 600;
  const idx = Array.from({ length: 6 }, (_, i) => imp.numRows - 1 - i * 37);
  const cands: Row[] = tableRows(takeRows(imp, idx)).map((r) => ({ ...r, user_id: U, ts: T }));
  const rank = async () => {
    const r = await v.app.inject({ method: 'POST', url: '/rank', payload: { candidates: cands, user: U, ts: T } });
    assert.equal(r.statusCode, 200, r.body);
    return (r.json() as { scores: { click: number[] } }).scores.click;
  };
  const before = await rank();
  // the user enters the candidates' rooms (and one they were not shown) after the world's end
  const recs = cands.map((c, i) => ({ user: U, room: Number(c.room_id), streamer: Number(c.streamer_id), category: Number(c.category_id), scenario: 'home', ts: last + 10 + i, click: 1, watchS: 20 + 30 * i }));
  const e = await v.app.inject({ method: 'POST', url: '/events', payload: { impressions: recs } });
  assert.equal(e.statusCode, 200, e.body);
  const afterEvents = await rank();
  assert.ok(afterEvents.some((s, i) => Math.abs(s - before[i]!) > 1e-6), `the new behaviours change the scores: ${before} → ${afterEvents}`);

  const offline = new LiveBehaviorLog(base, 50);
  recs.forEach((r, i) => offline.append(U, r.ts, r.streamer, r.category, (r.watchS >= 30 ? 1 : 0), watchBucket(20 + 30 * i)));
  const want = (await v.ranker().score(cands, { user_id: U, ts: T }, { behaviors: offline })).preds.click!;
  afterEvents.forEach((s, i) => assert.ok(Math.abs(s - want[i]!) <= 1e-6, `candidate ${i}: served ${s} vs offline ${want[i]}`));
  const h = (await v.app.inject({ method: 'GET', url: '/health' })).json() as { behaviors: { appended: number } };
  assert.equal(h.behaviors.appended, 6);
});

test('a behaviour store that fails (Redis down): /rank still answers 200, scored with the frozen log file', async () => {
  const failing: BehaviorStore = {
    stats: { appended: 0, out_of_order: 0, skipped_on_read: 0 },
    append: async () => { throw new Error('redis down'); },
    source: async () => { throw new Error('redis down'); },
    close: async () => {},
  };
  const v = await buildService({ run, workers: 1 }, { behaviors: failing });
  services.push(v);
  const U = col('user_id')[imp.numRows - 1]!, T = Math.max(...Array.from(col('ts'))) + 600;
  const cands: Row[] = tableRows(takeRows(imp, [imp.numRows - 1, imp.numRows - 2])).map((r) => ({ ...r, user_id: U, ts: T }));
  const r = await v.app.inject({ method: 'POST', url: '/rank', payload: { candidates: cands, user: U, ts: T } });
  assert.equal(r.statusCode, 200, r.body);
  const want = (await v.ranker().score(cands, { user_id: U, ts: T })).preds.click!; // no ctx: the features' log file
  (r.json() as { scores: { click: number[] } }).scores.click.forEach((s, i) => assert.ok(Math.abs(s - want[i]!) <= 1e-6));
  const e = await v.app.inject({ method: 'POST', url: '/events', payload: { impressions: [{ user: U, room: 1, streamer: 2, category: 3, scenario: 'home', ts: T, click: 1, watchS: 40 }] } });
  assert.equal(e.statusCode, 503);
  assert.match((e.json() as { error: string }).error, /behaviors: redis down/);
});
