// "Followed and live": the rooms of streamers the user follows that are live at ctx.ts, ordered by
// the follow's weight (e.g. the user's watch seconds of the streamer) or by recency of the follow.
import type { Id, RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import type { StreamerLiveIndex } from './live-index.js';
import { toId } from './ids.js';

export interface FollowedStreamer {
  streamer: Id;
  /** Higher = more engaged (e.g. watch seconds); default 0. */
  weight?: number;
  /** Unix seconds of the follow (for `order: recent`); default 0. */
  since?: number;
}

/** Who a user follows at a time (a profile store, the events, or a logged snapshot). */
export interface FollowProvider {
  followed(user: Id, ts: number, ctx?: RankContext): Promise<readonly FollowedStreamer[]>;
}

/** In-process follow lists fed by follow / unfollow events (and weight updates, e.g. watch seconds). */
export class MemoryFollowStore implements FollowProvider {
  private readonly byUser = new Map<Id, Map<Id, FollowedStreamer>>();

  follow(user: Id, streamer: Id, ts: number, weight = 0): void {
    const u = toId(user); const s = toId(streamer);
    let m = this.byUser.get(u);
    if (!m) { m = new Map(); this.byUser.set(u, m); }
    const prev = m.get(s);
    m.set(s, { streamer: s, since: prev?.since ?? ts, weight: Math.max(weight, prev?.weight ?? 0) });
  }

  unfollow(user: Id, streamer: Id): void { this.byUser.get(toId(user))?.delete(toId(streamer)); }

  /** Adds to a follow's weight (e.g. the seconds a watch event adds); ignored when not followed. */
  addWeight(user: Id, streamer: Id, w: number): void {
    const f = this.byUser.get(toId(user))?.get(toId(streamer));
    if (f) f.weight = (f.weight ?? 0) + w;
  }

  async followed(user: Id): Promise<readonly FollowedStreamer[]> {
    const m = this.byUser.get(toId(user));
    return m ? [...m.values()] : [];
  }
}

export class FollowedLiveSource implements RecallSource {
  readonly name = 'followed_live';
  constructor(
    private readonly follows: FollowProvider,
    private readonly live: StreamerLiveIndex,
    private readonly order: 'weight' | 'recent' = 'weight',
  ) {}

  async retrieve(ctx: RankContext, k: number): Promise<RecallCandidate[]> {
    const list = await this.follows.followed(ctx.user, ctx.ts, ctx);
    const out: RecallCandidate[] = [];
    for (const f of list) {
      const room = this.live.liveRoomOfStreamer(toId(f.streamer), ctx.ts);
      if (room === undefined) continue;
      const s = this.live.session(room)!;
      const score = this.order === 'weight' ? (f.weight ?? 0) : (f.since ?? 0);
      out.push({ room, streamer: s.streamer, category: s.category, score, source: this.name });
    }
    out.sort((a, b) => b.score - a.score || cmpId(a.room, b.room));
    return out.slice(0, k);
  }
}

export function cmpId(a: Id, b: Id): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
