// transform(fitted, table, ctx?) → FeatureBatch: the one function training and serving both call.
// The fitted state is compiled once (cached per FittedFeatures object); caches only save work, they
// never change a result, so the function is pure from the caller's side.
import type { Table } from '../data/table.js';
import { BatchColumns, DictPool, type NumericLike } from './batch.js';
import { parseFeatureConfig, type FeatureConfig } from './config.js';
import { CounterEngine } from './counters/engine.js';
import { readCounters, type CounterReplay } from './counters/replay.js';
import type { CounterStore } from './counters/types.js';
import type { FeatureBatch, FeatureSpec, FittedFeatures, MultiIds } from './fitted.js';
import { CrossOp } from './ops-cross.js';
import { IdOp, MultiOp } from './ops-ids.js';
import { BucketOp, DenseOp, TimeOp } from './ops-numeric.js';
import { Vocab } from './vocab.js';
import { BehaviorSeqOp, type BehaviorDef } from './behavior/op.js';
import type { BehaviorSource } from './behavior/live.js';
import type { CityVersion } from './cityhash/index.js';

/** Name of the column holding a counter feature's materialized raw value (see materializeCounters). */
export const counterColumn = (feature: string): string => `counter__${feature}`;

export interface TransformContext {
  /** Training: counters replayed in time order (feed every batch, in time order, through it). */
  counters?: CounterReplay;
  /** Serving: a sync store, read at each row's time, or at `now` when given. */
  counterStore?: CounterStore;
  now?: number;
  /** Precomputed counter values by feature name (e.g. readCounterValuesAsync with Redis). */
  counterValues?: Record<string, Float64Array>;
  /** Reuse this batch's arrays when they are large enough (serving hot path). */
  out?: FeatureBatch;
  /** The per-user behaviour log (frozen or live) read by `sequence` features with a `behaviors` block (else their behaviors.log file). */
  behaviors?: BehaviorSource;
}

type SingleOp = IdOp | BucketOp | TimeOp;

export interface CompiledFeatures {
  cfg: FeatureConfig;
  fitted: FittedFeatures;
  dicts: DictPool;
  single: { name: string; emit: boolean; op: SingleOp }[];
  crosses: { name: string; emit: boolean; op: CrossOp }[];
  multi: { name: string; op: MultiOp | BehaviorSeqOp }[];
  dense: { op: DenseOp; offset: number }[];
  denseWidth: number;
  counters: CounterEngine | null;
  specs: readonly FeatureSpec[];
}

const compiled = new WeakMap<FittedFeatures, CompiledFeatures>();

export function compileFeatures(fitted: FittedFeatures): CompiledFeatures {
  const hit = compiled.get(fitted);
  if (hit) return hit;
  const cfg = parseFeatureConfig(fitted.config, 'fitted features');
  const version = cfg.hash as CityVersion;
  const vocabs = new Map<string, Vocab>();
  const vocabOf = (table: string): Vocab => {
    let v = vocabs.get(table);
    if (!v) {
      const entries = fitted.vocabs[table];
      if (!entries) throw new Error(`embedding table "${table}": vocabulary not fitted (run fitFeatures first)`);
      v = new Vocab(entries);
      vocabs.set(table, v);
    }
    return v;
  };
  const c: CompiledFeatures = {
    cfg, fitted, dicts: new DictPool(), single: [], crosses: [], multi: [], dense: [], denseWidth: 0,
    counters: cfg.counters.length ? new CounterEngine(cfg) : null, specs: fitted.specs,
  };
  const specByName = new Map(fitted.specs.map((s) => [s.name, s]));
  for (const f of cfg.features) {
    const st = fitted.state[f.name];
    switch (f.kind) {
      case 'id': c.single.push({ name: f.name, emit: f.emit, op: new IdOp(f, f.vocab ? vocabOf(f.table) : null, version) }); break;
      case 'bucketized': c.single.push({ name: f.name, emit: f.emit, op: new BucketOp(f, st) }); break;
      case 'time': c.single.push({ name: f.name, emit: f.emit, op: new TimeOp(f) }); break;
      case 'counter':
        if (f.output === 'ids') c.single.push({ name: f.name, emit: f.emit, op: new BucketOp(f, st) });
        else if (f.emit) c.dense.push({ op: new DenseOp(f, st), offset: specByName.get(f.name)!.offset });
        break;
      case 'dense': if (f.emit) c.dense.push({ op: new DenseOp(f, st), offset: specByName.get(f.name)!.offset }); break;
      case 'multi_id': case 'sequence':
        if (!f.emit) break;
        if (f.kind === 'sequence' && f.behaviors) c.multi.push({ name: f.name, op: new BehaviorSeqOp(f as BehaviorDef, f.vocab ? vocabOf(f.table) : null, version, cfg.defaults.time_column) });
        else c.multi.push({ name: f.name, op: new MultiOp(f, f.vocab ? vocabOf(f.table) : null, version) });
        break;
      case 'cross': {
        const fields = f.fields.map((n) => cfg.features.find((g) => g.name === n)!);
        c.crosses.push({ name: f.name, emit: f.emit, op: new CrossOp(f, fields, version) });
        break;
      }
    }
  }
  c.denseWidth = fitted.specs.filter((s) => s.output === 'dense').reduce((w, s) => w + s.dim, 0);
  compiled.set(fitted, c);
  return c;
}

function reuse<T extends Int32Array | Uint8Array | Float32Array>(prev: T | undefined, n: number, make: (n: number) => T): T {
  return prev && prev.length >= n ? (prev.subarray(0, n) as T) : make(n);
}

/** Counter values for this batch: ctx.counterValues, materialized columns, the replay or the store. */
function counterValues(c: CompiledFeatures, table: Table, ctx: TransformContext): Map<string, NumericLike> {
  const out = new Map<string, NumericLike>();
  if (!c.counters) return out;
  let missing = false;
  for (const r of c.counters.features) {
    const v = ctx.counterValues?.[r.f.name];
    const col = table.columns[counterColumn(r.f.name)];
    if (v) out.set(r.f.name, v);
    else if (col && !Array.isArray(col)) out.set(r.f.name, col);
    else missing = true;
  }
  if (ctx.counters) {
    const vals = ctx.counters.process(ctx.counters.engine.batch(table)); // always advance the replay
    for (const [k, v] of vals) if (!out.has(k)) out.set(k, v);
  } else if (missing && ctx.counterStore) {
    const vals = readCounters(c.counters, c.counters.batch(table), ctx.counterStore, ctx.now);
    for (const [k, v] of vals) if (!out.has(k)) out.set(k, v);
  }
  for (const r of c.counters.features) {
    const v = out.get(r.f.name);
    if (!v) {
      throw new Error(`counter feature "${r.f.name}": no values; give ctx.counters (training replay), ctx.counterStore / ctx.counterValues (serving), or a "${counterColumn(r.f.name)}" column (materializeCounters)`);
    }
    if (v.length < table.numRows) throw new Error(`counter feature "${r.f.name}": ${v.length} values for ${table.numRows} rows`);
  }
  return out;
}

export function transform(fitted: FittedFeatures, table: Table, ctx: TransformContext = {}): FeatureBatch {
  const c = compileFeatures(fitted);
  const n = table.numRows;
  const bc = new BatchColumns(table, c.dicts);
  for (const [k, v] of counterValues(c, table, ctx)) bc.counterValues.set(k, v);
  const prev = ctx.out;
  const ids: Record<string, Int32Array> = {};
  for (const s of c.single) {
    const out = s.emit ? reuse(prev?.ids[s.name], n, (m) => new Int32Array(m)) : new Int32Array(n);
    s.op.run(bc, out);
    bc.ids.set(s.name, out);
    if (s.emit) ids[s.name] = out;
  }
  for (const s of c.crosses) {
    const out = reuse(prev?.ids[s.name], n, (m) => new Int32Array(m));
    s.op.run(bc, out);
    bc.ids.set(s.name, out);
    if (s.emit) ids[s.name] = out;
  }
  const multi: Record<string, MultiIds> = {};
  for (const s of c.multi) {
    const p = prev?.multi[s.name];
    const L = s.op.f.max_len;
    const m: MultiIds = p && p.lengths.length >= n && p.maxLen === L
      ? { ids: p.ids.subarray(0, n * L), mask: p.mask.subarray(0, n * L), lengths: p.lengths.subarray(0, n), maxLen: L }
      : s.op.alloc(n);
    if (s.op instanceof BehaviorSeqOp) s.op.run(bc, m, ctx.behaviors); else s.op.run(bc, m);
    multi[s.name] = m;
  }
  const W = c.denseWidth;
  const dense = reuse(prev?.dense, n * W, (m) => new Float32Array(m));
  for (const d of c.dense) d.op.run(bc, dense, W, d.offset);
  return { numRows: n, specs: c.specs, ids, multi, dense, denseWidth: W };
}
