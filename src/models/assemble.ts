// From a resolved model to predictions: binary tasks get σ(logit) (or the model's probability),
// regression tasks the raw output. The trainer adds losses on top; export keeps the predictions.
import type { Graph, Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { ModelInputs, type InputLayout, type ModelOutputs, type TaskInfo } from './base.js';
import type { ResolvedModel } from './registry.js';
import { applySequenceBlocks } from './seq/input.js';

export interface Forward {
  inputs: ModelInputs;
  out: ModelOutputs;
  /** Per-task prediction [B, 1]: probability for binary tasks, value for regression. */
  preds: Record<string, Tensor>;
}

export const predName = (task: string) => `pred.${task}`;

/**
 * `logitBias` adds a learnable scalar per task to its logit, initialized to the given value — the
 * training base rate's log-odds (or the label mean), so a model starts calibrated on the base rate
 * instead of needing thousands of Adam steps to move a rare task's output from p = 0.5 to 0.003.
 */
/**
 * The serving form of a model (`forward(…, serving)`): the model's bias parts dropped (PAL's
 * p(seen), a shallow tower's logit: `ModelOutputs.bias`) and, when given, the embeddings of the
 * `serve_as` features replaced by their canonical values' rows.
 */
export interface ServingForm {
  canonical?: Record<string, Float32Array>;
}

export function forward(g: Graph, m: ResolvedModel, layout: InputLayout, tasks: TaskInfo[], logitBias: Record<string, number> = {}, serving?: ServingForm): Forward {
  const wide = m.wide ?? [];
  for (const w of wide) {
    const f = layout.fields.find((x) => x.name === w);
    if (!f) throw new Error(`model.wide: "${w}" is not an embedded feature; have ${layout.fields.map((x) => x.name).join(', ')}`);
    if (f.dim !== tasks.length) throw new Error(`model.wide: feature "${w}" has dim ${f.dim}; a wide feature needs dim = number of tasks (${tasks.length}), one logit offset per task`);
  }
  // Sequence blocks (models/seq/input.ts): attended sequences replace their pooled columns.
  const seq = applySequenceBlocks(new ModelInputs(g, layout, new Set(wide), { canonical: serving?.canonical }), m.sequence ?? []);
  const inputs = seq.inputs;
  const out = m.def.build(m.cfg as never, inputs, tasks);
  if (Object.keys(seq.extras).length) out.extras = { ...out.extras, ...seq.extras };
  // Wide part: task k's logit += Σ_w e_w[:, k].
  if (wide.length) {
    const sum = wide.map((w) => inputs.field(w)).reduce((a, b) => op.add(a, b));
    tasks.forEach((t, k) => {
      const z = out.logits[t.name];
      if (out.probs?.[t.name]) throw new Error(`model.wide: model ${m.def.name} computes task "${t.name}"'s probability itself; a wide part needs logits`);
      if (z) out.logits[t.name] = op.add(z, op.slice(sum, [k], [k + 1], [1]));
    });
  }
  for (const [task, b] of Object.entries(logitBias)) {
    const z = out.logits[task];
    if (!z) continue;
    const bias = g.param({ name: `head.${task}.bias`, shape: [1], init: init.constant(b), trainable: true, decay: false });
    out.logits[task] = op.add(z, bias);
  }
  // Training form: the bias parts on top (logit + shallow logit, then × p(seen)); serving drops them.
  if (out.bias && !serving) {
    for (const [task, b] of Object.entries(out.bias.logits ?? {})) {
      const z = out.logits[task];
      if (!z) throw new Error(`model ${m.def.name}: bias logit for task "${task}", which has no logit`);
      out.logits[task] = op.add(z, b);
    }
    for (const [task, p] of Object.entries(out.bias.factors ?? {})) {
      const z = out.logits[task];
      if (!z || out.probs?.[task]) throw new Error(`model ${m.def.name}: bias factor for task "${task}" needs a logit and no model probability`);
      out.probs = { ...out.probs, [task]: op.mul(p, op.sigmoid(z)) };
    }
  }
  const preds: Record<string, Tensor> = {};
  for (const t of tasks) {
    const p = out.probs?.[t.name];
    const z = out.logits[t.name];
    if (p) preds[t.name] = p;
    else if (z) preds[t.name] = t.kind === 'binary' ? op.sigmoid(z) : z;
    else throw new Error(`model ${m.def.name} produced no output for task "${t.name}"`);
  }
  return { inputs, out, preds };
}
