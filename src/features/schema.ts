// zod shapes of a feature config (YAML or JSON). `config.ts` validates the cross-references
// (cross fields, shared embeddings, counters) and resolves defaults. docs/features.md explains each kind.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { BehaviorsSpec } from './behavior/schema.js';

export const FEATURE_KINDS = ['id', 'multi_id', 'sequence', 'dense', 'bucketized', 'cross', 'time', 'counter'] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export const Ident = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier (letters, digits, _; not starting with a digit)');
const Column = z.string().min(1);
export const Duration = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  try { parseDuration(v); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); }
});
const MAX_BUCKETS = 2 ** 31 - 1;
const Buckets = z.number().int().min(1).max(MAX_BUCKETS);

/** Explicit vocabulary, or one fitted from the training data. */
export const VocabSpec = z.union([
  z.array(z.union([z.string(), z.number()])).min(1),
  z.strictObject({
    min_count: z.number().int().min(1).default(1),
    top_k: z.number().int().min(1).optional(),
  }),
]);
export type VocabSpec = z.output<typeof VocabSpec>;

const Embedded = {
  /** Embedding dimension (default: defaults.dim). */
  dim: z.number().int().min(1).max(4096).optional(),
  /** Embedding table name: features naming the same table share it (default: the feature's own name). */
  embedding: Ident.optional(),
  /** Per-feature (per-table) learning rate; the optimizer default when absent. */
  lr: z.number().positive().optional(),
  /** Hash tag (default: the embedding table name), so equal values of different features do not collide systematically. */
  tag: z.string().min(1).optional(),
};
const Common = {
  name: Ident,
  /** false: computed (e.g. as a cross input) but not part of the model inputs. */
  emit: z.boolean().default(true),
  description: z.string().optional(),
};
const IdMapping = {
  hash_buckets: Buckets.optional(),
  vocab: VocabSpec.optional(),
};

export const DenseOp = z.union([
  z.enum(['log1p', 'standardize']),
  z.strictObject({ clip: z.tuple([z.number(), z.number()]) }),
]);
export type DenseOp = z.output<typeof DenseOp>;
const DenseOpts = {
  /** Applied in order; log1p is sign-preserving: sign(x)·ln(1+|x|); standardize uses the fitted mean/std. */
  ops: z.array(DenseOp).default([]),
  /** Output value for a missing input (after the ops; 0 = the mean once standardized). */
  fill: z.number().default(0),
  /** Adds a second dense column: 1 when the input was missing, else 0. */
  missing_indicator: z.boolean().default(false),
};
const BucketOpts = {
  /** Explicit boundaries, strictly increasing; TF semantics (a value equal to a boundary goes right). */
  boundaries: z.array(z.number()).min(1).optional(),
  /** K equal-frequency buckets with boundaries fitted on the training data (duplicates removed). */
  quantiles: z.number().int().min(2).max(100000).optional(),
  /** Log buckets ⌊log_base(1 + max(x, 0))⌋, capped at max_bucket. */
  log: z.strictObject({ base: z.number().gt(1).default(2), max_bucket: z.number().int().min(1).max(10000).default(30) }).optional(),
  /** Reservoir size for quantile fitting (exact below it). */
  sample: z.number().int().min(100).default(1_000_000),
};

export const IdFeature = z.strictObject({ ...Common, ...Embedded, ...IdMapping, kind: z.literal('id'), column: Column });
export const MultiIdFeature = z.strictObject({
  ...Common, ...Embedded, ...IdMapping, kind: z.literal('multi_id'), column: Column,
  sep: z.string().length(1).optional(),
  max_len: z.number().int().min(1).max(4096),
  pooling: z.enum(['sum', 'mean']).default('mean'),
});
export const SequenceFeature = z.strictObject({
  ...Common, ...Embedded, ...IdMapping, kind: z.literal('sequence'), column: Column,
  sep: z.string().length(1).optional(),
  max_len: z.number().int().min(1).max(4096),
  /** How the model reduces the sequence: target attention / self-attention ('attention') or pooling. */
  pooling: z.enum(['attention', 'sum', 'mean']).default('attention'),
  /** Read the sequence from the per-user behaviour log (`column` = the user id column) instead of a joined string (docs/features.md). */
  behaviors: BehaviorsSpec.optional(),
});
export const DenseFeature = z.strictObject({ ...Common, kind: z.literal('dense'), column: Column, ...DenseOpts });
export const BucketizedFeature = z.strictObject({ ...Common, ...Embedded, kind: z.literal('bucketized'), column: Column, ...BucketOpts });
export const CrossFeature = z.strictObject({
  ...Common, ...Embedded, kind: z.literal('cross'),
  fields: z.array(Ident).min(2).max(3),
  hash_buckets: Buckets,
});
export const TimeFeature = z.strictObject({
  ...Common, ...Embedded, kind: z.literal('time'),
  column: Column.optional(),
  unit: z.enum(['hour_of_day', 'day_of_week']),
  utc_offset_hours: z.number().min(-14).max(14).default(0),
});
export const CounterFeature = z.strictObject({
  ...Common, ...Embedded, kind: z.literal('counter'),
  counter: Ident,
  window: Duration,
  stat: z.enum(['count', 'sum', 'mean']).default('count'),
  ...DenseOpts,
  boundaries: BucketOpts.boundaries, quantiles: BucketOpts.quantiles, log: BucketOpts.log, sample: BucketOpts.sample,
});

export const FEATURE_SCHEMAS = {
  id: IdFeature, multi_id: MultiIdFeature, sequence: SequenceFeature, dense: DenseFeature,
  bucketized: BucketizedFeature, cross: CrossFeature, time: TimeFeature, counter: CounterFeature,
} as const;

export type IdFeature = z.output<typeof IdFeature>;
export type MultiIdFeature = z.output<typeof MultiIdFeature>;
export type SequenceFeature = z.output<typeof SequenceFeature>;
export type DenseFeature = z.output<typeof DenseFeature>;
export type BucketizedFeature = z.output<typeof BucketizedFeature>;
export type CrossFeature = z.output<typeof CrossFeature>;
export type TimeFeature = z.output<typeof TimeFeature>;
export type CounterFeature = z.output<typeof CounterFeature>;
export type FeatureDefRaw = IdFeature | MultiIdFeature | SequenceFeature | DenseFeature | BucketizedFeature
  | CrossFeature | TimeFeature | CounterFeature;

/** A counter window: "1h" (slot = the counter's slot, or span/12) or "1h/5m" (span/slot). */
export const WindowSpec = z.union([z.string(), z.number()]);
export const CounterDef = z.strictObject({
  name: Ident,
  /** Columns whose value tuple is the counter key (e.g. [user_id, streamer_id]). */
  key: z.array(Column).min(1).max(4),
  /** Column summed (watch seconds, gifts); without it sum = count. */
  value: Column.optional(),
  /** Event-time column, unix seconds (default: defaults.time_column). */
  time: Column.optional(),
  /** Only rows whose value is > 0 are events (e.g. views with watch time). */
  positive_only: z.boolean().default(false),
  /** Constant delay (a duration) before an event becomes visible. */
  delay: Duration.optional(),
  /** Column holding a per-row delay in seconds (e.g. watch_s: a watch is known when it ends). */
  delay_column: Column.optional(),
  windows: z.array(WindowSpec).min(1).max(8),
  /** Default slot width of the ring buffers (e.g. "1m"). */
  slot: Duration.optional(),
  /** Keys idle longer than this are dropped (default: longest window + its slot: then they read 0 anyway). */
  idle_ttl: Duration.optional(),
});
export type CounterDefRaw = z.output<typeof CounterDef>;

export const Defaults = z.strictObject({
  dim: z.number().int().min(1).max(4096).default(16),
  time_column: Column.default('ts'),
  sep: z.string().length(1).default('|'),
}).default({ dim: 16, time_column: 'ts', sep: '|' });

export const TopLevel = z.strictObject({
  version: z.literal(1).default(1),
  /** CityHash64 version for every hashed feature (v1.0.2 = ClickHouse's cityHash64). */
  hash: z.enum(['v1.1', 'v1.0.2']).default('v1.1'),
  defaults: Defaults,
  counters: z.array(z.unknown()).default([]),
  features: z.array(z.unknown()).min(1),
});
