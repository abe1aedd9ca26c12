// Predict-then-train (progressive validation) metrics for the streaming trainer: every sample is
// scored by the model as it was BEFORE the step that trains on it (the training step's forward pass),
// so these are honest out-of-sample numbers on the live stream. Per task, overall and per slice value
// (scenario, country, …): AUC and PCOC (Σ pred / Σ label) over a sliding window of the last N
// samples of that task (and slice value), plus cumulative sums since the start.
import type { Table } from '../../data/table.js';
import { isStringColumn } from '../../data/table.js';
import { auc } from '../../metrics/auc.js';
import type { MapperArray, MapperState } from '../../embedding/mapper.js';
import type { TaskConfig } from '../config.js';

export interface WindowMetrics {
  /** Samples in the window. */
  n: number;
  /** Binary tasks: AUC over the window (null: one class only). */
  auc: number | null;
  /** Σ pred / Σ label over the window (null: Σ label = 0). */
  pcoc: number | null;
  mean_pred: number;
  mean_label: number;
  /** Since the start (every sample of this task and slice). */
  total: number;
  pcoc_total: number | null;
  /** With the true probabilities (task.true_prob column present): AUC of the truth over the window (the oracle's), Σ pred / Σ true p. */
  oracle_auc?: number | null;
  pcoc_truth?: number | null;
}

export interface ProgressiveReport {
  samples: number;
  window: number;
  tasks: Record<string, { all: WindowMetrics; by: Record<string, Record<string, WindowMetrics>> }>;
}

class Ring {
  readonly p: Float32Array; readonly y: Float32Array; readonly t: Float32Array;
  pos = 0; count = 0; total = 0; sumP = 0; sumY = 0;
  constructor(readonly cap: number) { this.p = new Float32Array(cap); this.y = new Float32Array(cap); this.t = new Float32Array(cap).fill(NaN); }
  push(p: number, y: number, t: number): void {
    this.p[this.pos] = p; this.y[this.pos] = y; this.t[this.pos] = t;
    this.pos = (this.pos + 1) % this.cap;
    if (this.count < this.cap) this.count++;
    this.total++; this.sumP += p; this.sumY += y;
  }
  metrics(binary: boolean): WindowMetrics {
    const n = this.count;
    const p = this.p.subarray(0, n), y = this.y.subarray(0, n);
    let sp = 0, sy = 0, pos = 0;
    for (let i = 0; i < n; i++) { sp += p[i]!; sy += y[i]!; if (y[i] === 1) pos++; }
    const a = binary && pos > 0 && pos < n ? auc(p, y) : null;
    const m: WindowMetrics = { n, auc: a, pcoc: sy > 0 ? sp / sy : null, mean_pred: n ? sp / n : NaN, mean_label: n ? sy / n : NaN, total: this.total, pcoc_total: this.sumY > 0 ? this.sumP / this.sumY : null };
    const t = this.t.subarray(0, n);
    let st = 0, known = n > 0;
    for (let i = 0; i < n && known; i++) { if (Number.isNaN(t[i]!)) known = false; else st += t[i]!; }
    if (known) { m.oracle_auc = binary && pos > 0 && pos < n ? auc(t, y) : null; m.pcoc_truth = st > 0 ? sp / st : null; }
    return m;
  }
}

export class ProgressiveEval {
  private readonly rings = new Map<string, Ring>();
  samples = 0;

  constructor(readonly tasks: readonly TaskConfig[], readonly sliceColumns: readonly string[], readonly window: number) {
    if (!(Number.isInteger(window) && window >= 10)) throw new Error(`progressive window: expected an integer ≥ 10, got ${window}`);
  }

  private ring(key: string): Ring {
    let r = this.rings.get(key);
    if (!r) { r = new Ring(this.window); this.rings.set(key, r); }
    return r;
  }

  /**
   * One trained batch: predictions (before the update) and metric labels (NaN = outside the task's
   * space). Slice "day" is the UTC date of the `ts` column (unix seconds) when the table has no "day".
   */
  add(table: Table, preds: Record<string, ArrayLike<number>>, labels: Record<string, ArrayLike<number>>): void {
    const slices = this.sliceColumns.map((c) => [c, table.columns[c] ?? (c === 'day' ? dayColumn(table) : undefined)] as const)
      .filter((x): x is readonly [string, NonNullable<typeof x[1]>] => x[1] !== undefined);
    for (const t of this.tasks) {
      const p = preds[t.name], y = labels[t.name];
      if (!p || !y) continue;
      const truthCol = t.true_prob ? table.columns[t.true_prob] : undefined;
      const truth = truthCol && !isStringColumn(truthCol) ? truthCol : null;
      const all = this.ring(`${t.name}\u0000`);
      for (let i = 0; i < table.numRows; i++) {
        const yi = y[i]!, pi = p[i]!, ti = truth ? truth[i]! : NaN;
        if (Number.isNaN(yi) || !Number.isFinite(pi)) continue;
        all.push(pi, yi, ti);
        for (const [c, col] of slices) {
          const v = isStringColumn(col) ? col[i] : Number.isNaN(col[i] as number) ? null : String(col[i]);
          if (v === null || v === undefined) continue;
          this.ring(`${t.name}\u0000${c}\u0000${v}`).push(pi, yi, ti);
        }
      }
    }
    this.samples += table.numRows;
  }

  report(): ProgressiveReport {
    const out: ProgressiveReport = { samples: this.samples, window: this.window, tasks: {} };
    for (const t of this.tasks) {
      const binary = t.kind === 'binary';
      const all = this.rings.get(`${t.name}\u0000`);
      const entry = { all: all ? all.metrics(binary) : empty(), by: {} as Record<string, Record<string, WindowMetrics>> };
      for (const [k, r] of this.rings) {
        const parts = k.split('\u0000');
        if (parts[0] !== t.name || parts.length !== 3) continue;
        (entry.by[parts[1]!] ??= {})[parts[2]!] = r.metrics(binary);
      }
      out.tasks[t.name] = entry;
    }
    return out;
  }

  /** Checkpoint form (the generic meta + typed arrays of embedding/admission.ts packMapperState). */
  state(): MapperState {
    const keys = [...this.rings.keys()];
    const meta: MapperState['meta'] = { samples: this.samples, window: this.window, keys: JSON.stringify(keys) };
    const arrays: Record<string, MapperArray> = {};
    const scal = new Float64Array(keys.length * 5);
    keys.forEach((k, i) => {
      const r = this.rings.get(k)!;
      arrays[`p${i}`] = r.p; arrays[`y${i}`] = r.y; arrays[`t${i}`] = r.t;
      scal.set([r.pos, r.count, r.total, r.sumP, r.sumY], i * 5);
    });
    arrays.scalars = scal;
    return { meta, arrays };
  }

  restore(s: MapperState, where: string): void {
    if (s.meta.window !== this.window) throw new Error(`${where}: progressive window ${s.meta.window} in the checkpoint, ${this.window} asked (use the same --window to resume)`);
    const keys = JSON.parse(String(s.meta.keys)) as string[];
    const scal = s.arrays.scalars as Float64Array;
    this.rings.clear();
    keys.forEach((k, i) => {
      const r = this.ring(k);
      r.p.set(s.arrays[`p${i}`] as Float32Array); r.y.set(s.arrays[`y${i}`] as Float32Array); r.t.set(s.arrays[`t${i}`] as Float32Array);
      [r.pos, r.count, r.total, r.sumP, r.sumY] = Array.from(scal.subarray(i * 5, i * 5 + 5));
    });
    this.samples = Number(s.meta.samples);
  }
}

/** "YYYY-MM-DD" (UTC) of each row's `ts`; undefined when the table has no numeric ts. */
function dayColumn(t: Table): (string | null)[] | undefined {
  const ts = t.columns.ts;
  if (!ts || isStringColumn(ts)) return undefined;
  return Array.from(ts as ArrayLike<number>, (v) => (Number.isFinite(v) ? new Date(v * 1000).toISOString().slice(0, 10) : null));
}

function empty(): WindowMetrics {
  return { n: 0, auc: null, pcoc: null, mean_pred: NaN, mean_label: NaN, total: 0, pcoc_total: null };
}

/** "click auc 0.712 pcoc 1.03 | ev auc …" for progress lines. */
export function summarize(r: ProgressiveReport): string {
  return Object.entries(r.tasks).map(([t, m]) => `${t} ${m.all.auc !== null ? `auc ${m.all.auc.toFixed(3)} ` : ''}pcoc ${m.all.pcoc === null ? 'n/a' : m.all.pcoc.toFixed(3)}`).join(' | ');
}
