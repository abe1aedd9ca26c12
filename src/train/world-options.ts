// The synthetic world's options of a training config's `data` section (source: world).
import type { WorldOptions } from '../data/world/generate.js';
import type { TrainConfig } from './config.js';

type WorldData = Extract<TrainConfig['data'], { source: 'world' }>;

export function worldOptionsOf(d: WorldData): WorldOptions {
  return {
    impressions: d.impressions, seed: d.world_seed, days: d.days, liveRoomsPerMillionPerDay: d.live_rooms_per_million_per_day,
    usersPerImpression: d.users_per_impression, heterogeneity: d.heterogeneity, loggingPolicy: d.logging_policy,
    loggingNoise: d.logging_noise, loggingStreamerNoise: d.logging_streamer_noise, counterfactualTruth: d.counterfactual_truth,
    ...(d.drift !== undefined ? { drift: d.drift } : {}),
  };
}
