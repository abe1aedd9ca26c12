// From a resolved model to predictions: binary tasks get σ(logit) (or the model's probability),
// regression tasks the raw output. The trainer adds losses on top; export keeps the predictions.
import type { Graph, Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { init } from '../engine/params.js';
import { ModelInputs, type InputLayout, type ModelOutputs, type TaskInfo } from './base.js';
import type { ResolvedModel } from './registry.js';

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
export function forward(g: Graph, m: ResolvedModel, layout: InputLayout, tasks: TaskInfo[], logitBias: Record<string, number> = {}): Forward {
  const inputs = new ModelInputs(g, layout);
  const out = m.def.build(m.cfg as never, inputs, tasks);
  for (const [task, b] of Object.entries(logitBias)) {
    const z = out.logits[task];
    if (!z) continue;
    const bias = g.param({ name: `head.${task}.bias`, shape: [1], init: init.constant(b), trainable: true, decay: false });
    out.logits[task] = op.add(z, bias);
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
