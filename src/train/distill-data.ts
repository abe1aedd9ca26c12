// Training data of a distillation (data.requests): request snapshots of the synthetic world — the
// candidate sets of sampled logged requests (src/data/world/requests.ts) — with the student's counter
// columns read at each request's time, the logged candidate's labels, and per distilled task the
// teacher's logit of every candidate. Requests are split train / validation / test by where their
// logged impression falls in data.split (after the counter warm-up), and the training requests are
// shuffled as whole requests (rows of a request stay contiguous, so batches of k·n rows are k requests).
import { readFileSync } from 'node:fs';
import { isStringColumn, makeTable, takeRows, type Column, type Table } from '../data/table.js';
import { generateWorld } from '../data/world/generate.js';
import { Rng } from '../util/rng.js';
import { resolvePath, type TrainConfig } from './config.js';
import { checkSplits, emptyReport } from './data-checks.js';
import type { Splits } from './dataset.js';
import { teacherColumn, type RequestsDataConfig } from './distill-config.js';
import { Teacher, toLogit } from './distill-teacher.js';
import { loadFeatures } from './features-config.js';
import { materializeCountersAt } from './counters.js';
import { worldOptionsOf } from './world-options.js';
import { fuseColumns } from '../serving/fusion.js';
import { parseFusionConfig } from '../serving/fusion-config.js';

type WorldData = Extract<TrainConfig['data'], { source: 'world' }>;

/** Index of the first row at or after `hours` past the first row's time (ts in seconds, time-ordered). */
export function warmupEnd(ts: ArrayLike<number>, n: number, hours: number): number {
  if (n === 0 || hours <= 0) return 0;
  const from = ts[0]! + hours * 3600;
  let lo = 0, hi = n;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (ts[mid]! < from) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Row ranges [start, end) of each request (rows of a request are contiguous). */
export function requestRanges(requestId: ArrayLike<number>, n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n;) {
    let e = s + 1;
    while (e < n && requestId[e] === requestId[s]) e++;
    out.push([s, e]);
    s = e;
  }
  return out;
}

/** Per label column, the logged candidate's label (from the impression that made the request), NaN on the other candidates. */
export function loggedLabels(rows: Table, impressions: Table, columns: readonly string[]): Record<string, Float64Array> {
  const imp = rows.columns.impression_id as ArrayLike<number>, logged = rows.columns.logged as ArrayLike<number>;
  if (!imp || !logged) throw new Error('request rows: columns impression_id and logged are required');
  const out: Record<string, Float64Array> = {};
  for (const c of columns) {
    const src = impressions.columns[c];
    if (!src) throw new Error(`data.requests: label column "${c}" is not a column of the world's impressions`);
    if (isStringColumn(src)) throw new Error(`data.requests: label column "${c}" holds text`);
    const v = new Float64Array(rows.numRows).fill(NaN);
    for (let i = 0; i < rows.numRows; i++) if (logged[i] === 1) v[i] = src[imp[i]!] as number;
    out[c] = v;
  }
  return out;
}

/** The world, its request snapshots (the last requests.count of them at most), the split boundaries. */
export function generateRequests(d: WorldData, req: RequestsDataConfig, log: (s: string) => void) {
  const t0 = Date.now();
  const from = Math.min(0.99, d.warmup_hours / (24 * d.days)); // ≈ the end of the warm-up (exact filter below)
  const w = generateWorld({ ...worldOptionsOf(d), requests: { from, to: 1, count: req.count, candidates: req.candidates, seed: req.seed } });
  const imps = w.impressions;
  const N = imps.numRows;
  const start = warmupEnd(imps.columns.ts as ArrayLike<number>, N, d.warmup_hours);
  const M = N - start; // the same cut points as loadSplits' splitByFractions on the post-warm-up rows
  const bounds = [start, start + Math.round(M * d.split[0]), start + Math.round(M * (d.split[0] + d.split[1])), N] as const;
  log(`generated the world with ${w.requests!.numRows.toLocaleString('en-US')} request-candidate rows (${req.count} requests × ≤ ${req.candidates}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { impressions: imps, requests: w.requests!, bounds };
}

/** data.requests: the request-snapshot splits of a config (see the file comment). */
export async function loadRequestSplits(cfg: TrainConfig, log: (s: string) => void): Promise<Splits> {
  const d = cfg.data as WorldData;
  if (d.source !== 'world' || !d.requests) throw new Error('data.requests: request snapshots need data.source: world');
  if (d.path) throw new Error('data.requests: request snapshots are generated in memory; remove data.path');
  const req = d.requests;
  const report = emptyReport('world');
  const { impressions, requests, bounds } = generateRequests(d, req, log);
  let rows = requests;

  // whole requests of exactly `candidates` rows in the post-warm-up range
  const rid = rows.columns.request_id as ArrayLike<number>, imp = rows.columns.impression_id as ArrayLike<number>;
  const ranges = requestRanges(rid, rows.numRows);
  const kept = ranges.filter(([s, e]) => e - s === req.candidates && imp[s]! >= bounds[0]);
  const short = ranges.filter(([s, e]) => e - s !== req.candidates).length;
  const early = ranges.length - kept.length - short;
  if (short || early) {
    const note = `data.requests: dropped ${short} request(s) with fewer than ${req.candidates} live rooms and ${early} in the counter warm-up; ${kept.length} remain`;
    report.notes.push(note); log(note);
  }
  if (kept.length === 0) throw new Error(`data.requests: no request has ${req.candidates} candidates after the warm-up; lower data.requests.candidates`);

  // labels of the logged candidate, the student's counters, the teachers' logits
  const labelCols = [...new Set(cfg.tasks.map((t) => t.label))];
  const cols: Record<string, Column> = { ...rows.columns, ...loggedLabels(rows, impressions, labelCols) };
  const withStudent = materializeCountersAt(loadFeatures(cfg), impressions, rows);
  Object.assign(cols, withStudent.columns);
  const byTeacher = new Map<string, { name: string; teacherTask: string; fusion?: string }[]>();
  for (const t of cfg.tasks) {
    if (!t.distill) continue;
    const dir = resolvePath(cfg, t.distill.teacher);
    const fusion = t.distill.fusion === undefined ? undefined : resolvePath(cfg, t.distill.fusion);
    byTeacher.set(dir, [...(byTeacher.get(dir) ?? []), { name: t.name, teacherTask: t.distill.task ?? t.name, fusion }]);
  }
  for (const [dir, tasks] of byTeacher) {
    const t0 = Date.now();
    const teacher = await Teacher.load(dir);
    try {
      const preds = await teacher.predict(teacher.withCounters(impressions, rows));
      for (const t of tasks) {
        if (t.fusion) { cols[teacherColumn(t.name)] = fusedLogits(t.fusion, preds, rows, `tasks "${t.name}".distill.fusion`); continue; }
        const form = teacher.task(t.teacherTask).form;
        const p = preds[t.teacherTask]!;
        cols[teacherColumn(t.name)] = Float64Array.from(p, (v) => toLogit(v, form));
      }
    } finally { await teacher.dispose(); }
    log(`teacher ${dir} scored ${rows.numRows.toLocaleString('en-US')} candidate rows (${tasks.map((t) => `${t.name} ← ${t.fusion ? `ln fused (${t.fusion})` : t.teacherTask}`).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  rows = makeTable(cols);

  // split by the logged impression's place; shuffle the training requests as wholes
  const part = (lo: number, hi: number) => kept.filter(([s]) => imp[s]! >= lo && imp[s]! < hi);
  const [tr, va, te] = [part(bounds[0], bounds[1]), part(bounds[1], bounds[2]), part(bounds[2], bounds[3])];
  const order = new Rng(cfg.seed * 7919 + 17).permutation(tr.length);
  const shuffled = Array.from(order, (i) => tr[i]!);
  const take = (rs: [number, number][]) => {
    const idx = new Int32Array(rs.reduce((n, [s, e]) => n + e - s, 0));
    let j = 0;
    for (const [s, e] of rs) for (let i = s; i < e; i++) idx[j++] = i;
    return takeRows(rows, idx);
  };
  const splits = { train: take(shuffled), val: take(va), test: take(te) };
  report.splits = { train: splits.train.numRows, val: splits.val.numRows, test: splits.test.numRows };
  report.notes.push(`request snapshots: ${tr.length} train, ${va.length} validation, ${te.length} test requests of ${req.candidates} candidates`);
  log(`request snapshots: ${tr.length} train / ${va.length} validation / ${te.length} test requests of ${req.candidates} candidates`);
  const what = (s: string) => `request snapshots of the generated world (${s})`;
  checkSplits(splits, cfg.tasks, { train: what('train'), val: what('validation'), test: what('test') });
  return {
    ...splits, report,
    slices: { scenario: 'scenario', country: 'country', group: 'user_id' },
    description: `request snapshots of the synthetic world (${kept.length} requests × ${req.candidates} candidates, split by the logged impression's time ${d.split.join('/')})`,
  };
}

/** ln of the fused score of the teacher's predictions, each request with its scenario's fusion parameters. */
export function fusedLogits(path: string, preds: Record<string, Float32Array>, rows: Table, what: string): Float64Array {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`${what}: cannot read ${path}: ${(e as Error).message}`); }
  const fusion = parseFusionConfig(text, path);
  const missing = fusion.tasks.filter((t) => !preds[t]);
  if (missing.length) throw new Error(`${what}: ${path} reads task(s) ${missing.join(', ')} the teacher does not predict (it has ${Object.keys(preds).join(', ')})`);
  const scen = rows.columns.scenario as ArrayLike<string | null>;
  const out = new Float64Array(rows.numRows);
  for (const [s, e] of requestRanges(rows.columns.request_id as ArrayLike<number>, rows.numRows)) {
    const cols = Object.fromEntries(fusion.tasks.map((t) => [t, preds[t]!.subarray(s, e)]));
    const f = fuseColumns(fusion.forScenario(String(scen[s])).fusion, cols, e - s);
    for (let i = 0; i < e - s; i++) out[s + i] = Math.log(Math.max(f[i]!, 1e-30));
  }
  return out;
}
