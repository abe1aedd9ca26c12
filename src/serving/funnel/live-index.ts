// The in-process live-room index: room profiles (room_id, streamer_id, category_id, room_country,
// streamer_followers, start/end ts, last known viewers) and which sessions are live at a time
// (start_ts ≤ ts < end_ts; no end_ts yet = live). Fed by the profile snapshot at start-up and by
// POST /events `rooms` (a room starting, ending, or a viewer-count update).
import { z } from 'zod';
import type { LiveSession, StreamerLiveIndex } from '../recall/live-index.js';
import type { Id, Scalar } from './types.js';

const IdSchema = z.union([z.number().finite(), z.string().min(1).max(256)]);

/** A room update: a new room needs streamer_id, category_id and start_ts; a known one may send any subset. */
export const RoomUpdateSchema = z.object({
  room_id: IdSchema,
  streamer_id: IdSchema.optional(),
  category_id: IdSchema.optional(),
  room_country: z.string().min(1).max(64).optional(),
  streamer_followers: z.number().finite().nonnegative().optional(),
  start_ts: z.number().finite().optional(),
  /** null = live (reopened); a number = the session ended then. */
  end_ts: z.number().finite().nullable().optional(),
  room_viewers: z.number().finite().nonnegative().nullable().optional(),
}).strict();
export type RoomUpdate = z.infer<typeof RoomUpdateSchema>;

export interface RoomProfile {
  room_id: Id;
  streamer_id: Id;
  category_id: Id;
  room_country: string | null;
  streamer_followers: number | null;
  start_ts: number;
  end_ts: number | null;
  room_viewers: number | null;
}

export class LiveIndexInputError extends Error {
  override readonly name = 'LiveIndexInputError';
}

/** Implements the recall sources' StreamerLiveIndex too (the live room of a streamer, a room's session). */
export class MemoryLiveIndex implements StreamerLiveIndex {
  private readonly rooms = new Map<string, RoomProfile>();
  private readonly byStreamer = new Map<string, RoomProfile[]>();
  private cacheTs = NaN;
  private cache: RoomProfile[] = [];

  get size(): number { return this.rooms.size; }

  /** Applies room updates in order; a new room without streamer_id, category_id or start_ts is refused naming the field. */
  upsert(updates: readonly RoomUpdate[], where = 'rooms'): RoomProfile[] {
    // validate everything first so a bad batch changes nothing
    updates.forEach((u, i) => {
      if (this.rooms.has(String(u.room_id))) return;
      for (const f of ['streamer_id', 'category_id', 'start_ts'] as const) {
        if (u[f] === undefined) throw new LiveIndexInputError(`${where}[${i}].${f}: required for a room not seen before (room_id ${u.room_id})`);
      }
    });
    const changed: RoomProfile[] = [];
    for (const u of updates) {
      const k = String(u.room_id);
      const old = this.rooms.get(k);
      const next: RoomProfile = old ? { ...old } : {
        room_id: u.room_id, streamer_id: u.streamer_id!, category_id: u.category_id!, room_country: null,
        streamer_followers: null, start_ts: u.start_ts!, end_ts: null, room_viewers: null,
      };
      for (const [f, v] of Object.entries(u)) if (v !== undefined && f !== 'room_id') (next as unknown as Record<string, unknown>)[f] = v;
      this.rooms.set(k, next);
      if (old) { const l = this.byStreamer.get(String(old.streamer_id)); if (l) l.splice(l.indexOf(old), 1); }
      const sk = String(next.streamer_id);
      let l = this.byStreamer.get(sk);
      if (!l) { l = []; this.byStreamer.set(sk, l); }
      l.push(next);
      changed.push(next);
    }
    this.cacheTs = NaN;
    return changed;
  }

  /** Room profiles as upserts (a stored state, a snapshot). */
  load(rooms: Iterable<RoomProfile>, where = 'rooms'): RoomProfile[] {
    const ups: RoomUpdate[] = [];
    for (const r of rooms) {
      const u: RoomUpdate = { room_id: r.room_id, streamer_id: r.streamer_id, category_id: r.category_id, start_ts: r.start_ts, end_ts: r.end_ts, room_viewers: r.room_viewers };
      if (r.room_country !== null) u.room_country = r.room_country;
      if (r.streamer_followers !== null) u.streamer_followers = r.streamer_followers;
      ups.push(u);
    }
    return this.upsert(ups, where);
  }

  get(room: Id): RoomProfile | undefined { return this.rooms.get(String(room)); }

  isLive(room: Id, ts: number): boolean {
    const r = this.rooms.get(String(room));
    return !!r && live(r, ts);
  }

  /** Live rooms' profiles at ts (cached per second: many requests share "now"). */
  liveProfiles(ts: number): readonly RoomProfile[] {
    const t = Math.floor(ts);
    if (t !== this.cacheTs) {
      const out: RoomProfile[] = [];
      for (const r of this.rooms.values()) if (live(r, ts)) out.push(r);
      this.cache = out;
      this.cacheTs = t;
    }
    return this.cache;
  }

  liveRooms(ts: number): Iterable<Id> { return this.liveProfiles(ts).map((r) => r.room_id); }

  profile(room: Id, ts: number): Record<string, Scalar> | undefined {
    const r = this.rooms.get(String(room));
    return r ? roomRow(r, ts) : undefined;
  }

  /** The streamer's live room at ts (the latest started if sessions overlap). */
  liveRoomOfStreamer(streamer: Id, ts: number): Id | undefined {
    let best: RoomProfile | undefined;
    for (const r of this.byStreamer.get(String(streamer)) ?? []) if (live(r, ts) && (!best || r.start_ts > best.start_ts)) best = r;
    return best?.room_id;
  }

  session(room: Id): LiveSession | undefined {
    const r = this.rooms.get(String(room));
    if (!r) return undefined;
    const profile: Record<string, Scalar> = {};
    if (r.room_country !== null) profile.room_country = r.room_country;
    if (r.streamer_followers !== null) profile.streamer_followers = r.streamer_followers;
    return { room: r.room_id, streamer: r.streamer_id, category: r.category_id, start: r.start_ts, end: r.end_ts ?? Infinity, profile };
  }

  /** Every room (snapshots). */
  all(): IterableIterator<RoomProfile> { return this.rooms.values(); }
}

const live = (r: RoomProfile, ts: number): boolean => r.start_ts <= ts && (r.end_ts === null || ts < r.end_ts);

/** A room's columns at ts, training column names. */
export function roomRow(r: RoomProfile, ts: number): Record<string, Scalar> {
  return {
    room_id: r.room_id, streamer_id: r.streamer_id, category_id: r.category_id, room_country: r.room_country,
    streamer_followers: r.streamer_followers, room_viewers: r.room_viewers, room_live_s: Math.max(0, Math.floor(ts - r.start_ts)),
  };
}
