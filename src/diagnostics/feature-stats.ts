// RUN/diagnostics/feature_stats.jsonl: per-feature embedding statistics taken every N training steps
// (train.diagnostics_every), one JSON object per line:
//
//   {"step": 200, "features": {"user_id": {"grad_norm": 0.0123, "update_ratio": 0.0041, "touched_rows": 1873}, …}}
//
// grad_norm     mean over the table rows the feature touched in the batch of ‖∂L/∂row‖₂ (the row's
//               gradient summed over the batch rows that read it, after clipping);
// update_ratio  ‖Δw‖₂ / ‖w‖₂ over those rows (w before the sparse optimizer step, Δw = after − before;
//               0 when ‖w‖ = 0); a frozen feature (lr 0) has 0;
// touched_rows  how many distinct table rows the feature read in the batch.
// A non-finite number is written as null (JSON has no NaN). Lines are appended as training goes; a
// resumed run first cuts the file back to the resumed step (like train_log.jsonl).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { truncateLog } from '../train/train-log.js';

export const FEATURE_STATS_FILE = join('diagnostics', 'feature_stats.jsonl');

export interface FeatureStat {
  grad_norm: number;
  update_ratio: number;
  touched_rows: number;
}

export interface FeatureStatsLine {
  step: number;
  features: Record<string, FeatureStat>;
}

const num = z.union([z.number(), z.null()]).transform((v) => (v === null ? Number.NaN : v));
const lineSchema = z.object({
  step: z.number().int().nonnegative(),
  features: z.record(z.string(), z.object({
    grad_norm: num,
    update_ratio: num,
    touched_rows: z.number().int().nonnegative(),
  })),
});

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** One line of the file (no trailing newline). */
export function formatFeatureStats(step: number, features: Record<string, FeatureStat>): string {
  const out: Record<string, { grad_norm: number | null; update_ratio: number | null; touched_rows: number }> = {};
  for (const [name, s] of Object.entries(features)) {
    out[name] = { grad_norm: finiteOrNull(s.grad_norm), update_ratio: finiteOrNull(s.update_ratio), touched_rows: s.touched_rows };
  }
  return JSON.stringify({ step, features: out });
}

/** Appends lines to RUN/diagnostics/feature_stats.jsonl (the directory is made on the first line). */
export class FeatureStatsWriter {
  readonly path: string;
  private made = false;

  constructor(runDir: string, resumeStep: number | null = null) {
    this.path = join(runDir, FEATURE_STATS_FILE);
    if (resumeStep !== null && existsSync(this.path)) { truncateLog(this.path, resumeStep); this.made = true; }
  }

  append(step: number, features: Record<string, FeatureStat>): void {
    if (!this.made) { mkdirSync(dirname(this.path), { recursive: true }); this.made = true; }
    appendFileSync(this.path, `${formatFeatureStats(step, features)}\n`);
  }
}

/**
 * Reads a feature_stats.jsonl file; nulls come back as NaN. A malformed line is an error naming the
 * file, the line and what was expected; a torn last line (no newline, e.g. after a kill) is skipped.
 */
export function readFeatureStats(path: string): FeatureStatsLine[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`${path}: cannot read the feature statistics (${(e as Error).message})`); }
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1); // the part after the last '\n' is torn or empty
  const out: FeatureStatsLine[] = [];
  complete.forEach((l, i) => {
    if (!l.trim()) return;
    let raw: unknown;
    try { raw = JSON.parse(l); } catch (e) { throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message}); expected {"step": <int>, "features": {…}}`); }
    const r = lineSchema.safeParse(raw);
    if (!r.success) {
      const iss = r.error.issues[0]!;
      throw new Error(`${path}:${i + 1}: field ${iss.path.map(String).join('.') || '(line)'}: ${iss.message}; expected {"step": <int>, "features": {"<name>": {"grad_norm": <number>, "update_ratio": <number>, "touched_rows": <int>}}}`);
    }
    out.push(r.data);
  });
  return out;
}
