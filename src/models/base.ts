// What every ranking model sees and returns. The trainer gathers embedding rows in TypeScript and
// feeds them as one [B, ΣD] input `emb` (fields side by side) plus dense features `dense` [B, n];
// a model composes engine ops on them and returns one logit (or probability) per task.
import type { z } from 'zod';
import type { Graph, Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { linear, mlp, type MLPOptions } from '../engine/layers/index.js';

export const EMB_INPUT = 'emb';
export const DENSE_INPUT = 'dense';

export interface InputsOptions {
  /** Reuse these input tensors instead of declaring `emb` / `dense` (a view, see `without`). */
  shared?: { emb: Tensor | null; dense: Tensor | null };
  /** Serving form: these fields' embeddings replaced by fixed rows (their canonical values' rows). */
  canonical?: Record<string, Float32Array>;
}

export interface FieldSlot {
  /** Feature name. */
  name: string;
  dim: number;
  /** Offset of this field's columns in `emb`. */
  offset: number;
  /**
   * Single-id features (one id per row): the number of ids, which lie in [0, ids) — for a vocab
   * feature 0 = missing, 1 = out of vocabulary, entry i = i + 2. Absent for multi-value features.
   */
  ids?: number;
  /** Multi-value features (sequence / multi_id): ids per row (max_len), for the sequence blocks. */
  length?: number;
}

/** The graph input holding a feature's ids (int32 in training, int64 in the exported model). */
export const idsInput = (feature: string) => `ids.${feature}`;

export interface InputLayout {
  fields: FieldSlot[];
  denseWidth: number;
}

export interface TaskInfo {
  name: string;
  kind: 'binary' | 'regression';
}

/** The model-side view of the inputs: slices by feature, concatenations, stacks. */
export class ModelInputs {
  /** Column multiple `all()` pads to (1 = no padding). */
  static padMultiple = 16;
  readonly emb: Tensor | null;
  readonly dense: Tensor | null;
  private readonly slices = new Map<string, Tensor>();

  /**
   * `wide` names fields that feed the logits directly (assemble.ts adds them per task): they are
   * left out of `all()` and `stacked()`, the deep part's inputs.
   */
  constructor(readonly g: Graph, readonly layout: InputLayout, readonly wide: ReadonlySet<string> = new Set(), o: InputsOptions = {}) {
    const embWidth = layout.fields.reduce((s, f) => s + f.dim, 0);
    this.emb = o.shared ? o.shared.emb : embWidth > 0 ? g.input(EMB_INPUT, g.float, ['B', embWidth]) : null;
    this.dense = o.shared ? o.shared.dense : layout.denseWidth > 0 ? g.input(DENSE_INPUT, g.float, ['B', layout.denseWidth]) : null;
    if (o.canonical && Object.keys(o.canonical).length && this.emb) this.emb = this.withRows(this.emb, o.canonical);
  }

  /**
   * `emb` with some fields' columns replaced by fixed rows (the serving form's canonical values):
   * emb ⊙ keep + rows, keep = 0 on those columns and 1 elsewhere — every other column unchanged.
   */
  private withRows(emb: Tensor, rows: Record<string, Float32Array>): Tensor {
    const W = this.embWidth;
    const keep = new Float32Array(W).fill(1), fill = new Float32Array(W);
    for (const [name, row] of Object.entries(rows)) {
      const f = this.layout.fields.find((x) => x.name === name);
      if (!f) throw new Error(`model input: canonical row for "${name}", which is not an embedded feature; have ${this.layout.fields.map((x) => x.name).join(', ')}`);
      if (row.length !== f.dim) throw new Error(`model input: canonical row for "${name}" has ${row.length} values; the feature has dim ${f.dim}`);
      keep.fill(0, f.offset, f.offset + f.dim);
      fill.set(row, f.offset);
    }
    const c = (v: Float32Array) => this.g.constant(this.g.float === 'float32' ? v : Float64Array.from(v), [1, W], this.g.float);
    return op.add(op.mul(emb, c(keep)), c(fill));
  }

  /**
   * A view of the same inputs whose deep part (`all()`, `stacked()`) also leaves out `names`: the
   * bias features that only a gate, an examination network or a shallow tower reads.
   */
  without(names: Iterable<string>): ModelInputs {
    const v = new ModelInputs(this.g, this.layout, new Set([...this.wide, ...names]), { shared: { emb: this.emb, dense: this.dense } });
    for (const [k, t] of this.slices) v.slices.set(k, t);
    return v;
  }

  get embWidth(): number {
    return this.layout.fields.reduce((s, f) => s + f.dim, 0);
  }

  /** The fields the deep part reads (all but the wide ones). */
  get deepFields(): FieldSlot[] {
    return this.layout.fields.filter((f) => !this.wide.has(f.name));
  }

  /** `emb` without the wide fields: the whole input, or one slice per contiguous run of deep fields. */
  private deepEmb(): Tensor | null {
    if (!this.emb || this.wide.size === 0) return this.emb;
    const runs: [number, number][] = [];
    for (const f of this.deepFields) {
      const last = runs[runs.length - 1];
      if (last && last[1] === f.offset) last[1] += f.dim;
      else runs.push([f.offset, f.offset + f.dim]);
    }
    if (runs.length === 0) return null;
    const parts = runs.map(([a, b]) => op.slice(this.emb!, [a], [b], [1]));
    return parts.length === 1 ? parts[0]! : op.concat(parts, 1);
  }

  /** One feature's embedding [B, dim]. */
  field(name: string): Tensor {
    let t = this.slices.get(name);
    if (t) return t;
    const f = this.layout.fields.find((x) => x.name === name);
    if (!f || !this.emb) {
      throw new Error(`model input: no embedded feature "${name}"; have ${this.layout.fields.map((x) => x.name).join(', ')}`);
    }
    t = op.slice(this.emb, [f.offset], [f.offset + f.dim], [1]);
    this.slices.set(name, t);
    return t;
  }

  /**
   * A single-id feature's ids [B] as int64: the graph input `ids.<feature>` that the embedding
   * lookup reads (training gathers `emb` inside the graph from it, the exported model takes it as
   * input), so the model's id input is the one the trainer feeds and serving sends; without a
   * lookup in the graph (`emb` fed directly) it is declared here. The ids lie in [0, count).
   */
  ids(name: string): { ids: Tensor; count: number } {
    const f = this.layout.fields.find((x) => x.name === name);
    if (!f) throw new Error(`model input: no embedded feature "${name}"; have ${this.layout.fields.map((x) => x.name).join(', ')}`);
    if (f.ids === undefined) throw new Error(`model input: feature "${name}" has no single id per row (a multi-value feature)`);
    const input = idsInput(name);
    const have = this.g.inputs.find((t) => t.name === input);
    const ids = have ?? this.g.input(input, 'int64', ['B']);
    return { ids: op.cast(ids, 'int64'), count: f.ids };
  }

  /** Several features' embeddings side by side [B, Σdim]. */
  fields(names: string[]): Tensor {
    return op.concat(names.map((n) => this.field(n)), 1);
  }

  /**
   * All embeddings and dense features side by side [B, ΣD + n] (the usual MLP input), zero-padded
   * to a multiple of 16 columns: MLAS's GEMM kernels work in 16-column panels, and a ragged width
   * (e.g. 429) made the first layer's three GEMMs ~15 % slower (measured, engine.md). The padding
   * columns are constant zeros, so their weights never receive a gradient and nothing changes
   * mathematically.
   */
  all(): Tensor {
    const emb = this.deepEmb();
    if (!emb && !this.dense) throw new Error('model input: no features');
    const width = this.deepFields.reduce((s, f) => s + f.dim, 0) + this.layout.denseWidth;
    const m = ModelInputs.padMultiple;
    const pad = width > 64 && width % m !== 0 ? m - (width % m) : 0;
    const padRight = (t: Tensor) => (pad ? op.pad(t, [0, 0, 0, pad]) : t);
    if (!this.dense) return padRight(emb!);
    if (!emb) return padRight(this.dense);
    return op.concat([emb, padRight(this.dense)], 1);
  }

  /**
   * Field embeddings as [B, F, d] (FM-style models). With one common dim this is a reshape of `emb`;
   * otherwise (or when `dim` differs) each field is first projected to `dim` by its own linear map.
   */
  stacked(dim?: number): Tensor {
    if (!this.emb) throw new Error('model input: no embedded features to stack');
    const fields = this.deepFields;
    const dims = new Set(fields.map((f) => f.dim));
    const d = dim ?? (dims.size === 1 ? [...dims][0]! : undefined);
    if (d === undefined) {
      throw new Error(`model input: fields have embedding dims ${[...dims].join(', ')}; give the model a common dim (e.g. fm_dim)`);
    }
    if (dims.size === 1 && dims.has(d) && this.wide.size === 0) return op.reshape(this.emb, ['B', fields.length, d]);
    const parts = fields.map((f) => {
      const e = this.field(f.name);
      return op.unsqueeze(f.dim === d ? e : linear(e, `field_proj.${f.name}`, d, { bias: false }), [1]);
    });
    return op.concat(parts, 1);
  }
}

export interface ModelOutputs {
  /** Per-task logits [B, 1] (binary: pre-sigmoid; regression: the prediction itself). */
  logits: Record<string, Tensor>;
  /** Tasks whose prediction is a probability computed by the model (ESMM's pCTCVR), [B, 1]. */
  probs?: Record<string, Tensor>;
  /** Diagnostic tensors (gate weights, expert outputs), fetched on request. */
  extras?: Record<string, Tensor>;
  /**
   * Tasks whose per-row loss the model defines itself — a batch-level loss such as the two-tower's
   * in-batch sampled softmax: given the task's label and sample-space mask ([B, 1] each), a [B, 1]
   * tensor that replaces the task's configured loss; the heads average it over the sample space.
   */
  losses?: Record<string, (label: Tensor, mask: Tensor) => Tensor>;
  /** Weight of the last shared layer (GradNorm). */
  shared?: Tensor;
  /**
   * The model of the logging bias, per task: training predicts σ(logit + bias.logits[t]) ·
   * bias.factors[t] (a shallow bias tower's logit, PAL's p(seen)); the serving form drops both and
   * predicts σ(logit) (assemble.ts). A task with a factor is trained on that probability.
   */
  bias?: { logits?: Record<string, Tensor>; factors?: Record<string, Tensor> };
}

export interface ModelDef<C extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  description: string;
  /** Validates the model section of a config (the `type` key is stripped first). */
  schema: C;
  /** Tasks this model can serve (e.g. ESMM needs exactly a CTR and a CVR task). */
  checkTasks?: (cfg: z.infer<C>, tasks: TaskInfo[]) => void;
  build(cfg: z.infer<C>, x: ModelInputs, tasks: TaskInfo[]): ModelOutputs;
}

/** A task tower: MLP ending in one output unit (no activation). */
export function tower(h: Tensor, name: string, dims: number[], o: MLPOptions = {}): Tensor {
  return mlp(h, name, [...dims, 1], { ...o, lastActivation: false });
}
