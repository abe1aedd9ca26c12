// The service's limits and request shapes: the zod-checked server options (errors name the field)
// and the JSON schemas fastify validates bodies with (violations → 400 naming the path; a body over
// `body_limit_bytes` → 413 before it is parsed).
import { z } from 'zod';
import { formatZodError } from '../util/zod-error.js';

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
    required: ['candidates'],
    additionalProperties: false,
    properties: {
      scenario: { type: 'string', minLength: 1, maxLength: 128 },
      context: rowSchema,
      candidates: { type: 'array', minItems: 1, maxItems: maxCandidates, items: rowSchema },
      debug: { type: 'boolean' },
    },
  } as const;
}

export type RowValue = string | number | boolean | null;
export interface RankBody {
  scenario?: string;
  context?: Record<string, RowValue>;
  candidates: Record<string, RowValue>[];
  debug?: boolean;
}

export const reloadBodySchema = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const;
