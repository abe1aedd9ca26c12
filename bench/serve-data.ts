// Request bodies for the serving benchmark, from the demo world (examples/demo.yaml's world options):
// the world's request snapshots (test period, 500 live candidates each, described as the world logs
// them) with their counter features replayed from the impression log up to the request's time — the
// values the service would see. Columns equal across a request's rows go to `context`, the rest
// per candidate; only the columns the model reads (GET /health `model.columns`) are sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWorld } from '../src/data/world/generate.js';
import { isStringColumn, sliceTable, type Table } from '../src/data/table.js';
import { CounterEngine, CounterReplay, loadFitted, parseFeatureConfig } from '../src/features/index.js';
import { loadTrainConfig } from '../src/train/config.js';
import { worldOptionsOf } from '../src/train/world-options.js';

type Scalar = string | number | boolean | null;
export interface FunnelRequest { scenario: string; user: Scalar; country?: string; ts: number }
export interface RankRequest { scenario?: string; context: Record<string, Scalar>; candidates?: Record<string, Scalar>[] }

export interface BenchData {
  /** POST /rank bodies with candidates (fine ranking only). */
  fine: RankRequest[];
  /** The same requests without candidates (the service runs the funnel): who, where, when. */
  funnel: FunnelRequest[];
  /** POST /events records the funnel needs: room sessions live during the requests, the requests' users. */
  rooms: Record<string, Scalar>[];
  users: Record<string, Scalar>[];
  world_ms: number;
  counters_ms: number;
}

/** Raw counter values (the `counter__<feature>` columns) of each request's rows at the request's time. */
function replayCounters(runDir: string, impressions: Table, requests: Table, starts: number[]): Map<string, Float64Array> {
  const fitted = loadFitted(join(runDir, 'features.json'));
  const cfg = parseFeatureConfig(fitted.config, `${runDir}/features.json`);
  const out = new Map<string, Float64Array>();
  if (!cfg.counters.length) return out;
  const replay = new CounterReplay(new CounterEngine(cfg));
  for (const r of replay.engine.features) out.set(r.f.name, new Float64Array(requests.numRows).fill(NaN));
  const imp = requests.columns.impression_id as Float64Array, ts = requests.columns.ts as Float64Array;
  let cursor = 0;
  const CHUNK = 65_536;
  for (let q = 0; q < starts.length - 1; q++) {
    const lo = starts[q]!, hi = starts[q + 1]!;
    const until = imp[lo]!; // replay the log up to (not including) the impression that made the request
    while (cursor < until) {
      const end = Math.min(until, cursor + CHUNK);
      replay.process(replay.engine.batch(sliceTable(impressions, cursor, end)));
      cursor = end;
    }
    const vals = replay.readAt(replay.engine.batch(sliceTable(requests, lo, hi)), ts[lo]!);
    for (const [name, v] of vals) out.get(name)!.set(v, lo);
  }
  return out;
}

/** Splits one request's rows into context (values equal on every row) and candidates (the rest). */
function toBody(t: Table, lo: number, hi: number, columns: readonly string[], counters: Map<string, Float64Array>): RankRequest {
  const get = (c: string, i: number): Scalar => {
    const cv = c.startsWith('counter__') ? counters.get(c.slice('counter__'.length)) : undefined;
    if (cv) { const v = cv[i]!; return Number.isFinite(v) ? v : null; }
    const col = t.columns[c];
    if (!col) throw new Error(`bench serve: the model reads column "${c}", which the world's request snapshots do not have`);
    const v = col[i]!;
    return isStringColumn(col) ? (v as string | null) : Number.isFinite(v as number) ? (v as number) : null;
  };
  const context: Record<string, Scalar> = {}, per: string[] = [];
  for (const c of columns) {
    const v0 = get(c, lo);
    let same = true;
    for (let i = lo + 1; i < hi && same; i++) same = get(c, i) === v0;
    if (same) context[c] = v0; else per.push(c);
  }
  const candidates = [];
  for (let i = lo; i < hi; i++) {
    const row: Record<string, Scalar> = {};
    for (const c of per) row[c] = get(c, i);
    candidates.push(row);
  }
  const scenario = typeof context.scenario === 'string' ? context.scenario : undefined;
  if (scenario !== undefined) delete context.scenario;
  return { ...(scenario !== undefined ? { scenario } : {}), context, candidates };
}

/**
 * `count` requests of the demo world's test period with `candidates` live rooms each; `columns` are
 * the model's input columns (counter__* included).
 */
export function benchRequests(runDir: string, columns: readonly string[], count: number, candidates: number): BenchData {
  const t0 = Date.now();
  const cfg = loadTrainConfig('examples/demo.yaml');
  if (cfg.data.source !== 'world') throw new Error('examples/demo.yaml: data.source is not world');
  const world = generateWorld({ ...worldOptionsOf(cfg.data), requests: { from: 0.85, to: 1.0, count, candidates, onlyEffectiveView: false, seed: 1 } });
  const req = world.requests!;
  const world_ms = Date.now() - t0;
  const rid = req.columns.request_id as Float64Array;
  const starts: number[] = [];
  for (let i = 0; i < req.numRows; i++) if (i === 0 || rid[i] !== rid[i - 1]) starts.push(i);
  starts.push(req.numRows);
  const t1 = Date.now();
  const counters = columns.some((c) => c.startsWith('counter__')) ? replayCounters(runDir, world.impressions, req, starts) : new Map<string, Float64Array>();
  const counters_ms = Date.now() - t1;
  const fine: RankRequest[] = [];
  for (let q = 0; q < starts.length - 1; q++) fine.push(toBody(req, starts[q]!, starts[q + 1]!, columns, counters));
  // The funnel request: who asks, where and when (the service recalls the candidates itself).
  const ts = req.columns.ts as Float64Array, user = req.columns.user_id as Float64Array;
  const str = (c: string, i: number) => (req.columns[c] as (string | null)[])[i]!;
  const funnel: FunnelRequest[] = starts.slice(0, -1).map((i) => ({ scenario: str('scenario', i), user: user[i]!, country: str('country', i), ts: ts[i]! }));
  let lo = Infinity, hi = -Infinity;
  for (const i of starts.slice(0, -1)) { lo = Math.min(lo, ts[i]!); hi = Math.max(hi, ts[i]!); }
  const r = world.rooms.columns;
  const rooms: Record<string, Scalar>[] = [];
  for (let i = 0; i < world.rooms.numRows; i++) {
    if (!(r.start_ts![i]! as number <= hi && (r.end_ts![i]! as number) >= lo)) continue;
    rooms.push({ room_id: r.room_id![i] as number, streamer_id: r.streamer_id![i] as number, category_id: r.category_id![i] as number, room_country: r.room_country![i] as string,
      streamer_followers: r.streamer_followers![i] as number, start_ts: r.start_ts![i] as number, end_ts: r.end_ts![i] as number, room_viewers: Math.round(r.base_viewers![i] as number) });
  }
  const USER = ['country', 'user_age', 'user_gender', 'user_device', 'user_activity', 'user_follow_count', 'hist_total_watch_s'];
  const users = new Map<Scalar, Record<string, Scalar>>();
  for (const i of starts.slice(0, -1)) {
    const u: Record<string, Scalar> = { user_id: user[i]! };
    for (const c of USER) { const col = req.columns[c]; if (col) u[c] = col[i] as Scalar; }
    users.set(user[i]!, u);
  }
  return { fine, funnel, rooms, users: [...users.values()], world_ms, counters_ms };
}

/** Reads a run directory's model.json inputs, to fail early (and clearly) when the run is missing. */
export function checkRun(runDir: string): string | null {
  for (const f of ['model.json', 'model.onnx', 'model.onnx.sha256', 'features.json']) {
    try { readFileSync(join(runDir, f)); } catch { return `${join(runDir, f)} is missing`; }
  }
  return null;
}
