// D2Q, duration-deconfounded quantile watch time (Zhan et al., KDD 2022; spec §6):
//   1. K equal-frequency groups of a duration column d (boundaries from the training rows);
//   2. the label of a row of group k is the quantile of its watch time within the group,
//        Φ_k(wt) = (#{wt' < wt} + ½·#{wt' = wt}) / n_k   (mid-rank: ties share their mid-point),
//      which is uniform on [0, 1] within every group when watch times are continuous;
//   3. one regression model over all groups (the duration column is one of its inputs) fits q̂;
//   4. the prediction in seconds is ŵt = Φ_k⁻¹(q̂), the group's empirical quantile function
//      (linear between order statistics, so Φ_k⁻¹(0.5) is the group's median), stored on a grid of
//      `grid` + 1 levels q = j / grid and interpolated linearly between them.
// Ranking by q̂ inside a group removes duration's pull on watch time (a long-duration group has
// longer watches whatever the room); Φ_k⁻¹ puts duration's direct effect back for the value.
import { z } from 'zod';
import type { Table } from '../data/table.js';
import { isStringColumn } from '../data/table.js';
import type { TaskConfig } from './config.js';
import type { HostLabels } from './heads.js';
import { inSampleSpace, taskColumns } from './heads.js';

export const d2qSchema = z.object({
  /** The watch-time task (regression, loss mse / huber / l1, label_transform none). */
  task: z.string(),
  /** The duration column, known when the request is scored (default room_live_s: the session's age). */
  column: z.string().default('room_live_s'),
  /** Number of equal-frequency duration groups K. */
  groups: z.number().int().min(2).max(1000).default(30),
  /** Levels of the stored inverse maps (grid + 1 points per group). */
  grid: z.number().int().min(10).max(10000).default(200),
}).strict();
export type D2QConfig = z.infer<typeof d2qSchema>;

export const D2Q_FILE = 'd2q.json';
export const D2Q_LOSSES = ['mse', 'huber', 'l1'];

/** Config-time checks against the task list (errors name the key). */
export function checkD2QTask(c: D2QConfig, tasks: TaskConfig[], key: string): void {
  const t = tasks.find((x) => x.name === c.task);
  if (!t) throw new Error(`${key}.task: no task "${c.task}"; tasks: ${tasks.map((x) => x.name).join(', ')}`);
  if (t.kind !== 'regression') throw new Error(`${key}.task: task "${t.name}" is ${t.kind}; D2Q regresses a quantile of a regression label`);
  if (!D2Q_LOSSES.includes(t.loss!)) throw new Error(`${key}.task: task "${t.name}" has loss "${t.loss}"; D2Q regresses quantiles in [0, 1], use one of ${D2Q_LOSSES.join(', ')}`);
  if (t.label_transform !== 'none') throw new Error(`${key}.task: task "${t.name}" has label_transform "${t.label_transform}"; D2Q replaces the label by its quantile (use label_transform: none)`);
}

/** Smallest index j with a[j] > x (a ascending). */
function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid]! <= x) lo = mid + 1; else hi = mid; }
  return lo;
}
/** Smallest index j with a[j] >= x. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid]! < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Empirical quantile of sorted values (linear between order statistics): q = 0.5 is the median. */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  const h = (s.length - 1) * Math.min(1, Math.max(0, q));
  const j = Math.floor(h);
  return j + 1 < s.length ? s[j]! + (h - j) * (s[j + 1]! - s[j]!) : s[j]!;
}

export interface D2QJSON {
  task: string;
  column: string;
  /** Group k holds durations d with boundaries[k − 1] ≤ d < boundaries[k]. */
  boundaries: number[];
  /** Per group: rows and Φ_k⁻¹ at q = j / grid, j = 0..grid. */
  groups: { rows: number; quantiles: number[] }[];
  grid: number;
}

/** The fitted maps of one task: group boundaries, each group's sorted training watch times. */
export class D2QMaps {
  constructor(readonly task: string, readonly column: string, readonly boundaries: number[], readonly sorted: Float64Array[], readonly grid: number) {}

  /** Fit on the rows `take(i)` of a duration / watch column pair (errors name `key` and the row). */
  static fit(c: D2QConfig, duration: ArrayLike<number>, watch: ArrayLike<number>, take: (i: number) => boolean, key: string): D2QMaps {
    const ds: number[] = [];
    for (let i = 0; i < duration.length; i++) {
      if (!take(i)) continue;
      const d = duration[i]!;
      if (!Number.isFinite(d)) throw new Error(`${key}.column: "${c.column}" is ${d} on training row ${i}; every row of task "${c.task}" needs a duration`);
      ds.push(d);
    }
    if (ds.length < c.groups) throw new Error(`${key}.groups: ${c.groups} groups need at least as many training rows of task "${c.task}" (it has ${ds.length})`);
    ds.sort((a, b) => a - b);
    const bounds: number[] = [];
    for (let k = 1; k < c.groups; k++) {
      // Cut at the k-th K-quantile; a block of tied durations goes wholly to the side that keeps
      // the cut nearer its target (ties can leave fewer than K groups).
      const at = Math.floor((k * ds.length) / c.groups);
      const lo = lowerBound(ds, ds[at]!), hi = upperBound(ds, ds[at]!);
      const cut = lo > 0 && (hi >= ds.length || at - lo <= hi - at) ? lo : hi;
      if (cut <= 0 || cut >= ds.length) continue;
      const b = ds[cut]!;
      if (bounds.length === 0 || b > bounds[bounds.length - 1]!) bounds.push(b);
    }
    const per: number[][] = Array.from({ length: bounds.length + 1 }, () => []);
    for (let i = 0; i < duration.length; i++) if (take(i)) per[upperBound(bounds, duration[i]!)]!.push(watch[i]!);
    const sorted = per.map((a) => Float64Array.from(a).sort());
    return new D2QMaps(c.task, c.column, bounds, sorted, c.grid);
  }

  get groups(): number { return this.sorted.length; }

  group(d: number): number { return upperBound(this.boundaries, d); }

  /** Φ_k(wt): the mid-rank quantile of wt among group k's training watch times. */
  quantile(k: number, wt: number): number {
    const s = this.sorted[k]!;
    return (lowerBound(s, wt) + upperBound(s, wt)) / 2 / s.length;
  }

  /** Φ_k⁻¹ on the stored grid, q clipped into [0, 1]. */
  inverse(k: number, q: number): number {
    const g = this.levels(k);
    const h = Math.min(1, Math.max(0, Number.isNaN(q) ? 0.5 : q)) * this.grid;
    const j = Math.min(this.grid - 1, Math.floor(h));
    const f = h - j;
    return f === 0 ? g[j]! : f === 1 ? g[j + 1]! : g[j]! + f * (g[j + 1]! - g[j]!);
  }

  private cache: Float64Array[] = [];
  /** Group k's quantile function at q = j / grid. */
  levels(k: number): Float64Array {
    return (this.cache[k] ??= Float64Array.from({ length: this.grid + 1 }, (_, j) => quantileSorted(this.sorted[k]!, j / this.grid)));
  }

  toJSON(): D2QJSON {
    return {
      task: this.task, column: this.column, boundaries: this.boundaries, grid: this.grid,
      groups: this.sorted.map((s, k) => ({ rows: s.length, quantiles: Array.from(this.levels(k)) })),
    };
  }
}

function durationColumn(table: Table, c: D2QConfig, key: string): ArrayLike<number> {
  const col = table.columns[c.column];
  if (!col) throw new Error(`${key}.column: column "${c.column}" is not in the data (columns: ${Object.keys(table.columns).join(', ')})`);
  if (isStringColumn(col)) throw new Error(`${key}.column: column "${c.column}" holds text; a duration must be a number`);
  return col as ArrayLike<number>;
}

/** D2Q for one task on one training split: the maps and every training row's quantile label. */
export class D2Q {
  readonly maps: D2QMaps;
  /** Φ_k(wt) per training row (NaN outside the task's space). */
  readonly labels: Float32Array;
  readonly notes: string[] = [];

  constructor(readonly cfg: D2QConfig, train: Table, readonly task: TaskConfig, readonly key = 'debias.d2q') {
    const cols = taskColumns(train, task);
    const dur = durationColumn(train, cfg, key);
    const take = (i: number) => inSampleSpace(task, cols, i);
    this.maps = D2QMaps.fit(cfg, dur, cols.label as ArrayLike<number>, take, key);
    this.labels = new Float32Array(train.numRows).fill(NaN);
    for (let i = 0; i < train.numRows; i++) if (take(i)) this.labels[i] = this.maps.quantile(this.maps.group(dur[i]!), cols.label[i] as number);
    const rows = this.maps.sorted.map((s) => s.length);
    const med = this.maps.sorted.map((s) => quantileSorted(s, 0.5));
    this.notes.push(`d2q ${task.name}: ${this.maps.groups} equal-frequency groups of ${cfg.column} (${Math.min(...rows)}–${Math.max(...rows)} training rows each; ` +
      `boundaries ${this.maps.boundaries[0]} … ${this.maps.boundaries[this.maps.boundaries.length - 1]}), group medians of ${task.label} ${Math.min(...med).toFixed(1)} … ${Math.max(...med).toFixed(1)}; label = quantile within the group, served Φ_k⁻¹(q̂)`);
  }

  /** Replace the batch's labels by their quantiles (in place; `rows` index the training split). */
  apply(h: HostLabels, rows: ArrayLike<number>): void {
    const y = h.label[this.task.name]!;
    const raw = h.metricLabel[this.task.name]!;
    for (let i = 0; i < y.length; i++) if (!Number.isNaN(raw[i]!)) y[i] = this.labels[rows[i]!]!;
  }

  /** Predicted quantiles q̂ of a table's rows → ŵt = Φ_k⁻¹(q̂) (a new array; rows from `start`). */
  inverse(q: Float32Array, table: Table, start = 0): Float32Array {
    const dur = durationColumn(table, this.cfg, this.key);
    const out = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) {
      const d = dur[i]!;
      if (!Number.isFinite(d)) throw new Error(`${this.key}.column: "${this.cfg.column}" is ${d} on row ${start + i} of the scored table; Φ_k⁻¹ needs the row's duration group`);
      out[i] = this.maps.inverse(this.maps.group(d), q[i]!);
    }
    return out;
  }
}
