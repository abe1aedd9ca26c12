// Before a run writes anything (lock held): refuse to start over on top of an existing run unless
// asked to (--overwrite), clear it when asked, or — on --resume — recover the directory to its last
// commit and check that the config still describes the same run.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from './config.js';
import { recoverCheckpoints } from './checkpoints.js';
import { checkpointsDir, readManifest } from './manifest.js';
import { findCheckpoint } from './run-dir.js';

/** Config keys a resumed run may change (they do not change what was already trained). */
export const RESUMABLE_KEYS = [
  'train.epochs', 'train.max_steps', 'train.early_stopping.patience', 'train.log_every', 'train.optimizer_thread',
  'train.tensorboard', 'train.diagnostics_every',
  'eval.batch_size', 'eval.calibration_bins', 'name',
];

/** Files a run writes (removed by --overwrite; nothing else in the directory is touched). */
const RUN_FILES = ['config.json', 'features.json', 'train_log.jsonl', 'data_report.json', 'metrics.json', 'model.onnx', 'model.onnx.sha256', 'model.json', 'calibration.json'];

export interface PrepareOptions { resume: boolean; overwrite: boolean }

/** Returns the checkpoint to resume from, or null to start fresh. */
export function prepareRunDir(out: string, cfg: TrainConfig, o: PrepareOptions, log: (s: string) => void): string | null {
  const root = checkpointsDir(out);
  const hasRun = existsSync(root) && readdirSync(root).some((f) => f.startsWith('step-') || f === 'MANIFEST.json' || f === 'LATEST');
  if (o.resume && o.overwrite) throw new Error('--resume and --overwrite contradict each other: pick one');
  if (!o.resume) {
    if (hasRun && !o.overwrite) {
      let at = '';
      try { const m = readManifest(out); if (m?.latest) at = ` (latest checkpoint ${m.latest})`; } catch { /* described below anyway */ }
      throw new Error(`${out} already holds a run${at}; pass --resume to continue it, or --overwrite to delete it and start over`);
    }
    if (hasRun || existsSync(root)) log(o.overwrite && hasRun ? `--overwrite: deleting the previous run in ${out}` : `${out}: clearing files of an earlier run that committed no checkpoint`);
    rmSync(root, { recursive: true, force: true });
    for (const f of RUN_FILES) rmSync(join(out, f), { force: true });
    for (const f of readdirSync(out)) if (f.startsWith('eval_') && f.endsWith('.json')) rmSync(join(out, f), { force: true });
    return null;
  }
  const m = recoverCheckpoints(out, log);
  if (!m?.latest) {
    log(`--resume: no committed checkpoint in ${out}; starting fresh`);
    return null;
  }
  checkSameRun(out, cfg);
  return findCheckpoint(out, 'latest');
}

/** Flatten a config to "a.b.c" → JSON value. */
function flatten(v: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out.set(prefix, JSON.stringify(v));
  return out;
}

/** The resumed config must equal the run's config.json except for RESUMABLE_KEYS. */
export function checkSameRun(out: string, cfg: TrainConfig): void {
  const p = join(out, 'config.json');
  if (!existsSync(p)) return;
  let before: unknown;
  try { before = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new Error(`${p}: not valid JSON (${(e as Error).message})`); }
  const a = flatten(before, '', new Map()), b = flatten(JSON.parse(JSON.stringify({ ...cfg, baseDir: undefined })), '', new Map());
  const diffs = [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k) && !RESUMABLE_KEYS.some((r) => k === r || k.startsWith(`${r}.`)))
    .map((k) => `${k}: ${a.get(k) ?? '(absent)'} → ${b.get(k) ?? '(absent)'}`);
  if (diffs.length) {
    throw new Error(`--resume: the config differs from the one ${out} was trained with (${p}) in ${diffs.length} key(s): ${diffs.slice(0, 8).join('; ')}${diffs.length > 8 ? '; …' : ''}. ` +
      `A resumed run may change only ${RESUMABLE_KEYS.join(', ')}; train into a new --out for anything else`);
  }
}
