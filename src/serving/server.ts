// The HTTP service core (fastify): POST /rank (fine-ranker scores for a request's candidates),
// GET /health, GET /metrics (Prometheus text) and POST /admin/reload (bearer token; the new model is
// loaded and checked in full before it replaces the old one, and requests in flight finish on the
// model they started with). Bad input is a 4xx with a message, never a crash.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FineRanker, RankInputError, type Row } from './fine-ranker.js';
import { parseServeOptions, rankBodySchema, type RankBody, type ServeOptions } from './schemas.js';
import { ServerMetrics } from './server-metrics.js';

/** A ranker shared by the requests using it; disposed once replaced and idle. */
class Lease {
  users = 0;
  retired = false;
  constructor(readonly ranker: FineRanker) {}
  release(): void {
    this.users--;
    if (this.retired && this.users === 0) void this.ranker.dispose();
  }
  retire(): void {
    this.retired = true;
    if (this.users === 0) void this.ranker.dispose();
  }
}

export interface Service {
  app: FastifyInstance;
  options: ServeOptions;
  metrics: ServerMetrics;
  /** The ranker serving now. */
  ranker(): FineRanker;
  close(): Promise<void>;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!), b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

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

/**
 * Builds the service: loads the run's model first (a missing or damaged model throws naming the
 * file, before any port is opened). `listen` is the caller's (cli/commands/serve.ts, tests use inject).
 */
export async function buildService(raw: unknown): Promise<Service> {
  const options = parseServeOptions(raw);
  const metrics = new ServerMetrics();
  let current = new Lease(await FineRanker.load(options.run, { size: options.workers, threads: options.ort_threads }));
  metrics.serving(options.run, current.ranker.model.sha256);
  let reloading: Promise<unknown> | null = null;

  const app = Fastify({
    bodyLimit: options.body_limit_bytes,
    logger: options.log ? { level: 'info' } : false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof RankInputError) return reply.code(400).send({ error: err.message });
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

  app.post<{ Body: RankBody }>('/rank', { schema: { body: rankBodySchema(options.max_candidates) } }, async (req, reply) => {
    const t0 = process.hrtime.bigint();
    const { context = {}, scenario, candidates, debug } = req.body;
    const base: Row = scenario === undefined ? context : { ...context, scenario };
    const rows: Row[] = candidates.map((c) => ({ ...c, ...base })); // request-level facts win over a candidate's copy
    const lease = current;
    lease.users++;
    try {
      const r = await withTimeout(lease.ranker.score(rows), options.rank_timeout_ms, t0);
      if (!r) {
        metrics.timeouts.inc();
        return reply.code(503).send({ error: `fine ranking of ${rows.length} candidates exceeded rank_timeout_ms ${options.rank_timeout_ms} ms` });
      }
      metrics.candidates.inc(rows.length);
      metrics.stage.observe({ stage: 'featurize' }, r.timings.featurize_ms / 1000);
      metrics.stage.observe({ stage: 'infer' }, r.timings.infer_ms / 1000);
      const scores: Record<string, number[]> = {};
      for (const [task, p] of Object.entries(r.preds)) scores[task] = Array.from(p);
      return {
        model: lease.ranker.model.sha256,
        tasks: lease.ranker.tasks,
        scores,
        ...(debug ? { timings: { ...r.timings, total_ms: ms(t0) } } : {}),
      };
    } finally {
      lease.release();
    }
  });

  app.get('/health', async () => ({
    status: 'ok',
    model: { run: current.ranker.model.dir, sha256: current.ranker.model.sha256, loaded_at: current.ranker.model.loadedAt, tasks: current.ranker.tasks, columns: current.ranker.columns },
    reloading: reloading !== null,
  }));

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.post('/admin/reload', async (req, reply) => {
    if (!options.admin_token) return reply.code(403).send({ error: 'admin routes are disabled: the server was started without an admin token' });
    if (!tokenMatches(req.headers.authorization, options.admin_token)) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token' });
    if (reloading) return reply.code(409).send({ error: 'a reload is already in progress' });
    const p = FineRanker.load(options.run, { size: options.workers, threads: options.ort_threads });
    reloading = p;
    try {
      const next = await p;
      const old = current;
      current = new Lease(next);
      old.retire();
      metrics.serving(options.run, next.model.sha256);
      metrics.reloads.inc({ result: 'ok' });
      return { status: 'reloaded', sha256: next.model.sha256, previous: old.ranker.model.sha256 };
    } catch (e) {
      metrics.reloads.inc({ result: 'refused' });
      return reply.code(422).send({ error: `reload refused, still serving ${current.ranker.model.sha256}: ${(e as Error).message}` });
    } finally {
      reloading = null;
    }
  });

  return {
    app,
    options,
    metrics,
    ranker: () => current.ranker,
    close: async () => {
      await app.close();
      current.retired = true;
      if (current.users === 0) await current.ranker.dispose();
      await reloading?.catch(() => {});
    },
  };
}
