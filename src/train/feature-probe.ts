// Per-feature embedding statistics of one training step (train.diagnostics_every): begin() inside the
// step's `during`, with the returned gradient and before the sparse update; finish() after the update.
//   grad_norm     mean over the table rows the feature touched of ‖∂L/∂row‖₂, the row's gradient summed
//                 over the batch rows reading it (mean-pooled bags: each element gets 1/count);
//   update_ratio  ‖Δw‖₂ / ‖w‖₂ over those rows (0 when ‖w‖ = 0); rows shared with another feature of
//                 the same table move with that feature's gradient too;
//   touched_rows  distinct rows read (NO_ROW and padding left out).
import type { EmbeddingTable } from '../embedding/index.js';
import type { FeatureBatch, FeatureSpec } from '../features/index.js';
import type { FeatureStepStats } from './hooks.js';

interface Pending {
  name: string;
  table: EmbeddingTable;
  rows: Int32Array;
  before: Float32Array;
  rowGradNorms: Float32Array;
}

export class FeatureProbe {
  private constructor(private readonly pending: Pending[]) {}

  /** `grad` is d loss / d emb, [rows × width], fields side by side at their spec offsets. */
  static begin(specs: readonly FeatureSpec[], tables: ReadonlyMap<string, EmbeddingTable>, fb: FeatureBatch, grad: Float32Array, width: number): FeatureProbe {
    const pending: Pending[] = [];
    const B = fb.numRows;
    for (const s of specs) {
      if (s.output === 'dense') continue;
      const table = tables.get(s.table!);
      if (!table) throw new Error(`feature "${s.name}": embedding table "${s.table}" not found`);
      const D = s.dim;
      const slot = new Map<number, number>();
      const acc: number[] = [];
      const add = (r: number, b: number, w: number) => {
        if (r < 0) return;
        let k = slot.get(r);
        if (k === undefined) { k = slot.size; slot.set(r, k); for (let d = 0; d < D; d++) acc.push(0); }
        const go = b * width + s.offset, ao = k * D;
        if (grad.length === 0) return;
        for (let d = 0; d < D; d++) acc[ao + d]! += w * grad[go + d]!;
      };
      if (s.output === 'ids') {
        const ids = fb.ids[s.name]!;
        for (let b = 0; b < B; b++) add(ids[b]!, b, 1);
      } else {
        const m = fb.multi[s.name]!;
        const L = m.maxLen;
        for (let b = 0; b < B; b++) {
          let c = 0;
          for (let j = 0; j < L; j++) if (m.mask[b * L + j] && m.ids[b * L + j]! >= 0) c++;
          if (c === 0) continue;
          const w = s.pooling === 'sum' ? 1 : 1 / c;
          for (let j = 0; j < L; j++) if (m.mask[b * L + j]) add(m.ids[b * L + j]!, b, w);
        }
      }
      const n = slot.size;
      const rows = Int32Array.from(slot.keys());
      const rowGradNorms = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        let q = 0;
        for (let d = 0; d < D; d++) q += acc[k * D + d]! ** 2;
        rowGradNorms[k] = Math.sqrt(q);
      }
      const vals = table.values;
      const before = new Float32Array(n * D);
      for (let k = 0; k < n; k++) before.set(vals.subarray(rows[k]! * D, rows[k]! * D + D), k * D);
      pending.push({ name: s.name, table, rows, before, rowGradNorms });
    }
    return new FeatureProbe(pending);
  }

  /** After the sparse update: the statistics per feature. */
  finish(): Record<string, FeatureStepStats> {
    const out: Record<string, FeatureStepStats> = {};
    for (const p of this.pending) {
      const D = p.table.dim;
      const vals = p.table.values; // re-read: an arena table's view may have moved
      let dw = 0, w = 0, g = 0;
      for (let k = 0; k < p.rows.length; k++) {
        const o = p.rows[k]! * D;
        for (let d = 0; d < D; d++) {
          const b = p.before[k * D + d]!;
          dw += (vals[o + d]! - b) ** 2;
          w += b * b;
        }
        g += p.rowGradNorms[k]!;
      }
      const n = p.rows.length;
      out[p.name] = {
        grad_norm: n > 0 ? g / n : 0,
        update_ratio: w > 0 ? Math.sqrt(dw) / Math.sqrt(w) : 0,
        touched_rows: n,
        rowGradNorms: p.rowGradNorms,
      };
    }
    return out;
  }
}
