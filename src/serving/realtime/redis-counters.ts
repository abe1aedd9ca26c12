// AsyncCounterStore on Redis with the rings' exact semantics (src/features/counters/store.ts):
// one hash per (counter, window, key) — `<prefix>c:<counter>:<span>:<key>` — with fields
// `<slot>` (count) and `<slot>s` (sum). A Lua script adds an event to all windows of its counter
// in one call: the sum is read-added-written as a Lua double (printed with 17 digits, so it
// round-trips), which makes sums bit-equal to the in-memory rings; the field of the slot that
// falls out of the ring is deleted and the hash expires span + slot seconds after its last write.
// Reads take the k+1 slots of the window with HMGET and add them in the ring's cell order.
import type { Redis } from 'ioredis';
import type { AsyncCounterStore, CounterEvent, CounterQuery, CounterSpec, CounterValue } from '../../features/index.js';
import { RealtimeInputError } from './types.js';

const ADD = `
local v = tonumber(ARGV[1])
for i = 1, #KEYS do
  local slot = ARGV[2 * i]
  local k1 = tonumber(ARGV[2 * i + 1])
  local ttl = tonumber(ARGV[2 * #KEYS + 1 + i])
  redis.call('HINCRBY', KEYS[i], slot, 1)
  local s = tonumber(redis.call('HGET', KEYS[i], slot .. 's') or '0') + v
  redis.call('HSET', KEYS[i], slot .. 's', string.format('%.17g', s))
  local old = tostring(tonumber(slot) - k1)
  redis.call('HDEL', KEYS[i], old, old .. 's')
  redis.call('EXPIRE', KEYS[i], ttl)
end
return #KEYS`;

export class RedisCounterStore implements AsyncCounterStore {
  private readonly specs = new Map<string, CounterSpec>();
  constructor(private readonly redis: Redis, private readonly prefix: string, specs: readonly CounterSpec[]) {
    for (const s of specs) this.specs.set(s.name, s);
    if (!('lrCounterAdd' in redis)) redis.defineCommand('lrCounterAdd', { lua: ADD });
  }

  private spec(counter: string): CounterSpec {
    const s = this.specs.get(counter);
    if (!s) throw new RealtimeInputError(`unknown counter "${counter}"; known: ${[...this.specs.keys()].join(', ')}`);
    return s;
  }

  hashKey(counter: string, span: number, key: number): string { return `${this.prefix}c:${counter}:${span}:${key}`; }

  async addMany(events: readonly CounterEvent[]): Promise<void> {
    if (events.length === 0) return;
    const p = this.redis.pipeline();
    for (const e of events) {
      const s = this.spec(e.counter);
      const keys = s.windows.map((w) => this.hashKey(e.counter, w.span, e.key));
      const args: (string | number)[] = [String(e.value)];
      for (const w of s.windows) args.push(String(Math.floor(e.ts / w.slot)), Math.round(w.span / w.slot) + 1);
      for (const w of s.windows) args.push(Math.ceil(w.span + w.slot));
      (p as unknown as Record<string, (...a: unknown[]) => unknown>).lrCounterAdd!(keys.length, ...keys, ...args);
    }
    const res = await p.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  async getMany(queries: readonly CounterQuery[]): Promise<CounterValue[]> {
    if (queries.length === 0) return [];
    const p = this.redis.pipeline();
    const plans: number[][] = [];
    for (const q of queries) {
      const s = this.spec(q.counter);
      const w = s.windows.find((x) => x.span === q.window);
      if (!w) throw new RealtimeInputError(`counter "${q.counter}" has no ${q.window}s window`);
      const k1 = Math.round(w.span / w.slot) + 1;
      const hi = Math.floor(q.ts / w.slot), lo = hi - k1 + 1;
      // the ring adds its cells in index order: cell i holds the slot ≡ i (mod k1)
      const slots: number[] = [];
      for (let i = 0; i < k1; i++) slots.push(lo + ((((i - lo) % k1) + k1) % k1));
      plans.push(slots);
      const fields: string[] = [];
      for (const sl of slots) fields.push(String(sl), `${sl}s`);
      p.hmget(this.hashKey(q.counter, w.span, q.key), ...fields);
    }
    const res = await p.exec();
    return (res ?? []).map(([err, vals], j) => {
      if (err) throw err;
      const v = vals as (string | null)[];
      let count = 0, sum = 0;
      for (let i = 0; i < plans[j]!.length; i++) {
        const c = v[2 * i];
        if (c === null || c === undefined) continue;
        count += Number(c); sum += Number(v[2 * i + 1] ?? 0);
      }
      return { count, sum };
    });
  }

  /** Redis expires idle hashes itself (TTL = span + slot); nothing to sweep. */
  async expire(_now: number): Promise<number> { return 0; }
}
