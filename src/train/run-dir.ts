// A run directory: fitted features, checkpoints (each one a directory written under a temporary
// name and renamed into place, then named in LATEST / BEST), metrics and the exported model.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { loadParams, loadStepCheckpoint, saveStepCheckpoint } from '../engine/checkpoint.js';
import type { ParameterStore } from '../engine/store.js';
import type { TrainStep } from '../engine/step.js';
import { restoreEmbeddingTable, saveEmbeddingTable } from '../embedding/index.js';
import type { Assembler } from './assembler.js';

export interface TrainerState {
  epoch: number;
  /** Batches done within `epoch`. */
  batchInEpoch: number;
  globalStep: number;
  best: number | null;
  bestCheckpoint: string | null;
  badEvals: number;
  /** Per-epoch mean task losses (DWA) and GradNorm's initial losses. */
  lossHistory: number[][];
  l0: number[] | null;
  done: boolean;
  /** The post-training calibration has been applied (this checkpoint holds the final model). */
  calibrated?: boolean;
}

export const FEATURES_FILE = 'features.json';
export const METRICS_FILE = 'metrics.json';
export const MODEL_FILE = 'model.onnx';

const ckptRoot = (dir: string) => join(dir, 'checkpoints');

/** Write a complete checkpoint; returns its directory name. Keeps the newest `keep` plus BEST. */
export function writeCheckpoint(dir: string, step: TrainStep, asm: Assembler, state: TrainerState, keep = 2, suffix = ''): string {
  const root = ckptRoot(dir);
  mkdirSync(root, { recursive: true });
  const name = `step-${String(state.globalStep).padStart(9, '0')}${suffix}`;
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  saveStepCheckpoint(join(tmp, 'dense.ckpt'), step);
  for (const t of asm.tables.values()) saveEmbeddingTable(t, join(tmp, `emb-${t.name}.bin`));
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state, null, 1));
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileAtomic(join(root, 'LATEST'), name);
  const protect = new Set([name, state.bestCheckpoint ?? '']);
  const olds = readdirSync(root).filter((f) => f.startsWith('step-') && !protect.has(f)).sort();
  for (const f of olds.slice(0, Math.max(0, olds.length - (keep - 1)))) rmSync(join(root, f), { recursive: true, force: true });
  return name;
}

export function markBest(dir: string, name: string): void {
  writeFileAtomic(join(ckptRoot(dir), 'BEST'), name);
}

/** The checkpoint directory LATEST (or BEST) points to, or null. */
export function findCheckpoint(dir: string, which: 'LATEST' | 'BEST' = 'LATEST'): string | null {
  const f = join(ckptRoot(dir), which);
  if (!existsSync(f)) return null;
  const name = readFileSync(f, 'utf8').trim();
  const p = join(ckptRoot(dir), name);
  if (!existsSync(join(p, 'state.json'))) throw new Error(`${f} names ${name}, which is missing or incomplete`);
  return p;
}

/** Restore the full training state (dense, optimizer, tables). */
export function restoreTraining(ckpt: string, step: TrainStep, asm: Assembler): TrainerState {
  loadStepCheckpoint(join(ckpt, 'dense.ckpt'), step);
  for (const t of asm.tables.values()) restoreEmbeddingTable(t, join(ckpt, `emb-${t.name}.bin`));
  return JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')) as TrainerState;
}

/** Restore parameters only (evaluation / export). */
export function restoreParams(ckpt: string, store: ParameterStore, asm: Assembler): void {
  loadParams(join(ckpt, 'dense.ckpt'), store);
  for (const t of asm.tables.values()) restoreEmbeddingTable(t, join(ckpt, `emb-${t.name}.bin`));
}
