// Parameter values live here, in two flat Float32Arrays: `theta` (trainable) and `buffers` (state
// such as running statistics). Graphs see them through a binding: as slices of flat graph inputs
// (training and evaluation: no new graph per step) or as initializers (exported serving model).
import { type Graph, type ParamBinding, type Tensor } from './graph.js';
import { initialize, paramSize, type ParamSpec } from './params.js';
import * as op from './ops/index.js';

export interface ParamEntry {
  spec: ParamSpec;
  offset: number;
  size: number;
}

export class ParameterStore {
  readonly trainable = new Map<string, ParamEntry>();
  readonly state = new Map<string, ParamEntry>();
  theta: Float32Array = new Float32Array(0);
  buffers: Float32Array = new Float32Array(0);
  private frozen = false;
  private P = 0;
  private Q = 0;

  constructor(readonly seed = 0) {}

  get numTrainable(): number { return this.P; }
  get numState(): number { return this.Q; }
  get isFrozen(): boolean { return this.frozen; }

  /** Register (first build) or look up (later builds) a parameter. */
  register(spec: ParamSpec): ParamEntry {
    const map = spec.trainable ? this.trainable : this.state;
    const prev = map.get(spec.name) ?? (spec.trainable ? this.state : this.trainable).get(spec.name);
    if (prev) {
      if (prev.spec.shape.join(',') !== spec.shape.join(',') || prev.spec.trainable !== spec.trainable) {
        throw new Error(`parameter "${spec.name}": [${spec.shape}] does not match the registered [${prev.spec.shape}]`);
      }
      return prev;
    }
    if (this.frozen) throw new Error(`parameter "${spec.name}" appeared after the parameter layout was fixed`);
    const size = paramSize(spec);
    const e = { spec, offset: spec.trainable ? this.P : this.Q, size };
    if (spec.trainable) this.P += size; else this.Q += size;
    map.set(spec.name, e);
    return e;
  }

  /** Fix the layout and allocate + initialize values (deterministic in seed and names). */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.theta = new Float32Array(this.P);
    this.buffers = new Float32Array(this.Q);
    for (const e of this.trainable.values()) initialize(e.spec, this.theta.subarray(e.offset, e.offset + e.size), this.seed);
    for (const e of this.state.values()) initialize(e.spec, this.buffers.subarray(e.offset, e.offset + e.size), this.seed);
  }

  has(name: string): boolean {
    return this.trainable.has(name) || this.state.has(name);
  }

  /** A view of one parameter's values. */
  get(name: string): Float32Array {
    const t = this.trainable.get(name);
    if (t) return this.theta.subarray(t.offset, t.offset + t.size);
    const s = this.state.get(name);
    if (s) return this.buffers.subarray(s.offset, s.offset + s.size);
    throw new Error(`unknown parameter "${name}"`);
  }

  /** Per-element vector built from each trainable parameter's spec (decay mask, lr scale). */
  perElement(f: (spec: ParamSpec) => number): Float32Array | null {
    const out = new Float32Array(this.P);
    let trivial = true;
    for (const e of this.trainable.values()) {
      const v = f(e.spec);
      if (v !== 1) trivial = false;
      out.fill(v, e.offset, e.offset + e.size);
    }
    return trivial ? null : out;
  }
}

/** Registers parameters as graph inputs (used to discover the layout before freezing). */
export class DiscoveryBinding implements ParamBinding {
  constructor(private readonly store: ParameterStore) {}
  resolve(g: Graph, spec: ParamSpec): Tensor {
    this.store.register(spec);
    return g.rawInput(`param:${spec.name}`, g.float, spec.shape);
  }
}

export const THETA = 'theta';
export const BUFFERS = 'buffers';

/** Parameters as slices of the flat inputs `theta` [P] and `buffers` [Q]. */
export class FlatBinding implements ParamBinding {
  constructor(private readonly store: ParameterStore) {}
  resolve(g: Graph, spec: ParamSpec): Tensor {
    if (!this.store.isFrozen) throw new Error('FlatBinding: freeze the parameter store first');
    const e = this.store.register(spec);
    const name = spec.trainable ? THETA : BUFFERS;
    const size = spec.trainable ? this.store.numTrainable : this.store.numState;
    const flat = g.inputs.find((t) => t.name === name) ?? g.rawInput(name, g.float, [size]);
    const s = op.slice(flat, [e.offset], [e.offset + e.size], [0]);
    return spec.shape.length === 1 ? s : op.reshape(s, spec.shape);
  }
}

/** Parameters as initializers holding the store's current values (the standalone serving model). */
export class InitializerBinding implements ParamBinding {
  constructor(private readonly store: ParameterStore) {}
  resolve(g: Graph, spec: ParamSpec): Tensor {
    const values = this.store.get(spec.name);
    const data = g.float === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return g.constant(data, spec.shape, g.float, spec.name);
  }
}
