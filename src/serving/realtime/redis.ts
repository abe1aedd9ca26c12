// Redis real-time store (ioredis). Layout under a key prefix:
//   <prefix>c:<counter>:<span>:<key>   windowed counter hash (redis-counters.ts), TTL span + slot
//   <prefix>pending                    sorted set of counter events not yet visible (score = time)
//   <prefix>pseq                       arrival counter for the pending events (ties keep arrival order)
//   <prefix>s:<user>                   recent sequence, a capped list of "streamer\tcategory", most recent first
// Writes and reads are pipelined: applyEvents is two round trips (arrival numbers, then one pipeline);
// featuresFor is three (move the
// visible pending events out atomically, add them, then one HMGET per value + the sequence).
// Any connection failure surfaces as RealtimeStoreUnavailableError (the service's degraded mode).
import type { Redis } from 'ioredis';
import { connectServingRedis } from '../redis-connect.js';
import { z } from 'zod';
import { CounterEngine, counterEvents, readCounterValuesAsync, type CounterEvent, type FeatureConfig } from '../../features/index.js';
import { candidatesTable, eventsTable, seqKey, sequencePushes } from './codec.js';
import { parseRealtimeConfig, type RealtimeConfig } from './config.js';
import { buildFeatures } from './memory.js';
import { RedisCounterStore } from './redis-counters.js';
import { RealtimeInputError, RealtimeStoreUnavailableError, issues, parseCandidates, parseEvents, type Candidate, type RealtimeEvent, type RealtimeFeatures, type RealtimeStore } from './types.js';

export const RedisOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(6379),
  db: z.number().int().min(0).default(0),
  /** Every key starts with this (one namespace per deployment / test run). */
  prefix: z.string().min(1).default('lr:rt:'),
  connectTimeoutMs: z.number().int().positive().default(1000),
  /** Per-command timeout: a hung server becomes an error, not a stuck request. */
  commandTimeoutMs: z.number().int().positive().default(500),
  /** Sequence lists expire this long after their last write. */
  sequenceTtlSeconds: z.number().int().positive().default(30 * 86400),
}).strict();
export type RedisStoreOptions = z.input<typeof RedisOptionsSchema>;

const TAKE = `
local xs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
if #xs > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) end
return xs`;

export class RedisRealtimeStore implements RealtimeStore {
  readonly engine: CounterEngine;
  readonly cfg: RealtimeConfig;
  readonly prefix: string;
  private readonly counters: RedisCounterStore;
  private readonly seqTtl: number;

  private constructor(readonly redis: Redis, features: FeatureConfig, cfg: RealtimeConfig, prefix: string, seqTtl: number) {
    this.engine = new CounterEngine(features);
    this.cfg = cfg;
    this.prefix = prefix;
    this.seqTtl = seqTtl;
    this.counters = new RedisCounterStore(redis, prefix, this.engine.counters);
    redis.defineCommand('lrTakePending', { numberOfKeys: 1, lua: TAKE });
  }

  /** Connects (fails with RealtimeStoreUnavailableError when Redis cannot be reached). */
  static async connect(features: FeatureConfig, redisOptions: RedisStoreOptions = {}, options: unknown = {}): Promise<RedisRealtimeStore> {
    const r = RedisOptionsSchema.safeParse(redisOptions);
    if (!r.success) throw new RealtimeInputError(`redis options: ${issues(r.error)}`);
    const o = r.data;
    const cfg = parseRealtimeConfig(options);
    const redis = await connectServingRedis(o, (m, e) => new RealtimeStoreUnavailableError(m, e));
    return new RedisRealtimeStore(redis, features, cfg, o.prefix, o.sequenceTtlSeconds);
  }

  private async guard<T>(what: string, f: () => Promise<T>): Promise<T> {
    try { return await f(); } catch (e) {
      if (!isConnectionError(e)) throw e; // bad input / bugs keep their own error
      throw new RealtimeStoreUnavailableError(`redis ${what} failed: ${(e as Error).message}`, e);
    }
  }

  async applyEvents(events: readonly RealtimeEvent[]): Promise<void> {
    const evs = parseEvents(events);
    if (evs.length === 0) return;
    const pushes = sequencePushes(this.cfg, evs);
    const ce = counterEvents(this.engine, eventsTable(this.cfg, this.engine, evs));
    await this.guard('applyEvents', async () => {
      const p = this.redis.pipeline();
      if (ce.length) {
        const first = await this.redis.incrby(`${this.prefix}pseq`, ce.length);
        const zargs: (string | number)[] = [];
        ce.forEach((e, i) => zargs.push(e.ts, `${String(first - ce.length + i).padStart(15, '0')}\t${e.counter}\t${e.key}\t${e.ts}\t${e.value}`));
        p.zadd(`${this.prefix}pending`, ...zargs);
        // nobody reading for this long: the backlog is dropped rather than kept forever
        p.expire(`${this.prefix}pending`, this.seqTtl).expire(`${this.prefix}pseq`, this.seqTtl);
      }
      const L = this.cfg.sequence.maxLen;
      for (const q of pushes) {
        const k = `${this.prefix}s:${seqKey(q.user)}`;
        p.lpush(k, `${q.streamer}\t${q.category}`).ltrim(k, 0, L - 1).expire(k, this.seqTtl);
      }
      const res = await p.exec();
      for (const [err] of res ?? []) if (err) throw err;
    });
  }

  async seedSequence(user: string | number, streamers: readonly (string | number)[], categories: readonly (string | number)[]): Promise<void> {
    if (streamers.length !== categories.length) throw new RealtimeInputError(`seedSequence: ${streamers.length} streamers but ${categories.length} categories`);
    const k = `${this.prefix}s:${seqKey(user)}`;
    const items = streamers.slice(0, this.cfg.sequence.maxLen).map((s, i) => `${s}\t${categories[i]}`);
    await this.guard('seedSequence', async () => {
      const p = this.redis.multi().del(k);
      if (items.length) p.rpush(k, ...items).expire(k, this.seqTtl);
      await p.exec();
    });
  }

  async featuresFor(user: string | number, candidates: readonly Candidate[], ts: number): Promise<RealtimeFeatures> {
    const cands = parseCandidates(candidates);
    if (!Number.isFinite(ts)) throw new RealtimeInputError(`ts: expected unix seconds, got ${ts}`);
    return this.guard('featuresFor', async () => {
      const taken = await (this.redis as unknown as { lrTakePending(k: string, t: string): Promise<string[]> }).lrTakePending(`${this.prefix}pending`, String(ts));
      await this.counters.addMany(taken.map(decodePending));
      const table = candidatesTable(this.cfg, this.engine, user, cands, ts);
      const [vals, seq] = await Promise.all([
        readCounterValuesAsync(this.engine, table, this.counters, ts),
        this.redis.lrange(`${this.prefix}s:${seqKey(user)}`, 0, -1),
      ]);
      const sep = this.cfg.sequence.separator;
      const pairs = seq.map((x) => x.split('\t'));
      return buildFeatures(this.cfg, cands.length, vals, pairs.map((p) => p[0]).join(sep), pairs.map((p) => p[1]).join(sep));
    });
  }

  /** Deletes every key under the prefix (tests, resets). */
  async clear(): Promise<number> {
    return this.guard('clear', async () => {
      let n = 0, cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) n += await this.redis.del(...keys);
      } while (cursor !== '0');
      return n;
    });
  }

  async close(): Promise<void> { this.redis.disconnect(); }
}

/** Errors that mean "Redis is not there right now" (as opposed to bad input or a bug). */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error) || e instanceof RealtimeInputError) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|LOADING|connect/i.test(e.message);
}

function decodePending(m: string): CounterEvent {
  const [, counter, key, ts, value] = m.split('\t');
  return { counter: counter!, key: Number(key), ts: Number(ts), value: Number(value) };
}
