// The profile store behind serving (docs/serving.md, "Profiles"): user profiles, user×streamer
// (followed, watch seconds), user×category watch seconds — the world's history columns
// (docs/world.md §3) — kept current by POST /events with the world's rules: an impression's watch
// seconds are added to the user×streamer, user×category and user totals; a follow makes the pair
// followed (and counts once in user_follow_count). Two implementations: MemoryProfileStore
// (in-process, the embedded default) and RedisProfileStore (ioredis, one round trip per lookup).
import { z } from 'zod';
import type { RoomProfile } from '../funnel/live-index.js';
import type { Scalar } from '../funnel/types.js';

const Id = z.union([z.number().finite(), z.string().min(1).max(256)]);
const Text = z.string().min(1).max(256);

/** A user's profile columns (training column names). Absent fields are left as they are. */
export const UserProfileSchema = z.object({
  user_id: Id,
  country: Text.optional(),
  user_age: Text.optional(),
  user_gender: Text.optional(),
  user_device: Text.optional(),
  user_activity: z.number().finite().nonnegative().optional(),
  user_follow_count: z.number().int().nonnegative().optional(),
  hist_total_watch_s: z.number().finite().nonnegative().optional(),
}).strict();
export type UserProfile = z.infer<typeof UserProfileSchema>;
export const USER_COLUMNS = ['country', 'user_age', 'user_gender', 'user_device', 'user_activity', 'user_follow_count', 'hist_total_watch_s'] as const;

/** A follow (or unfollow with `followed: false`) outside an impression. */
export const FollowSchema = z.object({ user: Id, streamer: Id, followed: z.boolean().default(true) }).strict();
export type Follow = z.infer<typeof FollowSchema>;

/** One impression's effect on the profiles (the RealtimeEvent fields the profiles read). */
export interface ProfileImpression { user: string | number; streamer: string | number; category: string | number; watchS?: number; follow?: number }

/** A snapshot of one user's state (bulk loads). */
export interface UserState {
  profile: UserProfile;
  /** streamer → watch seconds. */
  streamerWatch: Map<string, number>;
  /** followed streamers. */
  followed: Set<string>;
  /** category → watch seconds. */
  categoryWatch: Map<string, number>;
}

/** A request's profile columns: the user's, and per candidate the pair columns. */
export interface ProfileLookup {
  /** null when the user is unknown (their columns are missing → the features' defaults). */
  user: Record<string, Scalar> | null;
  hist_followed: Float64Array;
  hist_streamer_watch_s: Float64Array;
  hist_category_watch_s: Float64Array;
}

export interface ProfileStore {
  /** The user's columns and, per (streamer, category) candidate, the pair columns — one round trip. */
  lookup(user: string | number, candidates: readonly { streamer: string | number; category: string | number }[]): Promise<ProfileLookup>;
  /** Streamers the user follows (the "followed and live" recall source reads it). */
  followedStreamers(user: string | number): Promise<string[]>;
  applyImpressions(events: readonly ProfileImpression[]): Promise<void>;
  applyFollows(follows: readonly Follow[]): Promise<void>;
  /** Upserts profile fields (present fields replace the stored ones). */
  upsertUsers(users: readonly UserProfile[]): Promise<void>;
  /** Replaces users' whole state (snapshot loads). */
  loadUsers(states: Iterable<UserState>): Promise<void>;
  /** Stores room profiles (the live index's state after POST /events rooms or a snapshot). */
  saveRooms(rooms: readonly RoomProfile[]): Promise<void>;
  /** Every stored room profile (a restarted instance rebuilds its live index from them). */
  loadRooms(): Promise<RoomProfile[]>;
  close(): Promise<void>;
}

/** The store cannot be reached (Redis down, a call timed out): the service degrades to defaults. */
export class ProfileStoreUnavailableError extends Error {
  override readonly name = 'ProfileStoreUnavailableError';
  constructor(message: string, override readonly cause?: unknown) { super(message); }
}

export class ProfileInputError extends Error {
  override readonly name = 'ProfileInputError';
}

/** Pair-map keys: ids as text (a number id and its decimal text are one key, as the features hash them). */
export const key = (v: string | number): string => String(v);

export function emptyLookup(n: number, fill: number): Omit<ProfileLookup, 'user'> {
  return { hist_followed: new Float64Array(n).fill(fill), hist_streamer_watch_s: new Float64Array(n).fill(fill), hist_category_watch_s: new Float64Array(n).fill(fill) };
}
