// The fine ranker: a run's exported multi-task model.onnx served from a worker-thread pool. Request
// rows become a Table, the run's fitted features (features.json) turn it into model inputs with the
// SAME transform training uses, and all candidates of a request are scored in one ORT run.
import type { BehaviorSource } from '../features/behavior/live.js';
import type { Column, Table } from '../data/table.js';
import { counterColumn, parseFeatureConfig, transform, type FeatureBatch } from '../features/index.js';
import { feedsFor, loadRunArtefacts, rowsShare, type LoadedModel } from './fine-ranker-model.js';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool.js';

/** A request the ranker cannot score (bad column values, no candidates): the HTTP layer answers 400. */
export class RankInputError extends Error {}

export type RowValue = string | number | boolean | null;
export type Row = Record<string, RowValue>;

export interface ScoreResult {
  /** Per task, one probability (or regression prediction) per row, in row order. */
  preds: Record<string, Float32Array>;
  timings: { featurize_ms: number; infer_ms: number };
  /** ORT runs the rows were split into (run in parallel on idle workers). */
  shards: number;
  /** The graph that scored them: the request model (user-side sequences once per request, all rows agreeing) or model.onnx. */
  graph: 'request' | 'rows';
}

export interface ScoreOptions {
  /** `base` values win over a row's own (default true) or only fill what a row lacks (false). */
  baseWins?: boolean;
  /** The behaviour log `sequence` features with a `behaviors` block read (serving/behaviors.ts); else their log file. */
  behaviors?: BehaviorSource;
}

export interface FineRankerOptions extends WorkerPoolOptions {
  /** Score rows of missing values on every worker at load (default true). */
  warmup?: boolean;
  /**
   * Split a request into row shards of at least this many rows, one per idle worker, scored in
   * parallel (default 128; 0 = never split). Rows are scored independently, so the scores do not
   * depend on the split; an idle pool halves a 500-candidate request's ORT time on 2 workers.
   */
  shardRows?: number;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** The columns a row must be able to carry: every feature's input column (counter features: their materialized `counter__<name>` column). */
export function requiredColumns(m: LoadedModel): string[] {
  const s = new Set<string>();
  const cfg = parseFeatureConfig(m.fitted.config, 'features.json (embedded config)');
  for (const f of cfg.features) {
    if (f.kind === 'counter') s.add(counterColumn(f.name));
    else if ('column' in f && f.column) s.add(f.column);
    if (f.kind === 'sequence' && f.behaviors) { // a behaviour-log sequence reads the row's time (and the search key)
      s.add(f.behaviors.time_column ?? cfg.defaults.time_column);
      if (f.behaviors.search) s.add(f.behaviors.search.column);
    }
  }
  return [...s].sort();
}

function badValue(i: number, c: string, v: unknown): RankInputError {
  return new RankInputError(`row ${i}: column ${c} holds a ${Array.isArray(v) ? 'list' : typeof v}; values must be strings, numbers, booleans or null`);
}

/**
 * JSON rows → a Table. A column whose present values are all numbers (or booleans, as 0/1) is
 * numeric (missing → NaN); one with any string value is a string column (numbers written as text,
 * missing → null: ids hash the same either way, see features/encode.ts canonicalText). Columns the
 * features read that no row carries are refused; a row lacking one holds a missing value there.
 * `base` holds request-level values given once, as if merged into each row without building the
 * merged rows: by default they win over a row's own value (`{...row, ...base}`); with
 * `baseWins: false` they only fill the columns a row lacks (`{...base, ...row}`; a value of
 * `undefined` counts as lacking).
 */
export function rowsToTable(rows: readonly Row[], required: readonly string[], base?: Row, baseWins = true): Table {
  const n = rows.length;
  const inBase = (c: string) => base !== undefined && base[c] !== undefined;
  const inRows = (c: string) => rows.some((r) => r[c] !== undefined);
  const absent = required.filter((c) => !inBase(c) && !inRows(c));
  if (absent.length) throw new RankInputError(`no candidate row carries column(s) ${absent.join(', ')} (the model's features read them)`);
  const columns: Record<string, Column> = {};
  for (const c of required) {
    const fill = inBase(c) ? base![c] : undefined; // a row's missing value falls back to this (baseWins: false)
    if (fill !== undefined && (baseWins || !inRows(c))) {
      const v = fill;
      if (typeof v === 'string') columns[c] = new Array<string | null>(n).fill(v);
      else if (v === null || typeof v === 'number' || typeof v === 'boolean') columns[c] = new Float64Array(n).fill(v === null ? NaN : Number(v));
      else throw badValue(0, c, v);
      continue;
    }
    // One read per cell while the column is numeric; the first string makes it a text column.
    const num = new Float64Array(n);
    let text = false;
    for (let i = 0; i < n; i++) {
      const v0 = rows[i]![c], v = v0 === undefined ? fill : v0;
      if (typeof v === 'number') num[i] = v;
      else if (v === undefined || v === null) num[i] = NaN;
      else if (typeof v === 'boolean') num[i] = v ? 1 : 0;
      else if (typeof v === 'string') { text = true; break; }
      else throw badValue(i, c, v);
    }
    if (!text) { columns[c] = num; continue; }
    const str = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const v0 = rows[i]![c], v = v0 === undefined ? fill : v0;
      if (v === undefined || v === null) str[i] = null;
      else if (typeof v === 'string') str[i] = v;
      else if (typeof v === 'number') str[i] = String(v);
      else if (typeof v === 'boolean') str[i] = v ? '1' : '0';
      else throw badValue(i, c, v);
    }
    columns[c] = str;
  }
  return { numRows: n, columns };
}

/** Sees each scored request right after featurizing (the batch is reused later: copy what you keep); the returned function gets the predictions. */
export type ScoreTap = (rows: readonly Row[], base: Row | undefined, baseWins: boolean, batch: FeatureBatch) => ((preds: Record<string, Float32Array>) => void) | null;

export class FineRanker {
  /** The last request's feature batch, whose arrays the next request reuses (score only). */
  private scratch: FeatureBatch | undefined;
  /** The served log's hook (src/serving/served-log.ts), when one is configured. */
  tap: ScoreTap | null = null;
  private constructor(readonly model: LoadedModel, private readonly pool: WorkerPool, private readonly required: string[], private readonly shardRows: number) {}

  /** Loads RUN/model.onnx (checksum verified), model.json and features.json, and starts the worker pool. */
  static async load(runDir: string, o: FineRankerOptions = {}): Promise<FineRanker> {
    const shardRows = o.shardRows ?? 128;
    if (!Number.isInteger(shardRows) || shardRows < 0) throw new Error(`fine ranker shardRows: ${shardRows} is not a non-negative integer`);
    const model = loadRunArtefacts(runDir);
    const pool = await WorkerPool.create(`fine ranker ${runDir}`, model.request ? [model.bytes, model.request.bytes] : model.bytes, o);
    const r = new FineRanker(model, pool, requiredColumns(model), shardRows);
    if (o.warmup ?? true) {
      // The first transform compiles the feature ops and the first runs are cold: pay that here,
      // not in the first request. Rows of missing values must score; a model that cannot is refused.
      try {
        const blank = Object.fromEntries(r.required.map((c) => [c, null])) as Row;
        const rows = Array.from({ length: 64 }, () => blank);
        for (let i = 0; i < 2; i++) await Promise.all(Array.from({ length: pool.size }, () => r.score(rows)));
      } catch (e) {
        await pool.dispose();
        throw new Error(`${runDir}: the model cannot score rows of missing values (warm-up): ${(e as Error).message}`);
      }
    }
    return r;
  }

  get tasks(): string[] { return this.model.manifest.outputs.map((o) => o.task); }
  get columns(): readonly string[] { return this.required; }

  /** The model inputs for these rows (the training transform); `base`: request-level values (see rowsToTable). */
  featurize(rows: readonly Row[], base?: Row, o: ScoreOptions = {}): FeatureBatch {
    return this.transformRows(rows, base, o, undefined);
  }

  private transformRows(rows: readonly Row[], base: Row | undefined, o: ScoreOptions, out: FeatureBatch | undefined): FeatureBatch {
    const table = rowsToTable(rows, this.required, base, o.baseWins ?? true);
    try {
      return transform(this.model.fitted, table, { ...(out ? { out } : {}), ...(o.behaviors ? { behaviors: o.behaviors } : {}) });
    } catch (e) {
      throw new RankInputError(`features: ${(e as Error).message}`);
    }
  }

  /** Row shards for n rows now: one per idle worker, each of at least `shardRows` rows (1 when the pool is busy). */
  private shardCount(n: number): number {
    if (this.shardRows === 0) return 1;
    return Math.max(1, Math.min(this.pool.idle(), Math.floor(n / this.shardRows)));
  }

  /**
   * Scores every row: one ORT run on a worker thread, or row shards in parallel on idle workers.
   * `base`: request-level values given once — the same scores as merging them into each row
   * (`{...row, ...base}`, or `{...base, ...row}` with `baseWins: false`), without building the
   * merged rows (500 candidates: ≈ 1.5–3 ms of spreading and its garbage saved).
   */
  async score(rows: readonly Row[], base?: Row, o: ScoreOptions = {}): Promise<ScoreResult> {
    const n = rows.length;
    if (n === 0) throw new RankInputError('no candidates to score');
    const t0 = process.hrtime.bigint();
    // The batch's arrays are reused across requests: featurizing and copying the feeds out of it run
    // synchronously here, before any other request can featurize.
    const fb = this.transformRows(rows, base, o, this.scratch);
    this.scratch = fb;
    const done = this.tap ? this.tap(rows, base, o.baseWins ?? true, fb) : null;
    const k = this.shardCount(n);
    const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * n) / k));
    // The candidates of one user: the request model takes the user's sequences once (same scores).
    const req = this.model.request && rowsShare(this.model.manifest, fb, this.model.request.shared) ? this.model.request : undefined;
    const feeds = bounds.slice(0, k).map((lo, i) => feedsFor(this.model.manifest, fb, lo, bounds[i + 1]!, req?.shared));
    const featurize_ms = ms(t0);
    const t1 = process.hrtime.bigint();
    const outputs = this.model.manifest.outputs;
    const fetch = outputs.map((o) => o.name);
    const outs = await Promise.all(feeds.map((f) => this.pool.run(f, fetch, req ? 1 : 0)));
    const preds: Record<string, Float32Array> = {};
    for (const o of outputs) {
      if (k === 1) { preds[o.task] = outs[0]![o.name]!.data as Float32Array; continue; }
      const p = new Float32Array(n);
      outs.forEach((out, i) => p.set(out[o.name]!.data as Float32Array, bounds[i]!));
      preds[o.task] = p;
    }
    done?.(preds);
    return { preds, timings: { featurize_ms, infer_ms: ms(t1) }, shards: k, graph: req ? 'request' : 'rows' };
  }

  dispose(): Promise<void> { return this.pool.dispose(); }
}
