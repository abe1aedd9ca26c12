// Long behaviour sequences in the service (issue 20): the per-user behaviour log that `sequence`
// features with a `behaviors` block read (src/features/behavior/). POST /events appends each entered
// impression as a behaviour (the world's encoding: action = ev + 2·(gift ? 2 : follow ? 1 : 0),
// watch bucket = ⌊log2(1 + s)⌋); ranking reads the user's log through the SAME feature code
// (selectBehaviors via transform's ctx.behaviors) as training. The frozen log the run was trained
// with (the feature's `log` file) is the base; the store holds what was appended since — in-process
// (a LiveBehaviorLog) or in Redis (one list per user, read back into a LiveBehaviorLog per request,
// so every instance sees every instance's events).
import type { Redis } from 'ioredis';
import { connectServingRedis, type RedisConnectOptions } from './redis-connect.js';
import { LiveBehaviorLog, type BehaviorSource } from '../features/behavior/live.js';
import { watchBucket, type BehaviorLog } from '../features/behavior/log.js';
import { SCENARIO_SPECS } from '../data/world/params.js';
import type { RealtimeEvent } from './realtime/types.js';

export interface Behavior { user: number; ts: number; streamer: number; category: number; action: number; watchBucket: number }

export interface BehaviorStoreStats {
  appended: number;
  /** Behaviours older than the user's last one (a late /events record), not appended. */
  out_of_order: number;
  /** Redis: stored behaviours skipped when read back (older than the base log's last; counted per read). */
  skipped_on_read: number;
}

/** The behaviour of one /events impression record, or null when the user did not enter the room (or ids are not integers). */
export function behaviorOf(e: RealtimeEvent, thresholdS = evThreshold(e.scenario)): Behavior | null {
  const entered = e.click === 1 || (e.click === undefined && e.watchS !== undefined);
  if (!entered) return null;
  const ids = [e.user, e.streamer, e.category].map(Number);
  if (!ids.every((x) => Number.isInteger(x) && x >= 0)) return null;
  const watch = e.watchS ?? 0;
  const ev = thresholdS !== undefined && watch >= thresholdS ? 1 : 0;
  const action = ev + 2 * ((e.gift ?? 0) > 0 ? 2 : (e.follow ?? 0) > 0 ? 1 : 0);
  return { user: ids[0]!, ts: Math.floor(e.ts), streamer: ids[1]!, category: ids[2]!, action, watchBucket: watchBucket(watch) };
}

/** The world's effective-view threshold of a scenario (seconds); undefined for an unknown scenario. */
export function evThreshold(scenario: string): number | undefined {
  return (SCENARIO_SPECS as Record<string, { threshold: number } | undefined>)[scenario]?.threshold;
}

export interface BehaviorStore {
  readonly stats: BehaviorStoreStats;
  append(bs: readonly Behavior[]): Promise<void>;
  /** A log holding at least these users' behaviours (base + appended), for transform's ctx.behaviors. */
  source(users: readonly number[]): Promise<BehaviorSource>;
  close(): Promise<void>;
}

/**
 * The users' log for a ranking request, or undefined when the store fails (Redis down): ranking then
 * reads the run's frozen log file — a degraded answer, never an error.
 */
export async function behaviorsFor(store: BehaviorStore | null | undefined, users: readonly unknown[]): Promise<{ source?: BehaviorSource; failed: boolean }> {
  if (!store) return { failed: false };
  const ids = [...new Set(users.map(Number))].filter((u) => Number.isInteger(u) && u >= 0).slice(0, 100);
  try { return { source: await store.source(ids), failed: false }; } catch { return { failed: true }; }
}

const zeroStats = (): BehaviorStoreStats => ({ appended: 0, out_of_order: 0, skipped_on_read: 0 });

/** Appends to a LiveBehaviorLog, counting (not throwing on) behaviours older than the user's last. */
function appendTo(log: LiveBehaviorLog, b: Behavior, stats: BehaviorStoreStats): void {
  try {
    log.append(b.user, b.ts, b.streamer, b.category, b.action, b.watchBucket);
    stats.appended++;
  } catch { stats.out_of_order++; } // a late /events record: the log stays in time order
}

export class MemoryBehaviorStore implements BehaviorStore {
  readonly stats = zeroStats();
  readonly log: LiveBehaviorLog;
  constructor(base: BehaviorLog | null, keep = 10_000) { this.log = new LiveBehaviorLog(base, keep); }
  async append(bs: readonly Behavior[]): Promise<void> { for (const b of bs) appendTo(this.log, b, this.stats); }
  async source(): Promise<BehaviorSource> { return this.log; }
  async close(): Promise<void> {}
}

const REC = 20; // bytes per stored behaviour: ts, streamer, category (int32) + action, watch bucket (uint8) + padding

export function packBehavior(b: Behavior): Buffer {
  const buf = Buffer.alloc(REC);
  buf.writeInt32LE(b.ts, 0); buf.writeInt32LE(b.streamer, 4); buf.writeInt32LE(b.category, 8);
  buf.writeUInt8(b.action, 12); buf.writeUInt8(b.watchBucket, 13);
  return buf;
}

export function unpackBehavior(user: number, buf: Buffer): Behavior {
  if (buf.length !== REC) throw new Error(`behaviour record of ${buf.length} bytes; expected ${REC}`);
  return { user, ts: buf.readInt32LE(0), streamer: buf.readInt32LE(4), category: buf.readInt32LE(8), action: buf.readUInt8(12), watchBucket: buf.readUInt8(13) };
}

/** Redis: `<prefix>bh:<user>` lists of packed behaviours (RPUSH + LTRIM to `keep`). */
export class RedisBehaviorStore implements BehaviorStore {
  readonly stats = zeroStats();
  /** `owned`: close() disconnects the client (the store opened it). */
  constructor(private readonly redis: Redis, private readonly base: BehaviorLog | null, private readonly prefix: string, private readonly keep = 10_000, private readonly owned = false) {}

  /** Connects like the other serving stores (unreachable at start → an error naming the address). */
  static async connect(o: RedisConnectOptions & { prefix: string }, base: BehaviorLog | null, keep = 10_000): Promise<RedisBehaviorStore> {
    const redis = await connectServingRedis(o, (m, e) => new Error(`behaviour store: ${m}`, { cause: e }));
    return new RedisBehaviorStore(redis, base, o.prefix, keep, true);
  }

  private key(u: number): string { return `${this.prefix}bh:${u}`; }

  async append(bs: readonly Behavior[]): Promise<void> {
    if (!bs.length) return;
    const p = this.redis.pipeline();
    for (const b of bs) p.rpush(this.key(b.user), packBehavior(b));
    for (const u of new Set(bs.map((b) => b.user))) p.ltrim(this.key(u), -this.keep, -1);
    const res = await p.exec();
    const err = res?.find(([e]) => e)?.[0];
    if (err) throw err;
    this.stats.appended += bs.length;
  }

  async source(users: readonly number[]): Promise<BehaviorSource> {
    const log = new LiveBehaviorLog(this.base, this.keep);
    const us = [...new Set(users)].filter((u) => Number.isInteger(u) && u >= 0);
    if (!us.length) return log;
    const p = this.redis.pipeline();
    for (const u of us) p.lrangeBuffer(this.key(u), 0, -1);
    const res = (await p.exec()) ?? [];
    const scratch = zeroStats();
    us.forEach((u, i) => {
      const [err, list] = res[i] ?? [null, []];
      if (err) throw err;
      for (const buf of list as Buffer[]) appendTo(log, unpackBehavior(u, buf), scratch);
    });
    this.stats.skipped_on_read += scratch.out_of_order;
    return log;
  }

  async close(): Promise<void> { if (this.owned) this.redis.disconnect(); }
}
