// The metric matrix's JSON (metrics.json). Every undefined metric is null, never NaN.
import type { CounterfactualResult } from './counterfactual.js';
import type { BinMode, CalibrationCurve } from './calibration.js';
import type { GroupWeighting } from './gauc.js';

export type TaskKind = 'binary' | 'regression';

export interface TaskSpec {
  name: string;
  kind: TaskKind;
}

export interface MatrixOptions {
  tasks: TaskSpec[];
  /** Also compute by_scenario_country slices (default true). */
  scenarioCountry?: boolean;
  /** GAUC group weights (default 'impressions'). */
  gaucWeighting?: GroupWeighting;
  /** Reliability bins in each binary task's "all" cell (default 10; 0 = none). */
  calibrationBins?: number;
  calibrationMode?: BinMode;
  /** XAUC is exact up to this many rows per slice (default 20 M), sampled above. */
  xaucExactMaxRows?: number;
  /** Pairs drawn for sampled XAUC (default 2 M). */
  xaucSamplePairs?: number;
  /** Seed of the XAUC pair sampling (default 1). */
  seed?: number;
}

/** One batch of rows. Every column must have at least n entries. */
export interface MatrixBatch {
  /** Rows in the batch (default: length of the first task's predictions). */
  n?: number;
  /** Predictions per task (probabilities for binary tasks). NaN with a label present is counted. */
  preds: Record<string, ArrayLike<number>>;
  /** Labels per task: 0/1 for binary tasks; NaN = not labelled (outside the task's sample space). */
  labels: Record<string, ArrayLike<number>>;
  /** Per-task sample-space mask: 0 / false / NaN = the row does not count for that task. */
  masks?: Record<string, ArrayLike<number | boolean>>;
  /** True probabilities (binary) or expected values (regression) per task, when known. */
  trueProbs?: Record<string, ArrayLike<number>>;
  /** Optional non-negative sample weights (shared by all tasks). */
  weights?: ArrayLike<number> | null;
  /** Slice keys; a null value makes the slice "(missing)". Omit a column to not slice by it. */
  scenario?: ArrayLike<string | number | null>;
  country?: ArrayLike<string | number | null>;
  /** GAUC group (user id). Rows without one are left out of GAUC and counted. */
  user?: ArrayLike<string | number | null>;
}

export type Num = number | null;

export interface BinaryCell {
  n: number;
  n_pos: number;
  pos_rate: Num;
  mean_pred: Num;
  auc: Num;
  gauc: Num;
  gauc_groups: number;
  gauc_groups_skipped: number;
  logloss: Num;
  pcoc: Num;
  /** Present when weights were given. */
  weight_sum?: number;
  /** Present when the task carries true probabilities (model matrix only). */
  n_true?: number;
  mean_true?: Num;
  pcoc_true?: Num;
  /** Only in the "all" cell: row accounting. */
  n_masked?: number;
  n_missing_label?: number;
  n_nan_pred?: number;
  n_missing_user?: number;
  /** Only in the "all" cell, when calibrationBins > 0. */
  calibration?: CalibrationJSON;
}

export interface RegressionCell {
  n: number;
  rmse: Num;
  mae: Num;
  xauc: Num;
  mean_pred: Num;
  mean_label: Num;
  /** Σ pred / Σ label (1 when the prediction is the label's mean on the slice). */
  pcoc?: Num;
  /** Present (true) when XAUC was estimated from sampled pairs. */
  xauc_sampled?: boolean;
  weight_sum?: number;
  n_true?: number;
  mean_true?: Num;
  /** Σ pred / Σ true expected value (the task's true_prob column, e.g. e_watch_s). */
  pcoc_true?: Num;
  n_masked?: number;
  n_missing_label?: number;
  n_nan_pred?: number;
}

export type Cell = BinaryCell | RegressionCell;

/** Metrics of a task's "all" cell that can steer early stopping, with the direction that is better. */
export const STOPPING_METRICS: Record<TaskKind, Record<string, 'max' | 'min'>> = {
  binary: { auc: 'max', gauc: 'max', logloss: 'min' },
  regression: { rmse: 'min', mae: 'min', xauc: 'max' },
};

export interface CalibrationJSON {
  mode: BinMode;
  ece: Num;
  bins: { lo: number; hi: number; count: number; mean_pred: Num; observed_rate: Num; mean_true: Num }[];
}

export interface TaskJSON<C extends Cell = Cell> {
  all: C;
  by_scenario: Record<string, C>;
  by_country: Record<string, C>;
  by_scenario_country: Record<string, C>;
}

export interface MatrixJSON {
  tasks: Record<string, TaskJSON>;
  /** The same matrix with the true probabilities as scores (tasks that carry them), or null. */
  oracle: { tasks: Record<string, TaskJSON> } | null;
  /** Tasks with counterfactual truth: the served score against the counterfactual label (counterfactual.ts). */
  counterfactual?: Record<string, CounterfactualResult>;
}

/** Finite number or null (for JSON). */
export function num(x: number): Num {
  return Number.isFinite(x) ? x : null;
}

export function isBinaryCell(c: Cell): c is BinaryCell {
  return 'auc' in c;
}

export function calibrationJSON(c: CalibrationCurve): CalibrationJSON {
  return {
    mode: c.mode, ece: num(c.ece),
    bins: c.bins.map((b) => ({
      lo: b.lo, hi: b.hi, count: b.count, mean_pred: num(b.meanPred), observed_rate: num(b.observedRate),
      mean_true: b.meanTrue === null ? null : num(b.meanTrue),
    })),
  };
}
