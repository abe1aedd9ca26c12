// How far the TRAINING LABELS themselves are from the truth, per task × scenario × country slice:
// Σ y / Σ p_true over the slice's training rows (data with a true-probability column only). A model
// learns a slice's base rate from these labels, so where they deviate by more than the calibration
// tolerance, no model trained on them can be expected to land within it on test — the label-noise
// floor the demo prints beside its calibration check.
import { sliceTable, type Table } from '../data/table.js';
import type { TaskConfig } from './config.js';
import { hostLabels } from './heads.js';
import type { SliceColumns } from './evaluate.js';

export interface LabelNoiseCell {
  /** Training rows in the task's space with a finite true probability. */
  n: number;
  sumY: number;
  sumP: number;
}

/** Per binary task with `true_prob`: slice "scenario|country" → Σy, Σp over the table's rows. */
export type LabelNoise = Record<string, Record<string, LabelNoiseCell>>;

const CHUNK = 65536;

export function labelNoise(table: Table, tasks: TaskConfig[], slices: SliceColumns): LabelNoise | null {
  const tt = tasks.filter((t) => t.kind === 'binary' && t.true_prob);
  if (!tt.length || !slices.scenario || !slices.country) return null;
  const sc = table.columns[slices.scenario], co = table.columns[slices.country];
  if (!sc || !co) return null;
  const out: LabelNoise = Object.fromEntries(tt.map((t) => [t.name, {}]));
  // Only the columns hostLabels reads (sliceTable copies every column of its input).
  const names = new Set(tt.flatMap((t) => [t.label, t.sample_space?.column, t.weight_column]).filter((c): c is string => !!c));
  const needed: Table = { numRows: table.numRows, columns: Object.fromEntries([...names].filter((c) => table.columns[c]).map((c) => [c, table.columns[c]!])) };
  for (let start = 0; start < table.numRows; start += CHUNK) {
    const end = Math.min(table.numRows, start + CHUNK);
    const labels = hostLabels(sliceTable(needed, start, end), tt, start).metricLabel;
    for (const t of tt) {
      const y = labels[t.name]!, p = table.columns[t.true_prob!] as ArrayLike<number>, cells = out[t.name]!;
      for (let i = 0; i < y.length; i++) {
        const r = start + i, pi = p[r]!;
        if (Number.isNaN(y[i]!) || !Number.isFinite(pi)) continue;
        const key = `${sc[r]}|${co[r]}`;
        const c = (cells[key] ??= { n: 0, sumY: 0, sumP: 0 });
        c.n++; c.sumY += y[i]!; c.sumP += pi;
      }
    }
  }
  return out;
}
