// The logQ correction's sampling probabilities (Yi et al. 2019): q_j = the probability that item j
// is a candidate of the in-batch softmax. Estimated from training-data frequencies (not the paper's
// streaming estimator): batches are uniform draws of training rows, so a batch row's item is j with
// probability n_j / N (n_j = training rows whose item id is j); appended negatives (hard_negatives)
// are drawn uniformly over the M distinct training items, or ∝ n_j. The candidate set of a batch of
// B rows plus K negatives holds item j with expected frequency
//
//   q_j = (B · n_j/N + K · p_neg(j)) / (B + K),   p_neg(j) = 1/M (uniform) or n_j/N (popularity).
//
// Ids never seen in training get q = 0.5/N (they never enter a training batch; the value only
// matters for the exported log_q of catalog items that have no training row).
import type { Table } from '../data/table.js';
import { transform, type FittedFeatures } from '../features/index.js';
import { subsetFitted } from './retrieval-features.js';

export interface ItemCounts {
  /** n_j per id of the item feature. */
  counts: Float64Array;
  /** Item id of every training row. */
  rowIds: Int32Array;
  rows: number;
  /** M: distinct ids with n_j > 0. */
  distinct: number;
}

/** Item ids of every row of `table` (the item feature featurized on its own). */
export function itemIdsOf(fitted: FittedFeatures, itemFeature: string, table: Table): Int32Array {
  const sub = subsetFitted(fitted, [itemFeature], `model.item_id "${itemFeature}"`);
  const fb = transform(sub, table);
  const ids = fb.ids[itemFeature];
  if (!ids) throw new Error(`model.item_id: "${itemFeature}" is not a single-id feature`);
  return ids;
}

export function countItems(fitted: FittedFeatures, itemFeature: string, train: Table, numIds: number): ItemCounts {
  const rowIds = itemIdsOf(fitted, itemFeature, train);
  const counts = new Float64Array(numIds);
  for (const id of rowIds) counts[id]!++;
  let distinct = 0;
  for (const c of counts) if (c > 0) distinct++;
  return { counts, rowIds, rows: rowIds.length, distinct };
}

export interface LogQOptions {
  batchSize: number;
  /** Appended negatives per batch (0 = none) and how they are drawn. */
  negatives: number;
  sampling: 'uniform' | 'popularity';
}

/** ln q_j per id (float32, length = number of ids). */
export function logQ(c: ItemCounts, o: LogQOptions): Float32Array {
  const N = Math.max(1, c.rows), B = o.batchSize, K = o.negatives, M = Math.max(1, c.distinct);
  const out = new Float32Array(c.counts.length);
  for (let j = 0; j < out.length; j++) {
    const n = c.counts[j]!;
    if (n === 0) { out[j] = Math.log(0.5 / N); continue; }
    const pNeg = o.sampling === 'uniform' ? 1 / M : n / N;
    out[j] = Math.log((B * (n / N) + K * pNeg) / (B + K));
  }
  return out;
}
