// The shared input layer's sequence blocks (every registry model): for each `model.sequence` entry
// the feature's mean-pooled columns in `emb` are replaced by the block's output (same width D), so
// a model's `all()` / `field()` / `stacked()` read the attended sequence without knowing it.
import type { Tensor } from '../../engine/graph.js';
import * as op from '../../engine/ops/index.js';
import { linear } from '../../engine/layers/index.js';
import { ModelInputs, type FieldSlot } from '../base.js';
import { effectiveLength, type SeqBlock } from './config.js';
import { dinAttention, maskedMean } from './din.js';
import { bstEncoder } from './bst.js';
import { hstuEncoder } from './hstu.js';
import { sequenceRows } from './rows.js';

export interface SequenceApplied {
  inputs: ModelInputs;
  /** Attention weights per feature (`seq.<feature>.weights`), for diagnostics and tests. */
  extras: Record<string, Tensor>;
}

function slot(x: ModelInputs, name: string, what: string): FieldSlot {
  const f = x.layout.fields.find((s) => s.name === name);
  if (!f) throw new Error(`model.sequence: ${what} "${name}" is not an embedded feature; have ${x.layout.fields.map((s) => s.name).join(', ')}`);
  return f;
}

function lengthOf(f: FieldSlot, what: string): number {
  if (f.ids !== undefined || !f.length) throw new Error(`model.sequence: ${what} "${f.name}" is not a sequence / multi_id feature (no per-row list of ids)`);
  return f.length;
}

/** A [B, d] tensor brought to width D (a linear map when the widths differ). */
function toWidth(t: Tensor, D: number, name: string): Tensor {
  return t.shape[t.rank - 1] === D ? t : linear(t, name, D, { bias: false });
}

/** One block's output [B, D] (and its weights). */
function blockOutput(x: ModelInputs, b: SeqBlock): { out: Tensor; weights?: Tensor } {
  const f = slot(x, b.feature, 'feature');
  const L = effectiveLength(b, lengthOf(f, 'feature')), D = f.dim;
  const { keys, mask } = sequenceRows(x.g, b.feature, L, D);
  const name = `seq.${b.feature}`;
  const q = b.query ? toWidth(x.field(slot(x, b.query, 'query').name), D, `${name}.query_proj`) : null;
  const din = (k: Tensor) => dinAttention(q!, k, mask, name, { hidden: b.attention_mlp, activation: b.attention_activation, softmax: b.softmax });
  switch (b.block) {
    case 'mean': return { out: maskedMean(keys, mask) };
    case 'din': return din(keys);
    case 'hstu': // the candidate joins the sequence as a token: one request's behaviours ([1, L, D]) become per-row
      return hstuEncoder(q!, op.expandBatch(keys, q!), op.expandBatch(mask, q!), `${name}.hstu`, { heads: b.heads, layers: b.layers, position: b.position });
    case 'bst': {
      let time: Tensor | undefined;
      if (b.time_feature) {
        const tf = slot(x, b.time_feature, 'time_feature');
        const tl = lengthOf(tf, 'time_feature');
        if (tl !== L) throw new Error(`model.sequence: time_feature "${tf.name}" holds ${tl} positions, feature "${b.feature}" ${L}; they must be aligned`);
        time = toWidth(sequenceRows(x.g, tf.name, L, tf.dim).keys, D, `${name}.time_proj`);
      }
      const enc = bstEncoder(keys, mask, `${name}.bst`, { heads: b.heads, layers: b.layers, ffn: b.ffn ?? 4 * D, position: b.position, time, preLn: b.pre_ln });
      return b.after === 'din' ? din(enc) : { out: maskedMean(enc, mask) };
    }
  }
}

/** `base` with each block's feature columns replaced by the block's output. */
export function applySequenceBlocks(base: ModelInputs, blocks: SeqBlock[]): SequenceApplied {
  if (!blocks.length) return { inputs: base, extras: {} };
  if (!base.emb) throw new Error('model.sequence: the model has no embedded features');
  const extras: Record<string, Tensor> = {};
  const repl = blocks.map((b) => {
    const r = blockOutput(base, b);
    if (r.weights) extras[`seq.${b.feature}.weights`] = r.weights;
    return { f: slot(base, b.feature, 'feature'), out: op.expandBatch(r.out, base.emb!) }; // a pooled request-shared sequence: one row, broadcast
  }).sort((a, b) => a.f.offset - b.f.offset);
  const parts: Tensor[] = [];
  let at = 0;
  for (const { f, out } of repl) {
    if (f.offset > at) parts.push(op.slice(base.emb, [at], [f.offset], [1]));
    parts.push(out);
    at = f.offset + f.dim;
  }
  if (at < base.embWidth) parts.push(op.slice(base.emb, [at], [base.embWidth], [1]));
  const emb = parts.length === 1 ? parts[0]! : op.concat(parts, 1);
  return { inputs: new ModelInputs(base.g, base.layout, base.wide, { shared: { emb, dense: base.dense } }), extras };
}
