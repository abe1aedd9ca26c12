// Against the real Redis at 127.0.0.1:6379 (fails loudly when it is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryNeighbourStore } from './neighbour-store.js';
import { RedisNeighbourStore, NeighbourStoreUnavailableError } from './neighbour-store-redis.js';

test('Redis neighbour store = the in-process store (publish, lookup, stale items removed); unreachable → typed error', async () => {
  const prefix = `lr:test:cf:${randomBytes(4).toString('hex')}:`;
  const store = await RedisNeighbourStore.connect({ prefix });
  try {
    const table = new Map<string | number, { item: string | number; sim: number }[]>([
      [1, [{ item: 2, sim: 0.5 }, { item: 'x9', sim: 0.25 }]],
      [2, [{ item: 1, sim: 0.5 }]],
      ['x9', []],
    ]);
    await store.publish(table);
    const mem = new MemoryNeighbourStore(table);
    const q = [1, 2, 'x9', 77];
    assert.deepEqual(await store.neighbours(q), await mem.neighbours(q));
    assert.deepEqual((await store.neighbours([1]))[0], [{ item: 2, sim: 0.5 }, { item: 'x9', sim: 0.25 }]);
    await store.publish(new Map([[2, [{ item: 3, sim: 1 }]]]));
    assert.deepEqual(await store.neighbours([1, 2]), [[], [{ item: 3, sim: 1 }]], 'item 1 of the old table is gone');
    assert.deepEqual(await store.neighbours([]), []);
  } finally {
    const keys = await store.redis.keys(`${prefix}*`);
    if (keys.length) await store.redis.del(...keys);
    await store.close();
  }
  await assert.rejects(RedisNeighbourStore.connect({ port: 1, connectTimeoutMs: 200 }), NeighbourStoreUnavailableError);
});
