// The diagnostics' training hooks: train.tensorboard on (the default) → RUN/tb event files and
// RUN/diagnostics/feature_stats.jsonl every train.diagnostics_every steps; off → nothing at all.
// The CLI installs this as the trainer's default (setDefaultTrainHooks in src/cli/main.ts).
import type { TrainHooksFactory } from '../train/hooks.js';
import { TensorBoardHooks } from './tensorboard/train-hooks.js';

export const diagnosticsHooks: TrainHooksFactory = (cfg, runDir, resumeStep) =>
  (cfg.train.tensorboard ? new TensorBoardHooks(cfg, runDir, resumeStep, { every: cfg.train.diagnostics_every }) : null);
