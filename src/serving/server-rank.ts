// POST /rank. With `candidates`: the fine ranker's scores for the given rows (and, when a fusion
// config is loaded, their fused order after re-ranking). Without: the funnel (funnel/funnel.ts) —
// recall → coarse → fine → fusion → re-rank over the live rooms, with per-stage budgets and degraded
// answers when a store is down. Scenario and country outside the trained vocabulary → 400.
import type { FastifyInstance } from 'fastify';
import type { FineRanker, Row } from './fine-ranker.js';
import { fuse } from './fusion.js';
import type { FusionConfig } from './fusion-config.js';
import { FineRankTimeoutError, type Funnel } from './funnel/funnel.js';
import type { MemoryLiveIndex } from './funnel/live-index.js';
import { UnknownValueError, type RequestVocab } from './funnel/vocab.js';
import { rerank } from './rerank.js';
import type { EventPublisher } from './event-publisher.js';
import { behaviorsFor, type BehaviorStore } from './behaviors.js';
import { rankBodySchema, type RankBody, type ServeOptions } from './schemas.js';
import type { ServerMetrics } from './server-metrics.js';

/** A ranker shared by the requests using it; disposed once replaced and idle. */
export class Lease {
  users = 0;
  retired = false;
  constructor(readonly ranker: FineRanker, readonly vocab: RequestVocab) {}
  release(): void {
    this.users--;
    if (this.retired && this.users === 0) void this.ranker.dispose();
  }
  retire(): void {
    this.retired = true;
    if (this.users === 0) void this.ranker.dispose();
  }
}

export interface RankDeps {
  options: ServeOptions;
  metrics: ServerMetrics;
  lease(): Lease;
  fusion(): FusionConfig | null;
  funnel: Funnel;
  live: MemoryLiveIndex;
  now(): number;
  /** Long behaviour sequences (features with a `behaviors` block): the users' logs for ranking. */
  behaviors?: BehaviorStore | null;
  /** serve --event-stream: the returned rooms become impression events; items get `impression_id`. */
  publisher?: EventPublisher | null;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** `p`'s value, or null once `budgetMs` since `t0` has passed (the work itself runs on; its result is dropped). */
async function withTimeout<T>(p: Promise<T>, budgetMs: number, t0: bigint): Promise<T | null> {
  const left = budgetMs - ms(t0); // featurizing ran synchronously inside the call that made `p`
  if (left <= 0) { p.catch(() => {}); return null; }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), left); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
    p.catch(() => {});
  }
}

function checkVocab(v: RequestVocab, body: RankBody): void {
  v.check('scenario', body.scenario, 'body/scenario');
  v.check('country', body.country, 'body/country');
  v.check('country', body.context?.country, 'body/context/country');
  v.check('scenario', body.context?.scenario, 'body/context/scenario');
  body.candidates?.forEach((c, i) => { v.check('scenario', c.scenario, `body/candidates/${i}/scenario`); v.check('country', c.country, `body/candidates/${i}/country`); });
}

export function registerRank(app: FastifyInstance, d: RankDeps): void {
  const { options, metrics } = d;
  app.post<{ Body: RankBody }>('/rank', { schema: { body: rankBodySchema(options.max_candidates) } }, async (req, reply) => {
    const t0 = process.hrtime.bigint();
    const body = req.body;
    const lease = d.lease();
    try {
      checkVocab(lease.vocab, body);
    } catch (e) {
      if (e instanceof UnknownValueError) return reply.code(400).send({ error: e.message });
      throw e;
    }
    lease.users++;
    try {
      if (!body.candidates) return await funnelRank(d, lease, body, reply);
      const { context = {}, scenario, candidates, debug } = body;
      const base: Row = { ...context };
      if (body.country !== undefined) base.country = body.country;
      if (body.user !== undefined) base.user_id = body.user;
      if (body.ts !== undefined) base.ts = body.ts;
      if (scenario !== undefined) base.scenario = scenario;
      // request-level facts (base) win over a candidate's copy, given once instead of merged into every row
      // the users' behaviour logs (the request's user, else the rows'); a failing store → the frozen log file
      const { source: behaviors } = await behaviorsFor(d.behaviors, base.user_id !== undefined ? [base.user_id] : candidates.map((r) => r.user_id));
      const r = await withTimeout(lease.ranker.score(candidates, base, behaviors ? { behaviors } : {}), options.rank_timeout_ms, t0);
      if (!r) {
        metrics.timeouts.inc();
        return reply.code(503).send({ error: `fine ranking of ${candidates.length} candidates exceeded rank_timeout_ms ${options.rank_timeout_ms} ms` });
      }
      metrics.candidates.inc(candidates.length);
      metrics.stage.observe({ stage: 'featurize' }, r.timings.featurize_ms / 1000);
      metrics.stage.observe({ stage: 'infer' }, r.timings.infer_ms / 1000);
      const scores: Record<string, number[]> = {};
      for (const [task, p] of Object.entries(r.preds)) scores[task] = Array.from(p);
      const fusion = d.fusion();
      const ordered = fusion ? orderCandidates(d, fusion, candidates, base, r.preds, body) : undefined;
      return {
        model: lease.ranker.model.sha256,
        tasks: lease.ranker.tasks,
        scores,
        ...(ordered ? { items: ordered } : {}),
        ...(debug ? { timings: { ...r.timings, total_ms: ms(t0) }, graph: r.graph } : {}),
      };
    } finally {
      lease.release();
    }
  });
}

/** Given candidates, fused and re-ranked: `index` is the candidate's position in the request. Rooms the live index knows as ended are dropped. */
function orderCandidates(d: RankDeps, fusion: FusionConfig, candidates: readonly Row[], base: Row, preds: Record<string, Float32Array>, body: RankBody) {
  const tasks = Object.keys(preds);
  const col = (i: number, c: string) => base[c] ?? candidates[i]![c];
  const rows = candidates.map((_, i) => ({ room_id: col(i, 'room_id'), streamer_id: col(i, 'streamer_id'), category_id: col(i, 'category_id') }));
  const per = rows.map((_, i) => Object.fromEntries(tasks.map((t) => [t, Math.max(0, preds[t]![i]!)])));
  const scenario = String(col(0, 'scenario') ?? '');
  const p = fusion.forScenario(scenario);
  const score = fuse(p.fusion, per);
  const ts0 = col(0, 'ts');
  const ts = typeof ts0 === 'number' ? ts0 : d.now();
  const rp = { ...p.rerank, size: body.size ?? p.rerank.size };
  const res = rerank(rows.map((r, i) => ({
    id: String(i), score: score[i]!,
    streamer: r.streamer_id == null ? `?${i}` : String(r.streamer_id),
    category: r.category_id == null ? `?${i}` : String(r.category_id),
  })), rp, {
    isLive: (it) => {
      const room = rows[Number(it.id)]!.room_id;
      return room == null || d.live.get(room as string | number) === undefined || d.live.isLive(room as string | number, ts);
    },
  });
  return res.items.map((it) => ({ index: Number(it.id), room_id: rows[Number(it.id)]!.room_id ?? null, score: it.score }));
}

async function funnelRank(d: RankDeps, lease: Lease, body: RankBody, reply: import('fastify').FastifyReply) {
  const user = body.user ?? body.context?.user_id;
  if (user === undefined || user === null || typeof user === 'boolean') return reply.code(400).send({ error: 'body/user: required when no candidates are given (the funnel ranks the live rooms for a user)' });
  if (body.scenario === undefined) return reply.code(400).send({ error: 'body/scenario: required when no candidates are given' });
  const ts = body.ts ?? d.now();
  try {
    const r = await d.funnel.rank({ user, scenario: body.scenario, ts, context: body.context ?? {}, ...(body.country !== undefined ? { country: body.country } : {}), ...(body.size !== undefined ? { size: body.size } : {}) }, lease.ranker, d.fusion());
    let items: object[] = r.items, requestId: string | undefined;
    if (d.publisher && r.rows) {
      requestId = d.publisher.nextRequestId();
      const ids = d.publisher.served(requestId, { user, scenario: body.scenario, ts, ...(body.country !== undefined ? { country: body.country } : {}) }, r.items, r.rows);
      items = r.items.map((it, i) => ({ ...it, impression_id: ids[i] }));
    }
    return {
      model: lease.ranker.model.sha256,
      tasks: lease.ranker.tasks,
      ...(requestId ? { request_id: requestId } : {}),
      user, scenario: body.scenario, ts,
      items,
      degraded: r.degraded,
      ...(r.degraded ? { degraded_stores: r.degraded_stores } : {}),
      ...(r.fallbacks.length ? { fallbacks: r.fallbacks } : {}),
      ...(body.debug ? { counts: r.counts, rerank: r.rerank, timings: r.timings, ...(r.graph ? { graph: r.graph } : {}) } : {}),
    };
  } catch (e) {
    if (e instanceof FineRankTimeoutError) {
      d.metrics.timeouts.inc();
      return reply.code(503).send({ error: e.message });
    }
    throw e;
  }
}
