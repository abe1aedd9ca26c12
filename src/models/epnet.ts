// EPNet (the lower half of PEPNet, Chang et al., KDD 2023): domain-side features and the
// stop-gradient of the embeddings E feed a Gate NU whose output scales E per sample:
//   δ_domain = U_ep(E(F_d) ⊕ ⊘(E)),   O_ep = δ_domain ⊗ E
// E is the deep input x = [deep fields' embeddings ⊕ dense features]. granularity `element`: one
// gate value per column, δ ∈ R^{B×D} (every reference implementation); `field`: one value per field
// (each embedded feature, each dense column), broadcast over its dims (GateNet's vector-wise gate).
// On top: a shared bottom and one tower per task — with δ ≡ 1 (the gate's zero-initialised last
// layer) EPNet is `shared_bottom` exactly.
import { z } from 'zod';
import { typedArrayOf, type Tensor } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { mlp } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelInputs, type ModelOutputs } from './base.js';
import { crossNetwork, dims, inputCross, mlpFields } from './common.js';
import { featureInput, featureList, gateFields, gateInput, gateNU } from './gate-nu.js';

export const epnetFields = {
  domain_features: featureList,
  granularity: z.enum(['element', 'field']).default('element'),
  ...gateFields,
};

/**
 * For each column of `x.all()`, the index of its field: the deep embedded fields in order, then
 * one field per dense column. The zero padding columns of `all()` (if any) go with field 0.
 */
export function fieldOfColumn(x: ModelInputs, width: number): { index: number[]; fields: number } {
  const index: number[] = [];
  let k = 0;
  for (const f of x.deepFields) { for (let i = 0; i < f.dim; i++) index.push(k); k++; }
  for (let i = 0; i < x.layout.denseWidth; i++) index.push(k++);
  while (index.length < width) index.push(0);
  return { index, fields: k };
}

export interface EPNetResult {
  /** O_ep [B, D]. */
  out: Tensor;
  /** δ_domain per column [B, D] (field granularity: already broadcast). */
  delta: Tensor;
}

/** EPNet on `x.all()`: Gate NU `<name>.gate` over [domain features ⊕ ⊘(E)]. */
export function epnetLayer(x: ModelInputs, domain: string[], granularity: 'element' | 'field', gateHidden?: number, name = 'epnet'): EPNetResult {
  const E = x.all();
  const D = E.shape[1] as number;
  const gin = gateInput(featureInput(x, 'domain_features', domain), E);
  if (granularity === 'element') {
    const delta = gateNU(gin, `${name}.gate`, D, { hidden: gateHidden });
    return { out: op.mul(E, delta), delta };
  }
  const { index, fields } = fieldOfColumn(x, D);
  const perField = gateNU(gin, `${name}.gate`, fields, { hidden: gateHidden }); // [B, k]
  const delta = op.gather(perField, x.g.constant(typedArrayOf('int64', index), [D], 'int64'), 1); // [B, D]
  return { out: op.mul(E, delta), delta };
}

const schema = z.object({
  ...epnetFields,
  bottom: dims.default([256, 128]),
  tower: dims.default([64]),
  ...mlpFields,
  ...inputCross,
}).strict();

export const epnet: ModelDef<typeof schema> = {
  name: 'epnet',
  description: 'EPNet: a Gate NU over domain features and the stop-gradient embeddings scales the embeddings; shared bottom and towers on top.',
  schema,
  build(cfg, x, tasks) {
    const ep = epnetLayer(x, cfg.domain_features, cfg.granularity, cfg.gate_hidden);
    const h = mlp(crossNetwork(ep.out, 'bottom.cross', cfg.input_cross_layers), 'bottom', cfg.bottom, cfg);
    const out: ModelOutputs = { logits: {}, extras: { 'delta.epnet': ep.delta, 'epnet.out': ep.out } };
    for (const t of tasks) out.logits[t.name] = tower(h, `tower.${t.name}`, cfg.tower, cfg);
    if (cfg.bottom.length) out.shared = x.g.params.get(`bottom.${cfg.bottom.length - 1}.weight`)!.tensor;
    return out;
  },
};
