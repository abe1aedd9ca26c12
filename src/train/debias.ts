// The `debias` section of a training config (training-side debiasing, spec §6): IPS weights for
// tasks whose labels the log reveals with a known or fitted propensity (ips.ts) and D2Q quantile
// labels for watch time (d2q.ts). Exposure-count weights w = n_exp^−α are `balance.exposure` with
// cap 1 and power α (balance.ts); docs/training.md "Debiasing" lists all three.
import { z } from 'zod';
import type { Table } from '../data/table.js';
import type { TaskConfig } from './config.js';
import type { HostLabels } from './heads.js';
import { checkIpsTask, Ips, ipsSchema } from './ips.js';
import { checkD2QTask, D2Q, d2qSchema } from './d2q.js';

export const debiasSchema = z.object({
  /** One task's IPS, or a list (one entry per task). */
  ips: z.union([ipsSchema, z.array(ipsSchema).min(1)]).optional(),
  d2q: z.union([d2qSchema, z.array(d2qSchema).min(1)]).optional(),
}).strict();
export type DebiasConfig = z.infer<typeof debiasSchema>;

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Config-time checks that need the task list (an error names the key). */
export function checkDebiasTasks(d: DebiasConfig | undefined, tasks: TaskConfig[], where: string, negativeSampling?: Record<string, number>): void {
  if (!d) return;
  const seen = new Set<string>();
  const ips = list(d.ips), d2q = list(d.d2q);
  ips.forEach((c, i) => {
    const key = `${where}: debias.ips${Array.isArray(d.ips) ? `[${i}]` : ''}`;
    checkIpsTask(c, tasks, key, negativeSampling);
    if (seen.has(c.task)) throw new Error(`${key}.task: task "${c.task}" has IPS twice`);
    seen.add(c.task);
  });
  d2q.forEach((c, i) => {
    const key = `${where}: debias.d2q${Array.isArray(d.d2q) ? `[${i}]` : ''}`;
    checkD2QTask(c, tasks, key);
    if (seen.has(c.task)) throw new Error(`${key}.task: task "${c.task}" already has ${ips.some((x) => x.task === c.task) ? 'IPS' : 'D2Q'}; one debiasing per task`);
    seen.add(c.task);
  });
}

/** The debiasing of one training split: IPS and D2Q state per task. */
export class Debias {
  readonly ips: Record<string, Ips> = {};
  readonly d2q: Record<string, D2Q> = {};
  readonly notes: string[] = [];

  constructor(readonly cfg: DebiasConfig, train: Table, tasks: TaskConfig[]) {
    // The config was checked against its task list; a task missing here was dropped after that
    // (train --only-task), and its debiasing with it — said in the notes.
    const task = (n: string, key: string) => {
      const t = tasks.find((x) => x.name === n);
      if (!t) this.notes.push(`${key}: task "${n}" is not trained in this run; skipped`);
      return t;
    };
    list(cfg.ips).forEach((c, i) => {
      const key = `debias.ips${Array.isArray(cfg.ips) ? `[${i}]` : ''}`;
      const t = task(c.task, key);
      if (t) this.ips[c.task] = new Ips(c, train, t, key);
    });
    list(cfg.d2q).forEach((c, i) => {
      const key = `debias.d2q${Array.isArray(cfg.d2q) ? `[${i}]` : ''}`;
      const t = task(c.task, key);
      if (t) this.d2q[c.task] = new D2Q(c, train, t, key);
    });
    for (const x of [...Object.values(this.ips), ...Object.values(this.d2q)]) this.notes.push(...x.notes);
  }

  /** Tasks whose training loss is divided by the full-space row count (plain selection IPS). */
  needsDenominator(task: string): boolean {
    return this.ips[task]?.needsDenominator ?? false;
  }

  /** Fold IPS targets / weights and D2Q labels into a training batch (after balance.apply). */
  apply(h: HostLabels, rows: ArrayLike<number>): void {
    for (const x of Object.values(this.ips)) x.apply(h, rows);
    for (const x of Object.values(this.d2q)) x.apply(h, rows);
  }

  /** D2Q tasks start at the mean quantile label (½), not at the mean watch time. */
  adjustBias(bias: Record<string, number>): void {
    for (const [t, d] of Object.entries(this.d2q)) {
      let s = 0, n = 0;
      for (const v of d.labels) if (!Number.isNaN(v)) { s += v; n++; }
      bias[t] = n ? s / n : 0.5;
    }
  }

  /** A task's scored predictions in the label's units (D2Q: Φ_k⁻¹(q̂); others unchanged). */
  served(task: string, pred: Float32Array, table: Table, start = 0): Float32Array {
    const d = this.d2q[task];
    return d ? d.inverse(pred, table, start) : pred;
  }
}
