// Redis profile store (ioredis). Layout under a key prefix (default "lr:pf:"):
//   <prefix>u:<user>    one hash per user: ".<column>" profile fields (".known" marks a known user),
//                       "w:<streamer>" watch seconds, "f:<streamer>" followed, "c:<category>" watch seconds
//   <prefix>fs:<user>   set of followed streamers (the followed-and-live recall source)
//   <prefix>rooms       one hash: room id → the room profile as JSON (the live index's state)
// A lookup is ONE HMGET (the profile fields + the distinct pairs of the request's candidates).
// Updates run one Lua call per impression / follow, pipelined (one round trip per batch); watch sums
// are added as doubles and stored with 17 significant digits, so they equal the in-process store's.
// Connection failures surface as ProfileStoreUnavailableError (the service's degraded mode).
import type { Redis } from 'ioredis';
import { connectServingRedis } from '../redis-connect.js';
import { z } from 'zod';
import type { RoomProfile } from '../funnel/live-index.js';
import type { Scalar } from '../funnel/types.js';
import { isConnectionError } from '../realtime/redis.js';
import { ProfileInputError, ProfileStoreUnavailableError, USER_COLUMNS, emptyLookup, key, type Follow, type ProfileImpression, type ProfileLookup, type ProfileStore, type UserProfile, type UserState } from './types.js';

export const RedisProfileOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(6379),
  db: z.number().int().min(0).default(0),
  prefix: z.string().min(1).default('lr:pf:'),
  connectTimeoutMs: z.number().int().positive().default(1000),
  commandTimeoutMs: z.number().int().positive().default(500),
}).strict();
export type RedisProfileOptions = z.input<typeof RedisProfileOptionsSchema>;

const NUMERIC = new Set(['user_activity', 'user_follow_count', 'hist_total_watch_s']);

const APPLY = `
redis.call('HSET', KEYS[1], '.known', '1')
local w = tonumber(ARGV[3])
if w > 0 then
  for _, f in ipairs({'w:' .. ARGV[1], 'c:' .. ARGV[2], '.hist_total_watch_s'}) do
    local v = tonumber(redis.call('HGET', KEYS[1], f) or '0') + w
    redis.call('HSET', KEYS[1], f, string.format('%.17g', v))
  end
end
if ARGV[4] == '1' and redis.call('HSETNX', KEYS[1], 'f:' .. ARGV[1], '1') == 1 then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('HINCRBY', KEYS[1], '.user_follow_count', 1)
end
return 1`;

const UNFOLLOW = `
if redis.call('HDEL', KEYS[1], 'f:' .. ARGV[1]) == 1 then
  redis.call('SREM', KEYS[2], ARGV[1])
  local n = tonumber(redis.call('HGET', KEYS[1], '.user_follow_count') or '1') - 1
  if n < 0 then n = 0 end
  redis.call('HSET', KEYS[1], '.user_follow_count', n)
end
return 1`;

type Scripted = Redis & {
  lrProfileApply(k1: string, k2: string, s: string, c: string, w: string, f: string): Promise<number>;
  lrProfileUnfollow(k1: string, k2: string, s: string): Promise<number>;
};

const num = (v: number): string => String(v); // shortest round-trip text of a double

export class RedisProfileStore implements ProfileStore {
  private constructor(readonly redis: Redis, readonly prefix: string) {
    redis.defineCommand('lrProfileApply', { numberOfKeys: 2, lua: APPLY });
    redis.defineCommand('lrProfileUnfollow', { numberOfKeys: 2, lua: UNFOLLOW });
  }

  static async connect(raw: RedisProfileOptions = {}): Promise<RedisProfileStore> {
    const r = RedisProfileOptionsSchema.safeParse(raw);
    if (!r.success) throw new ProfileInputError(`redis profile options: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const o = r.data;
    const redis = await connectServingRedis(o, (m, e) => new ProfileStoreUnavailableError(m, e));
    return new RedisProfileStore(redis, o.prefix);
  }

  private get r(): Scripted { return this.redis as Scripted; }
  private uk(user: string | number): string { return `${this.prefix}u:${key(user)}`; }
  private fk(user: string | number): string { return `${this.prefix}fs:${key(user)}`; }

  private async guard<T>(what: string, f: () => Promise<T>): Promise<T> {
    try { return await f(); } catch (e) {
      if (!isConnectionError(e)) throw e;
      throw new ProfileStoreUnavailableError(`redis profile ${what} failed: ${(e as Error).message}`, e);
    }
  }

  private async exec(p: ReturnType<Redis['pipeline']>): Promise<void> {
    const res = await p.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }

  async lookup(user: string | number, candidates: readonly { streamer: string | number; category: string | number }[]): Promise<ProfileLookup> {
    const streamers = [...new Set(candidates.map((c) => key(c.streamer)))];
    const cats = [...new Set(candidates.map((c) => key(c.category)))];
    const fields = ['.known', ...USER_COLUMNS.map((c) => `.${c}`), ...streamers.flatMap((s) => [`w:${s}`, `f:${s}`]), ...cats.map((c) => `c:${c}`)];
    const vals = await this.guard('lookup', () => this.redis.hmget(this.uk(user), ...fields));
    const out = emptyLookup(candidates.length, 0);
    if (vals[0] === null) return { user: null, ...out };
    const row: Record<string, Scalar> = {};
    USER_COLUMNS.forEach((c, i) => {
      const v = vals[1 + i];
      if (v !== null && v !== undefined) row[c] = NUMERIC.has(c) ? Number(v) : v;
    });
    row.user_follow_count ??= 0;
    row.hist_total_watch_s ??= 0;
    const at = 1 + USER_COLUMNS.length;
    const sIdx = new Map(streamers.map((s, i) => [s, at + 2 * i]));
    const cIdx = new Map(cats.map((c, i) => [c, at + 2 * streamers.length + i]));
    candidates.forEach((c, i) => {
      const j = sIdx.get(key(c.streamer))!;
      out.hist_streamer_watch_s[i] = Number(vals[j] ?? 0);
      out.hist_followed[i] = vals[j + 1] ? 1 : 0;
      out.hist_category_watch_s[i] = Number(vals[cIdx.get(key(c.category))!] ?? 0);
    });
    return { user: row, ...out };
  }

  async followedStreamers(user: string | number): Promise<string[]> {
    return this.guard('followedStreamers', () => this.redis.smembers(this.fk(user)));
  }

  async applyImpressions(events: readonly ProfileImpression[]): Promise<void> {
    if (!events.length) return;
    await this.guard('applyImpressions', async () => {
      for (let i = 0; i < events.length; i += 500) {
        const p = this.redis.pipeline() as unknown as Scripted & ReturnType<Redis['pipeline']>;
        for (const e of events.slice(i, i + 500)) {
          p.lrProfileApply(this.uk(e.user), this.fk(e.user), key(e.streamer), key(e.category), num(e.watchS ?? 0), e.follow === 1 ? '1' : '0');
        }
        await this.exec(p);
      }
    });
  }

  async applyFollows(follows: readonly Follow[]): Promise<void> {
    if (!follows.length) return;
    await this.guard('applyFollows', async () => {
      const p = this.redis.pipeline() as unknown as Scripted & ReturnType<Redis['pipeline']>;
      for (const f of follows) {
        if (f.followed) p.lrProfileApply(this.uk(f.user), this.fk(f.user), key(f.streamer), '', '0', '1');
        else p.lrProfileUnfollow(this.uk(f.user), this.fk(f.user), key(f.streamer));
      }
      await this.exec(p);
    });
  }

  async upsertUsers(users: readonly UserProfile[]): Promise<void> {
    if (!users.length) return;
    await this.guard('upsertUsers', async () => {
      const p = this.redis.pipeline();
      for (const u of users) p.hset(this.uk(u.user_id), profileFields(u));
      await this.exec(p);
    });
  }

  async loadUsers(states: Iterable<UserState>): Promise<void> {
    await this.guard('loadUsers', async () => {
      let p = this.redis.pipeline(), n = 0;
      for (const st of states) {
        const k = this.uk(st.profile.user_id), fk = this.fk(st.profile.user_id);
        const h = profileFields({ user_follow_count: st.followed.size, hist_total_watch_s: 0, ...st.profile });
        for (const [s, w] of st.streamerWatch) h[`w:${s}`] = num(w);
        for (const s of st.followed) h[`f:${s}`] = '1';
        for (const [c, w] of st.categoryWatch) h[`c:${c}`] = num(w);
        p.del(k, fk).hset(k, h);
        if (st.followed.size) p.sadd(fk, ...st.followed);
        if (++n % 50 === 0) { await this.exec(p); p = this.redis.pipeline(); } // small batches: each command has the command timeout
      }
      await this.exec(p);
    });
  }

  async saveRooms(rooms: readonly RoomProfile[]): Promise<void> {
    if (!rooms.length) return;
    await this.guard('saveRooms', async () => {
      for (let i = 0; i < rooms.length; i += 2000) {
        const h: Record<string, string> = {};
        for (const r of rooms.slice(i, i + 2000)) h[key(r.room_id)] = JSON.stringify(r);
        await this.redis.hset(`${this.prefix}rooms`, h);
      }
    });
  }

  async loadRooms(): Promise<RoomProfile[]> {
    return this.guard('loadRooms', async () => {
      const out: RoomProfile[] = [];
      let cursor = '0';
      do {
        const [next, kv] = await this.redis.hscan(`${this.prefix}rooms`, cursor, 'COUNT', 2000);
        cursor = next;
        for (let i = 1; i < kv.length; i += 2) out.push(JSON.parse(kv[i]!) as RoomProfile);
      } while (cursor !== '0');
      return out;
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

function profileFields(u: Partial<UserProfile>): Record<string, string> {
  const h: Record<string, string> = { '.known': '1' };
  for (const c of USER_COLUMNS) { const v = u[c]; if (v !== undefined) h[`.${c}`] = typeof v === 'number' ? num(v) : v; }
  return h;
}
