// Train/serve consistency of the rows the funnel builds: a world snapshot up to row 3000 loaded into
// the service, then the next logged impressions replayed in time order — before each one, the row
// the funnel assembles for (user, logged room, ts) equals the logged row's columns (user profile,
// request, room, history and sequence columns; the history wherever the snapshot's log showed the
// key), then the impression is sent to POST /events. room_viewers is left out: serving knows the last
// logged value, the log the value at the impression. (Counter features: realtime/golden.test.ts.)
// In-process and on the Redis server at 127.0.0.1:6379.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../train/trainer.js';
import { generateWorld } from '../../data/world/generate.js';
import { isStringColumn, sliceTable } from '../../data/table.js';
import { tinyServeConfig } from '../fine-ranker.fixtures.js';
import { buildService, type Service } from '../server.js';
import type { RedisRealtimeStore } from '../realtime/index.js';
import type { RedisProfileStore } from '../profile/redis.js';
import { applySnapshot, snapshotFromWorld } from '../profile/snapshot.js';

const run = mkdtempSync(join(tmpdir(), 'lr-parity-'));
await train(tinyServeConfig(), { out: run, verbose: false });
const w = generateWorld({ impressions: 6000, seed: 5, usersPerImpression: 0.02, liveRoomsPerMillionPerDay: 100_000 });
const CUT = 3000, END = 3600;
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: sliceTable(w.impressions, 0, CUT) }, { warmSeconds: 1e9 });
const services: Service[] = [];
after(async () => {
  for (const v of services) {
    if (v.options.redis) { await (v.realtime as RedisRealtimeStore).clear(); await (v.profiles as RedisProfileStore).clear(); }
    await v.close();
  }
});

const col = (n: string) => w.impressions.columns[n]!;
const at = (n: string, i: number) => { const c = col(n); const x = c[i]!; return isStringColumn(c) ? x : Number.isNaN(x as number) ? null : x; };
const close = (a: unknown, b: unknown) => typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 2e-6 * Math.max(1, Math.abs(b));

for (const store of ['in-process', 'redis'] as const) test(`funnel rows = logged rows for the replayed impressions (profiles, room, request, history, sequences), ${store} stores`, async () => {
  // generous stage budgets: this test is about values; a store read slowed by a loaded machine must not turn into a degraded (default) row
  const v = await buildService({ run, workers: 1, timeouts_ms: { profile: 10_000, recall: 10_000, coarse: 10_000, features: 10_000 }, ...(store === 'redis' ? { redis: { prefix: `lr:test:${process.pid}:${Date.now()}:parity:` } } : {}) });
  services.push(v);
  await applySnapshot(snap, v);
  const EXACT = ['user_id', 'scenario', 'country', 'user_age', 'user_gender', 'user_device', 'user_activity', 'hour', 'position', 'ts',
    'room_id', 'streamer_id', 'category_id', 'room_country', 'streamer_followers', 'room_live_s'];
  const seenPair = new Set<string>(), seenCat = new Set<string>(), seenUser = new Set<number>();
  for (let i = 0; i < CUT; i++) {
    seenPair.add(`${at('user_id', i)}:${at('streamer_id', i)}`); seenCat.add(`${at('user_id', i)}:${at('category_id', i)}`); seenUser.add(at('user_id', i) as number);
  }
  const n = { rows: 0, pairs: 0, cats: 0, seqs: 0 };
  for (let i = CUT; i < END; i++) {
    const user = at('user_id', i) as number, ts = at('ts', i) as number, room = at('room_id', i) as number;
    const { rows, degraded } = await v.funnel.assemble({ user, scenario: at('scenario', i) as string, ts, context: { position: at('position', i) } }, [room]); // the slot is the client's (the funnel's default is 0)
    assert.deepEqual(degraded, []);
    const r = rows[0]!;
    for (const c of EXACT) assert.equal(r[c], at(c, i), `row ${i}: ${c}`);
    if (seenPair.has(`${user}:${at('streamer_id', i)}`)) {
      assert.equal(r.hist_followed, at('hist_followed', i), `row ${i}: hist_followed`);
      assert.ok(close(r.hist_streamer_watch_s, at('hist_streamer_watch_s', i)), `row ${i}: hist_streamer_watch_s ${r.hist_streamer_watch_s} vs ${at('hist_streamer_watch_s', i)}`);
      n.pairs++;
    }
    if (seenCat.has(`${user}:${at('category_id', i)}`)) { assert.ok(close(r.hist_category_watch_s, at('hist_category_watch_s', i)), `row ${i}: hist_category_watch_s`); n.cats++; }
    if (seenUser.has(user)) {
      assert.ok(close(r.hist_total_watch_s, at('hist_total_watch_s', i)), `row ${i}: hist_total_watch_s`);
      assert.equal(r.user_follow_count, at('user_follow_count', i), `row ${i}: user_follow_count`);
      assert.equal(r.seq_streamer_ids, at('seq_streamer_ids', i), `row ${i}: seq_streamer_ids`);
      assert.equal(r.seq_category_ids, at('seq_category_ids', i), `row ${i}: seq_category_ids`);
      n.seqs++;
    }
    n.rows++;
    const ev: Record<string, unknown> = { user, room, streamer: at('streamer_id', i), category: at('category_id', i), scenario: at('scenario', i), ts, watchS: at('watch_s', i), follow: at('follow', i), gift: at('gift', i) };
    if (at('click', i) !== null) ev.click = at('click', i);
    const res = await v.app.inject({ method: 'POST', url: '/events', payload: { impressions: [ev] } });
    assert.equal(res.statusCode, 200, res.body);
  }
  console.log(`# parity (${store}): ${n.rows} rows; history checked on ${n.pairs} pairs, ${n.cats} categories, ${n.seqs} users (sequences)`);
  assert.ok(n.pairs > 50 && n.cats > 200 && n.seqs > 400, JSON.stringify(n));
});
