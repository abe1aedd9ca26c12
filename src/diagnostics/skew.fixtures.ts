// Shared by the skew tests: a tiny world run whose features include everything an injected skew can
// touch — hashed ids, a hashed sequence and a cross (CityHash version), and two 24 h counter features
// whose counters also keep a 1 h window (counter windows) — next to features neither touches.
import { worldIdFeatures } from '../train/fixtures/world-features.js';

/** The world of the run (small enough that every user of the replayed tail was seen in the snapshot). */
export const SKEW_WORLD = { impressions: 6000, world_seed: 5, users_per_impression: 0.02, live_rooms_per_million_per_day: 100_000 };

export const skewRunConfig = (): Record<string, unknown> => ({
  name: 'tiny-skew',
  seed: 7,
  data: { source: 'world', ...SKEW_WORLD, split: [0.6, 0.2, 0.2] },
  features: {
    version: 1,
    hash: 'v1.1',
    defaults: { dim: 4, time_column: 'ts' },
    counters: [
      { name: 'user_category_watch', key: ['user_id', 'category_id'], value: 'watch_s', positive_only: true, delay_column: 'watch_s', windows: ['1h/5m', '24h/1h'] },
      { name: 'streamer_imps', key: ['streamer_id'], windows: ['1h/5m', '24h/1h'] },
    ],
    features: [
      ...worldIdFeatures(1024),
      { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
      { name: 'hour', kind: 'time', unit: 'hour_of_day', dim: 3 },
      { name: 'seq_streamers', kind: 'sequence', column: 'seq_streamer_ids', max_len: 10, embedding: 'streamer_id' },
      { name: 'user_x_category', kind: 'cross', fields: ['user_id', 'category'], hash_buckets: 512 },
      { name: 'uc_watch_24h', kind: 'counter', counter: 'user_category_watch', window: '24h', stat: 'sum', ops: ['log1p', 'standardize'] },
      { name: 'streamer_imps_24h', kind: 'counter', counter: 'streamer_imps', window: '24h', stat: 'count', ops: ['log1p', 'standardize'] },
      { name: 'streamer_imps_1h', kind: 'counter', counter: 'streamer_imps', window: '1h', stat: 'count', ops: ['log1p', 'standardize'] },
    ],
  },
  tasks: [
    { name: 'click', label: 'click' },
    { name: 'effective_view', label: 'effective_view' },
  ],
  model: { type: 'shared_bottom', bottom: [8], tower: [4] },
  optimizer: { type: 'adam', lr: 0.02 },
  embedding: { optimizer: 'adam', lr: 0.02 },
  train: { epochs: 1, batch_size: 128, max_steps: 10 },
});

/** The features each injection must be named for (and only they). */
export const HASHED_FEATURES = ['user_id', 'streamer_id', 'seq_streamers', 'user_x_category'];
export const DAY_COUNTER_FEATURES = ['uc_watch_24h', 'streamer_imps_24h'];
