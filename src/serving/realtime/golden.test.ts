// Golden: replay a generated world's log through both real-time stores — read each row's features
// at its time, then apply its event — and compare with the offline featurization of the same rows
// (CounterReplay over the time-ordered table, what training's counter hook materializes, and the
// world's own seq_* history columns). Needs the Redis server at 127.0.0.1:6379 (fails, never skips).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateWorld } from '../../data/world/index.js';
import type { Table } from '../../data/table.js';
import { CounterReplay, counterColumn, loadFeatureConfig } from '../../features/index.js';
import { MemoryRealtimeStore } from './memory.js';
import { RedisRealtimeStore } from './redis.js';
import type { RealtimeEvent, RealtimeStore } from './types.js';

const cfg = loadFeatureConfig(new URL('../../../examples/world-features.yaml', import.meta.url).pathname);
const N = 4000;
const world = generateWorld({ impressions: N, seed: 7 });
const log: Table = world.impressions;
const prefix = `lr:test:${process.pid}:${Date.now()}:`;
const opened: RedisRealtimeStore[] = [];
after(async () => { for (const s of opened) { await s.clear(); await s.close(); } });

const col = <T>(name: string) => log.columns[name] as unknown as ArrayLike<T>;
const offline = CounterReplay.fromConfig(cfg);
const expected = offline.process(offline.engine.batch(log));

function eventOf(i: number): RealtimeEvent {
  const click = col<number>('click')[i]!;
  return {
    user: col<number>('user_id')[i]!, room: col<number>('room_id')[i]!, streamer: col<number>('streamer_id')[i]!,
    category: col<number>('category_id')[i]!, scenario: col<string>('scenario')[i]!, ts: col<number>('ts')[i]!,
    ...(Number.isFinite(click) ? { click } : {}),
    watchS: col<number>('watch_s')[i]!, follow: col<number>('follow')[i]!, gift: col<number>('gift')[i]!,
  };
}

async function replay(store: RealtimeStore): Promise<{ compared: number; nonzero: number; seqRows: number }> {
  const seen = new Set<number>();
  let compared = 0, nonzero = 0, seqRows = 0;
  const ssq = col<string>('seq_streamer_ids'), csq = col<string>('seq_category_ids');
  for (let i = 0; i < log.numRows; i++) {
    const e = eventOf(i);
    const u = e.user as number;
    if (!seen.has(u)) { // the world's prior history: loaded like a profile snapshot
      seen.add(u);
      const s = ssq[i]! === '' ? [] : ssq[i]!.split('|'), c = csq[i]! === '' ? [] : csq[i]!.split('|');
      await store.seedSequence(u, s, c);
    }
    const f = await store.featuresFor(u, [{ room: e.room, streamer: e.streamer, category: e.category }], e.ts);
    for (const [name, v] of expected) {
      const got = (f.columns[counterColumn(name)] as Float64Array)[0]!;
      const want = v[i]!;
      if (!Object.is(got, want)) assert.fail(`row ${i} ${name}: store ${got}, offline ${want}`);
      compared++; if (want !== 0 && !Number.isNaN(want)) nonzero++;
    }
    assert.equal((f.columns['seq_streamer_ids'] as string[])[0], ssq[i], `row ${i} seq_streamer_ids`);
    assert.equal((f.columns['seq_category_ids'] as string[])[0], csq[i], `row ${i} seq_category_ids`);
    if (ssq[i] !== '') seqRows++;
    await store.applyEvents([e]);
  }
  return { compared, nonzero, seqRows };
}

test('golden: the in-process store equals the offline featurization of the same stream', async () => {
  const r = await replay(new MemoryRealtimeStore(cfg));
  assert.equal(r.compared, N * expected.size);
  assert.ok(r.nonzero > N, `the stream must exercise the counters (${r.nonzero} nonzero values)`);
  assert.ok(r.seqRows > N / 4, `rows with a sequence: ${r.seqRows}`);
});

test('golden: the Redis store equals the offline featurization of the same stream', async () => {
  const store = await RedisRealtimeStore.connect(cfg, { prefix });
  opened.push(store);
  const r = await replay(store);
  assert.equal(r.compared, N * expected.size);
  assert.ok(r.nonzero > N);
});
