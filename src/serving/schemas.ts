// The service's limits and request shapes: the zod-checked server options (errors name the field)
// and the JSON schemas fastify validates bodies with (violations → 400 naming the path; a body over
// `body_limit_bytes` → 413 before it is parsed).
import { z } from 'zod';
import { formatZodError } from '../util/zod-error.js';
import { ServedLogOptions } from './served-log.js';
import { SKEW_INJECTIONS } from './served-log-inject.js';

export const ServeOptions = z.strictObject({
  /** Run directory holding model.onnx (+ .sha256), model.json and features.json. */
  run: z.string().min(1),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Bearer token for /admin/*; without one the admin routes answer 403. */
  admin_token: z.string().min(16, 'use at least 16 characters').optional(),
  body_limit_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  max_candidates: z.number().int().min(1).max(100_000).default(2000),
  /** Worker threads (ORT sessions) of the fine ranker. */
  workers: z.number().int().min(1).max(64).default(2),
  /** ORT intra-op threads per worker. */
  ort_threads: z.number().int().min(1).max(64).default(1),
  /** Budget of the fine-ranking stage (featurize + ORT run) of one POST /rank; over it → 503. */
  rank_timeout_ms: z.number().int().min(1).max(60_000).default(1000),
  /** fastify/pino request logging. */
  log: z.boolean().default(false),
  /** Fusion + re-ranking config (examples/fusion.yaml), hot-reloaded; without one the funnel orders by the first task. */
  fusion_config: z.string().min(1).optional(),
  /** Watch the fusion file and apply a valid change at once (else only POST /admin/reload applies it). */
  fusion_watch: z.boolean().default(true),
  /** Real-time and profile stores in Redis (keys under `<prefix>rt:` and `<prefix>pf:`); without it both run in-process. */
  redis: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(6379),
    db: z.number().int().min(0).default(0),
    prefix: z.string().min(1).default('lr:'),
    command_timeout_ms: z.number().int().min(1).max(60_000).default(500),
  }).optional(),
  /** The funnel (POST /rank without candidates). */
  funnel: z.strictObject({
    recall_k: z.number().int().min(1).max(100_000).default(500),
    coarse_k: z.number().int().min(1).max(10_000).default(100),
    size: z.number().int().min(1).max(1000).default(20),
  }).prefault({}),
  /** Budgets of the funnel's stages before fine ranking (late → degraded / fallback, never an error). */
  timeouts_ms: z.strictObject({
    profile: z.number().int().min(1).max(60_000).default(50),
    recall: z.number().int().min(1).max(60_000).default(50),
    coarse: z.number().int().min(1).max(60_000).default(50),
    features: z.number().int().min(1).max(60_000).default(100),
  }).prefault({}),
  /** "Now" = wall clock + this many seconds (a replayed world's time); a request's `ts` wins. */
  clock_offset_s: z.number().finite().default(0),
  /** Most records of one kind in one POST /events. */
  max_events: z.number().int().min(1).max(1_000_000).default(10_000),
  /** Log every fine-ranked candidate (row, encoded features, scores) as JSON lines (src/serving/served-log.ts). */
  served_log: ServedLogOptions.optional(),
  /** Publish served impressions and the outcomes posted to /events to an event stream (src/serving/event-publisher.ts). */
  event_stream: z.strictObject({ url: z.string().min(1).optional(), stream: z.string().min(1).default('lr:events') }).optional(),
  /** TEST AID: serve with a deliberate training/serving skew (src/serving/served-log-inject.ts). */
  inject_skew: z.enum(SKEW_INJECTIONS).optional(),
});
export type ServeOptions = z.infer<typeof ServeOptions>;

export function parseServeOptions(raw: unknown, source = 'serve options'): ServeOptions {
  const r = ServeOptions.safeParse(raw);
  if (!r.success) throw new Error(`${source}: ${formatZodError(r.error)}`);
  return r.data;
}

/** A request row's scalar value (ids, numbers, flags, missing). */
const scalar = { type: ['string', 'number', 'boolean', 'null'], maxLength: 1024 } as const;
const rowSchema = { type: 'object', maxProperties: 512, additionalProperties: scalar } as const;

/**
 * POST /rank: `context` (the user and request: user_id, country, …) and `scenario` are merged into
 * every candidate row (they win over a candidate's own value of the same column); every row is featurized like a training row.
 */
export function rankBodySchema(maxCandidates: number) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      scenario: { type: 'string', minLength: 1, maxLength: 128 },
      /** The funnel: who asks (else context.user_id). */
      user: { type: ['string', 'number'], minLength: 1, maxLength: 256 },
      country: { type: 'string', minLength: 1, maxLength: 64 },
      /** Unix seconds of the request; default: the service clock. */
      ts: { type: 'number' },
      /** Items to return (the funnel; default: the fusion config's rerank.size, else funnel.size). */
      size: { type: 'integer', minimum: 1, maximum: 1000 },
      context: rowSchema,
      candidates: { type: 'array', minItems: 1, maxItems: maxCandidates, items: rowSchema },
      debug: { type: 'boolean' },
    },
  } as const;
}

export type RowValue = string | number | boolean | null;
export interface RankBody {
  scenario?: string;
  user?: string | number;
  country?: string;
  ts?: number;
  size?: number;
  context?: Record<string, RowValue>;
  candidates?: Record<string, RowValue>[];
  debug?: boolean;
}

/** POST /events: the array limits (items are validated with zod in events.ts, errors naming the field). */
export function eventsBodySchema(maxEvents: number) {
  const list = { type: 'array', maxItems: maxEvents, items: { type: 'object', maxProperties: 64 } } as const;
  return {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { impressions: list, follows: list, rooms: list, users: list },
  } as const;
}

export const reloadBodySchema = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;
