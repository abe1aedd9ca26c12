// The stores' contract beyond the golden replay: visibility, sequences, bad input, and Redis
// unreachable as a typed error (needs the Redis server at 127.0.0.1:6379 for the Redis cases).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeatureConfig } from '../../features/index.js';
import { MemoryRealtimeStore } from './memory.js';
import { RedisRealtimeStore } from './redis.js';
import { parseRealtimeConfig } from './config.js';
import { RealtimeInputError, RealtimeStoreUnavailableError, type RealtimeStore } from './types.js';

const cfg = parseFeatureConfig({
  version: 1,
  counters: [
    { name: 'room_impressions', key: ['room_id'], windows: ['5m/1m'] },
    { name: 'streamer_watch', key: ['streamer_id'], value: 'watch_s', positive_only: true, delay_column: 'watch_s', windows: ['1h/5m'] },
  ],
  features: [
    { name: 'room_impr', kind: 'counter', counter: 'room_impressions', window: '5m', stat: 'count' },
    { name: 'streamer_watch_mean', kind: 'counter', counter: 'streamer_watch', window: '1h', stat: 'mean' },
  ],
});
const prefix = `lr:test:${process.pid}:${Date.now()}:unit:`;
const opened: RedisRealtimeStore[] = [];
after(async () => { for (const s of opened) { await s.clear(); await s.close(); } });

const ev = (ts: number, watchS: number, extra: Record<string, unknown> = {}) =>
  ({ user: 1, room: 10, streamer: 100, category: 3, scenario: 'home', ts, watchS, ...extra });

async function contract(store: RealtimeStore): Promise<void> {
  const cand = [{ room: 10, streamer: 100, category: 3 }, { room: 11, streamer: 101, category: 4 }];
  await store.applyEvents([ev(1000, 50), ev(1000, 0), ev(1010, 5)]);
  // at 1000 nothing is visible yet (events at t are not seen by a read at t)
  let f = await store.featuresFor(1, cand, 1000);
  assert.deepEqual([...(f.columns['counter__room_impr'] as Float64Array)], [0, 0]);
  f = await store.featuresFor(1, cand, 1001);
  assert.deepEqual([...(f.columns['counter__room_impr'] as Float64Array)], [2, 0]);
  // watch of 50 s becomes visible at 1050 (delay = watch_s); the 5 s watch at 1015
  assert.ok(Number.isNaN((f.columns['counter__streamer_watch_mean'] as Float64Array)[0]!));
  f = await store.featuresFor(1, cand, 1051);
  assert.deepEqual([...(f.columns['counter__streamer_watch_mean'] as Float64Array)].slice(0, 1), [27.5]);
  assert.deepEqual([...(f.columns['counter__room_impr'] as Float64Array)], [3, 0]);
  // 5-minute window in 1-minute slots: slot 16 (960..1019) leaves the window at slot 22 (1320)
  f = await store.featuresFor(1, cand, 1319);
  assert.equal((f.columns['counter__room_impr'] as Float64Array)[0], 3);
  f = await store.featuresFor(1, cand, 1320);
  assert.equal((f.columns['counter__room_impr'] as Float64Array)[0], 0);
  // sequence: effective views only (home ≥ 30 s), most recent first, capped
  assert.deepEqual(f.columns['seq_streamer_ids'], ['100', '100']);
  for (let i = 0; i < 25; i++) await store.applyEvents([ev(2000 + i, 40, { streamer: 200 + i, category: i % 5 })]);
  f = await store.featuresFor(1, cand.slice(0, 1), 3000);
  const seq = (f.columns['seq_streamer_ids'] as string[])[0]!.split('|');
  assert.equal(seq.length, 20);
  assert.equal(seq[0], '224');
  assert.equal((f.columns['seq_category_ids'] as string[])[0]!.split('|')[0], '4');
  assert.deepEqual((await store.featuresFor(2, cand.slice(0, 1), 3000)).columns['seq_streamer_ids'], ['']);
  // bad input: clear errors naming the field
  await assert.rejects(store.applyEvents([{ ...ev(1, 1), ts: 'x' } as never]), (e: Error) => e instanceof RealtimeInputError && /events\[0\]: ts/.test(e.message));
  await assert.rejects(store.applyEvents([ev(1, 1, { scenario: 'moon' })]), /scenario "moon" has no effective-view threshold/);
  await assert.rejects(store.applyEvents([ev(1, 1, { bogus: 1 })]), /events\[0\]: .*bogus/);
  await assert.rejects(store.featuresFor(1, [{ room: 1 } as never], 5), /candidates\[0\]: streamer/);
  await assert.rejects(store.featuresFor(1, cand, NaN), /ts: expected unix seconds/);
  await assert.rejects(store.applyEvents([ev(1, 1), ev(2, 1, { user: 'u2' })]), /user: mixes numbers and strings/);
}

test('in-process store: visibility, delays, windows, sequences, bad input', async () => {
  await contract(new MemoryRealtimeStore(cfg));
});

test('Redis store: the same contract', async () => {
  const s = await RedisRealtimeStore.connect(cfg, { prefix });
  opened.push(s);
  await contract(s);
  assert.ok((await s.redis.keys(`${prefix}*`)).length > 0);
  await s.applyEvents([ev(9e9, 1)]); // not visible before 9e9: waits in the pending set, which expires
  assert.equal(await s.redis.zcard(`${prefix}pending`), 2); // the impression + its 1 s watch
  assert.ok((await s.redis.ttl(`${prefix}pending`)) > 0);
  assert.equal(await s.redis.ttl(`${prefix}c:room_impressions:300:${s.engine.keyOf('room_impressions', [10])}`) > 0, true);
});

test('Redis unreachable: a typed error at connect and on a dropped connection', async () => {
  await assert.rejects(RedisRealtimeStore.connect(cfg, { port: 1, connectTimeoutMs: 300 }),
    (e: Error) => e instanceof RealtimeStoreUnavailableError && /127\.0\.0\.1:1 unreachable/.test(e.message));
  const s = await RedisRealtimeStore.connect(cfg, { prefix: `${prefix}drop:` });
  s.redis.disconnect();
  await assert.rejects(s.featuresFor(1, [{ room: 10, streamer: 100, category: 3 }], 5), RealtimeStoreUnavailableError);
  await assert.rejects(s.applyEvents([ev(1, 1)]), RealtimeStoreUnavailableError);
});

test('config errors name the field', async () => {
  assert.throws(() => parseRealtimeConfig({ sequence: { maxLen: 0 } }), /sequence\.maxLen/);
  assert.throws(() => parseRealtimeConfig({ columns: { user: '' } }), /columns\.user/);
  assert.equal(parseRealtimeConfig().columns.user, 'user_id');
  await assert.rejects(RedisRealtimeStore.connect(cfg, { port: 70000 }), /redis options: port/);
});
