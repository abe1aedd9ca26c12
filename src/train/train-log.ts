// train_log.jsonl: one JSON object per line ({"kind": "train" | "val", "step": …}). Lines are
// appended as training goes; a resumed run first cuts the file back to the resumed step, so no step
// appears twice, and drops a torn last line left by a kill.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';

export const TRAIN_LOG = 'train_log.jsonl';

/** Keep the whole lines with step ≤ `step`; returns how many were kept and dropped. */
export function truncateLog(path: string, step: number): { kept: number; dropped: number } {
  if (!existsSync(path)) { writeFileAtomic(path, ''); return { kept: 0, dropped: 0 }; }
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // after the last '\n': '' or a torn line
  const keep: string[] = [];
  for (const l of complete) {
    if (!l.trim()) continue;
    let rec: { step?: unknown };
    try { rec = JSON.parse(l) as { step?: unknown }; } catch { continue; }
    if (typeof rec.step === 'number' && rec.step <= step) keep.push(l);
  }
  const dropped = lines.filter((l) => l.trim()).length - keep.length;
  if (dropped > 0) writeFileAtomic(path, keep.map((l) => `${l}\n`).join(''));
  return { kept: keep.length, dropped };
}

export function appendLog(path: string, rec: Record<string, unknown>): void {
  appendFileSync(path, `${JSON.stringify(rec)}\n`);
}
