// Sample balancing across countries and scenarios (spec §11), the `balance` section of a training
// config: temperature sampling over a slice column (each epoch draws slice s with share ∝ n_s^α),
// per-slice loss weights, exposure-count down-weighting of heavy users, and per-task negative
// down-sampling whose predictions are corrected exactly, p = q / (q + (1 − q)/w), inside the graph
// (validation, metrics.json, calibration, `liverank eval` and the exported model.onnx all score the
// corrected p). Everything is seeded: an epoch's rows and a row's kept/dropped negatives are a
// function of (seed, epoch, row), so --resume reproduces an uninterrupted run.
import { z } from 'zod';
import type { Column, Table } from '../data/table.js';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { Rng } from '../util/rng.js';
import type { TaskConfig } from './config.js';
import type { HostLabels } from './heads.js';

const columns = z.union([z.string(), z.array(z.string()).min(1)]);

export const balanceSchema = z.object({
  /** Epoch rows drawn per slice with share n_s^α / Σ n^α (α = 1 natural, α = 0 uniform over slices). */
  temperature: z.object({
    column: columns,
    alpha: z.number().min(0),
  }).strict().optional(),
  /** A loss weight per slice value: explicit `weights` (unlisted values get `default`), or w_s = (n̄ / n_s)^β. */
  slice_weights: z.object({
    column: columns,
    weights: z.record(z.string(), z.number().min(0)).optional(),
    default: z.number().min(0).default(1),
    beta: z.number().min(0).optional(),
  }).strict().superRefine((v, ctx) => {
    if ((v.weights === undefined) === (v.beta === undefined)) {
      ctx.addIssue({ code: 'custom', path: v.weights ? ['beta'] : [], message: 'give exactly one of `weights` (per value) or `beta` (w = (mean n / n_slice)^beta)' });
    }
  }).optional(),
  /** Heavy users count less: row weight min(1, (cap / n_u)^power), n_u = the user's training rows. */
  exposure: z.object({
    column: z.string(),
    cap: z.number().positive(),
    power: z.number().positive().default(1),
  }).strict().optional(),
  /** Per binary task: the keep rate w of its negatives (0 < w ≤ 1); predictions are corrected for it. */
  negative_sampling: z.record(z.string(), z.number().gt(0).max(1)).optional(),
}).strict();
export type BalanceConfig = z.infer<typeof balanceSchema>;

/** Config-time checks that need the task list (an error names the key). */
export function checkBalanceTasks(b: BalanceConfig | undefined, tasks: TaskConfig[], where: string): void {
  for (const name of Object.keys(b?.negative_sampling ?? {})) {
    const t = tasks.find((x) => x.name === name);
    if (!t) throw new Error(`${where}: balance.negative_sampling.${name}: no task "${name}"; tasks: ${tasks.map((x) => x.name).join(', ')}`);
    if (t.kind !== 'binary') throw new Error(`${where}: balance.negative_sampling.${name}: task "${name}" is a ${t.kind} task; negative down-sampling needs a binary task`);
  }
}

/** The exact correction of a probability q learned with negatives kept at rate w: q / (q + (1 − q)/w). */
export function correctDownsampled(q: number, w: number): number {
  return (q * w) / (1 - q * (1 - w));
}

/** Slice keys of every row (string values; several columns are joined with '|'). */
function sliceKeys(table: Table, cols: string | string[], key: string): string[] {
  const names = Array.isArray(cols) ? cols : [cols];
  const data: Column[] = names.map((c) => {
    const col = table.columns[c];
    if (!col) throw new Error(`${key}: column "${c}" is not in the training data (columns: ${Object.keys(table.columns).join(', ')})`);
    return col;
  });
  const out = new Array<string>(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    out[i] = data.length === 1 ? String(data[0]![i]) : data.map((c) => String(c[i])).join('|');
  }
  return out;
}

/** Row indices per slice key, in first-seen order. */
function groupRows(keys: string[]): Map<string, number[]> {
  const g = new Map<string, number[]>();
  keys.forEach((k, i) => { let a = g.get(k); if (!a) g.set(k, (a = [])); a.push(i); });
  return g;
}

/** Shares p_s = n_s^α / Σ n^α. */
export function temperatureShares(counts: number[], alpha: number): number[] {
  const m = counts.map((n) => (n > 0 ? Math.pow(n, alpha) : 0));
  const s = m.reduce((a, b) => a + b, 0);
  return m.map((v) => v / s);
}

/** Integer quotas summing to `total` closest to total·shares (largest remainder). */
export function quotas(shares: number[], total: number): number[] {
  const raw = shares.map((p) => p * total);
  const q = raw.map(Math.floor);
  let left = total - q.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) q[order[k]![1]]!++;
  return q;
}

/** Uniform [0, 1) from (seed, epoch, row, task) — a keyed hash, so any batch can be redrawn alone. */
export function hashUnit(seed: number, epoch: number, row: number, task: number): number {
  const mix = (h: number, x: number) => {
    h = (h ^ Math.imul(x | 0, 0x9e3779b1)) | 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) | 0;
  };
  const h = mix(mix(mix(mix(0x2545f491, seed), epoch), row), task);
  return (h >>> 0) / 4294967296;
}

export interface SliceShare { slice: string; rows: number; natural: number; drawn: number }

/**
 * The balancing of one training split. `order(epoch)` replaces the epoch's permutation (temperature
 * sampling), `apply` folds row weights and negative down-sampling into a batch's task masks (the
 * mask multiplies the row's loss: Σ m·w·ℓ / Σ m·w), `correct` is the prediction correction.
 */
export class Balance {
  /** Slice weight × exposure weight per training row (null: all 1). */
  readonly rowWeight: Float32Array | null;
  /** Keep rate of negatives per task name. */
  readonly keep: Record<string, number>;
  private readonly slices: { key: string; rows: Int32Array; quota: number; natural: number }[] | null = null;
  readonly notes: string[] = [];

  constructor(readonly cfg: BalanceConfig, train: Table, private readonly tasks: TaskConfig[], private readonly seed: number) {
    const N = train.numRows;
    this.keep = { ...(cfg.negative_sampling ?? {}) };
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    if (cfg.temperature) {
      const { column, alpha } = cfg.temperature;
      const groups = groupRows(sliceKeys(train, column, 'balance.temperature.column'));
      const keys = [...groups.keys()];
      const counts = keys.map((k) => groups.get(k)!.length);
      const q = quotas(temperatureShares(counts, alpha), N);
      this.slices = keys.map((k, i) => ({ key: k, rows: Int32Array.from(groups.get(k)!), quota: q[i]!, natural: counts[i]! }));
      this.notes.push(`temperature sampling over ${[column].flat().join(' × ')} (α ${alpha}): ` +
        this.slices.map((s) => `${s.key} ${pct(s.natural / N)} → ${pct(s.quota / N)}`).join(', '));
    }
    let w: Float32Array | null = null;
    if (cfg.slice_weights) {
      const sw = cfg.slice_weights;
      const keys = sliceKeys(train, sw.column, 'balance.slice_weights.column');
      const groups = groupRows(keys);
      const table = new Map<string, number>();
      if (sw.weights) {
        for (const v of Object.keys(sw.weights)) {
          if (!groups.has(v)) throw new Error(`balance.slice_weights.weights.${v}: "${v}" is not a value of ${[sw.column].flat().join(' × ')} in the training split (values: ${[...groups.keys()].sort().join(', ')})`);
        }
        for (const k of groups.keys()) table.set(k, sw.weights[k] ?? sw.default);
      } else {
        const mean = N / groups.size;
        for (const [k, rows] of groups) table.set(k, Math.pow(mean / rows.length, sw.beta!));
      }
      w = new Float32Array(N);
      for (let i = 0; i < N; i++) w[i] = table.get(keys[i]!)!;
      this.notes.push(`slice loss weights over ${[sw.column].flat().join(' × ')}: ${[...table].map(([k, v]) => `${k} ${+v.toFixed(3)}`).join(', ')}`);
    }
    if (cfg.exposure) {
      const { column, cap, power } = cfg.exposure;
      const keys = sliceKeys(train, column, 'balance.exposure.column');
      const count = new Map<string, number>();
      for (const k of keys) count.set(k, (count.get(k) ?? 0) + 1);
      w ??= new Float32Array(N).fill(1);
      let heavy = 0, rowsDown = 0, sum = 0;
      for (const n of count.values()) if (n > cap) heavy++;
      for (let i = 0; i < N; i++) {
        const n = count.get(keys[i]!)!;
        const e = n > cap ? Math.pow(cap / n, power) : 1;
        if (e < 1) rowsDown++;
        sum += e;
        w[i]! *= e;
      }
      this.notes.push(`exposure down-weighting by ${column} (cap ${cap}, power ${power}): ${heavy} of ${count.size} users above the cap, ${pct(rowsDown / Math.max(1, N))} of rows down-weighted, mean exposure weight ${(sum / Math.max(1, N)).toFixed(3)}`);
    }
    this.rowWeight = w;
    for (const [t, k] of Object.entries(this.keep)) {
      this.notes.push(`negative down-sampling: task ${t} keeps ${pct(k)} of its negatives each epoch (its other tasks' rows stay); predictions corrected p = q / (q + (1 − q)/${k})`);
    }
  }

  /** The training rows of `epoch` in order, or null (no temperature sampling: the trainer's permutation). */
  order(epoch: number, total: number): Int32Array | null {
    if (!this.slices) return null;
    const rng = new Rng(this.seed * 7919 + epoch + 0x51ce);
    const out = new Int32Array(total);
    let at = 0;
    for (const s of this.slices) {
      // Within a slice: passes over fresh permutations, so a row repeats only after all others did.
      const n = s.rows.length;
      for (let taken = 0; taken < s.quota;) {
        const p = rng.permutation(n);
        const take = Math.min(n, s.quota - taken);
        for (let j = 0; j < take; j++) out[at++] = s.rows[p[j]!]!;
        taken += take;
      }
    }
    return rng.shuffle(out);
  }

  /** Expected vs drawn slice shares of one epoch's order (for tests and reports). */
  shares(order: Int32Array): SliceShare[] {
    if (!this.slices) return [];
    const sliceOf = new Map<number, number>();
    this.slices.forEach((s, k) => s.rows.forEach((r) => sliceOf.set(r, k)));
    const drawn = new Array<number>(this.slices.length).fill(0);
    for (const r of order) drawn[sliceOf.get(r)!]!++;
    const N = this.slices.reduce((a, s) => a + s.natural, 0);
    return this.slices.map((s, k) => ({ slice: s.key, rows: s.natural, natural: s.natural / N, drawn: drawn[k]! / order.length }));
  }

  /**
   * Fold the balance into a batch's masks (in place): every task's mask × the row weight; for a
   * down-sampled task, a negative is dropped (mask 0) with probability 1 − w. The row stays for the
   * other tasks. `rows` are the batch rows' indices in the training split.
   */
  apply(h: HostLabels, rows: ArrayLike<number>, epoch: number): void {
    this.tasks.forEach((t, ti) => {
      const m = h.mask[t.name]!, y = h.label[t.name]!, keep = this.keep[t.name];
      for (let i = 0; i < m.length; i++) {
        if (!m[i]) continue;
        const r = rows[i]!;
        if (this.rowWeight) m[i]! *= this.rowWeight[r]!;
        if (keep !== undefined && keep < 1 && y[i] === 0 && hashUnit(this.seed, epoch, r, ti) >= keep) m[i] = 0;
      }
    });
  }

  /** Initial logit biases for down-sampled tasks: the base rate's odds grow by 1/w. */
  adjustBias(bias: Record<string, number>): void {
    for (const [t, k] of Object.entries(this.keep)) if (bias[t] !== undefined) bias[t] -= Math.log(k);
  }

  /** A task's served prediction: q·w / (1 − q·(1 − w)) for a down-sampled task, else q itself. */
  correct(t: TaskConfig, q: Tensor): Tensor {
    const k = this.keep[t.name];
    if (k === undefined || k === 1) return q;
    return op.div(op.mul(q, k), op.sub(1, op.mul(q, 1 - k)));
  }
}
