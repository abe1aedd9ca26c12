// Builds the recall sources and the merged Recaller from a recall config (examples/recall.yaml).
import type { Id, RecallSource } from '../funnel/types.js';
import type { RecallConfig } from './config.js';
import { FollowedLiveSource, type FollowProvider } from './followed-live.js';
import { ItemCfSource } from './item-cf.js';
import type { StreamerLiveIndex } from './live-index.js';
import { MemoryNeighbourStore, readNeighbourTable, type NeighbourStore, type NeighbourTable } from './neighbour-store.js';
import { PopularitySource } from './popularity.js';
import { RedisNeighbourStore } from './neighbour-store-redis.js';
import { QuotaRecaller } from './recaller.js';
import { TwoTowerSource } from './two-tower.js';

export interface RecallDeps {
  live: StreamerLiveIndex;
  /** Follow lists (followed_live; item-CF follow seeds). Required when followed_live is listed. */
  follows?: FollowProvider;
  /** An already loaded neighbour table (else item_cf.neighbours is read). */
  neighbours?: NeighbourTable;
  /** A neighbour store to serve item-CF from (e.g. Redis); default: in-process over the table. */
  neighbourStore?: NeighbourStore;
  /** Popularity counts (else the neighbour table's, or popularity.from's). */
  popularity?: ReadonlyMap<Id, number>;
}

export interface RecallStack {
  recaller: QuotaRecaller;
  sources: Map<string, RecallSource>;
  twoTower?: TwoTowerSource;
  neighbours?: NeighbourTable;
  dispose(): Promise<void>;
}

export async function createRecall(cfg: RecallConfig, deps: RecallDeps): Promise<RecallStack> {
  const names = new Set(cfg.sources.map((s) => s.name));
  let table = deps.neighbours;
  const redisCfg = names.has('item_cf') && !deps.neighbourStore ? cfg.item_cf?.redis : undefined;
  const needTable = (names.has('item_cf') && !deps.neighbourStore && (!redisCfg || redisCfg.publish)) || (names.has('popularity') && !deps.popularity && !cfg.popularity.from);
  if (!table && needTable && cfg.item_cf) table = readNeighbourTable(cfg.item_cf.neighbours);
  let redis: RedisNeighbourStore | undefined;
  if (redisCfg) {
    redis = await RedisNeighbourStore.connect({ host: redisCfg.host, port: redisCfg.port, prefix: redisCfg.prefix });
    if (redisCfg.publish) await redis.publish(table!.neighbours);
  }
  const sources = new Map<string, RecallSource>();
  let twoTower: TwoTowerSource | undefined;
  for (const s of cfg.sources) {
    switch (s.name) {
      case 'two_tower': {
        const t = cfg.two_tower!;
        twoTower = await TwoTowerSource.load(t.dir, deps.live, {
          ann: { metric: 'ip', connectivity: t.connectivity, expansionAdd: t.expansion_add, expansionSearch: t.expansion_search }, liveOverfetch: t.live_overfetch, search: t.search, autoRatio: t.auto_ratio,
        });
        sources.set(s.name, twoTower);
        break;
      }
      case 'item_cf':
        sources.set(s.name, new ItemCfSource(deps.neighbourStore ?? redis ?? new MemoryNeighbourStore(table!.neighbours), deps.live, cfg.item_cf!, deps.follows));
        break;
      case 'followed_live':
        if (!deps.follows) throw new Error('recall: followed_live is listed but no follow provider was given');
        sources.set(s.name, new FollowedLiveSource(deps.follows, deps.live, cfg.followed_live.order));
        break;
      case 'popularity': {
        const counts = deps.popularity ?? (cfg.popularity.from ? readNeighbourTable(cfg.popularity.from).popularity : table!.popularity);
        sources.set(s.name, new PopularitySource(counts, deps.live));
        break;
      }
    }
  }
  const recaller = new QuotaRecaller(cfg.sources.map((s) => ({ source: sources.get(s.name)!, quota: s.quota, overfetch: s.overfetch })), deps.live, cfg.source_timeout_ms);
  return { recaller, sources, twoTower, neighbours: table, dispose: async () => { await twoTower?.dispose(); await redis?.close(); } };
}
