// From a resolved model to predictions: binary tasks get σ(logit) (or the model's probability),
// regression tasks the raw output. The trainer adds losses on top; export keeps the predictions.
import type { Graph, Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { ModelInputs, type InputLayout, type ModelOutputs, type TaskInfo } from './base.js';
import type { ResolvedModel } from './registry.js';

export interface Forward {
  inputs: ModelInputs;
  out: ModelOutputs;
  /** Per-task prediction [B, 1]: probability for binary tasks, value for regression. */
  preds: Record<string, Tensor>;
}

export const predName = (task: string) => `pred.${task}`;

export function forward(g: Graph, m: ResolvedModel, layout: InputLayout, tasks: TaskInfo[]): Forward {
  const inputs = new ModelInputs(g, layout);
  const out = m.def.build(m.cfg as never, inputs, tasks);
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
