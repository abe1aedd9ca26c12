// Evaluate a finished (or interrupted) run directory on one split of its config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import type { MatrixJSON } from '../metrics/index.js';
import type { TrainConfig } from './config.js';
import { evaluateTable } from './evaluate.js';
import { FEATURES_FILE, findCheckpoint, restoreParams } from './run-dir.js';
import { openSession } from './trainer.js';

export async function evaluateRun(cfg: TrainConfig, dir: string, split: 'test' | 'val' | 'train', out?: string): Promise<{ matrix: MatrixJSON; path: string }> {
  if (!existsSync(join(dir, FEATURES_FILE))) throw new Error(`--checkpoint ${dir}: no ${FEATURES_FILE}; is this a liverank run directory?`);
  const ckpt = findCheckpoint(dir, 'BEST') ?? findCheckpoint(dir, 'LATEST');
  if (!ckpt) throw new Error(`--checkpoint ${dir}: no checkpoint found (checkpoints/LATEST is missing)`);
  const s = await openSession(cfg, dir, (l) => process.stderr.write(`${l}\n`), true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(ckpt, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const r = await evaluateTable(s.splits[split], ev, s.asm, cfg.tasks, {
    batchSize: cfg.eval.batch_size, slices: s.slices, calibrationBins: cfg.eval.calibration_bins, progress: true, label: split,
  });
  const path = out ?? join(dir, `eval_${split}.json`);
  writeFileAtomic(path, JSON.stringify(r.matrix, null, 1));
  return { matrix: r.matrix, path };
}
