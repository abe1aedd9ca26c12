// Long behaviour sequences in the service: /events records → behaviours (the world's encoding), and
// the sequences ranking reads through the in-process and the Redis store equal the offline
// featurization of the same event stream (the frozen base log + the events appended in time order,
// built with the training code's BehaviorLogBuilder). Redis tests use the machine's server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { makeTable } from '../data/table.js';
import { parseFeatureConfig } from '../features/config.js';
import { fitFeatures } from '../features/fit.js';
import { transform } from '../features/transform.js';
import { BehaviorLogBuilder, watchBucket, type BehaviorLog } from '../features/behavior/log.js';
import { Rng } from '../util/rng.js';
import { behaviorOf, MemoryBehaviorStore, RedisBehaviorStore, packBehavior, unpackBehavior, type Behavior, type BehaviorStore } from './behaviors.js';
import type { RealtimeEvent } from './realtime/types.js';

const FEATURES = parseFeatureConfig({
  features: [
    { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 1024 },
    { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 4096 },
    { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
    { name: 'beh_streamers', kind: 'sequence', column: 'user_id', max_len: 6, embedding: 'streamer_id', behaviors: { field: 'streamer', within: 40 } },
    { name: 'beh_actions', kind: 'sequence', column: 'user_id', max_len: 6, vocab: [0, 1, 2, 3, 4, 5, 6, 7], behaviors: { field: 'action', within: 40 } },
    { name: 'beh_watch', kind: 'sequence', column: 'user_id', max_len: 6, hash_buckets: 32, behaviors: { field: 'watch_bucket', within: 40 } },
    { name: 'sim_streamers', kind: 'sequence', column: 'user_id', max_len: 4, embedding: 'streamer_id', behaviors: { field: 'streamer', within: 40, search: { by: 'category', column: 'category_id' } } },
  ],
});

const USERS = 4;
function baseLog(): BehaviorLog {
  const rng = new Rng(3);
  const b = new BehaviorLogBuilder(USERS);
  for (let u = 0; u < USERS; u++) { let t = 1000; for (let i = 0; i < 25; i++) { t += 1 + rng.int(30); b.push(u, t, 100 + rng.int(20), rng.int(5), rng.int(8), rng.int(16)); } }
  return b.freeze();
}

/** /events impression records after the base log (t ≥ 5000), some not entered, some out of order. */
function events(): RealtimeEvent[] {
  const rng = new Rng(4);
  const out: RealtimeEvent[] = [];
  let t = 5000;
  for (let i = 0; i < 60; i++) {
    t += rng.int(20);
    const scenario = ['home', 'slide', 'outside'][rng.int(3)]!;
    const e: RealtimeEvent = { user: rng.int(USERS + 1), room: 9000 + i, streamer: 100 + rng.int(20), category: rng.int(5), scenario, ts: t };
    if (scenario !== 'slide') e.click = rng.next() < 0.6 ? 1 : 0;
    if (e.click !== 0) { e.watchS = Math.round(Math.exp(1 + 2 * rng.next())); if (rng.next() < 0.2) e.follow = 1; if (rng.next() < 0.1) e.gift = 5; }
    out.push(e);
  }
  out.push({ user: 1, room: 1, streamer: 101, category: 2, scenario: 'slide', ts: 4000, watchS: 50 }); // older than user 1's last: refused, counted
  return out;
}

/** The offline side: the base log's behaviours + the events' behaviours in time order, per user. */
function offlineLog(base: BehaviorLog, bs: readonly Behavior[]): BehaviorLog {
  const b = new BehaviorLogBuilder(Math.max(USERS, ...bs.map((x) => x.user + 1)));
  const last = new Map<number, number>();
  for (let u = 0; u < base.users; u++) for (let i = base.offsets[u]!; i < base.offsets[u + 1]!; i++) { b.push(u, base.ts[i]!, base.streamer[i]!, base.category[i]!, base.action[i]!, base.watchBucket[i]!); last.set(u, base.ts[i]!); }
  for (const x of bs) { if (x.ts < (last.get(x.user) ?? -Infinity)) continue; b.push(x.user, x.ts, x.streamer, x.category, x.action, x.watchBucket); last.set(x.user, x.ts); }
  return b.freeze();
}

const requests = () => makeTable({
  user_id: Int32Array.from({ length: 20 }, (_, i) => i % (USERS + 1)),
  ts: Int32Array.from({ length: 20 }, (_, i) => 5200 + 40 * i),
  streamer_id: Int32Array.from({ length: 20 }, (_, i) => 100 + (i % 20)),
  category_id: Float64Array.from({ length: 20 }, (_, i) => i % 5),
});

test('behaviorOf: entered impressions only, the world\'s action and watch-bucket encoding', () => {
  const e = (x: Partial<RealtimeEvent>): RealtimeEvent => ({ user: 1, room: 2, streamer: 3, category: 4, scenario: 'home', ts: 10, ...x });
  assert.equal(behaviorOf(e({ click: 0, watchS: 0 })), null);
  assert.equal(behaviorOf(e({})), null, 'no click, no watch: nothing happened');
  assert.deepEqual(behaviorOf(e({ click: 1, watchS: 40 })), { user: 1, ts: 10, streamer: 3, category: 4, action: 1, watchBucket: watchBucket(40) }); // home ev ≥ 30 s
  assert.equal(behaviorOf(e({ click: 1, watchS: 29 }))!.action, 0);
  assert.equal(behaviorOf(e({ scenario: 'slide', watchS: 12, gift: 3 }))!.action, 1 + 4); // slide: no click, ev ≥ 10 s, gift
  assert.equal(behaviorOf(e({ click: 1, watchS: 5, follow: 1 }))!.action, 2);
  assert.equal(behaviorOf(e({ user: 'u7', click: 1 })), null, 'the log is keyed by integer user ids');
  assert.deepEqual(unpackBehavior(1, packBehavior({ user: 1, ts: 1_700_000_000, streamer: 123456, category: 7, action: 5, watchBucket: 9 })),
    { user: 1, ts: 1_700_000_000, streamer: 123456, category: 7, action: 5, watchBucket: 9 });
});

async function golden(store: BehaviorStore): Promise<void> {
  const base = baseLog();
  const evs = events();
  const bs = evs.map((x) => behaviorOf(x)).filter((x) => x !== null);
  assert.ok(bs.length > 20 && bs.length < evs.length, `some records entered (${bs.length} of ${evs.length})`);
  for (let i = 0; i < bs.length; i += 7) await store.append(bs.slice(i, i + 7)); // as /events batches
  const t = requests();
  const fitted = fitFeatures(FEATURES, t);
  const want = transform(fitted, t, { behaviors: offlineLog(base, bs) });
  const got = transform(fitted, t, { behaviors: await store.source([...new Set(t.columns.user_id as Int32Array)]) });
  for (const name of ['beh_streamers', 'beh_actions', 'beh_watch', 'sim_streamers']) {
    assert.deepEqual([...got.multi[name]!.ids], [...want.multi[name]!.ids], name);
    assert.deepEqual([...got.multi[name]!.mask], [...want.multi[name]!.mask], `${name} mask`);
  }
  assert.ok([...want.multi.beh_actions!.mask].some((m) => m), 'the sequences are not empty');
  // the events changed what ranking reads (the base alone gives other sequences)
  assert.notDeepEqual([...transform(fitted, t, { behaviors: base }).multi.beh_streamers!.ids], [...want.multi.beh_streamers!.ids]);
}

test('golden: the in-process store\'s sequences = the offline featurization of the same event stream', async () => {
  const store = new MemoryBehaviorStore(baseLog(), 40);
  await golden(store);
  assert.equal(store.stats.out_of_order, 1);
});

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
after(() => redis.disconnect());

test('golden: the Redis store\'s sequences = the offline featurization of the same event stream (machine Redis)', async () => {
  await redis.connect(); // a test of the Redis store: fails loudly when no server answers
  const prefix = `lr:test:${process.pid}:${Date.now()}:beh:`;
  try {
    const store = new RedisBehaviorStore(redis, baseLog(), prefix, 40);
    await golden(store);
    assert.equal(store.stats.skipped_on_read, 1, 'the late record is stored but skipped when read back');
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  }
});
