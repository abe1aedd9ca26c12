// The coarse-vs-fine consistency report (liverank coarse report): held-out request snapshots of the
// coarse run's world are scored by both exported runs (each with its own features, counters read at
// the request's time), and per request the coarse order is compared with the fine order — Kendall
// τ-b, top-k overlap, NDCG@k against the fine scores (src/metrics/rank-consistency.ts) — plus the
// cost of scoring one request's candidates with each model (featurize + one ORT run, one thread).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sliceTable, type Table } from '../data/table.js';
import { generateWorld } from '../data/world/generate.js';
import { requestConsistency, summarize, summarizeConsistency, type ConsistencyReport, type RequestConsistency, type Summary } from '../metrics/rank-consistency.js';
import { fuseColumns } from '../serving/fusion.js';
import { parseFusionConfig, type FusionConfig } from '../serving/fusion-config.js';
import { requestRanges } from './distill-data.js';
import { Teacher, toLogit } from './distill-teacher.js';
import { worldOptionsOf } from './world-options.js';
import type { TrainConfig } from './config.js';

type WorldData = Extract<TrainConfig['data'], { source: 'world' }>;

export interface CoarseReportOptions {
  coarse: string;
  fine: string;
  /** The fine order: one task's prediction, or (with `fusion`) the fused score. Default effective_view. */
  fineTask?: string;
  /** A fusion config (examples/fusion.yaml): the fine order is the fused score of the fine run's predictions. */
  fusion?: string;
  /** The coarse run's task whose score orders the candidates (default: its first task). */
  coarseTask?: string;
  requests: { from: number; to: number; count: number; candidates: number; seed: number };
  ks?: number[];
  ndcgK?: number;
  /** Requests timed one by one (default 50). */
  timed?: number;
  log?: (s: string) => void;
}

export interface CoarseReport {
  coarse: string; fine: string;
  fineOrder: string; coarseTask: string;
  requests: CoarseReportOptions['requests'];
  consistency: ConsistencyReport;
  /** Milliseconds to score one request's candidates (featurize + one ORT run, single thread). */
  cost: { candidates: number; coarse_ms: Summary & { p50: number }; fine_ms: Summary & { p50: number } };
  /** Candidates per request that were actually scored (requests with fewer live rooms are kept). */
  per: RequestConsistency[];
}

function worldData(run: string): WorldData {
  const p = join(run, 'config.json');
  if (!existsSync(p)) throw new Error(`${p}: missing; --coarse / --fine must be liverank run directories`);
  const cfg = JSON.parse(readFileSync(p, 'utf8')) as { data?: WorldData };
  if (cfg.data?.source !== 'world') throw new Error(`${p}: data.source is ${JSON.stringify(cfg.data?.source)}; the report needs a run trained on the synthetic world`);
  return cfg.data;
}

const p50 = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN; };

export async function coarseReport(o: CoarseReportOptions): Promise<CoarseReport> {
  const log = o.log ?? (() => {});
  const dc = worldData(o.coarse), df = worldData(o.fine);
  const wc = JSON.stringify(worldOptionsOf(dc)), wf = JSON.stringify(worldOptionsOf(df));
  if (wc !== wf) throw new Error(`${o.coarse} and ${o.fine} were trained on different worlds (${wc} vs ${wf})`);
  const fusion: FusionConfig | null = o.fusion ? parseFusionConfig(readFileSync(o.fusion, 'utf8'), o.fusion) : null;
  const t0 = Date.now();
  const w = generateWorld({ ...worldOptionsOf(dc), requests: o.requests });
  const rows = w.requests!;
  log(`generated the world and ${rows.numRows.toLocaleString('en-US')} candidate rows of ${o.requests.count} requests in [${o.requests.from}, ${o.requests.to}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const coarse = await Teacher.load(o.coarse), fine = await Teacher.load(o.fine);
  try {
    const coarseTask = o.coarseTask ?? coarse.tasks[0]!.task;
    const fineTask = o.fineTask ?? 'effective_view';
    coarse.task(coarseTask); if (!fusion) fine.task(fineTask);
    for (const t of fusion?.tasks ?? []) fine.task(t);
    const ct = coarse.withCounters(w.impressions, rows), ft = fine.withCounters(w.impressions, rows);
    const t1 = Date.now();
    const cp = await coarse.predict(ct), fp = await fine.predict(ft);
    log(`scored ${rows.numRows.toLocaleString('en-US')} rows with both models in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    const cs = Float64Array.from(cp[coarseTask]!, (v) => toLogit(v, coarse.task(coarseTask).form));
    const ranges = requestRanges(rows.columns.request_id as ArrayLike<number>, rows.numRows);
    const scen = rows.columns.scenario as ArrayLike<string>;
    const per: RequestConsistency[] = [];
    for (const [s, e] of ranges) {
      let fs: ArrayLike<number>;
      if (fusion) {
        const cols = Object.fromEntries(fusion.tasks.map((t) => [t, fp[t]!.subarray(s, e)]));
        fs = fuseColumns(fusion.forScenario(String(scen[s])).fusion, cols, e - s);
      } else fs = fp[fineTask]!.subarray(s, e);
      per.push(requestConsistency(cs.subarray(s, e), fs, { ks: o.ks, ndcgK: o.ndcgK }));
    }
    // cost: one request at a time, featurize + run, each model on its own single-thread session
    const timed = ranges.slice(0, o.timed ?? 50);
    const tc: number[] = [], tf: number[] = [];
    const once = async (m: Teacher, t: Table) => { const a = performance.now(); await m.predict(t, t.numRows); return performance.now() - a; };
    for (const [s, e] of timed.slice(0, 3)) { await once(coarse, sliceTable(ct, s, e)); await once(fine, sliceTable(ft, s, e)); } // warm-up
    for (const [s, e] of timed) { tc.push(await once(coarse, sliceTable(ct, s, e))); tf.push(await once(fine, sliceTable(ft, s, e))); }
    return {
      coarse: o.coarse, fine: o.fine, fineOrder: fusion ? `fused (${o.fusion})` : fineTask, coarseTask, requests: o.requests,
      consistency: summarizeConsistency(per, o.ndcgK ?? 50),
      cost: { candidates: summarize(timed.map(([s, e]) => e - s)).mean, coarse_ms: { ...summarize(tc), p50: p50(tc) }, fine_ms: { ...summarize(tf), p50: p50(tf) } },
      per,
    };
  } finally {
    await coarse.dispose(); await fine.dispose();
  }
}

const f3 = (s: Summary) => `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;

/** The report as text (mean ± sd over requests). */
export function formatCoarseReport(r: CoarseReport): string {
  const c = r.consistency;
  const lines = [
    `coarse ${r.coarse} (${r.coarseTask}) vs fine ${r.fine} (${r.fineOrder})`,
    `${c.requests} requests in [${r.requests.from}, ${r.requests.to}) (seed ${r.requests.seed}), ${c.candidates.mean.toFixed(0)} candidates each (mean)`,
    `Kendall τ-b      ${f3(c.tau)}`,
    ...Object.entries(c.overlap).map(([k, s]) => `${`${k} overlap`.padEnd(16)} ${f3(s)}`),
    `NDCG@${c.ndcgK}`.padEnd(16) + ` ${f3(c.ndcg)}`,
    `cost per request of ${r.cost.candidates.toFixed(0)} candidates (featurize + ORT, 1 thread): coarse p50 ${r.cost.coarse_ms.p50.toFixed(2)} ms (mean ${r.cost.coarse_ms.mean.toFixed(2)}), fine p50 ${r.cost.fine_ms.p50.toFixed(2)} ms (mean ${r.cost.fine_ms.mean.toFixed(2)})`,
  ];
  return lines.join('\n');
}
