// Between features and the step graph: embedding tables (one per feature table), gathering a
// FeatureBatch into the graph's `emb` / `dense` inputs, and scattering the returned gradient back.
import type { Feed } from '../engine/runtime.js';
import { EmbeddingTable, type OptimizerConfig as SparseOptConfig } from '../embedding/index.js';
import type { FeatureBatch, FeatureSpec, FittedFeatures } from '../features/index.js';
import type { InputLayout } from '../models/base.js';
import { DENSE_INPUT, EMB_INPUT } from '../models/base.js';

export interface EmbeddingSettings {
  optimizer: 'sgd' | 'adagrad' | 'adam' | 'ftrl';
  lr: number;
  initStd: number;
  l2: number;
  seed: number;
}

/** Model input layout from the fitted features (embedded features side by side in spec order). */
export function layoutOf(fitted: FittedFeatures): InputLayout {
  const fields = fitted.specs.filter((s) => s.output !== 'dense').map((s) => ({ name: s.name, dim: s.dim, offset: s.offset }));
  const denseWidth = fitted.specs.filter((s) => s.output === 'dense').reduce((n, s) => n + s.dim, 0);
  return { fields, denseWidth };
}

function sparseOpt(s: EmbeddingSettings, lr: number): SparseOptConfig {
  return { kind: s.optimizer, lr } as SparseOptConfig;
}

export class Assembler {
  readonly tables = new Map<string, EmbeddingTable>();
  readonly embWidth: number;
  readonly denseWidth: number;
  private readonly embedded: FeatureSpec[];
  private embBuf = new Float32Array(0);

  constructor(readonly fitted: FittedFeatures, readonly settings: EmbeddingSettings) {
    this.embedded = fitted.specs.filter((s) => s.output !== 'dense');
    this.embWidth = this.embedded.reduce((n, s) => n + s.dim, 0);
    this.denseWidth = fitted.specs.filter((s) => s.output === 'dense').reduce((n, s) => n + s.dim, 0);
    for (const t of fitted.tables) {
      this.tables.set(t.name, new EmbeddingTable({
        name: t.name, dim: t.dim, rows: Math.max(1, t.buckets), seed: settings.seed,
        init: { kind: 'normal', std: settings.initStd },
        optimizer: sparseOpt(settings, t.lr ?? settings.lr),
        l2: settings.l2,
      }));
    }
  }

  private table(s: FeatureSpec): EmbeddingTable {
    const t = this.tables.get(s.table!);
    if (!t) throw new Error(`feature "${s.name}": embedding table "${s.table}" was not created`);
    return t;
  }

  /** Graph feeds for a batch: `emb` [B, ΣD] gathered (pooled) rows and `dense` [B, n]. */
  feeds(fb: FeatureBatch): Record<string, Feed> {
    const B = fb.numRows, W = this.embWidth;
    const out: Record<string, Feed> = {};
    if (W > 0) {
      if (this.embBuf.length !== B * W) this.embBuf = new Float32Array(B * W);
      else this.embBuf.fill(0);
      const emb = this.embBuf;
      for (const s of this.embedded) {
        const t = this.table(s);
        if (s.output === 'ids') t.gather(fb.ids[s.name]!, emb, s.offset, W);
        else {
          const m = fb.multi[s.name]!;
          t.gatherPooled(m.ids, m.mask, m.maxLen, s.pooling === 'sum' ? 'sum' : 'mean', emb, s.offset, W);
        }
      }
      out[EMB_INPUT] = { data: emb, dims: [B, W] };
    }
    if (this.denseWidth > 0) out[DENSE_INPUT] = { data: fb.dense, dims: [B, this.denseWidth] };
    return out;
  }

  /** Scatter d loss / d emb back into the tables and take one sparse optimizer step each. */
  backward(fb: FeatureBatch, grad: Float32Array, lrScale = 1): void {
    const W = this.embWidth;
    for (const s of this.embedded) {
      const t = this.table(s);
      if (s.output === 'ids') t.accumulate(fb.ids[s.name]!, grad, s.offset, W);
      else {
        const m = fb.multi[s.name]!;
        t.accumulatePooled(m.ids, m.mask, m.maxLen, s.pooling === 'sum' ? 'sum' : 'mean', grad, s.offset, W);
      }
    }
    for (const t of this.tables.values()) t.step({ lr: t.lr * lrScale });
  }

  /** Names of dense columns in order (for error messages). */
  denseColumnNames(): string[] {
    return this.fitted.specs.filter((s) => s.output === 'dense').flatMap((s) => s.columns ?? [s.name]);
  }

  /** First non-finite input value, named by feature and row (the NaN guard's diagnosis). */
  findNonFinite(feeds: Record<string, Feed>): string | null {
    const emb = feeds[EMB_INPUT]?.data as Float32Array | undefined;
    if (emb) {
      const W = this.embWidth;
      for (let i = 0; i < emb.length; i++) {
        if (!Number.isFinite(emb[i]!)) {
          const col = i % W;
          const s = this.embedded.find((x) => col >= x.offset && col < x.offset + x.dim);
          return `embedding of feature "${s?.name}" (table "${s?.table}") is ${emb[i]} at batch row ${Math.floor(i / W)}`;
        }
      }
    }
    const dense = feeds[DENSE_INPUT]?.data as Float32Array | undefined;
    if (dense) {
      const names = this.denseColumnNames();
      for (let i = 0; i < dense.length; i++) {
        if (!Number.isFinite(dense[i]!)) return `dense column "${names[i % this.denseWidth]}" is ${dense[i]} at batch row ${Math.floor(i / this.denseWidth)}`;
      }
    }
    return null;
  }
}
