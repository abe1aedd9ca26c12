// What a two_tower run needs from the training data before its first step: the checks that the
// config fits an in-batch softmax, the logQ table (retrieval-logq.ts) put into the model's config,
// and — with model.hard_negatives — the batch extension that appends sampled catalog rows.
import type { Column, Table } from '../data/table.js';
import { isStringColumn, takeRows } from '../data/table.js';
import type { FittedFeatures } from '../features/index.js';
import type { ResolvedModel } from '../models/registry.js';
import type { TwoTowerConfig } from '../models/two-tower.js';
import { Rng } from '../util/rng.js';
import type { TrainConfig } from './config.js';
import { countItems, logQ, type ItemCounts } from './retrieval-logq.js';
import { subsetFitted } from './retrieval-features.js';

export const TWO_TOWER = 'two_tower';

export interface RetrievalPrep {
  counts: ItemCounts;
  /** Appends the hard negatives to a training batch (labels of the appended rows missing); null without hard_negatives. */
  extendBatch: ((batch: Table, step: number) => Table) | null;
}

/** Refuses config parts that the in-batch softmax cannot honour; errors name the key. */
export function checkRetrievalConfig(cfg: TrainConfig): void {
  const t = cfg.tasks[0]!;
  const no = (key: string, why: string) => { throw new Error(`${key}: not supported with model.type two_tower (${why})`); };
  if (t.weight_column !== undefined) no(`tasks "${t.name}".weight_column`, 'the loss is a softmax over the batch, averaged over positive rows');
  if (t.sample_space !== undefined) no(`tasks "${t.name}".sample_space`, 'every row\'s item is a candidate; the label alone marks the positives');
  if (cfg.balance) no('balance', 'it re-weights and drops rows of the batch the softmax runs over');
  if (cfg.debias) no('debias', 'IPS weights of single rows do not apply to a softmax over the batch');
  if (cfg.calibration) no('calibration', 'the score s = ⟨u, v⟩/τ is a ranking score, not a probability');
}

export function prepareRetrieval(cfg: TrainConfig, model: ResolvedModel, train: Table, fitted: FittedFeatures, log: (s: string) => void): RetrievalPrep | null {
  if (model.def.name !== TWO_TOWER) return null;
  checkRetrievalConfig(cfg);
  const m = model.cfg as TwoTowerConfig;
  // Both towers must stand alone (export writes each tower's features on their own): fail now, not after training.
  subsetFitted(fitted, m.user_features, 'model.user_features');
  subsetFitted(fitted, m.item_features, 'model.item_features');
  const spec = fitted.specs.find((s) => s.name === m.item_id);
  if (!spec || spec.output !== 'ids') throw new Error(`model.item_id: "${m.item_id}" is not a single-id embedded feature`);
  const counts = countItems(fitted, m.item_id, train, spec.buckets);
  const K = m.hard_negatives?.count ?? 0;
  const sampling = m.hard_negatives?.sampling ?? 'uniform';
  if (m.logq) model.cfg = { ...m, log_q: logQ(counts, { batchSize: cfg.train.batch_size, negatives: K, sampling }) };
  log(`two_tower: ${counts.distinct.toLocaleString('en-US')} distinct ${m.item_id} ids in ${counts.rows.toLocaleString('en-US')} training rows; logQ ${m.logq ? 'on (training frequencies)' : 'off'}${K ? `; ${K} ${sampling} negatives appended per batch` : ''}`);
  return { counts, extendBatch: K ? negativeSampler(train, counts, K, sampling, cfg.tasks[0]!.label, cfg.seed) : null };
}

/**
 * Appends K training rows to a batch, chosen by their item: uniformly over the distinct training
 * items (then a random row of that item) or ∝ training frequency (a random training row). The
 * task's label is missing on them (NaN: outside the task's space, mask 0), so they are candidates
 * of every anchor's softmax but never anchors. Deterministic in (seed, step), so --resume repeats it.
 */
export function negativeSampler(train: Table, counts: ItemCounts, K: number, sampling: 'uniform' | 'popularity', labelColumn: string, seed: number): (batch: Table, step: number) => Table {
  // rows of each item, grouped: start[k]..start[k+1] in `rows` for the k-th distinct item
  const items: number[] = [];
  const index = new Map<number, number>();
  for (let j = 0; j < counts.counts.length; j++) if (counts.counts[j]! > 0) { index.set(j, items.length); items.push(j); }
  const start = new Int32Array(items.length + 1);
  for (const id of counts.rowIds) start[index.get(id)! + 1]!++;
  for (let k = 0; k < items.length; k++) start[k + 1]! += start[k]!;
  const fill = start.slice(0, items.length);
  const rows = new Int32Array(counts.rowIds.length);
  counts.rowIds.forEach((id, r) => { rows[fill[index.get(id)!]!++] = r; });
  return (batch, step) => {
    const rng = new Rng(seed * 1_000_003 + step);
    const pick = new Int32Array(K);
    for (let i = 0; i < K; i++) {
      if (sampling === 'popularity') { pick[i] = rng.int(counts.rowIds.length); continue; }
      const k = rng.int(items.length);
      pick[i] = rows[start[k]! + rng.int(start[k + 1]! - start[k]!)]!;
    }
    const extra = takeRows(train, pick);
    const cols: Record<string, Column> = {};
    for (const [name, c] of Object.entries(batch.columns)) {
      const e = extra.columns[name]!;
      if (name === labelColumn) {
        if (isStringColumn(c)) throw new Error(`label column "${name}" holds text`);
        const y = new Float32Array(batch.numRows + K).fill(NaN);
        y.set(c as ArrayLike<number>);
        cols[name] = y;
      } else if (isStringColumn(c)) cols[name] = [...c, ...(e as (string | null)[])];
      else {
        const Ctor = c.constructor as new (n: number) => Float64Array;
        const out = new Ctor(batch.numRows + K);
        out.set(c as Float64Array); out.set(e as Float64Array, batch.numRows);
        cols[name] = out;
      }
    }
    return { numRows: batch.numRows + K, columns: cols };
  };
}
