// The fallback recall: the live rooms with the most viewers (then followers), no personalisation.
// Used when no recall model is configured, and as the fallback list when the configured recall
// times out or fails. Only live rooms by construction.
import type { MemoryLiveIndex, RoomProfile } from './live-index.js';
import type { RankContext, RecallCandidate, Recaller } from './types.js';

export const POPULAR_LIVE = 'popular_live';

export class PopularLiveRecaller implements Recaller {
  private cacheTs = NaN;
  private cacheN = 0;
  private cache: RecallCandidate[] = [];

  constructor(private readonly live: MemoryLiveIndex) {}

  async retrieve(ctx: RankContext, total: number): Promise<{ candidates: RecallCandidate[]; perSource: Record<string, number> }> {
    const t = Math.floor(ctx.ts);
    if (t !== this.cacheTs || total > this.cacheN) {
      const rooms = [...this.live.liveProfiles(ctx.ts)];
      rooms.sort(byPopularity);
      this.cache = rooms.slice(0, total).map((r) => ({ room: r.room_id, streamer: r.streamer_id, category: r.category_id, score: r.room_viewers ?? 0, source: POPULAR_LIVE }));
      this.cacheTs = t;
      this.cacheN = total;
    }
    const candidates = this.cache.slice(0, total);
    return { candidates, perSource: { [POPULAR_LIVE]: candidates.length } };
  }
}

function byPopularity(a: RoomProfile, b: RoomProfile): number {
  return (b.room_viewers ?? -1) - (a.room_viewers ?? -1) || (b.streamer_followers ?? -1) - (a.streamer_followers ?? -1) || String(a.room_id).localeCompare(String(b.room_id));
}
