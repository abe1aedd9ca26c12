// The run manifest `checkpoints/MANIFEST.json`: the one commit point of a run directory. It names the
// latest, best and final checkpoints, the early-stopping metric and its best value, and the SHA-256
// of every file of every checkpoint it keeps (and of the run's features.json). It is replaced
// atomically (temp file, fsync, rename, directory fsync); a checkpoint exists for readers only once
// the manifest names it, and pruning removes only directories the committed manifest does not name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic.js';
import { formatZodError } from '../util/zod-error.js';
import type { FileDigest } from '../util/checksum.js';

export const MANIFEST_FILE = 'MANIFEST.json';
/** Written into each checkpoint directory before it is renamed into place: what committing it means. */
export const COMMIT_FILE = 'COMMIT.json';

const digest = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() }).strict();

export const commitSchema = z.object({
  name: z.string(),
  step: z.number().int().nonnegative(),
  /** Validation metric of this checkpoint (null: none configured or undefined). */
  value: z.number().nullable(),
  /** This checkpoint becomes BEST (it improved the metric, or no metric is configured). */
  best: z.boolean(),
  /** This checkpoint holds the finished model (after calibration): what evaluate/export use. */
  final: z.boolean(),
  files: z.record(z.string(), digest),
}).strict();
export type Commit = z.infer<typeof commitSchema>;

const manifestSchema = z.object({
  format: z.literal('liverank-run-manifest'),
  version: z.literal(1),
  latest: z.string().nullable(),
  best: z.string().nullable(),
  final: z.string().nullable(),
  metric: z.object({ name: z.string(), mode: z.enum(['max', 'min']) }).strict().nullable(),
  best_value: z.number().nullable(),
  checkpoints: z.record(z.string(), z.object({ step: z.number().int().nonnegative(), value: z.number().nullable(), files: z.record(z.string(), digest) }).strict()),
  run_files: z.record(z.string(), digest),
  updated: z.string(),
}).strict();
export type Manifest = z.infer<typeof manifestSchema>;

export const checkpointsDir = (run: string) => join(run, 'checkpoints');
export const manifestPath = (run: string) => join(checkpointsDir(run), MANIFEST_FILE);

export function emptyManifest(metric: Manifest['metric']): Manifest {
  return { format: 'liverank-run-manifest', version: 1, latest: null, best: null, final: null, metric, best_value: null, checkpoints: {}, run_files: {}, updated: new Date().toISOString() };
}

/** Parse a JSON file against a zod schema; errors name the path and the field. */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  const text = readFileSync(path, 'utf8');
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: ${what} is not valid JSON (${(e as Error).message}; ${text.length} bytes — truncated or damaged)`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new Error(`${path}: ${what} is malformed: ${formatZodError(r.error, '', raw)}`);
  return r.data;
}

/** The committed manifest, or null when the run has none yet. */
export function readManifest(run: string): Manifest | null {
  const p = manifestPath(run);
  if (!existsSync(p)) return null;
  const m = readJsonFile(p, manifestSchema, 'the run manifest');
  for (const k of ['latest', 'best', 'final'] as const) {
    const name = m[k];
    if (name !== null && !(name in m.checkpoints)) throw new Error(`${p}: "${k}" names ${name}, which is not among its checkpoints (${Object.keys(m.checkpoints).join(', ') || 'none'})`);
  }
  return m;
}

export function writeManifest(run: string, m: Manifest): void {
  writeFileAtomic(manifestPath(run), `${JSON.stringify({ ...m, updated: new Date().toISOString() }, null, 1)}\n`);
}

/**
 * The manifest after committing `c`: it becomes latest (and best / final as it says), and only the
 * newest `keep` checkpoints plus best and final stay named; run files already recorded keep their
 * first checksum. Pure: the caller writes it.
 */
export function applyCommit(prev: Manifest, c: Commit, keep: number, runFiles: Record<string, FileDigest> = {}): Manifest {
  const checkpoints = { ...prev.checkpoints, [c.name]: { step: c.step, value: c.value, files: c.files } };
  const next: Manifest = {
    ...prev,
    latest: c.name,
    best: c.best ? c.name : prev.best,
    best_value: c.best ? c.value : prev.best_value,
    final: c.final ? c.name : prev.final,
    checkpoints,
    // A run file's checksum is recorded once, as the run wrote it: a commit re-digesting the file from
    // disk must not record a copy damaged since (resume verifies it against this first record).
    run_files: { ...runFiles, ...prev.run_files },
  };
  const protect = new Set([next.latest, next.best, next.final].filter((x): x is string => x !== null));
  const order = Object.keys(checkpoints).sort(byCheckpointOrder(checkpoints));
  const newest = order.slice(Math.max(0, order.length - keep));
  for (const n of newest) protect.add(n);
  next.checkpoints = Object.fromEntries(Object.entries(checkpoints).filter(([n]) => protect.has(n)));
  return next;
}

/** Checkpoints ordered oldest first: by step, a calibrated one after the plain one of its step. */
export function byCheckpointOrder(cps: Record<string, { step: number }>): (a: string, b: string) => number {
  return (a, b) => (cps[a]!.step - cps[b]!.step) || (a < b ? -1 : a > b ? 1 : 0);
}
