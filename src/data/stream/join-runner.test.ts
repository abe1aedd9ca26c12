// The joiner over a broker: uninterrupted vs crashed (between appending outputs and checkpointing)
// and restarted many times → the same samples, each exactly once; memory broker and Redis.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Rng } from '../../util/rng.js';
import { generateWorld } from '../world/generate.js';
import { MemoryEventStream } from './memory.js';
import { RedisEventStream } from './redis.js';
import { runJoin, type RangeStream, type JoinRunOptions } from './join-runner.js';
import { replayEvents } from './simulate.js';
import { worldEvents } from './world-events.js';
import type { StreamNames } from './names.js';

const world = generateWorld({ impressions: 1500, seed: 9 });
const events = [...worldEvents(world.impressions, { delays: { seed: 2, offline_p: 0.05 } })];
const dir = mkdtempSync(join(tmpdir(), 'lr-join-'));
const redisPrefix = `lr:test:join:${process.pid}:${Date.now()}:`;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const r = new Redis({ lazyConnect: true });
  await r.connect();
  const keys = await r.keys(`${redisPrefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

class Crash extends Error {}

async function fill(es: RangeStream, names: StreamNames): Promise<void> {
  await replayEvents(es, events, { stream: names.events, speed: 0 });
  // a few malformed records in the middle of the stream
  await es.append(names.events, ['not json', JSON.stringify({ type: 'click', event_id: 'z', ts: 1, impression_id: 1, impression_ts: 1, user_id: 1 })]);
  await replayEvents(es, [{ type: 'heartbeat', event_id: 'hb-2', ts: events[events.length - 1]!.ts + 10 }], { stream: names.events, speed: 0 });
}

async function exactlyOnce(label: string, open: () => Promise<RangeStream>, prefix: string): Promise<void> {
  const base: JoinRunOptions = { batch: 23, blockMs: 0, stopOnIdleMs: 0, join: { allowed_lateness_s: 30 } };
  // reference: one uninterrupted run
  const refNames = { events: `${prefix}ref:e`, samples: `${prefix}ref:s`, dead: `${prefix}ref:d`, late: `${prefix}ref:l` };
  const es = await open();
  try {
    await fill(es, refNames);
    const ref = await runJoin(es, { ...base, streams: refNames });
    assert.equal(ref.counters.samples, 1500);
    assert.equal(ref.counters.dead.bad_json + ref.counters.dead.out_of_order, 2);
    const refSamples = (await es.range(refNames.samples, '-', '+', 1e6)).map((r) => r.body);
    const refDead = (await es.range(refNames.dead, '-', '+', 1e6)).map((r) => r.body);
    const refLate = (await es.range(refNames.late, '-', '+', 1e6)).map((r) => r.body);
    const lateTotal = Object.values(ref.counters.late).reduce((a, b) => a + b, 0);
    assert.ok(lateTotal > 10);
    assert.equal(refLate.length, lateTotal, 'every late label is on the late stream');

    // crashes at random batches, each between the outputs' append and the checkpoint
    const names = { events: `${prefix}crash:e`, samples: `${prefix}crash:s`, dead: `${prefix}crash:d`, late: `${prefix}crash:l` };
    await fill(es, names);
    const ckPath = join(dir, `${label}.ckpt.json`);
    const rng = new Rng(label);
    let crashes = 0, skipped = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const crashAt = 2 + rng.int(8);
      let batches = 0;
      try {
        const p = await runJoin(es, {
          ...base, streams: names, checkpointPath: ckPath, checkpointIntervalMs: 1e9, checkpointEveryRecords: 40 + rng.int(60),
          afterAppend: () => { if (++batches === crashAt && crashes < 8) throw new Crash(); },
        });
        skipped += p.skippedReplayed;
        assert.deepEqual(p.counters, ref.counters, 'counters of the restarted run = the uninterrupted run');
        break;
      } catch (e) {
        if (!(e instanceof Crash)) throw e;
        crashes++;
      }
    }
    assert.equal(crashes, 8);
    const got = (await es.range(names.samples, '-', '+', 1e6)).map((r) => r.body);
    const ids = got.map((b) => (JSON.parse(b) as { sample_id: string }).sample_id);
    assert.equal(new Set(ids).size, ids.length, 'no sample twice');
    assert.deepEqual(got, refSamples, 'same samples in the same order');
    const dead = (await es.range(names.dead, '-', '+', 1e6)).map((r) => (JSON.parse(r.body) as { reason: string }).reason);
    assert.deepEqual(dead, refDead.map((b) => (JSON.parse(b) as { reason: string }).reason));
    assert.deepEqual((await es.range(names.late, '-', '+', 1e6)).map((r) => r.body), refLate, 'late stream exactly once');
    assert.ok(skipped > 0, 'restarts replayed outputs that were skipped');
  } finally { await es.close(); }
}

test('join runner (memory): crashed and restarted 8 times → every sample exactly once, same as uninterrupted', async () => {
  const es = new MemoryEventStream();
  const view = () => Promise.resolve(Object.assign(Object.create(es) as MemoryEventStream, { close: async () => {} }));
  await exactlyOnce('memory', view, 'm:');
});

test('join runner (Redis 127.0.0.1:6379): crashed and restarted 8 times → every sample exactly once', async () => {
  await exactlyOnce('redis', () => RedisEventStream.connect({ reconnectTimeoutMs: 5000 }), redisPrefix);
});
