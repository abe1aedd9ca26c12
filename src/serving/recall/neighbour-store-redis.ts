// The item-CF neighbour table in Redis (the KV store of §13's online item-CF), same interface as
// MemoryNeighbourStore. Layout under a prefix: <prefix>nb:<item> = "item\tsim\nitem\tsim…" (best
// first); a lookup is one MGET of the seeds. publish() writes a table in pipelined chunks (a new
// table overwrites item by item; items no longer in it are deleted by the same call). Connection
// failures surface as NeighbourStoreUnavailableError: the recaller then serves without item-CF.
import type { Redis } from 'ioredis';
import { connectServingRedis } from '../redis-connect.js';
import { z } from 'zod';
import type { Id } from '../funnel/types.js';
import { toId } from './ids.js';
import type { Neighbour } from './item-sim.js';
import type { NeighbourStore } from './neighbour-store.js';

export const RedisNeighbourOptions = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(6379),
  db: z.number().int().min(0).default(0),
  prefix: z.string().min(1).default('lr:cf:'),
  connectTimeoutMs: z.number().int().positive().default(1000),
  commandTimeoutMs: z.number().int().positive().default(200),
});
export type RedisNeighbourOptions = z.input<typeof RedisNeighbourOptions>;

export class NeighbourStoreUnavailableError extends Error {
  override readonly name = 'NeighbourStoreUnavailableError';
}

const encode = (list: readonly Neighbour[]) => list.map((n) => `${String(n.item)}\t${n.sim}`).join('\n');
function decode(s: string | null): Neighbour[] {
  if (!s) return [];
  return s.split('\n').map((line) => { const t = line.indexOf('\t'); return { item: toId(line.slice(0, t)), sim: Number(line.slice(t + 1)) }; });
}

export class RedisNeighbourStore implements NeighbourStore {
  private constructor(readonly redis: Redis, readonly prefix: string) {}

  static async connect(options: RedisNeighbourOptions = {}): Promise<RedisNeighbourStore> {
    const r = RedisNeighbourOptions.safeParse(options);
    if (!r.success) throw new Error(`redis neighbour store options: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    const o = r.data;
    const redis = await connectServingRedis(o, (m) => new NeighbourStoreUnavailableError(m));
    return new RedisNeighbourStore(redis, o.prefix);
  }

  private key(item: Id): string { return `${this.prefix}nb:${String(item)}`; }

  /** Writes the table (chunks of 1000 keys) and deletes items of an earlier table that are not in it. */
  async publish(table: ReadonlyMap<Id, readonly Neighbour[]>): Promise<void> {
    const keep = new Set<string>();
    const entries = [...table];
    for (let i = 0; i < entries.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const [item, list] of entries.slice(i, i + 1000)) { const k = this.key(item); keep.add(k); p.set(k, encode(list)); }
      await p.exec();
    }
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}nb:*`, 'COUNT', 1000);
      cursor = next;
      const stale = keys.filter((k) => !keep.has(k));
      if (stale.length) await this.redis.del(...stale);
    } while (cursor !== '0');
  }

  async neighbours(items: readonly Id[]): Promise<(readonly Neighbour[])[]> {
    if (!items.length) return [];
    let vals: (string | null)[];
    try { vals = await this.redis.mget(...items.map((i) => this.key(i))); } catch (e) {
      throw new NeighbourStoreUnavailableError(`redis neighbour lookup failed: ${(e as Error).message}`);
    }
    return vals.map(decode);
  }

  async close(): Promise<void> { this.redis.disconnect(); }
}
