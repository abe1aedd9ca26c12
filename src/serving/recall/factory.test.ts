import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRecallConfig } from './config.js';
import { createRecall } from './factory.js';
import { MemoryFollowStore } from './followed-live.js';
import { SessionLiveIndex } from './live-index.js';
import { writeNeighbourTable } from './neighbour-store.js';
import type { RankContext } from '../funnel/types.js';

const live = new SessionLiveIndex([1, 2, 3, 4, 5].map((s) => ({ room: 100 + s, streamer: s, category: 0, start: 0, end: 100 })));
const ctx: RankContext = { user: 7, scenario: 'home', country: 'US', ts: 50, row: { seq_streamer_ids: '1' } };

test('createRecall: sources from the config (item-CF in-process and in Redis give the same rooms), quotas, popularity from the table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-recall-factory-'));
  const prefix = `lr:test:cf:${randomBytes(4).toString('hex')}:`;
  try {
    const file = join(dir, 'cf.json');
    writeNeighbourTable(file, {
      options: { method: 'swing' }, window: { rows: [0, 10] }, interactions: 9,
      neighbours: new Map([[1, [{ item: 2, sim: 0.5 }, { item: 3, sim: 0.25 }]]]),
      popularity: new Map([[5, 4], [4, 3], [1, 2]]),
    });
    const follows = new MemoryFollowStore(); follows.follow(7, 4, 0, 10);
    const base = { total: 4, sources: [{ name: 'followed_live', quota: 1 }, { name: 'item_cf', quota: 2 }, { name: 'popularity', quota: 1 }] };
    const mem = await createRecall(parseRecallConfig({ ...base, item_cf: { neighbours: file } }), { live, follows });
    const r = await mem.recaller.retrieve(ctx, 4);
    // slots 1 / 2 / 1: followed → 104; item-CF → 102, 103; popularity → 105.
    assert.deepEqual(r.candidates.map((c) => [c.room, c.source]), [[104, 'followed_live'], [102, 'item_cf'], [103, 'item_cf'], [105, 'popularity']]);
    assert.deepEqual(r.perSource, { followed_live: 1, item_cf: 2, popularity: 1 });
    assert.deepEqual(r.candidates[0]!.sources, ['followed_live', 'popularity'], 'popularity found 104 too');
    const red = await createRecall(parseRecallConfig({ ...base, item_cf: { neighbours: file, redis: { prefix } } }), { live, follows });
    try {
      assert.deepEqual((await red.recaller.retrieve(ctx, 4)).candidates, r.candidates);
    } finally { await red.dispose(); }
    await assert.rejects(createRecall(parseRecallConfig({ sources: [{ name: 'followed_live', quota: 1 }] }), { live }), /no follow provider/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const { Redis } = await import('ioredis');
    const c = new Redis({ lazyConnect: true }); await c.connect();
    const keys = await c.keys(`${prefix}*`); if (keys.length) await c.del(...keys);
    c.disconnect();
  }
});
