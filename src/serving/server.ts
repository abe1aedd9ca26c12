// The HTTP service (fastify): POST /rank (given candidates: fine-ranker scores; none: the funnel over
// the live rooms), POST /events (real-time counters, profiles, live rooms), GET /health, GET /metrics
// (Prometheus text) and POST /admin/reload (bearer token; the new model and fusion config are loaded
// and checked in full before they replace the old ones together, and requests in flight finish on
// the model they started with). Bad input is a 4xx with a message, never a crash; a store that is
// down degrades answers (feature defaults + a flag), never a 5xx.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseFeatureConfig } from '../features/index.js';
import { registerEvents } from './events.js';
import { EventPublisher } from './event-publisher.js';
import { MemoryBehaviorStore, RedisBehaviorStore, type BehaviorStore } from './behaviors.js';
import { logFromFile } from '../features/behavior/op.js';
import { openEventStream } from '../data/stream/open.js';
import type { EventStream } from '../data/stream/types.js';
import { FineRanker, RankInputError } from './fine-ranker.js';
import { FusionInputError } from './fusion.js';
import { parseFusionConfig, type FusionConfig } from './fusion-config.js';
import { Funnel } from './funnel/funnel.js';
import { LiveIndexInputError, MemoryLiveIndex } from './funnel/live-index.js';
import { PopularLiveRecaller } from './funnel/popular-recall.js';
import type { CoarseScorer, Recaller } from './funnel/types.js';
import { RequestVocab } from './funnel/vocab.js';
import { HotConfig } from './hot-config.js';
import { MemoryProfileStore } from './profile/memory.js';
import { RedisProfileStore } from './profile/redis.js';
import { ProfileInputError, type ProfileStore } from './profile/types.js';
import { MemoryRealtimeStore, RealtimeInputError, RedisRealtimeStore, type RealtimeStore } from './realtime/index.js';
import { RerankInputError } from './rerank.js';
import { parseServeOptions, type ServeOptions } from './schemas.js';
import { Lease, registerRank } from './server-rank.js';
import { ServerMetrics } from './server-metrics.js';
import { attachServedLog, ServedLog } from './served-log.js';
import { injectFitted, injectRealtimeConfig } from './served-log-inject.js';

/** Stores and stages the caller provides (the CLI's snapshot, tests); the rest are built from the options. */
export interface ServiceDeps {
  live?: MemoryLiveIndex;
  profiles?: ProfileStore;
  realtime?: RealtimeStore;
  /** The recall stage (or a factory given the service's stores); default: the popular-live rooms (PopularLiveRecaller). */
  recaller?: Recaller | ((stores: { live: MemoryLiveIndex; profiles: ProfileStore; realtime: RealtimeStore }) => Promise<Recaller>);
  /** The coarse stage; default: none (the recall list is cut to coarse_k in recall order). */
  coarse?: CoarseScorer;
  /** The behaviour-log store (default: in-process, or Redis with `redis`, when a feature reads a behaviour log; null: none). */
  behaviors?: BehaviorStore | null;
  /** The broker for `event_stream` (default: opened from its url; tests pass an in-process one). */
  eventStream?: EventStream;
}

export interface Service {
  app: FastifyInstance;
  options: ServeOptions;
  metrics: ServerMetrics;
  live: MemoryLiveIndex;
  profiles: ProfileStore;
  realtime: RealtimeStore;
  funnel: Funnel;
  /** The ranker serving now. */
  ranker(): FineRanker;
  /** The fusion config serving now (null without one). */
  fusion(): FusionConfig | null;
  /** The service clock (unix seconds): wall clock + clock_offset_s. */
  now(): number;
  close(): Promise<void>;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkFusionTasks(cfg: FusionConfig, tasks: readonly string[], source: string): void {
  const missing = cfg.tasks.filter((t) => !tasks.includes(t));
  if (missing.length) throw new Error(`${source}: reads task(s) ${missing.join(', ')} that the model does not output (it has ${tasks.join(', ')})`);
}

/**
 * Builds the service: loads the run's model first (a missing or damaged model throws naming the
 * file, before any port is opened), the fusion config, and the stores (Redis unreachable at start
 * throws naming the address). `listen` is the caller's (cli/commands/serve.ts, tests use inject).
 */
export async function buildService(raw: unknown, deps: ServiceDeps = {}): Promise<Service> {
  const options = parseServeOptions(raw);
  const metrics = new ServerMetrics();
  const servedLog = options.served_log ? new ServedLog(options.served_log, options.inject_skew) : null;
  const load = async (): Promise<Lease> => {
    const r = await FineRanker.load(options.run, { size: options.workers, threads: options.ort_threads });
    r.model.fitted = injectFitted(r.model.fitted, options.inject_skew); // test aid; unchanged without --inject-skew
    if (servedLog) attachServedLog(r, servedLog);
    try { return new Lease(r, RequestVocab.of(r.model.fitted)); } catch (e) { await r.dispose(); throw e; }
  };
  let current = await load();
  const toClose: (() => Promise<void>)[] = [];
  try {
    metrics.serving(options.run, current.ranker.model.sha256);
    let hot: HotConfig<FusionConfig> | null = null;
    if (options.fusion_config) {
      hot = new HotConfig(options.fusion_config, (text, src) => {
        const c = parseFusionConfig(text, src);
        checkFusionTasks(c, current.ranker.tasks, src);
        return c;
      }, { log: (m) => { metrics.fusionReloads.inc({ result: /refused/.test(m) ? 'refused' : 'ok' }); if (options.log) console.error(m); } });
      if (options.fusion_watch) hot.start();
      toClose.push(async () => hot!.stop());
    }
    if (servedLog) toClose.push(() => servedLog.close());
    let publisher: EventPublisher | null = null;
    if (options.event_stream) {
      const es = deps.eventStream ?? await openEventStream(options.event_stream.url);
      publisher = new EventPublisher(es, { stream: options.event_stream.stream });
      toClose.push(() => publisher!.close());
    }
    const features = injectRealtimeConfig(parseFeatureConfig(current.ranker.model.fitted.config, `${options.run}/features.json`), options.inject_skew);
    let realtime = deps.realtime, profiles = deps.profiles;
    if (options.redis) {
      const r = options.redis;
      realtime ??= await RedisRealtimeStore.connect(features, { host: r.host, port: r.port, db: r.db, prefix: `${r.prefix}rt:`, commandTimeoutMs: r.command_timeout_ms });
      toClose.push(() => realtime!.close());
      profiles ??= await RedisProfileStore.connect({ host: r.host, port: r.port, db: r.db, prefix: `${r.prefix}pf:`, commandTimeoutMs: r.command_timeout_ms });
      toClose.push(() => profiles!.close());
    }
    realtime ??= new MemoryRealtimeStore(features);
    const behaviors = deps.behaviors !== undefined ? deps.behaviors : await behaviorStoreFor(features, options);
    if (behaviors) toClose.push(() => behaviors.close());
    profiles ??= new MemoryProfileStore();
    const live = deps.live ?? new MemoryLiveIndex();
    // a shared profile store keeps the rooms other instances (or an earlier run) learned from /events
    if (!deps.live) live.load(await profiles.loadRooms(), 'stored rooms');
    const popular = new PopularLiveRecaller(live);
    const recaller = typeof deps.recaller === 'function' ? await deps.recaller({ live, profiles, realtime }) : deps.recaller;
    const funnel = new Funnel(
      { live, profiles, realtime, recaller: recaller ?? popular, fallback: popular, coarse: deps.coarse ?? null, metrics, keepServedRows: publisher !== null, behaviors },
      { ...options.funnel, timeouts_ms: { ...options.timeouts_ms, fine: options.rank_timeout_ms } },
    );
    const now = (): number => Date.now() / 1000 + options.clock_offset_s;
    let reloading: Promise<unknown> | null = null;

    const app = Fastify({
      bodyLimit: options.body_limit_bytes,
      logger: options.log ? { level: 'info' } : false,
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
    });

    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      if (err instanceof RankInputError || err instanceof RealtimeInputError || err instanceof ProfileInputError || err instanceof LiveIndexInputError || err instanceof FusionInputError || err instanceof RerankInputError) {
        return reply.code(400).send({ error: err.message });
      }
      const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (code === 500) req.log.error(err);
      return reply.code(code).send({ error: code === 500 ? `internal error: ${err.message}` : err.message, ...(err.code ? { code: err.code } : {}) });
    });
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url}` }));

    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ route, method: req.method, status: String(reply.statusCode) });
      metrics.latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
    });

    registerRank(app, { options, metrics, lease: () => current, fusion: () => hot?.current ?? null, funnel, live, now, publisher, behaviors });
    registerEvents(app, { live, profiles, realtime: () => realtime!, metrics, maxEvents: options.max_events, publisher, now, behaviors });

    app.get('/health', async () => ({
      status: 'ok',
      model: { run: current.ranker.model.dir, sha256: current.ranker.model.sha256, loaded_at: current.ranker.model.loadedAt, tasks: current.ranker.tasks, columns: current.ranker.columns },
      vocab: { scenario: current.vocab.list('scenario') ?? null, country: current.vocab.list('country') ?? null },
      fusion: hot ? { path: hot.path, version: hot.version, last_error: hot.lastError } : null,
      // status stays "ok" while a store is down: the service answers (degraded), so a balancer must not drain every instance
      stores: { realtime: options.redis ? 'redis' : 'in-process', profile: options.redis ? 'redis' : 'in-process', live_rooms: live.liveProfiles(now()).length, rooms: live.size, degraded_since: funnel.degradedStores() },
      now: now(),
      reloading: reloading !== null,
      ...(servedLog ? { served_log: servedLog.stats } : {}),
      ...(publisher ? { event_stream: publisher.stats } : {}),
      ...(behaviors ? { behaviors: behaviors.stats } : {}),
    }));

    app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });

    app.post('/admin/reload', async (req, reply) => {
      if (!options.admin_token) return reply.code(403).send({ error: 'admin routes are disabled: the server was started without an admin token' });
      if (!tokenMatches(req.headers.authorization, options.admin_token)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
      if (reloading) return reply.code(409).send({ error: 'a reload is already in progress' });
      const refuse = (why: string) => {
        metrics.reloads.inc({ result: 'refused' });
        return reply.code(422).send({ error: `reload refused, still serving ${current.ranker.model.sha256}: ${why}` });
      };
      // the fusion file is checked before the model is touched; both swap together or neither
      let nextFusion: FusionConfig | null = null;
      if (hot) {
        try { nextFusion = parseFusionConfig(readFileSync(hot.path, 'utf8'), hot.path); } catch (e) { return refuse((e as Error).message); }
      }
      const p = load();
      reloading = p;
      try {
        let next: Lease;
        try { next = await p; } catch (e) { return refuse((e as Error).message); }
        if (nextFusion) {
          try { checkFusionTasks(nextFusion, next.ranker.tasks, hot!.path); } catch (e) { await next.ranker.dispose(); return refuse((e as Error).message); }
        }
        const old = current;
        current = next;
        old.retire();
        const fusionOutcome = hot?.reload();
        metrics.serving(options.run, next.ranker.model.sha256);
        metrics.reloads.inc({ result: 'ok' });
        return { status: 'reloaded', sha256: next.ranker.model.sha256, previous: old.ranker.model.sha256, ...(hot ? { fusion_version: hot.version, fusion_changed: fusionOutcome?.ok ? fusionOutcome.changed : false } : {}) };
      } finally {
        reloading = null;
      }
    });

    return {
      app, options, metrics, live, profiles, realtime, funnel, now,
      ranker: () => current.ranker,
      fusion: () => hot?.current ?? null,
      close: async () => {
        await app.close();
        current.retired = true;
        if (current.users === 0) await current.ranker.dispose();
        await reloading?.catch(() => {});
        for (const c of toClose) await c().catch(() => {});
      },
    };
  } catch (e) {
    await current.ranker.dispose();
    for (const c of toClose) await c().catch(() => {});
    throw e;
  }
}

/**
 * The behaviour-log store when a feature reads one (`sequence` with `behaviors`): base = the log file
 * the run was trained with (when the feature names one), keep = the largest `within`.
 */
async function behaviorStoreFor(features: { features: readonly unknown[] }, options: ServeOptions): Promise<BehaviorStore | null> {
  const defs = (features.features as { behaviors?: { log?: string; within: number } }[]).filter((f) => f.behaviors);
  if (!defs.length) return null;
  const file = defs.find((f) => f.behaviors!.log)?.behaviors!.log;
  const base = file ? logFromFile(file) : null;
  const keep = Math.max(...defs.map((f) => f.behaviors!.within));
  if (!options.redis) return new MemoryBehaviorStore(base, keep);
  const r = options.redis;
  return RedisBehaviorStore.connect({ host: r.host, port: r.port, db: r.db, commandTimeoutMs: r.command_timeout_ms, prefix: r.prefix }, base, keep);
}
