// The trainer's hook interface: what a training run exposes to observers (TensorBoard, feature
// statistics) without them reaching into the trainer. The trainer calls onStep after every step with
// the scalars, and every `tensorsEvery` steps adds tensors taken on a diagnostic forward pass
// (train/diag-pass.ts); onEval after each validation and for the test matrix; onEnd once.
// The trainer imports nothing from diagnostics: the CLI registers a default factory
// (setDefaultTrainHooks) that builds the hooks from the run's config, or a caller passes its own.
import type { MatrixJSON } from '../metrics/matrix-types.js';
import type { TrainConfig } from './config.js';

/** Scalars of one training step. */
export interface StepScalars {
  epoch: number;
  lr: number;
  /** The weighted total loss the optimizer minimised. */
  loss: number;
  /** Global gradient norm (dense parameters and gathered embedding rows, before clipping). */
  gradNorm: number;
  taskLoss: Record<string, number>;
  taskWeight: Record<string, number>;
}

/** Per embedded feature, over the table rows it touched in the batch (see diagnostics/feature-stats.ts). */
export interface FeatureStepStats {
  /** Mean over touched rows of ‖∂L/∂row‖₂. */
  grad_norm: number;
  /** ‖Δw‖₂ / ‖w‖₂ over the touched rows, across this step's sparse update. */
  update_ratio: number;
  touched_rows: number;
  /** ‖∂L/∂row‖₂ of each touched row (for histograms). */
  rowGradNorms: Float32Array;
}

export interface TensorValue {
  data: Float32Array;
  dims: number[];
}

/** Tensors of one step (every `tensorsEvery` steps), from an eval-mode forward pass over the step's batch after its update. */
export interface StepTensors {
  rows: number;
  /** Per task: logit (pre-sigmoid; regression: the raw output) and prediction, [rows] each. */
  tasks: Record<string, { kind: 'binary' | 'regression'; logit: Float32Array | null; pred: Float32Array }>;
  /** Per-row slice values of the batch, by slice name ('scenario', 'country'), when the data has them. */
  slices: Record<string, (string | null)[]>;
  /** The model's extras (gate.<task> [rows, n], experts.<bank> [rows, n, d], delta.*, …) except tower inputs. */
  extras: Record<string, TensorValue>;
  /** Per embedded feature. */
  features: Record<string, FeatureStepStats>;
}

export interface StepValues extends StepScalars {
  tensors?: StepTensors;
}

export interface TrainHooks {
  /** Steps between tensor snapshots (0 = never). */
  readonly tensorsEvery: number;
  onStep?(step: number, v: StepValues): void;
  /** `split` 'val': validation during training (all cells only); 'test': the final matrix with slices. */
  onEval?(step: number, split: 'val' | 'test', matrix: MatrixJSON): void;
  onEnd?(): void;
}

/** Builds a run's hooks from its config (null: none). `resumeStep` is the step a resumed run continues from. */
export type TrainHooksFactory = (cfg: TrainConfig, runDir: string, resumeStep: number | null) => TrainHooks | null;

let defaultFactory: TrainHooksFactory | null = null;

/** The factory used when train() is not given hooks (the CLI sets the diagnostics writer). */
export function setDefaultTrainHooks(f: TrainHooksFactory | null): void {
  defaultFactory = f;
}

/** Explicit hooks win (null = none); otherwise the default factory's. */
export function resolveTrainHooks(cfg: TrainConfig, runDir: string, resumeStep: number | null, explicit?: TrainHooks | TrainHooksFactory | null): TrainHooks | null {
  if (explicit === null) return null;
  if (explicit !== undefined) return typeof explicit === 'function' ? explicit(cfg, runDir, resumeStep) : explicit;
  return defaultFactory ? defaultFactory(cfg, runDir, resumeStep) : null;
}
