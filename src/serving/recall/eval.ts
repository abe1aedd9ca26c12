// Recall quality on world request snapshots (src/data/world/requests.ts, sampled with
// onlyEffectiveView): each request's logged room — one the user effectively viewed — is the target;
// a source recalls it at K when the room is among the source's top K. Reported per request and per
// user (the mean over users of their requests' hit rate), for every source alone, the merged
// recall (the config's quotas, total = K) and the oracle: all live candidates ranked by the true
// p_effective_view of the snapshot rows.
//
// The logged room was chosen by the world's exposure policy (followed / recent streamers, personal
// categories, big streamers) and then effectively viewed, so a source that learned the log's
// exposure can beat the oracle on that target. The exposure-free measure, for which the oracle IS
// the limit, is the true-probability mass: Σ p_effective_view of the K recalled rooms / Σ over all
// live candidates (the expected share of the effective views this user would make over the
// candidates if shown every room once that the K rooms capture).
import type { Table } from '../../data/table.js';
import type { Id, RankContext, RecallSource, Scalar } from '../funnel/types.js';
import type { FollowedStreamer, FollowProvider } from './followed-live.js';
import { toId } from './ids.js';
import type { StreamerLiveIndex } from './live-index.js';
import type { QuotaRecaller } from './recaller.js';

/** Per-candidate (not request-level) columns of a snapshot row, and ids / truth. */
const CANDIDATE_COLUMNS = new Set(['request_id', 'impression_id', 'logged', 'room_id', 'streamer_id', 'category_id', 'room_country', 'streamer_followers',
  'room_viewers', 'room_live_s', 'hist_followed', 'hist_streamer_watch_s', 'hist_category_watch_s',
  'p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order', 'e_watch_s', 'watch_mu', 'position']);

/** The follow list of the request being evaluated: the snapshot's hist_followed = 1 rows (weight = hist_streamer_watch_s). */
export class SnapshotFollows implements FollowProvider {
  current: FollowedStreamer[] = [];
  async followed(): Promise<readonly FollowedStreamer[]> { return this.current; }
}

export interface RequestView {
  ctx: RankContext;
  target: Id;
  rooms: Id[];
  pEv: Float64Array;
  follows: FollowedStreamer[];
}

function need(t: Table, name: string): ArrayLike<unknown> {
  const c = t.columns[name];
  if (!c) throw new Error(`recall eval: request snapshots lack column "${name}"`);
  return c;
}

/** The requests of a snapshot table (rows of a request contiguous). */
export function* requestViews(t: Table): Generator<RequestView> {
  const rid = need(t, 'request_id'); const logged = need(t, 'logged'); const room = need(t, 'room_id'); const streamer = need(t, 'streamer_id');
  const pev = need(t, 'p_effective_view'); const fol = need(t, 'hist_followed'); const sw = need(t, 'hist_streamer_watch_s');
  const user = need(t, 'user_id'); const sc = need(t, 'scenario'); const co = need(t, 'country'); const ts = need(t, 'ts');
  const reqCols = Object.keys(t.columns).filter((c) => !CANDIDATE_COLUMNS.has(c));
  for (let a = 0; a < t.numRows;) {
    let b = a + 1;
    while (b < t.numRows && rid[b] === rid[a]) b++;
    let target: Id | undefined; let li = a;
    const rooms: Id[] = []; const p = new Float64Array(b - a); const follows: FollowedStreamer[] = [];
    for (let i = a; i < b; i++) {
      rooms.push(toId(room[i])); p[i - a] = Number(pev[i]);
      if (Number(logged[i]) === 1) { target = toId(room[i]); li = i; }
      if (Number(fol[i]) === 1) follows.push({ streamer: toId(streamer[i]), weight: Number(sw[i]) });
    }
    if (target === undefined) throw new Error(`recall eval: request ${String(rid[a])} has no logged row`);
    const row: Record<string, Scalar> = {};
    for (const c of reqCols) { const v = t.columns[c]![li]; row[c] = typeof v === 'number' ? (Number.isNaN(v) ? null : v) : (v as Scalar); }
    yield { ctx: { user: toId(user[li]), scenario: String(sc[li]), country: String(co[li]), ts: Number(ts[li]), row }, target, rooms, pEv: p, follows };
    a = b;
  }
}

export interface SourceResult { recall: Record<number, number>; userRecall: Record<number, number>; mass: Record<number, number>; returned: Record<number, number>; ms: number; failed: number }
export interface RecallReport {
  requests: number;
  users: number;
  meanCandidates: number;
  /** Requests whose snapshot candidates ≠ the live index's live rooms at ts (should be 0). */
  liveMismatch: number;
  ks: number[];
  results: Record<string, SourceResult>;
  /** Mean rooms per source in the merged recall at the largest K. */
  unionMix: Record<string, number>;
  /** Per scenario: its request count and recall@K of every source (per request). */
  byScenario: Record<string, { requests: number; recall: Record<string, Record<number, number>> }>;
}

/** Hit rank of the target in the oracle order (rooms with a strictly larger true p before it). */
function oracleRank(v: RequestView): number {
  const i = v.rooms.indexOf(v.target); const p = v.pEv[i]!;
  let r = 0; for (const x of v.pEv) if (x > p) r++;
  return r;
}

export async function evaluateRecall(
  requests: Table, sources: ReadonlyMap<string, RecallSource>, union: QuotaRecaller, live: StreamerLiveIndex, follows: SnapshotFollows,
  ks: readonly number[] = [50, 200], onProgress?: (done: number) => void,
): Promise<RecallReport> {
  const K = [...ks].sort((a, b) => a - b); const kmax = K[K.length - 1]!;
  const names = [...sources.keys(), 'union', 'oracle'];
  const hits = new Map(names.map((n) => [n, K.map(() => [] as number[])]));
  const mass = new Map(names.map((n) => [n, K.map(() => 0)]));
  const returned = new Map(names.map((n) => [n, K.map(() => 0)]));
  const time = new Map(names.map((n) => [n, 0])); const failed = new Map(names.map((n) => [n, 0]));
  const users: Id[] = []; const scenarios: string[] = []; const mix: Record<string, number> = {};
  let n = 0; let cands = 0; let mismatch = 0;
  for (const v of requestViews(requests)) {
    n++; cands += v.rooms.length; users.push(v.ctx.user); scenarios.push(v.ctx.scenario);
    const liveNow = new Set(live.liveRooms(v.ctx.ts));
    if (liveNow.size !== v.rooms.length || v.rooms.some((r) => !liveNow.has(r))) mismatch++;
    follows.current = v.follows;
    const pOf = new Map(v.rooms.map((r, i) => [r, v.pEv[i]!]));
    let pSum = 0; for (const x of v.pEv) pSum += x;
    const massOf = (rooms: Id[]) => { let m = 0; for (const r of new Set(rooms)) m += pOf.get(r) ?? 0; return m / pSum; };
    for (const [name, src] of sources) {
      const t0 = performance.now();
      let got: Id[] = [];
      try { got = (await src.retrieve(v.ctx, kmax)).map((c) => c.room); } catch { failed.set(name, failed.get(name)! + 1); }
      time.set(name, time.get(name)! + performance.now() - t0);
      K.forEach((k, j) => {
        const top = got.slice(0, k);
        hits.get(name)![j]!.push(top.includes(v.target) ? 1 : 0); returned.get(name)![j]! += top.length; mass.get(name)![j]! += massOf(top);
      });
    }
    for (const [j, k] of K.entries()) {
      const t0 = performance.now();
      const r = await union.retrieve(v.ctx, k);
      time.set('union', time.get('union')! + performance.now() - t0);
      if (Object.keys(r.failed).length) failed.set('union', failed.get('union')! + 1);
      hits.get('union')![j]!.push(r.candidates.some((c) => c.room === v.target) ? 1 : 0);
      returned.get('union')![j]! += r.candidates.length;
      mass.get('union')![j]! += massOf(r.candidates.map((c) => c.room));
      if (k === kmax) for (const [s, c] of Object.entries(r.perSource)) mix[s] = (mix[s] ?? 0) + c;
    }
    const or = oracleRank(v);
    const sorted = Float64Array.from(v.pEv).sort().reverse();
    K.forEach((k, j) => {
      hits.get('oracle')![j]!.push(or < k ? 1 : 0); returned.get('oracle')![j]! += Math.min(k, v.rooms.length);
      let m = 0; for (let i = 0; i < Math.min(k, sorted.length); i++) m += sorted[i]!;
      mass.get('oracle')![j]! += m / pSum;
    });
    onProgress?.(n);
  }
  if (n === 0) throw new Error('recall eval: no requests');
  const results: Record<string, SourceResult> = {};
  for (const name of names) {
    const h = hits.get(name)!;
    results[name] = {
      recall: Object.fromEntries(K.map((k, j) => [k, mean(h[j]!)])),
      userRecall: Object.fromEntries(K.map((k, j) => [k, perUser(users, h[j]!)])),
      mass: Object.fromEntries(K.map((k, j) => [k, mass.get(name)![j]! / n])),
      returned: Object.fromEntries(K.map((k, j) => [k, returned.get(name)![j]! / n])),
      ms: time.get(name)! / n / (name === 'union' ? K.length : 1),
      failed: failed.get(name)!,
    };
  }
  for (const s of Object.keys(mix)) mix[s] = mix[s]! / n;
  const byScenario: RecallReport['byScenario'] = {};
  for (const sc of [...new Set(scenarios)].sort()) {
    const idx = scenarios.flatMap((x, i) => (x === sc ? [i] : []));
    byScenario[sc] = {
      requests: idx.length,
      recall: Object.fromEntries(names.map((name) => [name, Object.fromEntries(K.map((k, j) => [k, mean(idx.map((i) => hits.get(name)![j]![i]!))]))])),
    };
  }
  return { requests: n, users: new Set(users).size, meanCandidates: cands / n, liveMismatch: mismatch, ks: K, results, unionMix: mix, byScenario };
}

function mean(x: number[]): number { return x.reduce((s, v) => s + v, 0) / x.length; }

/** Mean over users of the user's mean hit. */
function perUser(users: Id[], h: number[]): number {
  const by = new Map<Id, [number, number]>();
  users.forEach((u, i) => { const e = by.get(u) ?? [0, 0]; e[0] += h[i]!; e[1]++; by.set(u, e); });
  let s = 0; for (const [a, b] of by.values()) s += a / b;
  return s / by.size;
}

/** The report as a text table: recall@K per request and per user, the true-probability mass, rooms returned, mean ms per request. */
export function formatRecallReport(r: RecallReport): string {
  const head = ['source', ...r.ks.map((k) => `R@${k} req`), ...r.ks.map((k) => `R@${k} user`), ...r.ks.map((k) => `pEV mass@${k}`), `rooms@${r.ks[r.ks.length - 1]}`, 'ms/req'];
  const rows = Object.entries(r.results).map(([name, x]) => [
    name, ...r.ks.map((k) => x.recall[k]!.toFixed(4)), ...r.ks.map((k) => x.userRecall[k]!.toFixed(4)), ...r.ks.map((k) => x.mass[k]!.toFixed(4)),
    x.returned[r.ks[r.ks.length - 1]!]!.toFixed(1), name === 'oracle' ? '-' : x.ms.toFixed(2),
  ]);
  return table(head, rows);
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(head), `|${w.map((x, i) => (i === 0 ? `:${'-'.repeat(x + 1)}` : `${'-'.repeat(x + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Recall@K per request by scenario (columns scenario@K, with the scenario's request count in the header). */
export function formatScenarioTable(r: RecallReport): string {
  const sc = Object.keys(r.byScenario);
  const head = ['source', ...sc.flatMap((s) => r.ks.map((k) => `${s} (${r.byScenario[s]!.requests}) R@${k}`))];
  const rows = Object.keys(r.results).map((name) => [name, ...sc.flatMap((s) => r.ks.map((k) => r.byScenario[s]!.recall[name]![k]!.toFixed(4)))]);
  return table(head, rows);
}
