// Feature config: parse (YAML/JSON) → zod shape check → cross-reference checks → defaults resolved.
// Every problem names the feature and the field, e.g.
//   features[3] "user_x_cat": cross.fields[1]: unknown feature "catgory"; known: user_id, category, …
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseDuration } from './duration.js';
import {
  CounterDef, FEATURE_KINDS, FEATURE_SCHEMAS, TopLevel,
  type BucketizedFeature, type CounterDefRaw, type CounterFeature, type CrossFeature, type DenseFeature,
  type FeatureDefRaw, type FeatureKind, type IdFeature, type MultiIdFeature, type SequenceFeature, type TimeFeature,
} from './schema.js';

export type { FeatureKind } from './schema.js';

/** Resolved embedding fields of every feature that produces ids. */
export interface EmbeddingFields { table: string; dim: number; tag: string; lr?: number }
export type IdDef = IdFeature & EmbeddingFields;
export type MultiIdDef = MultiIdFeature & EmbeddingFields & { sep: string };
export type SequenceDef = SequenceFeature & EmbeddingFields & { sep: string };
export type DenseDef = DenseFeature;
export type BucketizedDef = BucketizedFeature & EmbeddingFields;
export type CrossDef = CrossFeature & EmbeddingFields;
export type TimeDef = TimeFeature & EmbeddingFields & { column: string };
export type CounterFeatureDef = CounterFeature & EmbeddingFields & {
  windowSeconds: number;
  /** 'ids' when a bucketing option is given, else 'dense'. */
  output: 'dense' | 'ids';
};
export type FeatureDef = IdDef | MultiIdDef | SequenceDef | DenseDef | BucketizedDef | CrossDef | TimeDef | CounterFeatureDef;

export interface CounterWindow { span: number; slot: number }
export interface CounterSpec {
  name: string;
  key: string[];
  value?: string;
  time: string;
  positiveOnly: boolean;
  delay: number;
  delayColumn?: string;
  windows: CounterWindow[];
  idleTtl: number;
}

export interface FeatureConfig {
  version: 1;
  hash: 'v1.1' | 'v1.0.2';
  defaults: { dim: number; time_column: string; sep: string };
  counters: CounterSpec[];
  features: FeatureDef[];
  /** The input object as given (stored in fitted state so serving re-validates the same config). */
  raw: unknown;
}

export class FeatureConfigError extends Error {
  constructor(readonly problems: string[], source?: string) {
    const head = `invalid feature config${source ? ` ${source}` : ''}`;
    const shown = problems.slice(0, 25);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    super(`${head}:\n  ${shown.join('\n  ')}${more}`);
    this.name = 'FeatureConfigError';
  }
}

/** Kinds whose output is one id per row, usable as cross fields. */
export function isCrossable(f: FeatureDef): boolean {
  return f.kind === 'id' || f.kind === 'bucketized' || f.kind === 'time' || (f.kind === 'counter' && f.output === 'ids');
}
/** 'ids' (one id per row), 'multi' (ids + mask per row) or 'dense' (float columns). */
export function outputOf(f: FeatureDef): 'ids' | 'multi' | 'dense' {
  if (f.kind === 'dense') return 'dense';
  if (f.kind === 'counter') return f.output;
  if (f.kind === 'multi_id' || f.kind === 'sequence') return 'multi';
  return 'ids';
}

function fmtPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : (s ? `.${String(p)}` : String(p));
  return s;
}
function nameOf(raw: unknown): string {
  const n = (raw as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? ` "${n}"` : '';
}
function issueLines(prefix: string, err: z.ZodError): string[] {
  return err.issues.map((i) => `${prefix}${fmtPath(i.path)}: ${i.message}`);
}

function resolveCounter(c: CounterDefRaw, timeColumn: string, where: string, problems: string[]): CounterSpec {
  const slotDefault = c.slot !== undefined ? parseDuration(c.slot) : undefined;
  const windows: CounterWindow[] = [];
  c.windows.forEach((w, i) => {
    try {
      const [spanText, slotText] = typeof w === 'number' ? [w, undefined] : w.split('/') as [string, string?];
      const span = parseDuration(spanText);
      const slot = slotText !== undefined ? parseDuration(slotText) : slotDefault ?? span / 12;
      const k = span / slot;
      if (!Number.isInteger(slot) || slot < 1) throw new Error(`slot ${slot}s must be a whole number of seconds ≥ 1`);
      if (Math.abs(k - Math.round(k)) > 1e-9) throw new Error(`span ${span}s is not a multiple of the slot ${slot}s`);
      if (windows.some((x) => x.span === span)) throw new Error(`window ${span}s given twice`);
      windows.push({ span, slot });
    } catch (e) {
      problems.push(`${where}: windows[${i}]: ${(e as Error).message}`);
    }
  });
  const longest = windows.reduce((m, w) => Math.max(m, w.span + w.slot), 0);
  const idleTtl = c.idle_ttl !== undefined ? parseDuration(c.idle_ttl) : longest;
  if (idleTtl < longest) problems.push(`${where}: idle_ttl: ${idleTtl}s is shorter than the longest window + slot (${longest}s): keys would be dropped while still counted`);
  return {
    name: c.name, key: c.key, value: c.value, time: c.time ?? timeColumn, positiveOnly: c.positive_only,
    delay: c.delay !== undefined ? parseDuration(c.delay) : 0, delayColumn: c.delay_column, windows, idleTtl,
  };
}

type IdLike = IdFeature | MultiIdFeature | SequenceFeature;
const isIdLike = (d: FeatureDefRaw): d is IdLike => d.kind === 'id' || d.kind === 'multi_id' || d.kind === 'sequence';

/**
 * A feature naming another feature's table (`embedding: streamer_id`) inherits what it leaves out
 * (hash_buckets / vocab, dim, lr, tag) from the table's owner: the feature of that name, else the
 * first feature naming the table that sets a mapping.
 */
function inheritShared(ds: FeatureDefRaw[]): void {
  for (const d of ds) {
    if (!isIdLike(d) || !d.embedding) continue;
    const owner = ds.find((o) => o !== d && isIdLike(o) && o.name === d.embedding)
      ?? ds.find((o) => o !== d && isIdLike(o) && o.embedding === d.embedding && (o.hash_buckets !== undefined || o.vocab !== undefined));
    if (!owner || !isIdLike(owner)) continue;
    if (d.hash_buckets === undefined && d.vocab === undefined) {
      if (owner.hash_buckets !== undefined) d.hash_buckets = owner.hash_buckets;
      if (owner.vocab !== undefined) d.vocab = owner.vocab;
    }
    if (d.dim === undefined) d.dim = owner.dim;
    if (d.lr === undefined) d.lr = owner.lr;
    if (d.tag === undefined) d.tag = owner.tag;
  }
}

/** Validates a parsed config object; `source` (a file name) prefixes the error. */
export function parseFeatureConfig(raw: unknown, source?: string): FeatureConfig {
  const top = TopLevel.safeParse(raw);
  if (!top.success) throw new FeatureConfigError(issueLines('', top.error), source);
  const t = top.data;
  const problems: string[] = [];

  const counters: CounterSpec[] = [];
  t.counters.forEach((c, i) => {
    const where = `counters[${i}]${nameOf(c)}`;
    const r = CounterDef.safeParse(c);
    if (!r.success) { problems.push(...issueLines(`${where}: `, r.error)); return; }
    if (counters.some((x) => x.name === r.data.name)) problems.push(`${where}: name: duplicate counter name`);
    const spec = resolveCounter(r.data, t.defaults.time_column, where, problems);
    if (counters.length && spec.time !== counters[0]!.time) {
      problems.push(`${where}: time: all counters must use one time column (counters[0] uses "${counters[0]!.time}", this one "${spec.time}")`);
    }
    counters.push(spec);
  });

  const parsed: { d: FeatureDefRaw; w: string }[] = [];
  t.features.forEach((f, i) => {
    const w = `features[${i}]${nameOf(f)}`;
    const kind = (f as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !(FEATURE_KINDS as readonly string[]).includes(kind)) {
      problems.push(`${w}: kind: ${kind === undefined ? 'missing' : `unknown kind ${JSON.stringify(kind)}`}; expected one of ${FEATURE_KINDS.join(', ')}`);
      return;
    }
    const r = FEATURE_SCHEMAS[kind as FeatureKind].safeParse(f);
    if (!r.success) { problems.push(...issueLines(`${w}: ${kind}.`, r.error)); return; }
    parsed.push({ d: r.data, w });
  });
  inheritShared(parsed.map((x) => x.d));

  const features: FeatureDef[] = [];
  const where: string[] = [];
  parsed.forEach(({ d, w }) => {
    const kind = d.kind;
    const table = 'embedding' in d && d.embedding ? d.embedding : d.name;
    const emb: EmbeddingFields = {
      table, dim: ('dim' in d && d.dim) || t.defaults.dim, tag: ('tag' in d && d.tag) || table,
    };
    const p = `${w}: ${kind}.`;
    if (features.some((x) => x.name === d.name)) problems.push(`${p}name: duplicate feature name "${d.name}"`);
    switch (d.kind) {
      case 'id': case 'multi_id': case 'sequence': {
        if ((d.hash_buckets === undefined) === (d.vocab === undefined)) problems.push(`${p}hash_buckets: give exactly one of hash_buckets or vocab`);
        const extra = d.kind === 'id' ? {} : { sep: d.sep ?? t.defaults.sep };
        features.push({ ...d, ...emb, ...extra } as FeatureDef);
        break;
      }
      case 'bucketized':
        checkBuckets(d, p, problems, true);
        features.push({ ...d, ...emb });
        break;
      case 'dense':
        checkOps(d, p, problems);
        features.push(d);
        break;
      case 'cross':
        features.push({ ...d, ...emb });
        break;
      case 'time':
        features.push({ ...d, ...emb, column: d.column ?? t.defaults.time_column });
        break;
      case 'counter': {
        const nb = checkBuckets(d, p, problems, false);
        if (nb > 0 && (d.ops.length > 0 || d.missing_indicator)) problems.push(`${p}ops: a bucketized counter takes no dense ops / missing_indicator`);
        checkOps(d, p, problems);
        const windowSeconds = parseDuration(d.window);
        const c = counters.find((x) => x.name === d.counter);
        if (!c) problems.push(`${p}counter: unknown counter "${d.counter}"; known: ${counters.map((x) => x.name).join(', ') || '(none)'}`);
        else if (!c.windows.some((x) => x.span === windowSeconds)) {
          problems.push(`${p}window: counter "${c.name}" has no ${windowSeconds}s window; it has ${c.windows.map((x) => `${x.span}s`).join(', ')}`);
        }
        features.push({ ...d, ...emb, windowSeconds, output: nb > 0 ? 'ids' : 'dense' });
        break;
      }
    }
    where.push(w);
  });

  checkCrosses(features, where, problems);
  checkSharing(features, where, problems);
  checkBehaviors(features, where, problems);
  if (problems.length) throw new FeatureConfigError(sortProblems(problems), source);
  return { version: t.version, hash: t.hash, defaults: t.defaults, counters, features, raw };
}

/** Stable order: top-level, then counters[i], then features[i] by index. */
function sortProblems(ps: string[]): string[] {
  const rank = (s: string): number => {
    const m = /^(counters|features)\[(\d+)\]/.exec(s);
    return m ? (m[1] === 'counters' ? 1 : 1e6) + Number(m[2]) : 0;
  };
  return ps.map((s, i) => [rank(s), i, s] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
}

function checkOps(d: DenseFeature | CounterFeature, p: string, problems: string[]): void {
  let nStd = 0;
  d.ops.forEach((op, j) => {
    if (op === 'standardize') nStd++;
    else if (typeof op === 'object' && !(op.clip[0] <= op.clip[1])) problems.push(`${p}ops[${j}].clip: lo ${op.clip[0]} > hi ${op.clip[1]}`);
  });
  if (nStd > 1) problems.push(`${p}ops: standardize may appear once`);
}

/** Returns how many bucketing options are set (after reporting wrong combinations). */
function checkBuckets(d: BucketizedFeature | CounterFeature, p: string, problems: string[], required: boolean): number {
  const n = (d.boundaries ? 1 : 0) + (d.quantiles ? 1 : 0) + (d.log ? 1 : 0);
  if (n > 1 || (required && n === 0)) problems.push(`${p}boundaries: give exactly one of boundaries, quantiles or log`);
  if (d.boundaries) {
    for (let j = 0; j < d.boundaries.length; j++) {
      const b = d.boundaries[j]!;
      if (!Number.isFinite(b)) problems.push(`${p}boundaries[${j}]: ${b} is not finite`);
      else if (j > 0 && !(b > d.boundaries[j - 1]!)) problems.push(`${p}boundaries[${j}]: ${b} is not greater than ${d.boundaries[j - 1]} (must be strictly increasing)`);
    }
  }
  return n;
}

function checkCrosses(features: FeatureDef[], where: string[], problems: string[]): void {
  const known = features.map((f) => f.name);
  features.forEach((f, i) => {
    if (f.kind !== 'cross') return;
    const seen = new Set<string>();
    f.fields.forEach((name, j) => {
      const p = `${where[i]}: cross.fields[${j}]`;
      const g = features.find((x) => x.name === name);
      if (!g) problems.push(`${p}: unknown feature "${name}"; known: ${known.filter((k) => k !== f.name).join(', ')}`);
      else if (g === f) problems.push(`${p}: a cross cannot use itself`);
      else if (!isCrossable(g)) problems.push(`${p}: feature "${name}" is ${g.kind}${g.kind === 'counter' ? ' with dense output' : ''}; cross fields must be id, bucketized, time or bucketized counter features`);
      if (seen.has(name)) problems.push(`${p}: "${name}" is listed twice`);
      seen.add(name);
    });
  });
}

const SHARABLE = new Set<FeatureKind>(['id', 'multi_id', 'sequence']);
function mappingOf(f: FeatureDef): string {
  if (f.kind === 'id' || f.kind === 'multi_id' || f.kind === 'sequence') {
    return f.hash_buckets !== undefined ? `hash_buckets ${f.hash_buckets}` : `vocab ${JSON.stringify(f.vocab)}`;
  }
  return f.kind;
}

function checkSharing(features: FeatureDef[], where: string[], problems: string[]): void {
  const byTable = new Map<string, number[]>();
  features.forEach((f, i) => {
    if (outputOf(f) === 'dense') return;
    const t = (f as FeatureDef & EmbeddingFields).table;
    byTable.set(t, [...(byTable.get(t) ?? []), i]);
  });
  for (const [table, idx] of byTable) {
    if (idx.length < 2) continue;
    const first = features[idx[0]!]! as FeatureDef & EmbeddingFields;
    for (const i of idx) {
      const f = features[i]! as FeatureDef & EmbeddingFields;
      const p = `${where[i]}: ${f.kind}.embedding`;
      if (!SHARABLE.has(f.kind)) {
        problems.push(`${p}: table "${table}" is shared, but only id, multi_id and sequence features can share an embedding table (${f.kind} cannot)`);
        continue;
      }
      if (f === first) continue;
      if (f.dim !== first.dim) problems.push(`${p}: table "${table}" has dim ${first.dim} (feature "${first.name}") but this feature has dim ${f.dim}`);
      if (f.lr !== first.lr) problems.push(`${p}: table "${table}" has lr ${first.lr ?? 'default'} (feature "${first.name}") but this feature has lr ${f.lr ?? 'default'}`);
      if (f.tag !== first.tag) problems.push(`${p}: table "${table}" is hashed with tag "${first.tag}" (feature "${first.name}") but this feature uses tag "${f.tag}"`);
      if (mappingOf(f) !== mappingOf(first)) problems.push(`${p}: table "${table}" maps ids by ${mappingOf(first)} (feature "${first.name}") but this feature by ${mappingOf(f)}; shared tables need the same id mapping`);
    }
  }
}

/** `sequence` features reading the behaviour log (docs/features.md "Behaviour sequences"). */
function checkBehaviors(features: FeatureDef[], where: string[], problems: string[]): void {
  features.forEach((f, i) => {
    if (f.kind !== 'sequence' || !f.behaviors) return;
    const p = `${where[i]}: sequence.behaviors`;
    if (f.behaviors.within < f.max_len) problems.push(`${p}.within: ${f.behaviors.within} is smaller than max_len ${f.max_len} (within is the history read, max_len the behaviours kept)`);
    if (f.vocab && !Array.isArray(f.vocab) && !features.some((g) => g !== f && 'table' in g && g.table === f.table && !(g.kind === 'sequence' && g.behaviors))) {
      problems.push(`${p}: a fitted vocab needs another feature of table "${f.table}" reading a column (e.g. embedding: category); or give hash_buckets / an explicit vocab list`);
    }
  });
}

/** Parses YAML or JSON text. */
export function parseFeatureConfigText(text: string, source?: string): FeatureConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`feature config${source ? ` ${source}` : ''}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  return parseFeatureConfig(raw, source);
}

export function loadFeatureConfig(path: string): FeatureConfig {
  return parseFeatureConfigText(readFileSync(path, 'utf8'), path);
}

/** Every column of the input table the config reads (features + counters). */
export function columnsUsed(cfg: FeatureConfig): string[] {
  const s = new Set<string>();
  for (const f of cfg.features) {
    if ('column' in f && f.column) s.add(f.column);
    if (f.kind === 'sequence' && f.behaviors) {
      s.add(f.behaviors.time_column ?? cfg.defaults.time_column);
      if (f.behaviors.search) s.add(f.behaviors.search.column);
    }
  }
  for (const c of cfg.counters) {
    for (const k of c.key) s.add(k);
    s.add(c.time);
    if (c.value) s.add(c.value);
    if (c.delayColumn) s.add(c.delayColumn);
  }
  return [...s];
}
