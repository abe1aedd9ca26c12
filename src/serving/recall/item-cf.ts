// Online item-CF: the user's last-N effectively viewed streamers (the real-time sequence in the
// request row, most recent first) and optionally the followed streamers are the seeds; each seed's
// neighbours add  sim × action weight × position_decay^position  to the neighbour's score; the
// scores are summed per streamer, each streamer mapped to its live room (streamers not live are
// dropped: only-live) and the top k returned.
import type { Id, RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import type { ItemCfConfig } from './config.js';
import type { FollowProvider } from './followed-live.js';
import { cmpId } from './followed-live.js';
import { parseSequence, toId } from './ids.js';
import type { StreamerLiveIndex } from './live-index.js';
import type { NeighbourStore } from './neighbour-store.js';

export interface Seed { streamer: Id; weight: number }

export class ItemCfSource implements RecallSource {
  readonly name = 'item_cf';
  constructor(
    private readonly store: NeighbourStore,
    private readonly live: StreamerLiveIndex,
    private readonly cfg: ItemCfConfig,
    private readonly follows?: FollowProvider,
  ) {}

  /** The weighted seeds of a request (a streamer seen twice keeps the sum of its weights). */
  async seeds(ctx: RankContext): Promise<Seed[]> {
    const w = new Map<Id, number>();
    const seq = parseSequence(ctx.row[this.cfg.seq_column], this.cfg.separator).slice(0, this.cfg.last_n);
    seq.forEach((s, p) => w.set(s, (w.get(s) ?? 0) + this.cfg.weights.view * Math.pow(this.cfg.position_decay, p)));
    if (this.follows && this.cfg.follow_seeds > 0 && this.cfg.weights.follow > 0) {
      const fl = [...(await this.follows.followed(ctx.user, ctx.ts, ctx))]
        .sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0) || cmpId(toId(a.streamer), toId(b.streamer)))
        .slice(0, this.cfg.follow_seeds);
      for (const f of fl) { const s = toId(f.streamer); w.set(s, (w.get(s) ?? 0) + this.cfg.weights.follow); }
    }
    return [...w].map(([streamer, weight]) => ({ streamer, weight })).filter((s) => s.weight > 0);
  }

  async retrieve(ctx: RankContext, k: number): Promise<RecallCandidate[]> {
    const seeds = await this.seeds(ctx);
    if (!seeds.length) return [];
    const lists = await this.store.neighbours(seeds.map((s) => s.streamer));
    const score = new Map<Id, number>();
    seeds.forEach((seed, i) => {
      for (const n of lists[i]!) score.set(n.item, (score.get(n.item) ?? 0) + n.sim * seed.weight);
    });
    if (this.cfg.exclude_seeds) for (const s of seeds) score.delete(s.streamer);
    const ranked = [...score].sort((a, b) => b[1] - a[1] || cmpId(a[0], b[0]));
    const out: RecallCandidate[] = [];
    for (const [streamer, s] of ranked) {
      if (out.length >= k) break;
      const room = this.live.liveRoomOfStreamer(streamer, ctx.ts);
      if (room === undefined) continue;
      out.push({ room, streamer, category: this.live.session(room)!.category, score: s, source: this.name });
    }
    return out;
  }
}
