// A profile snapshot from the world's tables (docs/world.md): the users side table (profile columns),
// the rooms side table (room profiles, sessions), and the impression log, whose history columns are
// the state just before each impression — so the state after the log is the last row of each
// (user, streamer) / (user, category) / user plus that row's own update (watch seconds added; a follow
// makes the pair followed). Also each user's recent sequence after the log, the last logged viewers
// of each room, and the log's tail as events to warm the real-time counters.
import { isStringColumn, type Column, type Table } from '../../data/table.js';
import type { MemoryLiveIndex, RoomProfile } from '../funnel/live-index.js';
import type { RealtimeEvent, RealtimeStore } from '../realtime/index.js';
import { key, type ProfileStore, type UserState } from './types.js';

export interface ProfileSnapshot {
  users: Map<string, UserState>;
  rooms: RoomProfile[];
  /** user → recent (streamer, category) items, most recent first. */
  sequences: Map<string, { user: string | number; streamers: string[]; categories: string[] }>;
  /** Time of the last logged impression (the snapshot's "now"). */
  lastTs: number;
  /** Impressions of the last `warmSeconds` (real-time counter warm-up), in time order. */
  tail: RealtimeEvent[];
}

export interface SnapshotOptions {
  /** Seconds of log tail returned as events (default 72 h, the longest window of the demo counters). */
  warmSeconds?: number;
  /** Watch seconds that make a view effective, per scenario (the world's). */
  effectiveViewSeconds?: Record<string, number>;
  seqMaxLen?: number;
  sep?: string;
}

function col(t: Table, name: string, where: string): Column {
  const c = t.columns[name];
  if (!c) throw new Error(`${where}: column ${name} missing (has ${Object.keys(t.columns).join(', ')})`);
  return c;
}
const numAt = (c: Column, i: number): number => (isStringColumn(c) ? Number(c[i]) : c[i]!);
const idAt = (c: Column, i: number): string | number => (isStringColumn(c) ? c[i]! : c[i]!);
const optNum = (t: Table, name: string) => (t.columns[name] ? (i: number) => { const v = numAt(t.columns[name]!, i); return Number.isFinite(v) ? v : null; } : () => null);

export function snapshotFromWorld(tables: { users: Table; rooms: Table; impressions: Table }, o: SnapshotOptions = {}): ProfileSnapshot {
  const { users: ut, rooms: rt, impressions: it } = tables;
  const sep = o.sep ?? '|';
  const L = o.seqMaxLen ?? 20;
  const evS = o.effectiveViewSeconds ?? { home: 30, slide: 10, outside: 20 };
  const users = new Map<string, UserState>();
  const state = (u: string | number): UserState => {
    let s = users.get(key(u));
    if (!s) { s = { profile: { user_id: u }, streamerWatch: new Map(), followed: new Set(), categoryWatch: new Map() }; users.set(key(u), s); }
    return s;
  };
  // users side table
  const uid = col(ut, 'user_id', 'users table');
  const text = (name: string) => (ut.columns[name] && isStringColumn(ut.columns[name]!) ? ut.columns[name] as (string | null)[] : null);
  const [country, age, gender, device] = ['country', 'user_age', 'user_gender', 'user_device'].map(text);
  const activity = optNum(ut, 'user_activity'), prior = optNum(ut, 'prior_follow_count');
  for (let i = 0; i < ut.numRows; i++) {
    const p = state(idAt(uid, i)).profile;
    if (country?.[i]) p.country = country[i]!;
    if (age?.[i]) p.user_age = age[i]!;
    if (gender?.[i]) p.user_gender = gender[i]!;
    if (device?.[i]) p.user_device = device[i]!;
    const a = activity(i); if (a !== null) p.user_activity = a;
    const f = prior(i); if (f !== null) p.user_follow_count = f;
  }
  // impression log, in time order: the last row of each key wins, plus its own update
  const c = (n: string) => col(it, n, 'impressions');
  const [iu, is, ic, ir] = ['user_id', 'streamer_id', 'category_id', 'room_id'].map(c) as Column[];
  const [ts, hsw, hcw, htw, hf, ufc, ws, fol] = ['ts', 'hist_streamer_watch_s', 'hist_category_watch_s', 'hist_total_watch_s', 'hist_followed', 'user_follow_count', 'watch_s', 'follow'].map(c) as Column[];
  const scen = c('scenario') as (string | null)[];
  const seqS = c('seq_streamer_ids') as (string | null)[], seqC = c('seq_category_ids') as (string | null)[];
  const viewers = optNum(it, 'room_viewers'), click = optNum(it, 'click'), gift = optNum(it, 'gift');
  const lastRowOfUser = new Map<string, number>();
  const roomViewers = new Map<string, number>();
  const n = it.numRows;
  const lastTs = n ? numAt(ts!, n - 1) : 0;
  const warmFrom = lastTs - (o.warmSeconds ?? 72 * 3600);
  const tail: RealtimeEvent[] = [];
  for (let i = 0; i < n; i++) {
    const u = idAt(iu!, i), s = idAt(is!, i), cat = idAt(ic!, i);
    const st = state(u);
    const w = numAt(ws!, i) || 0;
    const sk = key(s), ck = key(cat);
    st.streamerWatch.set(sk, numAt(hsw!, i) + w);
    st.categoryWatch.set(ck, numAt(hcw!, i) + w);
    st.profile.hist_total_watch_s = numAt(htw!, i) + w;
    const followedBefore = numAt(hf!, i) === 1, follows = numAt(fol!, i) === 1;
    if (followedBefore || follows) st.followed.add(sk); else st.followed.delete(sk);
    st.profile.user_follow_count = numAt(ufc!, i) + (follows && !followedBefore ? 1 : 0);
    lastRowOfUser.set(key(u), i);
    const v = viewers(i); if (v !== null) roomViewers.set(key(idAt(ir!, i)), v);
    const t = numAt(ts!, i);
    if (t >= warmFrom) {
      const e: RealtimeEvent = { user: u, room: idAt(ir!, i), streamer: s, category: cat, scenario: scen[i]!, ts: t, watchS: w };
      const cl = click(i); if (cl !== null) e.click = cl;
      if (follows) e.follow = 1; else e.follow = 0;
      const g = gift(i); if (g !== null) e.gift = g;
      tail.push(e);
    }
  }
  const sequences = new Map<string, { user: string | number; streamers: string[]; categories: string[] }>();
  for (const [u, i] of lastRowOfUser) {
    const split = (x: string | null) => (x ? x.split(sep) : []);
    const streamers = split(seqS[i]!), categories = split(seqC[i]!);
    const thr = evS[scen[i]!];
    if (thr !== undefined && (numAt(ws!, i) || 0) >= thr) { streamers.unshift(String(idAt(is!, i))); categories.unshift(String(idAt(ic!, i))); }
    sequences.set(u, { user: idAt(iu!, i), streamers: streamers.slice(0, L), categories: categories.slice(0, L) });
  }
  // rooms side table
  const rid = col(rt, 'room_id', 'rooms table'), rs = col(rt, 'streamer_id', 'rooms table'), rc = col(rt, 'category_id', 'rooms table');
  const start = col(rt, 'start_ts', 'rooms table'), end = col(rt, 'end_ts', 'rooms table');
  const rcountry = rt.columns.room_country && isStringColumn(rt.columns.room_country) ? rt.columns.room_country : null;
  const foll = optNum(rt, 'streamer_followers');
  const rooms: RoomProfile[] = [];
  for (let i = 0; i < rt.numRows; i++) {
    const e = numAt(end, i);
    rooms.push({
      room_id: idAt(rid, i), streamer_id: idAt(rs, i), category_id: idAt(rc, i), room_country: rcountry?.[i] ?? null,
      streamer_followers: foll(i), start_ts: numAt(start, i), end_ts: Number.isFinite(e) ? e : null,
      room_viewers: roomViewers.get(key(idAt(rid, i))) ?? null,
    });
  }
  return { users, rooms, sequences, lastTs, tail };
}

/** Loads a snapshot into the service's stores: rooms into the live index, users into the profile store, sequences and the log tail into the real-time store. */
export async function applySnapshot(s: ProfileSnapshot, to: { live: MemoryLiveIndex; profiles: ProfileStore; realtime: RealtimeStore }, chunk = 5000): Promise<{ users: number; rooms: number; sequences: number; events: number }> {
  await to.profiles.saveRooms(to.live.load(s.rooms, 'snapshot rooms'));
  await to.profiles.loadUsers(s.users.values());
  // after each chunk a read at the chunk's last time moves its visible events into the counters, so
  // the backlog is promoted in steps during the load (not in one huge call, nor in the first request)
  const anyUser = s.tail[0]?.user ?? s.sequences.values().next().value?.user;
  for (let i = 0; i < s.tail.length; i += chunk) {
    const part = s.tail.slice(i, i + chunk);
    await to.realtime.applyEvents(part);
    await to.realtime.featuresFor(anyUser!, [], part[part.length - 1]!.ts);
  }
  if (anyUser !== undefined) await to.realtime.featuresFor(anyUser, [], s.lastTs);
  // the sequences last: replaying the tail pushed its effective views, the snapshot's lists already hold them
  for (const q of s.sequences.values()) await to.realtime.seedSequence(q.user, q.streamers, q.categories);
  return { users: s.users.size, rooms: s.rooms.length, sequences: s.sequences.size, events: s.tail.length };
}
