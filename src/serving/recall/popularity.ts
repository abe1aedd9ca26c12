// The popularity baseline: live rooms of the streamers with the most effective views in a past
// window (the item-CF build's `popularity` table), scanned in popularity order until k are live.
import type { Id, RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import type { StreamerLiveIndex } from './live-index.js';
import { cmpId } from './followed-live.js';

export class PopularitySource implements RecallSource {
  readonly name = 'popularity';
  private readonly order: { streamer: Id; count: number }[];

  constructor(counts: ReadonlyMap<Id, number>, private readonly live: StreamerLiveIndex) {
    this.order = [...counts].map(([streamer, count]) => ({ streamer, count }))
      .sort((a, b) => b.count - a.count || cmpId(a.streamer, b.streamer));
  }

  async retrieve(ctx: RankContext, k: number): Promise<RecallCandidate[]> {
    const out: RecallCandidate[] = [];
    for (const { streamer, count } of this.order) {
      if (out.length >= k) break;
      const room = this.live.liveRoomOfStreamer(streamer, ctx.ts);
      if (room === undefined) continue;
      out.push({ room, streamer, category: this.live.session(room)!.category, score: count, source: this.name });
    }
    return out;
  }
}
