// Gradient checking: autodiff gradients vs central finite differences, in float64 graphs on ORT.
import { Graph, type Tensor } from './graph.js';
import { gradients } from './autodiff.js';
import { initialize } from './params.js';
import { Runner, type Feed } from './runtime.js';
import type { SerializeOptions } from './serialize.js';
import { Rng } from '../util/rng.js';
import './gradients/index.js';

export interface GradCheckOptions {
  /** Inputs to differentiate (default: every float input, parameters included). */
  wrt?: string[];
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** At most this many coordinates per tensor are checked (sampled, seeded). Default 64. */
  maxCoords?: number;
  seed?: number;
  training?: boolean;
  /** Serialization options of both graphs (e.g. `mergeFloat64` to check a lowering's gradients). */
  serialize?: SerializeOptions;
}

export interface GradCheckResult {
  /** max over tensors of ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖) on the checked coordinates */
  maxRelError: number;
  perTensor: { name: string; relError: number; absError: number; norm: number; coords: number }[];
}

/**
 * `build` creates the graph (inputs via g.input, parameters via g.param) and returns a scalar loss.
 * Values for graph inputs come from `feeds`; parameters not in `feeds` are initialized from their
 * initializer (seeded).
 */
export async function gradCheck(
  build: (g: Graph) => Tensor,
  feeds: Record<string, Feed>,
  o: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const eps = o.eps ?? 1e-6;
  const seed = o.seed ?? 1;
  const mk = () => new Graph({ float: 'float64', training: o.training ?? false, seed });

  // Analytic gradients.
  const g = mk();
  const loss = build(g);
  const floatInputs = g.inputs.filter((t) => t.dtype === 'float64');
  const wrtNames = o.wrt ?? floatInputs.map((t) => t.name);
  const wrt = wrtNames.map((n) => {
    const t = g.inputs.find((i) => i.name === n);
    if (!t) throw new Error(`gradCheck: no input named "${n}"`);
    return t;
  });
  const grads = gradients(loss, wrt);
  g.output('loss', loss);
  grads.forEach((d, i) => { if (d) g.output(`grad_${i}`, d); });

  const all: Record<string, Feed> = { ...feeds };
  for (const t of g.inputs) {
    if (all[t.name]) continue;
    const p = g.params.get(t.name);
    if (!p) throw new Error(`gradCheck: no value for input "${t.name}"`);
    const data = new Float64Array(p.spec.shape.reduce((a, b) => a * b, 1));
    initialize(p.spec, data, seed);
    all[t.name] = { data, dims: p.spec.shape };
  }
  const runner = await Runner.fromGraph(g, o.serialize);
  const res = await runner.run(all);

  // Loss-only graph for finite differences.
  const g2 = mk();
  g2.output('loss', build(g2));
  const lossRunner = await Runner.fromGraph(g2, o.serialize);
  const f = async (fs: Record<string, Feed>) => (await lossRunner.run(fs)).loss!.data[0] as number;

  const rng = new Rng(seed);
  const perTensor: GradCheckResult['perTensor'] = [];
  for (let k = 0; k < wrt.length; k++) {
    const name = wrt[k]!.name;
    const base = all[name]!;
    const x = Float64Array.from(base.data as Float64Array);
    const analytic = grads[k] ? (res[`grad_${k}`]!.data as Float64Array) : new Float64Array(x.length);
    const n = x.length;
    const coords = n <= (o.maxCoords ?? 64)
      ? Array.from({ length: n }, (_, i) => i)
      : Array.from(rng.permutation(n).subarray(0, o.maxCoords ?? 64));
    let diff2 = 0, a2 = 0, n2 = 0, maxAbs = 0;
    for (const i of coords) {
      const v = x[i]!;
      x[i] = v + eps;
      const fp = await f({ ...all, [name]: { data: x, dims: base.dims } });
      x[i] = v - eps;
      const fm = await f({ ...all, [name]: { data: x, dims: base.dims } });
      x[i] = v;
      const num = (fp - fm) / (2 * eps);
      const a = analytic[i]!;
      diff2 += (a - num) ** 2; a2 += a * a; n2 += num * num;
      maxAbs = Math.max(maxAbs, Math.abs(a - num));
    }
    const norm = Math.sqrt(Math.max(a2, n2));
    const relError = norm < 1e-10 ? Math.sqrt(diff2) : Math.sqrt(diff2) / norm;
    perTensor.push({ name, relError, absError: maxAbs, norm, coords: coords.length });
  }
  return { maxRelError: Math.max(0, ...perTensor.map((p) => p.relError)), perTensor };
}

/** Random float64 feed with values in ±scale, kept at least `margin` away from 0 (avoids kinks). */
export function randomFeed(dims: number[], seed: number, scale = 1, margin = 0): Feed {
  const rng = new Rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = rng.next() < 0.5 ? -1 : 1;
    data[i] = s * (margin + (scale - margin) * rng.next());
  }
  return { data, dims };
}
