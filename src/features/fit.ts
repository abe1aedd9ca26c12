// fitFeatures(config, data) → FittedFeatures: vocabularies, quantile boundaries and mean/std from
// the training data, in one streaming pass over batches. Counter features that need fitting are
// replayed (the batches must then come in time order) unless materialized counter columns exist.
import { isStringColumn, type Table } from '../data/table.js';
import { Rng } from '../util/rng.js';
import { BatchColumns, DictPool, type NumericLike } from './batch.js';
import { parseFeatureConfig, type FeatureConfig, type FeatureDef } from './config.js';
import { CounterReplay } from './counters/replay.js';
import { buildSpecs, type FeatureState, type FittedFeatures } from './fitted.js';
import { compileDense, quantileBoundaries, runDense, RunningMoments } from './numeric.js';
import { counterColumn } from './transform.js';
import { buildVocab, VocabCounter } from './vocab.js';

/** Uniform reservoir sample of a stream of numbers (exact when the stream fits). */
export class Reservoir {
  values: Float64Array;
  seen = 0;
  private readonly rng: Rng;
  constructor(readonly cap: number, seed: string) {
    this.values = new Float64Array(Math.min(cap, 1024));
    this.rng = new Rng(seed);
  }
  add(x: number): void {
    if (this.seen < this.cap) {
      if (this.seen >= this.values.length) {
        const v = new Float64Array(Math.min(this.cap, this.values.length * 2)); v.set(this.values); this.values = v;
      }
      this.values[this.seen++] = x;
      return;
    }
    const j = this.rng.int(++this.seen);
    if (j < this.cap) this.values[j] = x;
  }
  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.seen, this.cap)).sort();
  }
}

type NumericFit = { f: FeatureDef & { ops?: unknown }; moments?: RunningMoments; stdAt?: number; prog?: ReturnType<typeof compileDense>; res?: Reservoir; present: number };

export class FeatureFitter {
  readonly cfg: FeatureConfig;
  private rows = 0;
  private readonly dicts = new DictPool();
  private readonly numeric: NumericFit[] = [];
  private readonly vocabCounts = new Map<string, VocabCounter>();
  private replay: CounterReplay | null = null;
  private readonly needsCounters: boolean;

  constructor(config: FeatureConfig | unknown) {
    this.cfg = isResolved(config) ? config : parseFeatureConfig(config);
    for (const f of this.cfg.features) {
      if (f.kind === 'dense' || f.kind === 'counter' || f.kind === 'bucketized') {
        const nf: NumericFit = { f, present: 0 };
        if (f.kind !== 'bucketized') {
          const at = f.ops.indexOf('standardize');
          if (at >= 0) { nf.moments = new RunningMoments(); nf.stdAt = at; nf.prog = compileDense(f.ops); }
        }
        if (f.kind !== 'dense' && f.quantiles) nf.res = new Reservoir(f.sample, `quantiles:${f.name}`);
        this.numeric.push(nf);
      }
      if ((f.kind === 'id' || f.kind === 'multi_id' || f.kind === 'sequence') && f.vocab && !Array.isArray(f.vocab)) {
        if (!this.vocabCounts.has(f.table)) this.vocabCounts.set(f.table, new VocabCounter());
      }
    }
    this.needsCounters = this.numeric.some((x) => x.f.kind === 'counter' && (x.moments || x.res));
  }

  update(table: Table): void {
    const bc = new BatchColumns(table, this.dicts);
    const n = table.numRows;
    this.rows += n;
    let counterVals: Map<string, Float64Array> | null = null;
    if (this.needsCounters) {
      const allMaterialized = this.numeric.every((x) => x.f.kind !== 'counter' || table.columns[counterColumn(x.f.name)]);
      if (!allMaterialized) {
        this.replay ??= CounterReplay.fromConfig(this.cfg);
        counterVals = this.replay.process(this.replay.engine.batch(table));
      }
    }
    for (const nf of this.numeric) {
      if (!nf.moments && !nf.res) continue;
      const f = nf.f;
      let x: NumericLike;
      if (f.kind === 'counter') {
        const col = table.columns[counterColumn(f.name)];
        x = col && !isStringColumn(col) ? col : counterVals!.get(f.name)!;
      } else x = bc.numeric((f as { column: string }).column, f.name);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        if (!Number.isFinite(v)) continue;
        nf.present++;
        if (nf.moments) nf.moments.add(runDense(nf.prog!, v, nf.stdAt));
        if (nf.res) nf.res.add(v);
      }
    }
    for (const f of this.cfg.features) {
      if (!(f.kind === 'id' || f.kind === 'multi_id' || f.kind === 'sequence')) continue;
      const vc = this.vocabCounts.get(f.table);
      if (!vc || !f.vocab || Array.isArray(f.vocab)) continue;
      if (f.kind === 'sequence' && f.behaviors) continue; // values come from the behaviour log; the table's other features fit it
      const col = bc.column(f.column, f.name);
      if (!isStringColumn(col)) { for (let i = 0; i < n; i++) vc.addNumber(col[i]!); continue; }
      if (f.kind === 'id') { for (let i = 0; i < n; i++) { const s = col[i]; if (s !== null && s !== undefined) vc.addText(s); } continue; }
      for (let i = 0; i < n; i++) {
        const s = col[i];
        if (s === null || s === undefined) continue;
        let len = 0;
        for (const e of s.split(f.sep)) { if (e === '') continue; if (len++ >= f.max_len) break; vc.addText(e); }
      }
    }
  }

  finish(): FittedFeatures {
    const state: Record<string, FeatureState> = {};
    for (const nf of this.numeric) {
      const s: FeatureState = {};
      if (nf.moments) { s.mean = nf.moments.mean; s.std = nf.moments.std(); s.present = nf.present; }
      if (nf.res) {
        s.boundaries = quantileBoundaries(nf.res.sorted(), (nf.f as { quantiles: number }).quantiles);
        s.present = nf.present;
      }
      if (Object.keys(s).length) state[nf.f.name] = s;
    }
    const vocabs: Record<string, string[]> = {};
    for (const f of this.cfg.features) {
      if (!(f.kind === 'id' || f.kind === 'multi_id' || f.kind === 'sequence') || !f.vocab || vocabs[f.table]) continue;
      vocabs[f.table] = buildVocab(f.vocab, this.vocabCounts.get(f.table), `feature "${f.name}"`);
    }
    const { specs, tables } = buildSpecs(this.cfg, state, vocabs);
    return { format: 'liverank.features', version: 1, config: this.cfg.raw, rows: this.rows, state, vocabs, specs, tables };
  }
}

function isResolved(c: unknown): c is FeatureConfig {
  return typeof c === 'object' && c !== null && 'raw' in c && Array.isArray((c as FeatureConfig).counters);
}

/** Fits on one table or a (time-ordered, when counters need fitting) sequence of batches. */
export function fitFeatures(config: FeatureConfig | unknown, data: Table | Iterable<Table>): FittedFeatures {
  const fit = new FeatureFitter(config);
  if (isTable(data)) fit.update(data);
  else for (const t of data) fit.update(t);
  return fit.finish();
}

export async function fitFeaturesAsync(config: FeatureConfig | unknown, data: AsyncIterable<Table> | Iterable<Table>): Promise<FittedFeatures> {
  const fit = new FeatureFitter(config);
  for await (const t of data) fit.update(t);
  return fit.finish();
}

function isTable(d: unknown): d is Table {
  return typeof d === 'object' && d !== null && 'numRows' in d && 'columns' in d;
}
