// The ranking funnel behind POST /rank without candidates (docs/serving.md, "The funnel"):
//   user profile → recall (recall_k, only live) → room + pair profiles → coarse (to coarse_k)
//   → real-time features → fine ranking → fusion → re-ranking (only-live re-check) to `size`.
// Every stage before fine ranking has a time budget and degrades instead of failing: a profile or
// real-time store that is down or late → the features' defaults (missing values) and `degraded`;
// recall late or failing → the popular-live fallback list; coarse late or failing → cut by recall
// order. Fine ranking over its budget → FineRankTimeoutError (the route answers 503, as with
// candidates).
import { behaviorsFor, type BehaviorStore } from '../behaviors.js';
import type { FineRanker, Row } from '../fine-ranker.js';
import { fuse } from '../fusion.js';
import type { FusionConfig } from '../fusion-config.js';
import { DEFAULT_RERANK, type RerankParams } from '../rerank-config.js';
import { rerank, type RerankItem } from '../rerank.js';
import type { RealtimeStore } from '../realtime/index.js';
import type { ProfileStore } from '../profile/types.js';
import type { ServerMetrics } from '../server-metrics.js';
import { roomRow, type MemoryLiveIndex } from './live-index.js';
import { runStage, type StageOutcome } from './stage.js';
import type { CoarseScorer, Id, RankContext, RecallCandidate, Recaller, Scalar } from './types.js';

export interface FunnelOptions {
  recall_k: number;
  coarse_k: number;
  size: number;
  timeouts_ms: { profile: number; recall: number; coarse: number; features: number; fine: number };
}

export interface FunnelDeps {
  live: MemoryLiveIndex;
  profiles: ProfileStore;
  realtime: RealtimeStore;
  recaller: Recaller;
  /** Used when `recaller` times out or fails (and is the recaller when none is configured). */
  fallback: Recaller;
  coarse: CoarseScorer | null;
  metrics: ServerMetrics;
  /** The users' behaviour logs for `sequence` features with a `behaviors` block (serving/behaviors.ts). */
  behaviors?: BehaviorStore | null;
  /** Return the row the fine ranker scored for each returned item (`FunnelResult.rows`; serve --event-stream). */
  keepServedRows?: boolean;
}

export interface FunnelRequest {
  user: Id;
  scenario: string;
  country?: string;
  ts: number;
  /** Request-level columns that win over the stored profile (training column names). */
  context: Record<string, Scalar>;
  size?: number;
}

export interface RankedItem {
  room_id: Id;
  streamer_id: Id;
  category_id: Id;
  score: number;
  scores: Record<string, number>;
  sources: string[];
}

export interface FunnelResult {
  items: RankedItem[];
  degraded: boolean;
  degraded_stores: string[];
  fallbacks: string[];
  counts: { live: number; recalled: number; per_source: Record<string, number>; coarse_in: number; fine: number; returned: number; dropped_not_live: number };
  timings: Record<string, number>;
  rerank: { search: string; violations: number };
  /** The fine ranker's graph: the request model (the user's sequences once) or model.onnx; absent when nothing was fine-ranked. */
  graph?: 'request' | 'rows';
  /** With `keepServedRows`: the scored row of each returned item (request columns included), in `items` order. */
  rows?: Row[];
}

export class FineRankTimeoutError extends Error {
  override readonly name = 'FineRankTimeoutError';
}

export type Store = 'profile' | 'realtime';

/** The user's columns as a RankContext (no profile: only the request's columns). */
function contextRow(req: FunnelRequest, profile: Record<string, Scalar> | null): Record<string, Scalar> {
  const row: Record<string, Scalar> = { ...(profile ?? {}) };
  row.user_id = req.user;
  row.ts = req.ts;
  row.hour = Math.floor((((req.ts % 86400) + 86400) % 86400) / 3600);
  row.position = 0;
  if (req.country !== undefined) row.country = req.country;
  Object.assign(row, req.context);
  row.scenario = req.scenario;
  return row;
}

export class Funnel {
  private readonly failing = new Map<Store, number>();

  /** Stores whose last call failed, with the time (ms) of the first failure of the current run. */
  degradedStores(): Record<string, string> {
    return Object.fromEntries([...this.failing].map(([s, t]) => [s, new Date(t).toISOString()]));
  }

  constructor(private readonly d: FunnelDeps, private readonly o: FunnelOptions) {}

  get options(): FunnelOptions { return this.o; }

  private degrade(store: Store, out: StageOutcome<unknown>, degraded: Set<string>): void {
    degraded.add(store);
    if (!this.failing.has(store)) this.failing.set(store, Date.now());
    this.d.metrics.degraded.inc({ store });
    this.d.metrics.degradedNow.set({ store }, 1);
    if (!out.ok && out.reason === 'timeout') this.d.metrics.stageTimeouts.inc({ stage: store });
  }

  private healthy(store: Store): void {
    this.failing.delete(store);
    this.d.metrics.degradedNow.set({ store }, 0);
  }

  private observe(stage: string, ms: number, timings: Record<string, number>): void {
    timings[`${stage}_ms`] = ms;
    this.d.metrics.stage.observe({ stage }, ms / 1000);
  }

  /** The user's sequence columns (seq_streamer_ids, seq_category_ids) from the real-time store: one read with a placeholder candidate. */
  private async userSequence(user: Id, ts: number): Promise<Record<string, Scalar>> {
    const ph = typeof user === 'number' ? -1 : '\u0000';
    const f = await this.d.realtime.featuresFor(user, [{ room: ph, streamer: ph, category: ph }], ts);
    const out: Record<string, Scalar> = {};
    for (const [k, c] of Object.entries(f.columns)) if (!k.startsWith('counter__')) out[k] = c[0] as Scalar;
    return out;
  }

  /** Step 1: the request's columns + the user's profile (+ sequence) as a RankContext. */
  private async context(req: FunnelRequest, withSequence: boolean, degraded: Set<string>, timings: Record<string, number>): Promise<RankContext> {
    const T = this.o.timeouts_ms;
    const [up, seq] = await Promise.all([
      runStage(T.profile, () => this.d.profiles.lookup(req.user, [])),
      withSequence ? runStage(T.features, () => this.userSequence(req.user, req.ts)) : null,
    ]);
    this.observe('profile', Math.max(up.ms, seq?.ms ?? 0), timings);
    if (up.ok) this.healthy('profile'); else this.degrade('profile', up, degraded);
    if (seq && !seq.ok) this.degrade('realtime', seq, degraded);
    const ctx: RankContext = { user: req.user, scenario: req.scenario, country: String(req.country ?? (up.ok ? up.value.user?.country : undefined) ?? ''), ts: req.ts, row: contextRow(req, up.ok ? up.value.user : null) };
    if (seq?.ok) for (const [k, v] of Object.entries(seq.value)) if (!(k in req.context)) ctx.row[k] = v;
    return ctx;
  }

  /** Step 3: room profiles (live index) + the pair columns (one profile lookup); ctx.row is not merged in. */
  private async pairRows(ctx: RankContext, cands: readonly RecallCandidate[], degraded: Set<string>, timings: Record<string, number>): Promise<Row[]> {
    const tp = performance.now();
    // the profile store just failed this request: do not wait for it a second time
    const pairs = degraded.has('profile')
      ? { ok: false as const, reason: 'error' as const, error: new Error('profile store degraded'), ms: 0 }
      : await runStage(this.o.timeouts_ms.profile, () => this.d.profiles.lookup(ctx.user, cands.map((c) => ({ streamer: c.streamer, category: c.category }))));
    if (pairs.ok) this.healthy('profile'); else if (!degraded.has('profile')) this.degrade('profile', pairs, degraded);
    const rows = cands.map((c, i) => {
      const room = this.d.live.get(c.room);
      const r: Row = room ? roomRow(room, ctx.ts) : { room_id: c.room, streamer_id: c.streamer, category_id: c.category };
      r.hist_followed = pairs.ok ? pairs.value.hist_followed[i]! : null;
      r.hist_streamer_watch_s = pairs.ok ? pairs.value.hist_streamer_watch_s[i]! : null;
      r.hist_category_watch_s = pairs.ok ? pairs.value.hist_category_watch_s[i]! : null;
      return r; // the request-level columns (ctx.row) are given to the rankers once, as the base of every row
    });
    this.observe('pairs', performance.now() - tp, timings);
    return rows;
  }

  /** Step 5: the real-time store's counter and sequence columns of these candidates (null when degraded). */
  private async realtimeColumns(ctx: RankContext, cands: readonly RecallCandidate[], degraded: Set<string>, timings: Record<string, number>): Promise<[string, ArrayLike<unknown>][] | null> {
    if (!cands.length || degraded.has('realtime')) return null; // (the user's sequence read failed this request: skip the second wait)
    const rt = await runStage(this.o.timeouts_ms.features, () => this.d.realtime.featuresFor(ctx.user, cands.map((c) => ({ room: c.room, streamer: c.streamer, category: c.category })), ctx.ts));
    this.observe('features', rt.ms, timings);
    if (!rt.ok) { this.degrade('realtime', rt, degraded); return null; }
    this.healthy('realtime');
    return Object.entries(rt.value.columns);
  }

  private addRealtime(ctx: RankContext, rows: Row[], cols: [string, ArrayLike<unknown>][] | null): void {
    if (cols) rows.forEach((r, i) => { for (const [name, c] of cols) if (!(name in ctx.row)) r[name] = c[i] as Scalar; });
  }

  /**
   * The rows the fine ranker would score for these live rooms (steps 1, 3 and 5 without recall and
   * coarse): each row is `{...room + pair + real-time columns, ...ctx.row}` (what `rank` builds). For
   * parity checks and explanations.
   */
  async assemble(req: FunnelRequest, rooms: readonly Id[]): Promise<{ rows: Row[]; degraded: string[] }> {
    const degraded = new Set<string>();
    const timings: Record<string, number> = {};
    const ctx = await this.context(req, false, degraded, timings);
    const cands = rooms.map((room): RecallCandidate => {
      const r = this.d.live.get(room);
      if (!r) throw new Error(`assemble: room ${String(room)} is not in the live index`);
      return { room: r.room_id, streamer: r.streamer_id, category: r.category_id, score: 0, source: 'given' };
    });
    const rows = await this.pairRows(ctx, cands, degraded, timings);
    this.addRealtime(ctx, rows, await this.realtimeColumns(ctx, cands, degraded, timings));
    return { rows: rows.map((r) => ({ ...r, ...ctx.row })), degraded: [...degraded] };
  }

  async rank(req: FunnelRequest, ranker: FineRanker, fusion: FusionConfig | null): Promise<FunnelResult> {
    const t0 = performance.now();
    const T = this.o.timeouts_ms;
    const timings: Record<string, number> = {};
    const degraded = new Set<string>(), fallbacks = new Set<string>();

    // 1. user profile (+ the user's recent sequence when a recall model reads it)
    const ctx = await this.context(req, this.d.recaller !== this.d.fallback, degraded, timings);

    // 2. recall (only live rooms), fallback list when late or failing
    let rec = await runStage(T.recall, (signal) => this.d.recaller.retrieve(ctx, this.o.recall_k, signal));
    if (!rec.ok && this.d.recaller !== this.d.fallback) {
      fallbacks.add('recall');
      this.d.metrics.fallbacks.inc({ stage: 'recall' });
      if (rec.reason === 'timeout') this.d.metrics.stageTimeouts.inc({ stage: 'recall' });
      rec = await runStage(T.recall, () => this.d.fallback.retrieve(ctx, this.o.recall_k));
    }
    this.observe('recall', performance.now() - t0 - timings.profile_ms!, timings);
    if (!rec.ok) throw rec.reason === 'error' ? rec.error : new Error(`recall exceeded its budget of ${T.recall} ms and so did the fallback`);
    const recalled = rec.value.candidates.filter((c) => this.d.live.isLive(c.room, ctx.ts));

    // 3.–5. room + pair profiles, coarse to coarse_k, real-time features of the survivors. Without a
    // coarse stage (or nothing to cut) the survivors are known now: pairs and real-time run in parallel.
    const coarseIn = recalled.length;
    let rows: Row[];
    let kept: RecallCandidate[];
    if (!this.d.coarse || recalled.length <= this.o.coarse_k) {
      kept = recalled.slice(0, this.o.coarse_k);
      const [r, cols] = await Promise.all([this.pairRows(ctx, kept, degraded, timings), this.realtimeColumns(ctx, kept, degraded, timings)]);
      rows = r;
      this.addRealtime(ctx, rows, cols);
    } else {
      const all = await this.pairRows(ctx, recalled, degraded, timings);
      let order: number[] | null = null;
      const cs = await runStage(T.coarse, (signal) => this.d.coarse!.score(ctx, all, signal));
      this.observe('coarse', cs.ms, timings);
      if (cs.ok) order = topK(cs.value, this.o.coarse_k);
      else {
        fallbacks.add('coarse');
        this.d.metrics.fallbacks.inc({ stage: 'coarse' });
        if (cs.reason === 'timeout') this.d.metrics.stageTimeouts.inc({ stage: 'coarse' });
      }
      order ??= Array.from({ length: this.o.coarse_k }, (_, i) => i);
      rows = order.map((i) => all[i]!);
      kept = order.map((i) => recalled[i]!);
      this.addRealtime(ctx, rows, await this.realtimeColumns(ctx, kept, degraded, timings));
    }

    let items: RankedItem[] = [];
    let rr: FunnelResult['rerank'] = { search: 'ok', violations: 0 };
    let droppedNotLive = 0;
    let graph: FunnelResult['graph'];
    let servedRows: Row[] | undefined;
    if (rows.length) {
      // every column the model reads that no store filled is a missing value (the feature's default)
      for (const c of ranker.columns) if (ctx.row[c] === undefined) for (const r of rows) if (r[c] === undefined) r[c] = null;
      // the user's behaviour log (long sequences); a store that fails → the run's frozen log file (degraded)
      const { source: behaviors, failed } = await behaviorsFor(this.d.behaviors, [req.user]);
      if (failed) degraded.add('behaviors');
      // 6. fine ranking
      const fine = await runStage(T.fine, () => ranker.score(rows, ctx.row, behaviors ? { behaviors } : {})); // featurizing runs inside the call: it counts
      if (!fine.ok) {
        if (fine.reason === 'error') throw fine.error;
        throw new FineRankTimeoutError(`fine ranking of ${rows.length} candidates exceeded rank_timeout_ms ${T.fine} ms`);
      }
      this.observe('featurize', fine.value.timings.featurize_ms, timings);
      this.observe('infer', fine.value.timings.infer_ms, timings);
      graph = fine.value.graph;
      this.d.metrics.candidates.inc(rows.length);
      // 7. fusion
      const tf = performance.now();
      const { preds } = fine.value;
      const tasks = Object.keys(preds);
      const per = rows.map((_, i) => Object.fromEntries(tasks.map((t) => [t, Math.max(0, preds[t]![i]!)])));
      const params = fusion?.forScenario(req.scenario);
      const score = params ? fuse(params.fusion, per) : Float64Array.from(per, (p) => p[tasks[0]!]!);
      this.observe('fusion', performance.now() - tf, timings);
      // 8. re-ranking (only-live re-check)
      const tr = performance.now();
      const rp: RerankParams = params?.rerank ? { ...params.rerank } : { ...DEFAULT_RERANK, slots: new Map() };
      rp.size = req.size ?? (params ? rp.size : this.o.size);
      const byId = new Map(kept.map((c, i) => [String(c.room), i]));
      const res = rerank(kept.map((c, i): RerankItem => ({ id: String(c.room), score: score[i]!, streamer: String(c.streamer), category: String(c.category) })), rp, {
        isLive: (it) => this.d.live.isLive(kept[byId.get(it.id)!]!.room, ctx.ts),
      });
      this.observe('rerank', performance.now() - tr, timings);
      droppedNotLive = res.dropped.filter((x) => x.reason === 'not_live').length;
      rr = { search: res.search, violations: res.violations.length };
      items = res.items.map((it) => {
        const i = byId.get(it.id)!;
        const c = kept[i]!;
        return { room_id: c.room, streamer_id: c.streamer, category_id: c.category, score: it.score, scores: per[i]!, sources: c.sources ?? [c.source] };
      });
      if (this.d.keepServedRows) servedRows = res.items.map((it) => ({ ...rows[byId.get(it.id)!]!, ...ctx.row }));
    }
    timings.total_ms = performance.now() - t0;
    return {
      items,
      degraded: degraded.size > 0,
      degraded_stores: [...degraded],
      fallbacks: [...fallbacks],
      counts: { live: this.d.live.liveProfiles(ctx.ts).length, recalled: recalled.length, per_source: rec.value.perSource, coarse_in: coarseIn, fine: rows.length, returned: items.length, dropped_not_live: droppedNotLive },
      timings,
      rerank: rr,
      ...(graph ? { graph } : {}),
      ...(servedRows ? { rows: servedRows } : {}),
    };
  }
}

/** Indices of the k highest scores, best first (ties: earlier index). */
export function topK(s: ArrayLike<number>, k: number): number[] {
  const v = (i: number): number => (Number.isNaN(s[i]!) ? -Infinity : s[i]!);
  const idx = Array.from({ length: s.length }, (_, i) => i);
  idx.sort((a, b) => (v(b) - v(a)) || a - b);
  return idx.slice(0, k);
}
