// A run directory: LOCK (one writer), config.json, features.json (fitted feature state), checkpoints/
// (MANIFEST.json — the commit point — and one directory per kept checkpoint: dense.ckpt, emb-*.bin,
// state.json, COMMIT.json), train_log.jsonl, data_report.json, metrics.json and model.onnx (+ .sha256).
// This file is the trainer's view: write a checkpoint, find one, restore from one (checksums verified).
import { basename, dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { loadParams, loadStepCheckpoint, stepCheckpointBytes } from '../engine/checkpoint.js';
import type { ParameterStore } from '../engine/store.js';
import type { TrainStep } from '../engine/step.js';
import { restoreEmbeddingTableFrom, serializeEmbeddingTable } from '../embedding/index.js';
import { digestFile } from '../util/checksum.js';
import type { Assembler } from './assembler.js';
import { commitCheckpoint, readCheckpointFiles } from './checkpoints.js';
import { checkpointsDir, manifestPath, readManifest, type Manifest } from './manifest.js';

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
  /** Sums of the task losses over the batches of `epoch` done so far (DWA's epoch means after a resume). */
  epochLoss?: number[];
  epochBatches?: number;
}

export const FEATURES_FILE = 'features.json';
export const METRICS_FILE = 'metrics.json';
/** The final model's metric matrix on the validation split (written when asked, e.g. by `liverank compare`). */
export const VAL_METRICS_FILE = 'metrics_val.json';
export const MODEL_FILE = 'model.onnx';
/** The request model: model.onnx with the user-side sequences fed once per request (train/export-model.ts). */
export const REQUEST_MODEL_FILE = 'model.request.onnx';
export const STATE_FILE = 'state.json';
export const DENSE_FILE = 'dense.ckpt';
export const embFile = (table: string) => `emb-${table}.bin`;

export interface CheckpointMeta {
  /** Validation metric at this checkpoint (null when none is configured). */
  value: number | null;
  /** It becomes BEST. */
  best: boolean;
  /** It holds the finished model. */
  final?: boolean;
  metric: Manifest['metric'];
  keep?: number;
  suffix?: string;
}

export const checkpointName = (step: number, suffix = '') => `step-${String(step).padStart(9, '0')}${suffix}`;

/** Write and commit a complete checkpoint; returns its directory name. Keeps the newest `keep` plus BEST and final. */
export function writeCheckpoint(dir: string, step: TrainStep, asm: Assembler, state: TrainerState, meta: CheckpointMeta): string {
  const name = checkpointName(state.globalStep, meta.suffix);
  const files: Record<string, Uint8Array> = { [DENSE_FILE]: stepCheckpointBytes(step) };
  for (const t of asm.tables.values()) files[embFile(t.name)] = serializeEmbeddingTable(t);
  files[STATE_FILE] = Buffer.from(JSON.stringify({ ...state, bestCheckpoint: meta.best ? name : state.bestCheckpoint }, null, 1), 'utf8');
  const fpath = join(dir, FEATURES_FILE);
  commitCheckpoint(dir, { name, step: state.globalStep, value: meta.value, best: meta.best, final: meta.final ?? false }, files, {
    keep: meta.keep ?? 2, metric: meta.metric, runFiles: existsSync(fpath) ? { [FEATURES_FILE]: digestFile(fpath) } : {},
  });
  return name;
}

export type Which = 'latest' | 'best' | 'final';

/**
 * The path of the checkpoint the manifest names: `latest`, `best`, or `final` (the finished model,
 * else best, else latest). Null when the run has committed nothing.
 */
export function findCheckpoint(dir: string, which: Which = 'latest'): string | null {
  const m = readManifest(dir);
  if (!m) {
    if (existsSync(join(checkpointsDir(dir), 'LATEST'))) throw new Error(`${checkpointsDir(dir)}: written by an older liverank (LATEST file, no ${basename(manifestPath(dir))}); run \`liverank train --resume\` on it once to record its checksums`);
    return null;
  }
  const name = which === 'final' ? (m.final ?? m.best ?? m.latest) : m[which];
  if (!name) return null;
  const p = join(checkpointsDir(dir), name);
  if (!existsSync(p)) throw new Error(`${manifestPath(dir)} names ${name} as ${which}, but ${p} is missing`);
  return p;
}

function open(ckpt: string): { run: string; name: string; files: Map<string, Buffer> } {
  const run = dirname(dirname(ckpt)), name = basename(ckpt);
  const m = readManifest(run);
  if (!m) throw new Error(`${ckpt}: no manifest ${manifestPath(run)}; cannot verify the checkpoint`);
  return { run, name, files: readCheckpointFiles(run, name, m) };
}

function file(c: { files: Map<string, Buffer> }, ckpt: string, f: string): Buffer {
  const b = c.files.get(f);
  if (!b) throw new Error(`${join(ckpt, f)}: not part of checkpoint ${basename(ckpt)} (the manifest lists ${[...c.files.keys()].join(', ')}); was the model or feature config changed?`);
  return b;
}

function parseState(bytes: Buffer, path: string): TrainerState {
  let s: unknown;
  try { s = JSON.parse(bytes.toString('utf8')); } catch (e) { throw new Error(`${path}: not valid JSON (${(e as Error).message})`); }
  const st = s as TrainerState;
  if (!st || typeof st.globalStep !== 'number' || typeof st.epoch !== 'number' || typeof st.batchInEpoch !== 'number') {
    throw new Error(`${path}: not a trainer state (expected globalStep, epoch, batchInEpoch)`);
  }
  return st;
}

/** Restore the full training state (dense, optimizer, tables) from a committed, verified checkpoint. */
export function restoreTraining(ckpt: string, step: TrainStep, asm: Assembler): TrainerState {
  const c = open(ckpt);
  loadStepCheckpoint(join(ckpt, DENSE_FILE), step, file(c, ckpt, DENSE_FILE));
  for (const t of asm.tables.values()) restoreEmbeddingTableFrom(t, file(c, ckpt, embFile(t.name)), join(ckpt, embFile(t.name)));
  return parseState(file(c, ckpt, STATE_FILE), join(ckpt, STATE_FILE));
}

/** Restore parameters only (evaluation / export), from a committed, verified checkpoint. */
export function restoreParams(ckpt: string, store: ParameterStore, asm: Assembler): void {
  const c = open(ckpt);
  loadParams(join(ckpt, DENSE_FILE), store, file(c, ckpt, DENSE_FILE));
  for (const t of asm.tables.values()) restoreEmbeddingTableFrom(t, file(c, ckpt, embFile(t.name)), join(ckpt, embFile(t.name)));
}
