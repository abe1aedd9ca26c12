// Config pieces shared by several models.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { linear, type ExpertBank } from '../engine/layers/index.js';

export const dims = z.array(z.number().int().positive());
export const activation = z.enum(['relu', 'sigmoid', 'tanh', 'leaky_relu']).default('relu');
export const mlpFields = {
  activation,
  dropout: z.number().min(0).lt(1).default(0),
  norm: z.enum(['none', 'batch', 'layer']).default('none'),
};

/** DCN-v2 cross layers: x_{l+1} = x_0 ⊙ (W_l x_l + b_l) + x_l — every pairwise product x_i·x_j in one layer. */
export function crossNetwork(x0: Tensor, name: string, layers: number): Tensor {
  const width = x0.shape[1] as number;
  let xl = x0;
  for (let l = 0; l < layers; l++) xl = op.add(op.mul(x0, linear(xl, `${name}.${l}`, width)), xl);
  return xl;
}

/** Option of the multi-task models: DCN-v2 cross layers on the input before the experts / bottom. */
export const inputCross = { input_cross_layers: z.number().int().nonnegative().default(0) };

/** Options shared by the mixture-of-experts models (gates, towers, MLP parts, input crosses). */
export const moeFields = {
  tower: dims.default([64]),
  gate_temperature: z.number().positive().default(1),
  gate_dropout: z.number().min(0).lt(1).default(0),
  ...mlpFields,
  ...inputCross,
};

/** checkTasks of single-task models. */
export function singleTask(model: string) {
  return (_cfg: unknown, tasks: { name: string }[]): void => {
    if (tasks.length !== 1) throw new Error(`model ${model}: single-task, got ${tasks.length} tasks`);
  };
}

/**
 * A bank's member outputs as [B, n, d] for the diagnostics extras (`experts.<bank>`): deeper banks
 * end in [n, B, d] and get a transpose that exists only when the extra is fetched (unfetched
 * outputs are pruned before serialization).
 */
export function bankOutputs(bank: ExpertBank): Tensor {
  return bank.layout === 'bnd' ? bank.out : op.transpose(bank.out, [1, 0, 2]);
}
