// `liverank diagnose skew` end to end: read the served log, recompute offline, analyze, format.
import { writeFileAtomic } from '../util/atomic.js';
import { loadTrainConfig, type TrainConfig } from '../train/config.js';
import { analyzeSkew, type SkewReport } from './skew.js';
import { formatSkewReport, type SkewHeader } from './skew-format.js';
import { readServedLog, recomputeOffline } from './skew-offline.js';

export interface DiagnoseSkewOptions {
  served: string;
  run: string;
  /** A training config of a world: join with its logged impressions (labels, counters as trained). */
  config?: string;
  limit?: number;
  maxMismatch?: number;
  maxPsi?: number;
  log?: (s: string) => void;
}

export interface DiagnoseSkewResult { report: SkewReport; header: SkewHeader; text: string; bad: { where: string; reason: string }[] }

export async function diagnoseSkew(o: DiagnoseSkewOptions): Promise<DiagnoseSkewResult> {
  const log = o.log ?? (() => {});
  const read = await readServedLog(o.served, o.limit ?? 200_000);
  if (read.badCount) log(`${o.served}: ${read.badCount} bad line(s) skipped; first: ${read.bad.slice(0, 3).map((b) => `${b.where}: ${b.reason}`).join('; ')}`);
  if (!read.records.length) throw new Error(`${o.served}: no served records (${read.lines} line(s), ${read.badCount} bad)`);
  let cfg: TrainConfig | null = null;
  if (o.config) cfg = loadTrainConfig(o.config);
  const off = await recomputeOffline(read.records, o.run, cfg, log);
  if (!off.pairs.length) throw new Error(`${o.served}: none of the ${read.records.length} served records joined ${o.config ? `a logged impression of the world of ${o.config} (by user_id, room_id, ts: ${off.unmatched} unmatched, ${off.ambiguous} ambiguous); rows the world never logged (e.g. the funnel's live rooms) can only be recomputed from the logged rows: run without --config` : 'an offline row'}`);
  const report = analyzeSkew(off.pairs, off.ranker.features, off.ranker.columns, off.ranker.tasks, { maxMismatch: o.maxMismatch, maxPsi: o.maxPsi });
  const header: SkewHeader = { served: o.served, run: o.run, mode: off.mode, records: read.records.length, joined: off.pairs.length, unmatched: off.unmatched, ambiguous: off.ambiguous, bad: read.badCount, truncated: read.truncated };
  return { report, header, text: formatSkewReport(report, header), bad: read.bad };
}

export function writeSkewJson(path: string, r: DiagnoseSkewResult): void {
  writeFileAtomic(path, `${JSON.stringify({ ...r.header, bad_lines: r.bad, ...r.report }, null, 1)}\n`);
}
