// The metric matrix task × scenario × country: a streaming, mergeable accumulator. Rows are kept per
// task (only the rows in the task's sample space) in growable typed arrays; toJSON() computes every
// cell exactly (AUC, GAUC, logloss, PCOC, … per slice) and the oracle matrix from true probabilities.
import type { Table } from '../data/table.js';
import { Growable, KeyDict, f64, i32, u8 } from './growable.js';
import { SliceLayout } from './slices.js';
import { computeTask, type TaskData } from './matrix-compute.js';
import type { MatrixBatch, MatrixJSON, MatrixOptions, TaskJSON, TaskSpec } from './matrix-types.js';

/** Slice key used when a scenario / country column holds null. */
export const MISSING_KEY = '(missing)';

class TaskStore {
  readonly score = f64();
  readonly labelB = u8();
  readonly labelR = f64();
  truth: Growable<Float64Array> | null = null;
  weight: Growable<Float64Array> | null = null;
  readonly sid = i32();
  readonly cid = i32();
  readonly uid = i32();
  masked = 0;
  missingLabel = 0;
  nanPred = 0;

  constructor(readonly spec: TaskSpec) {}

  get length(): number { return this.score.length; }

  enableTruth(): Growable<Float64Array> {
    if (!this.truth) { this.truth = f64(this.length); for (let i = 0; i < this.length; i++) this.truth.push(NaN); }
    return this.truth;
  }

  enableWeight(): Growable<Float64Array> {
    if (!this.weight) { this.weight = f64(this.length); for (let i = 0; i < this.length; i++) this.weight.push(1); }
    return this.weight;
  }

  data(): TaskData {
    const binary = this.spec.kind === 'binary';
    return {
      kind: this.spec.kind, score: this.score.view(), label: binary ? this.labelB.view() : this.labelR.view(),
      truth: this.truth?.view() ?? null, weight: this.weight?.view() ?? null,
      sid: this.sid.view(), cid: this.cid.view(), uid: this.uid.view(),
      masked: this.masked, missingLabel: this.missingLabel, nanPred: this.nanPred,
    };
  }
}

function sliceIds(dict: KeyDict, col: ArrayLike<string | number | null> | undefined, n: number, missingKey: string | null): Int32Array {
  const out = new Int32Array(n).fill(-1);
  if (!col) return out;
  if (ArrayBuffer.isView(col)) { // numeric column: NaN = missing
    const c = col as unknown as ArrayLike<number>;
    const miss = missingKey === null ? -1 : -2;
    for (let i = 0; i < n; i++) { const v = c[i]!; out[i] = Number.isNaN(v) ? miss : dict.idNum(v); }
    if (miss === -2) for (let i = 0; i < n; i++) if (out[i] === -2) out[i] = dict.id(missingKey);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const v = col[i];
    const missing = v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));
    out[i] = missing ? (missingKey === null ? -1 : dict.id(missingKey)) : dict.id(v);
  }
  return out;
}

function appendIds(dst: Growable<Int32Array>, src: Int32Array, remap: Int32Array): void {
  dst.reserve(src.length);
  for (let i = 0; i < src.length; i++) dst.push(src[i]! < 0 ? -1 : remap[src[i]!]!);
}

export class MetricMatrix {
  readonly opts: MatrixOptions;
  readonly scenarios = new KeyDict();
  readonly countries = new KeyDict();
  readonly users = new KeyDict();
  /** Rows offered so far (all batches). */
  rowsSeen = 0;
  private readonly stores: TaskStore[];

  constructor(opts: MatrixOptions) {
    if (!opts.tasks.length) throw new Error('MetricMatrix: no tasks configured');
    const names = new Set<string>();
    for (const t of opts.tasks) {
      if (t.kind !== 'binary' && t.kind !== 'regression') throw new Error(`MetricMatrix: task "${t.name}" has kind "${String(t.kind)}" (expected binary or regression)`);
      if (names.has(t.name)) throw new Error(`MetricMatrix: task "${t.name}" configured twice`);
      names.add(t.name);
    }
    this.opts = { ...opts, tasks: opts.tasks.map((t) => ({ ...t })) };
    this.stores = this.opts.tasks.map((t) => new TaskStore(t));
  }

  get tasks(): TaskSpec[] { return this.opts.tasks; }

  /** Rows kept for `task` (in its sample space, with a valid prediction). */
  rowsOf(task: string): number {
    return this.store(task).length;
  }

  add(b: MatrixBatch): void {
    const first = this.tasks[0]!.name;
    const n = b.n ?? b.preds[first]?.length ?? 0;
    const need = (what: string, col: ArrayLike<unknown> | null | undefined, required: boolean): void => {
      if (!col) { if (required) throw new Error(`metric matrix: batch has no ${what}`); return; }
      if (col.length < n) throw new Error(`metric matrix: ${what} has ${col.length} rows, the batch has ${n}`);
    };
    for (const t of this.tasks) {
      need(`predictions for task "${t.name}"`, b.preds[t.name], true);
      need(`labels for task "${t.name}"`, b.labels[t.name], true);
      need(`mask for task "${t.name}"`, b.masks?.[t.name], false);
      need(`true probabilities for task "${t.name}"`, b.trueProbs?.[t.name], false);
    }
    need('weights', b.weights, false);
    need('scenario column', b.scenario, false);
    need('country column', b.country, false);
    need('user column', b.user, false);
    const w = b.weights ?? null;
    if (w) {
      for (let i = 0; i < n; i++) {
        const v = w[i]!;
        if (!(v >= 0 && v < Infinity)) throw new Error(`metric matrix: weight ${v} at row ${this.rowsSeen + i} (expected a finite value ≥ 0)`);
      }
    }
    const sid = sliceIds(this.scenarios, b.scenario, n, MISSING_KEY);
    const cid = sliceIds(this.countries, b.country, n, MISSING_KEY);
    const uid = sliceIds(this.users, b.user, n, null);
    for (const st of this.stores) this.addTask(st, b, n, w, sid, cid, uid);
    this.rowsSeen += n;
  }

  private addTask(
    st: TaskStore, b: MatrixBatch, n: number, w: ArrayLike<number> | null, sid: Int32Array, cid: Int32Array, uid: Int32Array,
  ): void {
    const name = st.spec.name;
    const binary = st.spec.kind === 'binary';
    const pred = b.preds[name]!; const lab = b.labels[name]!;
    const mask = b.masks?.[name]; const tru = b.trueProbs?.[name];
    const truth = tru ? st.enableTruth() : st.truth;
    const weight = w ? st.enableWeight() : st.weight;
    for (const g of [st.score, binary ? st.labelB : st.labelR, truth, weight, st.sid, st.cid, st.uid]) g?.reserve(n);
    for (let i = 0; i < n; i++) {
      if (mask) { const m = mask[i]; if (!m || (typeof m === 'number' && Number.isNaN(m))) { st.masked++; continue; } }
      const y = lab[i]!;
      if (Number.isNaN(y)) { st.missingLabel++; continue; }
      const p = pred[i]!;
      if (Number.isNaN(p)) { st.nanPred++; continue; }
      if (binary) {
        if (y !== 0 && y !== 1) throw new Error(`metric matrix: task "${name}": label ${y} at row ${this.rowsSeen + i} (expected 0 or 1; NaN = not labelled)`);
        st.labelB.push(y);
      } else st.labelR.push(y);
      st.score.push(p);
      truth?.push(tru ? tru[i]! : NaN);
      weight?.push(w ? w[i]! : 1);
      st.sid.push(sid[i]!); st.cid.push(cid[i]!); st.uid.push(uid[i]!);
    }
  }

  /** Adds another matrix's rows (e.g. from another worker). Tasks must match. */
  merge(o: MetricMatrix): this {
    const sig = (m: MetricMatrix) => m.tasks.map((t) => `${t.name}:${t.kind}`).join(',');
    if (sig(this) !== sig(o)) throw new Error(`MetricMatrix.merge: tasks differ (${sig(this)} vs ${sig(o)})`);
    const rs = this.scenarios.absorb(o.scenarios);
    const rc = this.countries.absorb(o.countries);
    const ru = this.users.absorb(o.users);
    this.stores.forEach((st, k) => {
      const src = o.stores[k]!;
      const len = src.length;
      if (src.truth) st.enableTruth();
      if (src.weight) st.enableWeight();
      st.score.append(src.score.view());
      if (st.spec.kind === 'binary') st.labelB.append(src.labelB.view()); else st.labelR.append(src.labelR.view());
      if (st.truth) { if (src.truth) st.truth.append(src.truth.view()); else for (let i = 0; i < len; i++) st.truth.push(NaN); }
      if (st.weight) { if (src.weight) st.weight.append(src.weight.view()); else for (let i = 0; i < len; i++) st.weight.push(1); }
      appendIds(st.sid, src.sid.view(), rs); appendIds(st.cid, src.cid.view(), rc); appendIds(st.uid, src.uid.view(), ru);
      st.masked += src.masked; st.missingLabel += src.missingLabel; st.nanPred += src.nanPred;
    });
    this.rowsSeen += o.rowsSeen;
    return this;
  }

  /** Computes every cell (exact; cost ~ a few sorts of each task's rows). */
  toJSON(): MatrixJSON {
    const layout = new SliceLayout(this.scenarios.size, this.countries.size, this.opts.scenarioCountry ?? true);
    const names = { scenarios: this.scenarios.keys, countries: this.countries.keys };
    const tasks: Record<string, TaskJSON> = {};
    const oracle: Record<string, TaskJSON> = {};
    let anyOracle = false;
    for (const st of this.stores) {
      const r = computeTask(st.data(), layout, names, this.opts);
      tasks[st.spec.name] = r.model;
      if (r.oracle) { oracle[st.spec.name] = r.oracle; anyOracle = true; }
    }
    return { tasks, oracle: anyOracle ? { tasks: oracle } : null };
  }

  private store(task: string): TaskStore {
    const st = this.stores.find((s) => s.spec.name === task);
    if (!st) throw new Error(`MetricMatrix: unknown task "${task}" (tasks: ${this.tasks.map((t) => t.name).join(', ')})`);
    return st;
  }
}

/** Column names of a Table holding predictions, labels, … (per task where keyed by task). */
export interface TableColumns {
  preds: Record<string, string>;
  labels: Record<string, string>;
  masks?: Record<string, string>;
  trueProbs?: Record<string, string>;
  weights?: string;
  scenario?: string;
  country?: string;
  user?: string;
}

/** A MatrixBatch over a Table's columns (no copies). Missing columns are an error naming them. */
export function batchFromTable(t: Table, cols: TableColumns): MatrixBatch {
  const get = (name: string, what: string): ArrayLike<number> & ArrayLike<string | number | null> => {
    const c = t.columns[name];
    if (!c) throw new Error(`metric matrix: table has no column "${name}" (${what}); columns: ${Object.keys(t.columns).join(', ')}`);
    return c as ArrayLike<number> & ArrayLike<string | number | null>;
  };
  const per = (m: Record<string, string> | undefined, what: string) =>
    m ? Object.fromEntries(Object.entries(m).map(([task, col]) => [task, get(col, `${what} of task "${task}"`)])) : undefined;
  return {
    n: t.numRows,
    preds: per(cols.preds, 'predictions')!,
    labels: per(cols.labels, 'labels')!,
    masks: per(cols.masks, 'mask'),
    trueProbs: per(cols.trueProbs, 'true probabilities'),
    weights: cols.weights ? get(cols.weights, 'weights') : null,
    scenario: cols.scenario ? get(cols.scenario, 'scenario') : undefined,
    country: cols.country ? get(cols.country, 'country') : undefined,
    user: cols.user ? get(cols.user, 'user') : undefined,
  };
}
