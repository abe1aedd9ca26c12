// Shared by the serving tests: a tiny trained run (shared-bottom, click + watch time; world ids, a
// dense, a time, a quantile-bucketized, a sequence and a cross feature) and table rows as the JSON objects a client sends.
import { parseTrainConfig } from '../train/config.js';
import { isStringColumn, type Table } from '../data/table.js';
import { worldIdFeatures } from '../train/fixtures/world-features.js';
import type { Row } from './fine-ranker.js';

export const tinyServeConfig = () => parseTrainConfig({
  name: 'tiny-fine-ranker',
  seed: 7,
  data: { source: 'world', impressions: 4000, world_seed: 11, split: [0.6, 0.2, 0.2] },
  features: {
    version: 1,
    defaults: { dim: 4 },
    features: [
      ...worldIdFeatures(1024),
      { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
      { name: 'hour', kind: 'time', unit: 'hour_of_day', dim: 3 },
      { name: 'followers_q', kind: 'bucketized', column: 'streamer_followers', quantiles: 8 },
      { name: 'seq_streamers', kind: 'sequence', column: 'seq_streamer_ids', max_len: 10, embedding: 'streamer_id' },
      { name: 'user_x_category', kind: 'cross', fields: ['user_id', 'category'], hash_buckets: 512 },
    ],
  },
  tasks: [
    { name: 'click', label: 'click' },
    { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p' },
  ],
  model: { type: 'shared_bottom', bottom: [8], tower: [4] },
  optimizer: { type: 'adam', lr: 0.02 },
  embedding: { optimizer: 'adam', lr: 0.02 },
  train: { epochs: 1, batch_size: 128, max_steps: 10 },
}, process.cwd(), 'test config');

/** Table rows as JSON objects (NaN → null), as a client would send them. */
export function tableRows(t: Table): Row[] {
  const rows: Row[] = Array.from({ length: t.numRows }, () => ({}));
  for (const [name, c] of Object.entries(t.columns)) {
    for (let i = 0; i < t.numRows; i++) {
      const v = c[i]!;
      rows[i]![name] = isStringColumn(c) ? (v as string | null) : Number.isNaN(v as number) ? null : (v as number);
    }
  }
  return rows;
}
