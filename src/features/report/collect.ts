// The feature report: per feature missing rate, cardinality (exact, then HyperLogLog), hash
// collisions vs theory with a recommended bucket count, vocabulary coverage, numeric summary, and
// the distribution shift between the groups of --by columns (PSI / KS). One streaming pass.
import { isStringColumn, type Table } from '../../data/table.js';
import { BatchColumns, DictPool, type NumericLike } from '../batch.js';
import { outputOf, type FeatureDef, type FeatureKind } from '../config.js';
import { CounterReplay } from '../counters/replay.js';
import { canonicalText, KeyBuffer } from '../encode.js';
import { Reservoir } from '../fit.js';
import { buildSpecs, type FeatureBatch, type FittedFeatures } from '../fitted.js';
import { CrossOp } from '../ops-cross.js';
import { IdOp, MultiOp } from '../ops-ids.js';
import { compileFeatures, counterColumn, transform, type CompiledFeatures } from '../transform.js';
import { parseFeatureConfig } from '../config.js';
import { GroupStats, type ShiftFeature, type ShiftResult } from './groups.js';
import { KeyStats, type CollisionSummary } from './keystats.js';
import { BehaviorSeqOp } from '../behavior/op.js';
import { addBehaviorTruncation, addStringTruncation, emptyTruncation, type TruncationStats } from './truncation.js';

export interface ReportOptions {
  /** Columns whose groups are compared (e.g. ['scenario', 'country']). */
  by?: string[];
  /** Distinct keys tracked exactly per feature (then HyperLogLog only; default 500 000). */
  exactLimit?: number;
  /** Numeric sample per feature and group for PSI/KS (default 5000). */
  sample?: number;
  /** Groups kept per --by column; the rest are pooled as "(other)" (default 20). */
  maxGroups?: number;
  /** Pairwise comparisons when a column has at most this many groups (default 8). */
  maxPairGroups?: number;
  /** Target colliding-key rate for the recommended bucket count (default 0.05). */
  collisionTarget?: number;
  /** The behaviour log of `sequence` features with a `behaviors` block (else their behaviors.log file). */
  behaviors?: import('../behavior/live.js').BehaviorSource;
}

export interface FeatureStats {
  name: string;
  kind: FeatureKind;
  output: 'ids' | 'multi' | 'dense';
  emitted: boolean;
  rows: number;
  /** Rows with no value (id: null/NaN; multi: no element; cross: a field missing; bucket ids: the missing bucket). */
  missing: number;
  missingRate: number;
  /** Distinct raw values (elements for multi-value features; keys for crosses). */
  distinct: number;
  distinctExact: boolean;
  buckets?: number;
  hash?: CollisionSummary;
  vocab?: { size: number; oov: number; oovRate: number };
  numeric?: { count: number; min: number; max: number; mean: number; p50: number; p99: number };
  lengths?: { mean: number; maxLen: number; fullRate: number };
  /** multi_id / sequence: rows cut to the configured maximum, empty rows, unknown users (report/truncation.ts). */
  truncation?: TruncationStats;
}

export interface FeatureReport {
  rows: number;
  features: FeatureStats[];
  shift: ShiftResult[];
  notes: string[];
}

interface Acc {
  f: FeatureDef;
  st: FeatureStats;
  keys: KeyStats;
  res?: Reservoir;
  sum: number;
  elements: number;
  full: number;
}

/** Same config with every feature emitted, so transform() gives the ids of helper features too. */
function emitAll(fitted: FittedFeatures): FittedFeatures {
  const raw = fitted.config as { features: Record<string, unknown>[] };
  const config = { ...raw, features: raw.features.map((f) => ({ ...f, emit: true })) };
  const cfg = parseFeatureConfig(config, 'report');
  return { ...fitted, config, ...buildSpecs(cfg, fitted.state, fitted.vocabs) };
}

export class FeatureReporter {
  private readonly fitted: FittedFeatures;
  private readonly plan: CompiledFeatures;
  private readonly accs: Acc[];
  private readonly groups: GroupStats[];
  private readonly shiftIdx: number[];
  private readonly dicts = new DictPool();
  private readonly kb: KeyBuffer;
  private replay: CounterReplay | null = null;
  private rows = 0;
  readonly notes: string[] = [];
  private readonly target: number;

  constructor(fitted: FittedFeatures, readonly opts: ReportOptions = {}) {
    this.fitted = emitAll(fitted);
    this.plan = compileFeatures(this.fitted);
    this.kb = new KeyBuffer(this.plan.cfg.hash);
    this.target = opts.collisionTarget ?? 0.05;
    const specs = new Map(this.fitted.specs.map((s) => [s.name, s]));
    this.accs = this.plan.cfg.features.map((f) => {
      const spec = specs.get(f.name)!;
      const hashed = ('hash_buckets' in f && f.hash_buckets !== undefined);
      const st: FeatureStats = {
        name: f.name, kind: f.kind, output: outputOf(f), emitted: f.emit, rows: 0, missing: 0, missingRate: 0,
        distinct: 0, distinctExact: true,
      };
      if (spec.buckets > 0) st.buckets = spec.buckets;
      return { f, st, keys: new KeyStats(hashed ? spec.buckets : 0, opts.exactLimit ?? 500_000), sum: 0, elements: 0, full: 0,
        res: outputOf(f) === 'dense' || f.kind === 'bucketized' || f.kind === 'counter' ? new Reservoir(100_000, `report:${f.name}`) : undefined };
    });
    const shiftFeats: ShiftFeature[] = [];
    this.shiftIdx = [];
    this.accs.forEach((a, i) => {
      const sf = shiftFeature(a.f, a.st.buckets ?? 0);
      if (sf) { shiftFeats.push(sf); this.shiftIdx.push(i); }
    });
    const go = { maxGroups: opts.maxGroups ?? 20, sample: opts.sample ?? 5000, maxPairGroups: opts.maxPairGroups ?? 8 };
    this.groups = (opts.by ?? []).map((c) => new GroupStats(c, shiftFeats, go));
  }

  private counterValues(table: Table): Record<string, Float64Array> | undefined {
    const eng = this.plan.counters;
    if (!eng) return undefined;
    if (eng.features.every((r) => table.columns[counterColumn(r.f.name)])) return undefined;
    const nan = () => Object.fromEntries(eng.features.map((r) => [r.f.name, new Float64Array(table.numRows).fill(NaN)]));
    if (this.replay === null && this.notes.some((n) => n.startsWith('counter features'))) return nan();
    try {
      this.replay ??= new CounterReplay(eng);
      return Object.fromEntries(this.replay.process(this.replay.engine.batch(table)));
    } catch (e) {
      this.replay = null;
      this.notes.push(`counter features reported as missing: ${(e as Error).message}`);
      return nan();
    }
  }

  update(table: Table): void {
    const n = table.numRows;
    this.rows += n;
    const counterValues = this.counterValues(table);
    const fb = transform(this.fitted, table, { ...(counterValues ? { counterValues } : {}), ...(this.opts.behaviors ? { behaviors: this.opts.behaviors } : {}) });
    const bc = new BatchColumns(table, this.dicts);
    for (const [k, v] of Object.entries(fb.ids)) bc.ids.set(k, v);
    const single = new Map(this.plan.single.map((s) => [s.name, s.op]));
    const crosses = new Map(this.plan.crosses.map((s) => [s.name, s.op]));
    const multis = new Map(this.plan.multi.map((s) => [s.name, s.op]));
    for (const a of this.accs) {
      a.st.rows += n;
      const f = a.f;
      const add = (_r: number, hi: number, lo: number) => a.keys.add(hi, lo);
      if (f.kind === 'id') {
        (single.get(f.name) as IdOp).eachKey(bc, add);
        const col = bc.column(f.column, f.name);
        for (let i = 0; i < n; i++) { const v = col[i]; if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) a.st.missing++; }
        if (f.vocab) this.countOov(a, fb.ids[f.name]!, null);
      } else if (f.kind === 'multi_id' || f.kind === 'sequence') {
        const op = multis.get(f.name);
        const m = fb.multi[f.name]!;
        a.st.truncation ??= emptyTruncation();
        if (op instanceof BehaviorSeqOp) { op.eachKey(m, add); addBehaviorTruncation(a.st.truncation, op.last); }
        else { (op as MultiOp).eachKey(bc, add); addStringTruncation(a.st.truncation, bc.column(f.column, f.name), n, f.sep, f.max_len); }
        for (let i = 0; i < n; i++) {
          const l = m.lengths[i]!;
          if (l === 0) a.st.missing++;
          a.elements += l;
          if (l === m.maxLen) a.full++;
        }
        if (f.vocab) this.countOov(a, m.ids, m.mask);
      } else if (f.kind === 'cross') {
        (crosses.get(f.name) as CrossOp).eachKey(bc, add);
        this.crossMissing(a, bc, fb);
      } else if (outputOf(f) === 'ids') { // bucketized, time, bucketized counter
        const ids = fb.ids[f.name]!;
        for (let i = 0; i < n; i++) { if (ids[i] === 0) a.st.missing++; a.keys.add(0, ids[i]!); }
        if (f.kind === 'bucketized' || f.kind === 'counter') this.numeric(a, this.source(bc, f, counterValues), n, false);
      } else {
        this.numeric(a, this.source(bc, f, counterValues), n, true);
      }
    }
    if (this.groups.length) this.updateGroups(table, bc, fb, counterValues);
  }

  private source(bc: BatchColumns, f: FeatureDef, cv: Record<string, Float64Array> | undefined): NumericLike {
    if (f.kind === 'counter') {
      const col = bc.table.columns[counterColumn(f.name)];
      return col && !isStringColumn(col) ? col : cv![f.name]!;
    }
    return bc.numeric((f as { column: string }).column, f.name);
  }

  private numeric(a: Acc, x: NumericLike, n: number, countMissing: boolean): void {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) { if (countMissing) a.st.missing++; continue; }
      a.res!.add(v);
      a.sum += v;
      if (countMissing) { this.kb.reset(); this.kb.number(v); const h = this.kb.hash(); a.keys.add(h[0]!, h[1]!); }
    }
  }

  private countOov(a: Acc, ids: Int32Array, mask: Uint8Array | null): void {
    a.st.vocab ??= { size: (a.st.buckets ?? 2) - 2, oov: 0, oovRate: 0 };
    for (let i = 0; i < ids.length; i++) if (ids[i] === 1 && (!mask || mask[i])) a.st.vocab.oov++;
  }

  private crossMissing(a: Acc, bc: BatchColumns, fb: FeatureBatch): void {
    const f = a.f as Extract<FeatureDef, { kind: 'cross' }>;
    const miss = new Uint8Array(bc.numRows);
    for (const name of f.fields) {
      const g = this.plan.cfg.features.find((x) => x.name === name)!;
      if (g.kind === 'id') {
        const col = bc.column(g.column, g.name);
        for (let i = 0; i < bc.numRows; i++) { const v = col[i]; if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) miss[i] = 1; }
      } else {
        const ids = fb.ids[name]!;
        for (let i = 0; i < bc.numRows; i++) if (ids[i] === 0) miss[i] = 1;
      }
    }
    for (let i = 0; i < miss.length; i++) a.st.missing += miss[i]!;
  }

  private updateGroups(table: Table, bc: BatchColumns, fb: FeatureBatch, cv: Record<string, Float64Array> | undefined): void {
    const n = table.numRows;
    for (const gs of this.groups) {
      const col = bc.column(gs.column, `--by ${gs.column}`);
      const g = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        g[i] = gs.groupOf(typeof v === 'string' ? v : v === null ? null : canonicalText(v as number));
        gs.addRow(g[i]!);
      }
      this.shiftIdx.forEach((ai, fi) => {
        const a = this.accs[ai]!;
        const sf = gs.features[fi]!;
        const f = a.f;
        if (sf.kind === 'numeric') {
          const x = this.source(bc, f, cv);
          for (let i = 0; i < n; i++) gs.addNum(fi, g[i]!, x[i]!);
        } else if (f.kind === 'multi_id' || f.kind === 'sequence') {
          const l = fb.multi[f.name]!.lengths;
          for (let i = 0; i < n; i++) gs.addCat(fi, g[i]!, Math.min(l[i]!, sf.cats - 1));
        } else {
          const ids = fb.ids[f.name]!;
          const B = a.st.buckets ?? 0;
          const vocab = 'vocab' in f && f.vocab !== undefined;
          for (let i = 0; i < n; i++) gs.addCat(fi, g[i]!, foldCat(ids[i]!, B, sf, vocab));
        }
      });
    }
  }

  finish(): FeatureReport {
    const features = this.accs.map((a) => {
      const st = a.st;
      st.missingRate = st.rows ? st.missing / st.rows : 0;
      st.distinct = a.keys.distinct();
      st.distinctExact = a.keys.exact;
      if (a.keys.buckets > 0) st.hash = a.keys.summary(this.target);
      if (st.vocab) {
        const denom = st.output === 'multi' ? a.elements : st.rows;
        st.vocab.oovRate = denom ? st.vocab.oov / denom : 0;
      }
      if (st.output === 'multi') {
        const L = (a.f as { max_len: number }).max_len;
        st.lengths = { mean: st.rows ? a.elements / st.rows : 0, maxLen: L, fullRate: st.rows ? a.full / st.rows : 0 };
      }
      if (a.res && a.res.seen > 0) {
        const s = a.res.sorted();
        const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
        st.numeric = { count: a.res.seen, min: s[0]!, max: s[s.length - 1]!, mean: a.sum / a.res.seen, p50: q(0.5), p99: q(0.99) };
      }
      return st;
    });
    return { rows: this.rows, features, shift: this.groups.map((g) => g.result()), notes: this.notes };
  }
}

function shiftFeature(f: FeatureDef, buckets: number): ShiftFeature | null {
  if (f.kind === 'cross') return null;
  if (outputOf(f) === 'dense') return { name: f.name, kind: 'numeric', cats: 0 };
  if (f.kind === 'multi_id' || f.kind === 'sequence') return { name: f.name, kind: 'ordinal', cats: Math.min(f.max_len, 63) + 1 };
  if (f.kind === 'id') return { name: f.name, kind: 'categorical', cats: Math.min(buckets, 64) };
  return { name: f.name, kind: 'ordinal', cats: Math.min(buckets, 64) };
}

/** ≤ 64 categories: small id spaces as is; vocab ids capped (rare entries pooled); hashed ids folded mod 64; ordered ids scaled. */
function foldCat(id: number, buckets: number, sf: ShiftFeature, vocab: boolean): number {
  if (buckets <= sf.cats) return id;
  if (sf.kind === 'ordinal') return Math.floor((id * sf.cats) / buckets);
  return vocab ? Math.min(id, sf.cats - 1) : id % sf.cats;
}

export function reportFeatures(fitted: FittedFeatures, data: Table | Iterable<Table>, opts: ReportOptions = {}): FeatureReport {
  const r = new FeatureReporter(fitted, opts);
  if ('numRows' in data) r.update(data as Table); else for (const t of data as Iterable<Table>) r.update(t);
  return r.finish();
}

export async function reportFeaturesAsync(fitted: FittedFeatures, data: AsyncIterable<Table> | Iterable<Table>, opts: ReportOptions = {}): Promise<FeatureReport> {
  const r = new FeatureReporter(fitted, opts);
  for await (const t of data) r.update(t);
  return r.finish();
}
