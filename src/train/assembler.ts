// Between features and the step graph: embedding tables (one per feature table), gathering a
// FeatureBatch into the graph's `emb` / `dense` inputs, and scattering the returned gradient back.
import type { Feed } from '../engine/runtime.js';
import { EmbeddingTable, type OptimizerConfig as SparseOptConfig } from '../embedding/index.js';
import { parseFeatureConfig, type FeatureBatch, type FeatureSpec, type FittedFeatures } from '../features/index.js';
import type { InputLayout } from '../models/base.js';
import { DENSE_INPUT, EMB_INPUT, idsInput } from '../models/base.js';
import type { DType, Graph, Shape, Tensor } from '../engine/graph.js';
import { lookupRows, type LookupPart } from '../engine/lookup.js';
import { NO_ROW } from '../embedding/mapper.js';
import { effectiveLength, seqInput, type SeqBlock } from '../models/seq/config.js';
import { simSoftSearch, type SimStats } from '../models/seq/sim.js';
import { simSelectGraph } from '../models/seq/sim-graph.js';
import { inputOf, maskInput as seqMaskInput } from '../models/seq/rows.js';
import * as op from '../engine/ops/index.js';

export interface EmbeddingSettings {
  optimizer: 'sgd' | 'adagrad' | 'adam' | 'ftrl';
  lr: number;
  initStd: number;
  l2: number;
  seed: number;
}

/** Model input layout from the fitted features (embedded features side by side in spec order). */
export function layoutOf(fitted: FittedFeatures): InputLayout {
  const fields = fitted.specs.filter((s) => s.output !== 'dense')
    .map((s) => ({ name: s.name, dim: s.dim, offset: s.offset, ...(s.output === 'ids' ? { ids: s.buckets } : { length: s.maxLen }) }));
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
  /** Sequence features whose unpooled rows feed a sequence block (model.sequence, models/seq/). */
  private readonly rowFeatures: FeatureSpec[];
  /** Features whose pooled columns the blocks replace (their gradient comes through the rows). */
  private readonly replaced: Set<string>;
  private readonly blockOf: Map<string, SeqBlock>;
  /** SIM soft search: the selected sequences of each batch (computed once per FeatureBatch). */
  private readonly simCache = new WeakMap<FeatureBatch, FeatureBatch>();
  readonly simStats: SimStats = { rows: 0, offered: 0, kept: 0 };

  constructor(readonly fitted: FittedFeatures, readonly settings: EmbeddingSettings, readonly blocks: SeqBlock[] = []) {
    this.embedded = fitted.specs.filter((s) => s.output !== 'dense');
    this.embWidth = this.embedded.reduce((n, s) => n + s.dim, 0);
    this.denseWidth = fitted.specs.filter((s) => s.output === 'dense').reduce((n, s) => n + s.dim, 0);
    this.blockOf = new Map(blocks.map((b) => [b.feature, b]));
    this.replaced = new Set(blocks.map((b) => b.feature));
    const rowNames = new Set(blocks.flatMap((b) => [b.feature, ...(b.block === 'bst' && b.time_feature ? [b.time_feature] : [])]));
    this.rowFeatures = this.embedded.filter((s) => rowNames.has(s.name));
    for (const n of rowNames) {
      const s = this.embedded.find((x) => x.name === n);
      if (!s || s.output !== 'multi') throw new Error(`model.sequence: "${n}" is not a sequence / multi_id feature of the fitted features`);
    }
    for (const b of blocks) {
      if (!b.sim) continue;
      const f = this.embedded.find((x) => x.name === b.feature)!, q = this.embedded.find((x) => x.name === b.query);
      if (!q || q.output !== 'ids' || q.table !== f.table) {
        throw new Error(`model.sequence (${b.feature}): sim needs query "${b.query}" to be a single-id feature of the same embedding table (${f.table}); it is ${q ? `on table ${q.table}` : 'not an embedded feature'}`);
      }
    }
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

  /**
   * The lookup parts of `emb`, in spec order (ids inputs `ids.<feature>`); `shared`: multi-value
   * features fed once per batch ([1, L], engine/lookup.ts) — the request model's user-side sequences.
   */
  parts(o: { served?: boolean; shared?: ReadonlySet<string> } = {}): LookupPart[] {
    return this.embedded.map((x) => (x.output === 'ids'
      ? { ids: idsInput(x.name), table: x.table! }
      : { ids: idsInput(x.name), table: x.table!, length: o.served ? x.maxLen! : this.lengthOf(x), pooling: x.pooling === 'sum' ? 'sum' : 'mean', ...(o.shared?.has(x.name) ? { shared: true } : {}) }));
  }

  /**
   * Multi-value features whose ids can be fed once for a whole request when its rows agree (the
   * request model, train/export-model.ts): every sequence / multi_id feature except those that
   * depend on the candidate — a behaviour log's hard search (`behaviors.search`) and SIM soft search.
   */
  requestShareable(): string[] {
    const defs = new Map(parseFeatureConfig(this.fitted.config, 'fitted features').features.map((f) => [f.name, f]));
    return this.embedded.filter((x) => {
      if (x.output !== 'multi' || this.blockOf.get(x.name)?.sim) return false;
      const d = defs.get(x.name);
      return !(d?.kind === 'sequence' && d.behaviors?.search);
    }).map((x) => x.name);
  }

  /** Ids per row the graph sees: max_len, or k after SIM soft search. */
  private lengthOf(x: FeatureSpec): number {
    return effectiveLength(this.blockOf.get(x.name), x.maxLen!);
  }

  /**
   * The exported model's computed inputs (engine/export.ts `substitute`): it takes every sequence
   * whole ([B, max_len], `parts({ served: true })`); a SIM feature's rows and mask are the top-k
   * selected inside the graph (models/seq/sim-graph.ts), the same selection `select` makes here.
   * Non-SIM rows are folded lookups (`servedRowParts`).
   */
  readonly exportSubstitute = this.exportSubstituteFor(new Set());

  /** exportSubstitute with the `shared` features' ids and masks fed once per batch ([1, L]; the request model). */
  exportSubstituteFor(shared: ReadonlySet<string>) {
    return (g: Graph, name: string, _dtype: DType, _shape: Shape, tableOf: (t: string) => Tensor): Tensor | null => {
      for (const x of this.rowFeatures) {
        const b = this.blockOf.get(x.name);
        const isRows = name === seqInput(x.name), isMask = name === seqMaskInput(x.name);
        if (!isRows && !isMask) continue;
        const rows = shared.has(x.name) ? 1 : 'B';
        const ids = inputOf(g, idsInput(x.name), 'int64', [rows, x.maxLen!]);
        const mask = inputOf(g, `${idsInput(x.name)}_mask`, g.float, [rows, x.maxLen!]);
        if (!b?.sim) return isMask ? mask : null; // rows: the fold
        const sel = simSelectGraph(tableOf(x.table!), ids, mask, inputOf(g, idsInput(b.query!), 'int64', ['B']), this.lengthOf(x));
        return isMask ? sel.mask : op.mul(op.gather(tableOf(x.table!), sel.ids, 0), op.unsqueeze(sel.mask, [2]));
      }
      return null;
    };
  }

  /** Row folds of the exported model: the non-SIM sequence blocks' rows (SIM rows: `exportSubstitute`); `shared` as in parts(). */
  servedRowParts(shared?: ReadonlySet<string>): { input: string; parts: LookupPart[] }[] {
    return this.rowParts(shared).filter((r) => !this.blockOf.get(r.parts[0]!.ids.slice(4))?.sim);
  }

  /** The unpooled row inputs `seq.<feature>` [B, L, D] of the sequence blocks, as lookups (export folds them). */
  rowParts(shared?: ReadonlySet<string>): { input: string; parts: LookupPart[] }[] {
    return this.rowFeatures.map((x) => ({ input: seqInput(x.name), parts: [{ ids: idsInput(x.name), table: x.table!, length: this.lengthOf(x), pooling: 'none', ...(shared?.has(x.name) ? { shared: true } : {}) }] }));
  }

  /**
   * The batch the graph sees: with SIM soft search, each searched sequence replaced by its top-k
   * behaviours by similarity to the candidate under the current table (once per batch object).
   */
  select(fb: FeatureBatch): FeatureBatch {
    const sims = this.blocks.filter((b) => b.sim);
    if (!sims.length) return fb;
    const have = this.simCache.get(fb);
    if (have) return have;
    const multi = { ...fb.multi };
    for (const b of sims) {
      const f = this.embedded.find((x) => x.name === b.feature)!;
      const t = this.table(f);
      multi[b.feature] = simSoftSearch(fb.multi[b.feature]!, fb.ids[b.query!]!, { values: t.values, dim: t.dim, rows: t.rows }, b.sim!.k, this.simStats);
    }
    const out = { ...fb, multi };
    this.simCache.set(fb, out);
    return out;
  }

  /**
   * Graph-side gather: the model's `emb` input becomes Gather(table, ids) over tables fed as inputs
   * `table:<name>` (no copy; ORT gathers ~5× faster than a JS loop on this machine).
   */
  readonly substitute = (g: Graph, name: string, _dtype: DType, shape: Shape): Tensor | null => {
    const masked = this.rowFeatures.find((x) => seqMaskInput(x.name) === name);
    if (masked) return inputOf(g, `${idsInput(masked.name)}_mask`, g.float, ['B', this.lengthOf(masked)]);
    const rows = name === EMB_INPUT ? null : this.rowParts().find((r) => r.input === name);
    if (name !== EMB_INPUT && !rows) return null;
    const tableOf = (t: string) => {
      const have = g.inputs.find((x) => x.name === tableInput(t));
      if (have) return have;
      const tab = this.tables.get(t)!;
      return g.rawInput(tableInput(t), g.float, [tab.rows, tab.dim]);
    };
    return lookupRows(g, rows ? rows.parts : this.parts(), tableOf, 'int32', shape);
  };

  /** Graph feeds for a batch: ids (and masks) per embedded feature, the tables, and `dense` [B, n]. */
  feeds(fbIn: FeatureBatch): Record<string, Feed> {
    const fb = this.select(fbIn);
    const B = fb.numRows;
    const out: Record<string, Feed> = {};
    for (const s of this.embedded) {
      if (s.output === 'ids') out[idsInput(s.name)] = { data: fb.ids[s.name]!, dims: [B] };
      else {
        const m = fb.multi[s.name]!;
        out[idsInput(s.name)] = { data: m.ids, dims: [B, m.maxLen] };
        out[`${idsInput(s.name)}_mask`] = { data: Float32Array.from(m.mask), dims: [B, m.maxLen] };
      }
    }
    for (const t of this.tables.values()) out[tableInput(t.name)] = { data: t.values, dims: [t.rows, t.dim] };
    if (this.denseWidth > 0) out[DENSE_INPUT] = { data: fb.dense, dims: [B, this.denseWidth] };
    return out;
  }

  /** Scatter d loss / d emb back into the tables and take one sparse optimizer step each. */
  backward(fbIn: FeatureBatch, grad: Float32Array, lrScale = 1, inputGrads: Record<string, Feed> = {}): void {
    const fb = this.select(fbIn);
    const W = this.embWidth;
    // Sequence blocks: d loss / d rows [B, L, D] goes to each behaviour's row (padding skipped).
    for (const s of this.rowFeatures) {
      const g = inputGrads[seqInput(s.name)];
      if (!g) throw new Error(`Assembler.backward: no gradient for the sequence rows "${seqInput(s.name)}" (model.sequence); pass the step's inputGrads, or the behaviours' embeddings would silently not learn`);
      const m = fb.multi[s.name]!;
      const rows = Int32Array.from(m.ids);
      for (let i = 0; i < rows.length; i++) if (!m.mask[i]) rows[i] = NO_ROW;
      this.table(s).accumulate(rows, g.data as Float32Array, 0, s.dim);
    }
    for (const s of this.embedded) {
      const t = this.table(s);
      if (s.output === 'ids') t.accumulate(fb.ids[s.name]!, grad, s.offset, W);
      else if (this.replaced.has(s.name)) continue; // the block reads the rows, not the pooled columns
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

  /** First non-finite input value or table entry, named by feature / table and row (the NaN guard's diagnosis). */
  findNonFinite(feeds: Record<string, Feed>): string | null {
    const dense = feeds[DENSE_INPUT]?.data as Float32Array | undefined;
    if (dense) {
      const names = this.denseColumnNames();
      for (let i = 0; i < dense.length; i++) {
        if (!Number.isFinite(dense[i]!)) return `dense column "${names[i % this.denseWidth]}" is ${dense[i]} at batch row ${Math.floor(i / this.denseWidth)}`;
      }
    }
    for (const t of this.tables.values()) {
      const v = t.values;
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i]!)) return `embedding table "${t.name}" row ${Math.floor(i / t.dim)} holds ${v[i]}`;
      }
    }
    return null;
  }
}

export { idsInput };
export const tableInput = (table: string) => `table:${table}`;
