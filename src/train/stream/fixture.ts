// Test and benchmark support: a small synthetic world as joined-sample JSON bodies (one per
// impression, in time order, with `sample_id`), and a small streaming config.
import { isStringColumn, type Table } from '../../data/table.js';
import { generateWorld } from '../../data/world/generate.js';
import { parseTrainConfig, type TrainConfig } from '../config.js';

/** Impression rows as JSON sample bodies (`sample_id` = "s<impression_id>"); NaN becomes null. */
export function tableToSamples(t: Table, idPrefix = 's'): string[] {
  const names = Object.keys(t.columns);
  const out: string[] = new Array(t.numRows);
  for (let i = 0; i < t.numRows; i++) {
    const o: Record<string, unknown> = {};
    for (const n of names) {
      const c = t.columns[n]!;
      const v = c[i];
      o[n] = isStringColumn(c) ? v : Number.isNaN(v as number) ? null : v;
    }
    o.sample_id = `${idPrefix}${String(o.impression_id ?? i)}`;
    out[i] = JSON.stringify(o);
  }
  return out;
}

export function worldSamples(impressions: number, seed = 2): string[] {
  return tableToSamples(generateWorld({ impressions, seed, days: 1 }).impressions);
}

/** A small MMoE with hashed user / streamer ids (so the bounded tables have something to bound). */
export function streamConfig(over: Record<string, unknown> = {}, hashBuckets = 1 << 16): TrainConfig {
  return parseTrainConfig(streamConfigRaw(over, hashBuckets), process.cwd(), 'stream test config');
}

/** The same config as JSON text (for child processes: `liverank train -c FILE --stream …`). */
export function streamConfigJson(over: Record<string, unknown> = {}, hashBuckets = 1 << 16): string {
  return JSON.stringify(streamConfigRaw(over, hashBuckets), null, 1);
}

function streamConfigRaw(over: Record<string, unknown>, hashBuckets: number): Record<string, unknown> {
  return {
    name: 'stream-tiny',
    seed: 3,
    data: { source: 'world', impressions: 1000, world_seed: 2 },
    features: {
      version: 1,
      defaults: { dim: 4 },
      features: [
        { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: hashBuckets },
        { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: hashBuckets },
        { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
        { name: 'country', kind: 'id', column: 'country', vocab: { min_count: 1 } },
        { name: 'scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'] },
        { name: 'position', kind: 'id', column: 'position', hash_buckets: 64 },
        { name: 'followed', kind: 'id', column: 'hist_followed', vocab: [0, 1] },
        { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
        { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
      ],
    },
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
    ],
    model: { type: 'mmoe', experts: 2, expert: [16], tower: [8] },
    optimizer: { type: 'adam', lr: 0.005 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 256 },
    ...over,
  };
}
