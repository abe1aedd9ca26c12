// Evaluate or export a finished (or interrupted) run directory: its final checkpoint (else best,
// else latest), every file checked against the run manifest first.
import { copyFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { ParameterStore } from '../engine/store.js';
import type { MatrixJSON } from '../metrics/index.js';
import type { TrainConfig } from './config.js';
import { evaluateTable } from './evaluate.js';
import { counterfactualReport } from './counterfactual-eval.js';
import { FEATURES_FILE, findCheckpoint, MODEL_FILE, restoreParams } from './run-dir.js';
import { openSession, type Session } from './session.js';
import { exportModel } from './export-model.js';
import { lockRunDir } from './run-lock.js';

export interface RunOptions {
  /** Progress bar and log lines on stderr (default true). */
  verbose?: boolean;
}

const logger = (o: RunOptions) => (l: string) => { if (o.verbose ?? true) process.stderr.write(`${l}\n`); };

/** Open a run directory for reading: its session (features reloaded), parameters restored from the final checkpoint. */
export async function openRun(cfg: TrainConfig, dir: string, o: RunOptions): Promise<{ s: Session; store: ParameterStore; ckpt: string }> {
  if (!existsSync(join(dir, FEATURES_FILE))) throw new Error(`--checkpoint ${dir}: no ${FEATURES_FILE}; is this a liverank run directory?`);
  const ckpt = findCheckpoint(dir, 'final');
  if (!ckpt) throw new Error(`--checkpoint ${dir}: no committed checkpoint (checkpoints/MANIFEST.json is missing or names none)`);
  const s = await openSession(cfg, dir, logger(o), true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(ckpt, store, s.asm);
  return { s, store, ckpt };
}

/** Holds the run's lock while `fn` runs when `target` lies inside the run directory. */
async function writingInto<T>(run: string, target: string, what: string, o: RunOptions, fn: () => Promise<T>): Promise<T> {
  const inside = resolve(target).startsWith(resolve(run) + '/') || resolve(target) === resolve(run);
  const lock = inside ? lockRunDir(run, what, logger(o)) : null;
  try { return await fn(); } finally { lock?.release(); }
}

export async function evaluateRun(cfg: TrainConfig, dir: string, split: 'test' | 'val' | 'train', out?: string, o: RunOptions = {}): Promise<{ matrix: MatrixJSON; path: string; checkpoint: string }> {
  const path = out ?? join(dir, `eval_${split}.json`);
  return writingInto(dir, path, `liverank eval --split ${split}`, o, async () => {
    const { s, store, ckpt } = await openRun(cfg, dir, o);
    const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
    const r = await evaluateTable(s.splits[split], ev, s.asm, cfg.tasks, {
      batchSize: cfg.eval.batch_size, slices: s.slices, calibrationBins: cfg.eval.calibration_bins, progress: o.verbose ?? true, label: split, debias: s.debias,
    });
    const cf = await counterfactualReport(s, store, s.splits[split], cfg.tasks, s.slices.scenario);
    if (cf) r.matrix.counterfactual = cf;
    writeFileAtomic(path, JSON.stringify(r.matrix, null, 1));
    return { matrix: r.matrix, path, checkpoint: ckpt };
  });
}

/** Export the run's final checkpoint as `<outDir>/model.onnx` (+ .sha256, model.json, and features.json when outDir is elsewhere). */
export async function exportRun(cfg: TrainConfig, dir: string, outDir = dir, o: RunOptions = {}): Promise<{ path: string; checkpoint: string }> {
  return writingInto(dir, outDir, 'liverank export', o, async () => {
    const { s, store, ckpt } = await openRun(cfg, dir, o);
    const path = exportModel(outDir, s, store);
    if (resolve(outDir) !== resolve(dir)) copyFileSync(join(dir, FEATURES_FILE), join(outDir, FEATURES_FILE));
    return { path: path ?? join(outDir, MODEL_FILE), checkpoint: ckpt };
  });
}
