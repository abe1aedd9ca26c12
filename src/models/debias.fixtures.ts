// Fixtures of the debiasing-model tests (DWG, PAL, shallow tower): a layout with a `position` bias
// field between ordinary fields, the same layout without it (the base models' inputs), feeds, and
// build functions for the training form and the serving form.
import type { Graph, Tensor } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward, type ServingForm } from './assemble.js';
import { resolveModel } from './registry.js';

export const layout: InputLayout = {
  fields: [
    { name: 'user', dim: 4, offset: 0 }, { name: 'position', dim: 3, offset: 4 },
    { name: 'scenario', dim: 2, offset: 7 }, { name: 'item', dim: 5, offset: 9 },
  ],
  denseWidth: 3,
};
export const EMB = 14;
/** Columns of `position` in `emb`. */
export const POS = [4, 7] as const;
/** The layout the base model sees: `position` left out. */
export const baseLayout: InputLayout = {
  fields: [{ name: 'user', dim: 4, offset: 0 }, { name: 'scenario', dim: 2, offset: 4 }, { name: 'item', dim: 5, offset: 6 }],
  denseWidth: 3,
};
export const tasks: TaskInfo[] = [{ name: 'click', kind: 'binary' }, { name: 'gift', kind: 'binary' }];

/** `emb` [B, EMB] without the position columns [B, EMB − 3]. */
export function dropPosition(emb: Feed): Feed {
  const B = emb.dims[0]!;
  const src = emb.data as Float32Array | Float64Array;
  const W = EMB - (POS[1] - POS[0]);
  const out = new (src.constructor as Float32ArrayConstructor)(B * W);
  for (let i = 0; i < B; i++) {
    let k = 0;
    for (let j = 0; j < EMB; j++) if (j < POS[0] || j >= POS[1]) out[i * W + k++] = src[i * EMB + j]!;
  }
  return { data: out, dims: [B, W] };
}

/** `emb` with every row's position columns set to `row`. */
export function withPosition(emb: Feed, row: ArrayLike<number>): Feed {
  const B = emb.dims[0]!;
  const out = (emb.data as Float32Array).slice();
  for (let i = 0; i < B; i++) for (let j = 0; j < POS[1] - POS[0]; j++) out[i * EMB + POS[0] + j] = row[j]!;
  return { data: out, dims: emb.dims };
}

/** `pred.<task>`, `logit.<task>` and the extras; `serving` builds the serving form. */
export function debiasBuild(section: Record<string, unknown>, o: { layout?: InputLayout; serving?: ServingForm; bias?: Record<string, number> } = {}) {
  const m = resolveModel(section, tasks);
  return (g: Graph) => {
    const f = forward(g, m, o.layout ?? layout, tasks, o.bias ?? {}, o.serving);
    const outputs: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(f.preds)) outputs[`pred.${k}`] = t;
    for (const [k, t] of Object.entries(f.out.logits)) outputs[`logit.${k}`] = t;
    for (const [k, t] of Object.entries(f.out.extras ?? {})) outputs[k] = t;
    return { outputs };
  };
}
