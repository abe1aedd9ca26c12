// Inverse propensity scoring (spec §6): a task's training loss re-weighted by 1/p so that it
// estimates the loss on rows the log did not reveal. Two forms, by what the propensity p is of:
//
//  - `examination` (position bias; Saito et al., WSDM 2020, the implicit-feedback form of Schnabel
//    et al. 2016): every impression is in the task's space, its label c = examined × relevant, and
//    p = P(examined | row). The row's loss becomes
//        (c/p)·ℓ(z, 1) + (1 − c/p)·ℓ(z, 0),
//    i.e. BCE with the target c/p (softplus(z) − (c/p)·z). Since E[c | x, pos] = p·r, its expectation
//    is r·ℓ(z, 1) + (1 − r)·ℓ(z, 0): the loss on the position-free relevance label r.
//  - `selection` (Schnabel et al.): the task's label exists only on rows observed with probability p
//    (its sample space, e.g. a post-click label with p = P(click)). Observed rows weigh 1/p:
//        IPS   = Σ_{O=1} ℓ/p / n_full     (n_full: batch rows that have a propensity)
//        SNIPS = Σ_{O=1} ℓ/p / Σ_{O=1} 1/p  (self_normalize, the default: lower variance, consistent).
//
// p comes from a column (`propensity_column`, e.g. the world's p_examine) or is fitted on the
// training split (`fit`: per-value click-rate ratios, see fitPropensity), and is clipped from below
// at `clip` before inverting (bias for lower variance). A propensity ≤ 0, > 1 or missing on a row
// the task trains on stops the run naming the key, the column and the row.
import { z } from 'zod';
import type { Column, Table } from '../data/table.js';
import { isStringColumn } from '../data/table.js';
import type { TaskConfig } from './config.js';
import type { HostLabels } from './heads.js';
import { inSampleSpace, taskColumns } from './heads.js';

export const ipsSchema = z.object({
  /** The task whose loss is re-weighted. */
  task: z.string(),
  /** examination: label = examined × relevant, p = P(examined); selection: label observed with probability p. */
  form: z.enum(['examination', 'selection']).default('examination'),
  /** A column holding the propensity of every row (e.g. p_examine). */
  propensity_column: z.string().optional(),
  /** Fit the propensity on the training split instead: ê(v) = rate(v) / rate(reference) of the task's label per value v of `column` (per `by` slice). */
  fit: z.object({
    column: z.string(),
    by: z.string().optional(),
    reference: z.union([z.number(), z.string()]).default(0),
    min_rows: z.number().int().positive().default(100),
  }).strict().optional(),
  /** Propensities below this are raised to it before inverting (weights ≤ 1/clip). */
  clip: z.number().gt(0).max(1).default(0.05),
  /** SNIPS: divide by Σ 1/p over the observed rows instead of by the rows of the full space (selection form only; default true there). */
  self_normalize: z.boolean().optional(),
}).strict().superRefine((v, ctx) => {
  if ((v.propensity_column === undefined) === (v.fit === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['propensity_column'], message: 'give exactly one of `propensity_column` (a column of propensities) or `fit` (fit them on the training split)' });
  }
  if (v.form === 'examination' && v.self_normalize) {
    ctx.addIssue({ code: 'custom', path: ['self_normalize'], message: 'SNIPS divides by Σ 1/p over the observed rows, and the examination form never observes which rows were examined (its estimator is already divided by the rows of the space); use `clip`, or form: selection' });
  }
});
export type IpsConfig = z.infer<typeof ipsSchema>;

/** Config-time checks against the task list (errors name the key). */
export function checkIpsTask(c: IpsConfig, tasks: TaskConfig[], key: string, negativeSampling: Record<string, number> | undefined): void {
  const t = tasks.find((x) => x.name === c.task);
  if (!t) throw new Error(`${key}.task: no task "${c.task}"; tasks: ${tasks.map((x) => x.name).join(', ')}`);
  if (c.form === 'examination' && (t.kind !== 'binary' || t.loss !== 'bce')) {
    throw new Error(`${key}.form: examination turns task "${t.name}"'s label c into the target c/p of a BCE loss; the task is ${t.kind} with loss "${t.loss}" (needs a binary task with loss bce)`);
  }
  if (negativeSampling?.[t.name] !== undefined) {
    throw new Error(`${key}.task: task "${t.name}" also has balance.negative_sampling; its correction assumes unweighted labels — use one or the other`);
  }
}

/** The fitted curve of one `by` slice: value → ê (the reference value has 1). */
export interface FittedCurve { slice: string; reference: string; values: Record<string, { rows: number; rate: number; propensity: number }> }

const keyOf = (c: Column | null, i: number): string => (c ? String(c[i]) : 'all');

function column(table: Table, name: string, key: string): Column {
  const c = table.columns[name];
  if (!c) throw new Error(`${key}: column "${name}" is not in the training data (columns: ${Object.keys(table.columns).join(', ')})`);
  return c;
}

/**
 * Fitted propensity: within each `by` slice, the task's label rate at each value of `column`
 * divided by the rate at `reference`, capped at 1. This is the examination curve exactly when the
 * value is assigned independently of relevance (today's world draws positions at random); when the
 * logging policy puts better rooms higher, the ratio mixes relevance into it and overstates the bias
 * — use the logged propensity column or a position-aware model (PAL) there.
 */
export function fitPropensity(train: Table, t: TaskConfig, f: NonNullable<IpsConfig['fit']>, key: string): { curves: FittedCurve[]; of: (table: Table, i: number) => number } {
  const cols = taskColumns(train, t);
  const v = column(train, f.column, `${key}.fit.column`);
  const by = f.by ? column(train, f.by, `${key}.fit.by`) : null;
  const cells = new Map<string, Map<string, { n: number; pos: number }>>();
  for (let i = 0; i < train.numRows; i++) {
    if (!inSampleSpace(t, cols, i)) continue;
    const s = keyOf(by, i);
    let m = cells.get(s); if (!m) cells.set(s, (m = new Map()));
    const k = String(v[i]);
    const c = m.get(k) ?? { n: 0, pos: 0 };
    c.n++; c.pos += cols.label[i] as number;
    m.set(k, c);
  }
  const table = new Map<string, Map<string, number>>();
  const curves: FittedCurve[] = [];
  for (const [s, m] of cells) {
    const ref = m.get(String(f.reference));
    if (!ref) throw new Error(`${key}.fit.reference: value ${f.reference} of "${f.column}" never occurs in task "${t.name}"'s training rows${by ? ` of ${f.by} = ${s}` : ''} (values: ${[...m.keys()].sort().join(', ')})`);
    if (ref.pos <= 0) throw new Error(`${key}.fit.reference: task "${t.name}" has no positive at ${f.column} = ${f.reference}${by ? ` in ${f.by} = ${s}` : ''}; the ratio is undefined`);
    const r0 = ref.pos / ref.n;
    const curve: FittedCurve = { slice: s, reference: String(f.reference), values: {} };
    const row = new Map<string, number>();
    for (const [k, c] of [...m].sort((a, b) => Number(a[0]) - Number(b[0]) || a[0].localeCompare(b[0]))) {
      if (c.n < f.min_rows) throw new Error(`${key}.fit.min_rows: ${f.column} = ${k}${by ? ` in ${f.by} = ${s}` : ''} has ${c.n} training rows of task "${t.name}" (fewer than ${f.min_rows}); its rate ratio would be noise`);
      if (c.pos === 0) throw new Error(`${key}.fit: ${f.column} = ${k}${by ? ` in ${f.by} = ${s}` : ''} has no positive of task "${t.name}" among its ${c.n} training rows: its fitted propensity would be 0 (raise fit.min_rows, or fit without \`by\`)`);
      const e = Math.min(1, c.pos / c.n / r0);
      row.set(k, e);
      curve.values[k] = { rows: c.n, rate: c.pos / c.n, propensity: e };
    }
    table.set(s, row);
    curves.push(curve);
  }
  const of = (tb: Table, i: number): number => {
    const s = by ? keyOf(tb.columns[f.by!]!, i) : 'all';
    const e = table.get(s)?.get(String(tb.columns[f.column]![i]));
    return e === undefined ? NaN : e;
  };
  return { curves, of };
}

/** Clipped inverse-propensity weight 1 / max(p, clip). */
export const ipsWeight = (p: number, clip: number): number => 1 / Math.max(p, clip);

/** The IPS state of one task on one training split: its propensities, checked, per training row. */
export class Ips {
  readonly propensity: Float64Array;
  readonly curves: FittedCurve[] | null = null;
  readonly notes: string[] = [];
  readonly selfNormalize: boolean;

  constructor(readonly cfg: IpsConfig, train: Table, readonly task: TaskConfig, key = 'debias.ips') {
    this.selfNormalize = cfg.form === 'selection' ? (cfg.self_normalize ?? true) : false;
    const N = train.numRows;
    const cols = taskColumns(train, task);
    this.propensity = new Float64Array(N);
    let source: string;
    if (cfg.propensity_column) {
      const c = column(train, cfg.propensity_column, `${key}.propensity_column`);
      if (isStringColumn(c)) throw new Error(`${key}.propensity_column: column "${cfg.propensity_column}" holds text; propensities must be numbers in (0, 1]`);
      for (let i = 0; i < N; i++) this.propensity[i] = c[i] as number;
      source = `column ${cfg.propensity_column}`;
    } else {
      const fit = fitPropensity(train, task, cfg.fit!, key);
      for (let i = 0; i < N; i++) this.propensity[i] = fit.of(train, i);
      this.curves = fit.curves;
      source = `fitted rate ratios over ${cfg.fit!.column}${cfg.fit!.by ? ` per ${cfg.fit!.by}` : ''} (reference ${cfg.fit!.reference}): ` +
        fit.curves.map((c) => `${c.slice}: ${Object.entries(c.values).map(([k, v]) => `${k} ${v.propensity.toFixed(3)}`).join(' ')}`).join('; ');
    }
    const what = cfg.propensity_column ? `${key}.propensity_column "${cfg.propensity_column}"` : `${key}.fit`;
    let n = 0, clipped = 0, sumW = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < N; i++) {
      const p = this.propensity[i]!;
      if (p > 1 + 1e-9) throw new Error(`${what}: training row ${i} has propensity ${p} for task "${task.name}"; a propensity is a probability in (0, 1]`);
      if (!inSampleSpace(task, cols, i)) continue; // selection: unobserved rows may have any p (even 0)
      if (!(p > 0)) throw new Error(`${what}: training row ${i} has propensity ${p} for task "${task.name}"; IPS divides by it, so it must be in (0, 1] on every row the task trains on`);
      n++; if (p < cfg.clip) clipped++;
      sumW += ipsWeight(p, cfg.clip); lo = Math.min(lo, p); hi = Math.max(hi, p);
    }
    this.notes.push(`ips ${task.name} (${cfg.form}${cfg.form === 'selection' ? (this.selfNormalize ? ', SNIPS' : ', IPS') : ''}): propensity from ${source}; ` +
      `${n.toLocaleString('en-US')} rows, p in [${lo.toFixed(3)}, ${hi.toFixed(3)}], ${(100 * clipped / Math.max(1, n)).toFixed(1)} % clipped at ${cfg.clip}, mean weight ${(sumW / Math.max(1, n)).toFixed(3)}`);
  }

  /** Whether the training graph divides this task's loss by the full-space row count (selection IPS). */
  get needsDenominator(): boolean {
    return this.cfg.form === 'selection' && !this.selfNormalize;
  }

  /**
   * Fold the weights into a batch (in place; `rows` are the batch rows' indices in the training
   * split): examination → target c/p on every row in the space; selection → mask × 1/p on the
   * observed rows, and the full-space indicator as the loss's denominator for plain IPS.
   */
  apply(h: HostLabels, rows: ArrayLike<number>): void {
    const name = this.task.name;
    const y = h.label[name]!, m = h.mask[name]!, raw = h.metricLabel[name]!;
    const den = this.needsDenominator ? new Float32Array(m.length) : null;
    for (let i = 0; i < m.length; i++) {
      const p = this.propensity[rows[i]!]!;
      if (den && p >= 0) den[i] = 1; // NaN: the row is outside the full space
      if (Number.isNaN(raw[i]!)) continue; // outside the task's space
      const w = ipsWeight(p, this.cfg.clip);
      if (this.cfg.form === 'examination') y[i] = y[i]! * w;
      else m[i] = m[i]! * w;
    }
    if (den) (h.denominator ??= {})[name] = den;
  }
}
