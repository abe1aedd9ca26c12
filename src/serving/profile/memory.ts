// In-process profile store (the embedded default): one state object per user.
import type { RoomProfile } from '../funnel/live-index.js';
import type { Scalar } from '../funnel/types.js';
import { USER_COLUMNS, emptyLookup, key, type Follow, type ProfileImpression, type ProfileLookup, type ProfileStore, type UserProfile, type UserState } from './types.js';

export class MemoryProfileStore implements ProfileStore {
  private readonly users = new Map<string, UserState>();
  private readonly rooms = new Map<string, RoomProfile>();

  get size(): number { return this.users.size; }

  private state(user: string | number): UserState {
    const k = key(user);
    let s = this.users.get(k);
    if (!s) {
      s = { profile: { user_id: user }, streamerWatch: new Map(), followed: new Set(), categoryWatch: new Map() };
      this.users.set(k, s);
    }
    return s;
  }

  async lookup(user: string | number, candidates: readonly { streamer: string | number; category: string | number }[]): Promise<ProfileLookup> {
    const s = this.users.get(key(user));
    const out = emptyLookup(candidates.length, 0);
    if (!s) return { user: null, ...out };
    const row: Record<string, Scalar> = {};
    for (const c of USER_COLUMNS) { const v = s.profile[c]; if (v !== undefined) row[c] = v; }
    row.user_follow_count ??= s.followed.size;
    row.hist_total_watch_s ??= 0;
    candidates.forEach((c, i) => {
      const sk = key(c.streamer);
      out.hist_followed[i] = s.followed.has(sk) ? 1 : 0;
      out.hist_streamer_watch_s[i] = s.streamerWatch.get(sk) ?? 0;
      out.hist_category_watch_s[i] = s.categoryWatch.get(key(c.category)) ?? 0;
    });
    return { user: row, ...out };
  }

  async followedStreamers(user: string | number): Promise<string[]> {
    return [...(this.users.get(key(user))?.followed ?? [])];
  }

  async applyImpressions(events: readonly ProfileImpression[]): Promise<void> {
    for (const e of events) {
      const s = this.state(e.user);
      const w = e.watchS ?? 0;
      if (w > 0) {
        const sk = key(e.streamer), ck = key(e.category);
        s.streamerWatch.set(sk, (s.streamerWatch.get(sk) ?? 0) + w);
        s.categoryWatch.set(ck, (s.categoryWatch.get(ck) ?? 0) + w);
        s.profile.hist_total_watch_s = (s.profile.hist_total_watch_s ?? 0) + w;
      }
      if (e.follow === 1) this.follow(s, e.streamer, true);
    }
  }

  private follow(s: UserState, streamer: string | number, on: boolean): void {
    const sk = key(streamer);
    if (on === s.followed.has(sk)) return;
    if (on) s.followed.add(sk); else s.followed.delete(sk);
    s.profile.user_follow_count = Math.max(0, (s.profile.user_follow_count ?? (on ? s.followed.size - 1 : s.followed.size + 1)) + (on ? 1 : -1));
  }

  async applyFollows(follows: readonly Follow[]): Promise<void> {
    for (const f of follows) this.follow(this.state(f.user), f.streamer, f.followed);
  }

  async upsertUsers(users: readonly UserProfile[]): Promise<void> {
    for (const u of users) {
      const s = this.state(u.user_id);
      s.profile = { ...s.profile, ...u };
    }
  }

  async loadUsers(states: Iterable<UserState>): Promise<void> {
    for (const st of states) this.users.set(key(st.profile.user_id), {
      profile: { ...st.profile }, streamerWatch: new Map(st.streamerWatch), followed: new Set(st.followed), categoryWatch: new Map(st.categoryWatch),
    });
  }

  async saveRooms(rooms: readonly RoomProfile[]): Promise<void> {
    for (const r of rooms) this.rooms.set(key(r.room_id), { ...r });
  }

  async loadRooms(): Promise<RoomProfile[]> { return [...this.rooms.values()].map((r) => ({ ...r })); }

  async close(): Promise<void> { /* nothing held */ }
}
