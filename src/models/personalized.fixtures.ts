// Shared fixtures of the PPNet / EPNet / PEPNet / MMoE × PPNet tests: a small input layout with
// fields of different dims, random feeds, model builders, gate perturbation and parameter copying.
import type { Graph, Tensor } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import { ParameterStore } from '../engine/store.js';
import { Evaluator, ensureLayout } from '../engine/step.js';
import { Rng } from '../util/rng.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';

/** Fields of different dims (field granularity must broadcast each over its own width) and 3 dense columns. */
export const layout: InputLayout = {
  fields: [
    { name: 'user', dim: 4, offset: 0 }, { name: 'streamer', dim: 4, offset: 4 }, { name: 'scenario', dim: 2, offset: 8 },
    { name: 'country', dim: 3, offset: 10 }, { name: 'item', dim: 5, offset: 13 },
  ],
  denseWidth: 3,
};
export const EMB = 18;
export const tasks: TaskInfo[] = [{ name: 't1', kind: 'binary' }, { name: 't2', kind: 'binary' }];

const prior = ['user', 'streamer'];
const domain = ['scenario', 'country'];
/** Every new model (and variant), small. */
export const models: [string, Record<string, unknown>][] = [
  ['ppnet', { type: 'ppnet', prior_features: prior, tower: [8, 6] }],
  ['ppnet (gate_position output)', { type: 'ppnet', prior_features: prior, tower: [8, 6], gate_position: 'output', gate_hidden: 5 }],
  ['epnet (element)', { type: 'epnet', domain_features: domain, bottom: [8], tower: [6] }],
  ['epnet (field)', { type: 'epnet', domain_features: domain, granularity: 'field', bottom: [8], tower: [6] }],
  ['pepnet', { type: 'pepnet', domain_features: domain, prior_features: prior, tower: [8, 6] }],
  ['pepnet (field, output)', { type: 'pepnet', domain_features: domain, granularity: 'field', prior_features: prior, tower: [8], gate_position: 'output' }],
  ['mmoe_ppnet (pepnet_towers)', { type: 'mmoe_ppnet', pattern: 'pepnet_towers', domain_features: domain, prior_features: prior, experts: 3, expert: [8], tower: [6] }],
  ['mmoe_ppnet (prior_gates)', { type: 'mmoe_ppnet', pattern: 'prior_gates', prior_features: prior, experts: 3, expert: [8, 7], tower: [6] }],
  ['mmoe_ppnet (gated_experts)', { type: 'mmoe_ppnet', pattern: 'gated_experts', prior_features: prior, experts: 3, expert: [8, 7], tower: [6] }],
];

export function feeds(B: number, seed: number, embWidth = EMB, denseWidth = 3): Record<string, Feed> {
  const r = new Rng(seed);
  return {
    emb: { data: Float32Array.from({ length: B * embWidth }, () => r.normal()), dims: [B, embWidth] },
    dense: { data: Float32Array.from({ length: B * denseWidth }, () => r.normal()), dims: [B, denseWidth] },
  };
}

/** Build function: `pred.<task>`, `logit.<task>` and (optionally) the model's extras as outputs. */
export function buildFn(section: Record<string, unknown>, o: { layout?: InputLayout; extras?: boolean; tasks?: TaskInfo[] } = {}) {
  const ts = o.tasks ?? tasks;
  const m = resolveModel(section, ts);
  return (g: Graph) => {
    const f = forward(g, m, o.layout ?? layout, ts);
    const outputs: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(f.preds)) outputs[`pred.${k}`] = t;
    for (const [k, t] of Object.entries(f.out.logits)) outputs[`logit.${k}`] = t;
    if (o.extras) for (const [k, t] of Object.entries(f.out.extras ?? {})) outputs[k] = t;
    return { outputs };
  };
}

/** A store with the model's layout fixed and initial values. */
export function storeFor(build: ReturnType<typeof buildFn>, seed = 1): ParameterStore {
  const s = new ParameterStore(seed);
  ensureLayout(build, s);
  return s;
}

export async function run(build: ReturnType<typeof buildFn>, store: ParameterStore, f: Record<string, Feed>) {
  const out = await (await Evaluator.create(build, store)).run(f);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
}

/** The last layers of the Gate NUs (and prior_gates' W^p): zero at initialization. */
export const isGateLast = (name: string) => /^(epnet\.gate|ppnet\.[^.]+)\.1\.(weight|bias)$|\.prior\.weight$/.test(name);

/** Give the gates' last layers random values (δ ≠ 1): returns how many parameters were set. */
export function perturbGates(store: ParameterStore, seed: number, scale = 0.7): number {
  const r = new Rng(seed);
  let n = 0;
  for (const name of store.trainable.keys()) {
    if (!isGateLast(name)) continue;
    const v = store.get(name);
    for (let i = 0; i < v.length; i++) v[i] = r.normal() * scale;
    n++;
  }
  return n;
}

/**
 * Copy into `to` every parameter it has from `from` (names mapped by `rename`); every parameter of
 * `to` must have a counterpart, so a renamed parameter fails the test instead of keeping its init.
 */
export function copyParams(from: ParameterStore, to: ParameterStore, rename: (name: string) => string = (n) => n): void {
  for (const name of [...to.trainable.keys(), ...to.state.keys()]) {
    const src = rename(name);
    if (!from.has(src)) throw new Error(`no parameter "${src}" (for "${name}") in the gated model; have ${[...from.trainable.keys()].join(', ')}`);
    to.get(name).set(from.get(src));
  }
}
