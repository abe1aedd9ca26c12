// Fitted feature state (JSON-serialisable: serving loads exactly what training fitted) and the
// model-facing description of the transform's output (FeatureSpec / TableSpec / FeatureBatch).
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic.js';
import { outputOf, parseFeatureConfig, type FeatureConfig, type FeatureDef, type FeatureKind } from './config.js';

/** How one emitted feature appears in a FeatureBatch; the trainer sizes tables and inputs from it. */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  /** 'ids': FeatureBatch.ids[name] [B]; 'multi': FeatureBatch.multi[name] [B·maxLen]; 'dense': columns of FeatureBatch.dense. */
  output: 'ids' | 'multi' | 'dense';
  /** Embedding table (several features may share one); null for dense. */
  table: string | null;
  /** Ids are in [0, buckets); 0 for dense. */
  buckets: number;
  /** Embedding dimension; for dense the number of dense columns this feature fills. */
  dim: number;
  /**
   * dense: first column of this feature in each dense row. ids/multi: first column of this feature's
   * (pooled) embedding in the concatenation of all embedded features in spec order (Σ dims before it).
   */
  offset: number;
  /** Per-table learning rate, when configured. */
  lr?: number;
  /** multi/sequence: max elements per row, padding id (always 0, masked) and the pooling the model should apply. */
  maxLen?: number;
  paddingId?: number;
  pooling?: 'sum' | 'mean' | 'attention';
  /** dense: names of the columns (value, then `<name>__missing` when the indicator is on). */
  columns?: string[];
}

export interface TableSpec {
  name: string;
  buckets: number;
  dim: number;
  lr?: number;
  features: string[];
}

export interface MultiIds {
  /** [B·maxLen] row-major; padding positions hold 0 with mask 0. */
  ids: Int32Array;
  /** [B·maxLen]: 1 = a real element. */
  mask: Uint8Array;
  /** [B]: number of real elements (they come first in each row). */
  lengths: Int32Array;
  maxLen: number;
}

/** Model-ready, columnar output of transform(). */
export interface FeatureBatch {
  numRows: number;
  specs: readonly FeatureSpec[];
  /** One id per row for every emitted 'ids' feature. */
  ids: Record<string, Int32Array>;
  multi: Record<string, MultiIds>;
  /** Row-major [numRows × denseWidth]. */
  dense: Float32Array;
  denseWidth: number;
}

export interface FeatureState {
  /** dense / dense counter with standardize: statistics of the values entering standardize. */
  mean?: number;
  std?: number;
  /** bucketized / bucketized counter with quantiles: the fitted boundaries. */
  boundaries?: number[];
  /** Rows that had a value during fitting (for the record). */
  present?: number;
}

export interface FittedFeatures {
  format: 'liverank.features';
  version: 1;
  /** The config as given (re-validated on load). */
  config: unknown;
  /** Rows seen while fitting. */
  rows: number;
  state: Record<string, FeatureState>;
  /** Fitted vocabularies by embedding table: entry i has id i + 2 (0 = missing/padding, 1 = OOV). */
  vocabs: Record<string, string[]>;
  specs: FeatureSpec[];
  tables: TableSpec[];
}

/** Number of ids of a feature given its fitted state. */
export function bucketsOf(f: FeatureDef, state: FeatureState | undefined, vocabs: Record<string, string[]>): number {
  switch (f.kind) {
    case 'id': case 'multi_id': case 'sequence':
      if (f.hash_buckets !== undefined) return f.hash_buckets;
      return (vocabs[f.table]?.length ?? 0) + 2;
    case 'cross': return f.hash_buckets;
    case 'time': return f.unit === 'hour_of_day' ? 25 : 8;
    case 'bucketized': case 'counter':
      if (f.boundaries) return f.boundaries.length + 2;
      if (f.quantiles) return f.quantiles + 1; // fixed by the config: refits never resize the table
      if (f.log) return f.log.max_bucket + 2;
      return 0;
    case 'dense': return 0;
  }
  void state;
  return 0;
}

export function buildSpecs(cfg: FeatureConfig, state: Record<string, FeatureState>, vocabs: Record<string, string[]>): { specs: FeatureSpec[]; tables: TableSpec[] } {
  const specs: FeatureSpec[] = [];
  const tables = new Map<string, TableSpec>();
  let denseOff = 0, embOff = 0;
  for (const f of cfg.features) {
    if (!f.emit) continue;
    const output = outputOf(f);
    if (output === 'dense') {
      const ind = 'missing_indicator' in f && f.missing_indicator;
      const columns = ind ? [f.name, `${f.name}__missing`] : [f.name];
      specs.push({ name: f.name, kind: f.kind, output, table: null, buckets: 0, dim: columns.length, offset: denseOff, columns });
      denseOff += columns.length;
      continue;
    }
    const e = f as FeatureDef & { table: string; dim: number; lr?: number };
    const buckets = bucketsOf(f, state[f.name], vocabs);
    const spec: FeatureSpec = { name: f.name, kind: f.kind, output, table: e.table, buckets, dim: e.dim, offset: embOff };
    if (e.lr !== undefined) spec.lr = e.lr;
    if (f.kind === 'multi_id' || f.kind === 'sequence') {
      spec.maxLen = f.max_len; spec.paddingId = 0; spec.pooling = f.pooling;
    }
    specs.push(spec);
    embOff += e.dim;
    const t = tables.get(e.table);
    if (t) t.features.push(f.name);
    else tables.set(e.table, { name: e.table, buckets, dim: e.dim, ...(e.lr !== undefined ? { lr: e.lr } : {}), features: [f.name] });
  }
  return { specs, tables: [...tables.values()] };
}

const FittedSchema = z.object({
  format: z.literal('liverank.features'),
  version: z.literal(1),
  config: z.unknown(),
  rows: z.number().int().min(0),
  state: z.record(z.string(), z.object({
    mean: z.number().optional(), std: z.number().optional(),
    boundaries: z.array(z.number()).optional(), present: z.number().optional(),
  })),
  vocabs: z.record(z.string(), z.array(z.string())),
  specs: z.array(z.unknown()),
  tables: z.array(z.unknown()),
});

/** Validates fitted JSON (config included) and recomputes specs so they match this code's config semantics. */
export function parseFitted(raw: unknown, source = 'fitted features'): FittedFeatures {
  const r = FittedSchema.safeParse(raw);
  if (!r.success) {
    throw new Error(`${source}: not a liverank fitted-features file: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const cfg = parseFeatureConfig(r.data.config, `${source} (embedded config)`);
  const { specs, tables } = buildSpecs(cfg, r.data.state, r.data.vocabs);
  const stored = JSON.stringify(r.data.specs);
  if (stored !== JSON.stringify(specs)) {
    throw new Error(`${source}: stored feature specs differ from the ones its config gives now (the feature code changed?); refit`);
  }
  return { ...r.data, format: 'liverank.features', version: 1, specs, tables } as FittedFeatures;
}

export function fittedToJson(f: FittedFeatures): string {
  return JSON.stringify(f);
}

export function saveFitted(path: string, f: FittedFeatures): void {
  writeFileAtomic(path, fittedToJson(f));
}

export function loadFitted(path: string): FittedFeatures {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new Error(`${path}: cannot read fitted features: ${(e as Error).message}`); }
  return parseFitted(raw, path);
}
