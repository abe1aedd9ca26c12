// Which rooms are live at a time: an in-process LiveRoomIndex over live sessions (room, streamer,
// start, end), e.g. the world's rooms side table (start_ts inclusive, end_ts exclusive). Sessions
// are bucketed by hour so liveRooms(ts) touches only the sessions overlapping ts's hour; a streamer
// has at most one live room at a time in the world (its sessions do not overlap), and
// liveRoomOfStreamer returns the latest-started live one if a feed ever overlaps them.
import type { Table } from '../../data/table.js';
import { isStringColumn } from '../../data/table.js';
import type { Id, LiveRoomIndex, Scalar } from '../funnel/types.js';

export interface LiveSession {
  room: Id;
  streamer: Id;
  category: Id;
  /** Unix seconds, inclusive. */
  start: number;
  /** Unix seconds, exclusive. */
  end: number;
  /** Static profile columns (room_country, streamer_followers …), returned by profile(). */
  profile?: Record<string, Scalar>;
}

const BUCKET_S = 3600;

/** LiveRoomIndex plus the lookups recall needs: the live room of a streamer, a room's session. */
export interface StreamerLiveIndex extends LiveRoomIndex {
  liveRoomOfStreamer(streamer: Id, ts: number): Id | undefined;
  session(room: Id): LiveSession | undefined;
}

export class SessionLiveIndex implements StreamerLiveIndex {
  private readonly byRoom = new Map<Id, LiveSession>();
  private readonly byStreamer = new Map<Id, LiveSession[]>();
  private readonly buckets = new Map<number, LiveSession[]>();

  constructor(sessions: Iterable<LiveSession> = []) {
    for (const s of sessions) this.add(s);
  }

  /** Adds a session (a room that went live); a room id may be added once. */
  add(s: LiveSession): void {
    if (!(Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start)) {
      throw new Error(`live index: room ${String(s.room)}: expected start < end (finite unix seconds), got start ${s.start}, end ${s.end}`);
    }
    if (this.byRoom.has(s.room)) throw new Error(`live index: room ${String(s.room)} added twice`);
    this.byRoom.set(s.room, s);
    let list = this.byStreamer.get(s.streamer);
    if (!list) { list = []; this.byStreamer.set(s.streamer, list); }
    list.push(s);
    list.sort((a, b) => a.start - b.start);
    for (let b = Math.floor(s.start / BUCKET_S); b <= Math.floor((s.end - 1) / BUCKET_S); b++) {
      let l = this.buckets.get(b);
      if (!l) { l = []; this.buckets.set(b, l); }
      l.push(s);
    }
  }

  get size(): number { return this.byRoom.size; }

  session(room: Id): LiveSession | undefined { return this.byRoom.get(room); }

  isLive(room: Id, ts: number): boolean {
    const s = this.byRoom.get(room);
    return s !== undefined && s.start <= ts && ts < s.end;
  }

  *liveRooms(ts: number): Iterable<Id> {
    const l = this.buckets.get(Math.floor(ts / BUCKET_S));
    if (!l) return;
    for (const s of l) if (s.start <= ts && ts < s.end) yield s.room;
  }

  liveRoomOfStreamer(streamer: Id, ts: number): Id | undefined {
    const list = this.byStreamer.get(streamer);
    if (!list) return undefined;
    // Latest session starting at or before ts (binary search), then check it is still running.
    let lo = 0; let hi = list.length - 1; let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.start <= ts) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    for (let i = at; i >= 0 && i >= at - 1; i--) if (ts < list[i]!.end) return list[i]!.room;
    return undefined;
  }

  profile(room: Id, ts: number): Record<string, Scalar> | undefined {
    const s = this.byRoom.get(room);
    if (!s || !(s.start <= ts && ts < s.end)) return undefined;
    return { room_id: s.room, streamer_id: s.streamer, category_id: s.category, ...s.profile, room_live_s: ts - s.start };
  }
}

function column(t: Table, name: string, what: string): ArrayLike<unknown> {
  const c = t.columns[name];
  if (!c) throw new Error(`${what}: column "${name}" missing (columns: ${Object.keys(t.columns).join(', ')})`);
  return c;
}

/**
 * The live index of the world's rooms side table (room_id, streamer_id, category_id, room_country,
 * streamer_followers, start_ts, end_ts). room_viewers is not in the side table (it moves with time);
 * profile() returns the static columns and room_live_s.
 */
export function liveIndexFromRooms(rooms: Table, what = 'rooms table'): SessionLiveIndex {
  const room = column(rooms, 'room_id', what); const streamer = column(rooms, 'streamer_id', what);
  const cat = column(rooms, 'category_id', what); const start = column(rooms, 'start_ts', what); const end = column(rooms, 'end_ts', what);
  const country = rooms.columns.room_country; const followers = rooms.columns.streamer_followers;
  const idx = new SessionLiveIndex();
  for (let i = 0; i < rooms.numRows; i++) {
    const profile: Record<string, Scalar> = {};
    if (country) profile.room_country = isStringColumn(country) ? country[i]! : Number(country[i]);
    if (followers) profile.streamer_followers = Number(followers[i]);
    idx.add({ room: room[i] as Id, streamer: streamer[i] as Id, category: cat[i] as Id, start: Number(start[i]), end: Number(end[i]), profile });
  }
  return idx;
}
