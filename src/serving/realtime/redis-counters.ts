// AsyncCounterStore on Redis with the rings' exact semantics (src/features/counters/store.ts):
// one hash per (counter, window, key) — `<prefix>c:<counter>:<span>:<key>` — with fields
// `<slot>` (count) and `<slot>s` (sum). A Lua script adds an event to all windows of its counter
// in one call: the sum is read-added-written as a Lua double (printed with 17 digits, so it
// round-trips), which makes sums bit-equal to the in-memory rings; the field of the slot that
// falls out of the ring is deleted and the hash expires span + slot seconds after its last write.
// Reads are one script call for all distinct (key, window) of a request (READ below).
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

// Count and sum of the window [lo, lo + k1) per key (HGETALL: a hash holds few live slots), adding
// the slots in the ring's cell order
// (cell c holds the slot ≡ c mod k1) in Lua doubles: bit-equal to CounterRing.read.
const READ = `
local out = {}
for i = 1, #KEYS do
  local lo = tonumber(ARGV[2 * i - 1])
  local k1 = tonumber(ARGV[2 * i])
  local n, s = 0, 0
  local hi = lo + k1 - 1
  local h = redis.call('HGETALL', KEYS[i])
  if #h > 0 then
    local cnt, sm = {}, {}
    for j = 1, #h, 2 do
      local f = h[j]
      if string.sub(f, -1) == 's' then
        local sl = tonumber(string.sub(f, 1, -2))
        if sl >= lo and sl <= hi then sm[sl % k1] = tonumber(h[j + 1]) end
      else
        local sl = tonumber(f)
        if sl >= lo and sl <= hi then cnt[sl % k1] = tonumber(h[j + 1]) end
      end
    end
    for c = 0, k1 - 1 do
      if cnt[c] then n = n + cnt[c]; s = s + (sm[c] or 0) end
    end
  end
  out[i] = { n, string.format('%.17g', s) }
end
return out`;

export class RedisCounterStore implements AsyncCounterStore {
  private readonly specs = new Map<string, CounterSpec>();
  constructor(private readonly redis: Redis, private readonly prefix: string, specs: readonly CounterSpec[]) {
    for (const s of specs) this.specs.set(s.name, s);
    if (!('lrCounterAdd' in redis)) redis.defineCommand('lrCounterAdd', { lua: ADD });
    if (!('lrCounterRead' in redis)) redis.defineCommand('lrCounterRead', { lua: READ });
  }

  private spec(counter: string): CounterSpec {
    const s = this.specs.get(counter);
    if (!s) throw new RealtimeInputError(`unknown counter "${counter}"; known: ${[...this.specs.keys()].join(', ')}`);
    return s;
  }

  hashKey(counter: string, span: number, key: number): string { return `${this.prefix}c:${counter}:${span}:${key}`; }

  /** Pipelines of at most this many events (a large backlog must not trip the command timeout). */
  chunk = 1000;

  async addMany(events: readonly CounterEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += this.chunk) await this.addChunk(events.slice(i, i + this.chunk));
  }

  private async addChunk(events: readonly CounterEvent[]): Promise<void> {
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

  /** Reads per script call (keys in one EVALSHA). */
  readChunk = 4000;

  async getMany(queries: readonly CounterQuery[]): Promise<CounterValue[]> {
    if (queries.length === 0) return [];
    // distinct (hash, window position) reads: candidates share user-, streamer- and category-level keys
    const index = new Map<string, number>();
    const keys: string[] = [], args: number[] = [];
    const which = queries.map((q) => {
      const s = this.spec(q.counter);
      const w = s.windows.find((x) => x.span === q.window);
      if (!w) throw new RealtimeInputError(`counter "${q.counter}" has no ${q.window}s window`);
      const k1 = Math.round(w.span / w.slot) + 1;
      const lo = Math.floor(q.ts / w.slot) - k1 + 1;
      const hk = this.hashKey(q.counter, w.span, q.key);
      const id = `${hk}|${lo}`;
      let j = index.get(id);
      if (j === undefined) { j = keys.length; index.set(id, j); keys.push(hk); args.push(lo, k1); }
      return j;
    });
    const values: CounterValue[] = [];
    for (let i = 0; i < keys.length; i += this.readChunk) {
      const ks = keys.slice(i, i + this.readChunk), as = args.slice(2 * i, 2 * (i + this.readChunk));
      const res = await (this.redis as unknown as { lrCounterRead(n: number, ...a: (string | number)[]): Promise<[number, string][]> }).lrCounterRead(ks.length, ...ks, ...as);
      for (const [count, sum] of res) values.push({ count: Number(count), sum: Number(sum) });
    }
    return which.map((j) => values[j]!);
  }

  /** Redis expires idle hashes itself (TTL = span + slot); nothing to sweep. */
  async expire(_now: number): Promise<number> { return 0; }
}
