// Symbolic tensors and the graph that records the ops applied to them. A Graph is a plain list of
// nodes in creation (= topological) order; it knows nothing of recommenders, layers or training.
import type { ParamSpec } from './params.js';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
/** A dimension: a number, or a symbol such as 'B' (the batch) bound when the graph runs. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type TypedArray =
  | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export type Attr =
  | { kind: 'int'; v: number }
  | { kind: 'float'; v: number }
  | { kind: 'ints'; v: number[] }
  | { kind: 'floats'; v: number[] }
  | { kind: 'string'; v: string }
  | { kind: 'tensor'; dtype: DType; dims: number[]; data: TypedArray };

export const attr = {
  int: (v: number): Attr => ({ kind: 'int', v }),
  float: (v: number): Attr => ({ kind: 'float', v }),
  ints: (v: number[]): Attr => ({ kind: 'ints', v }),
  floats: (v: number[]): Attr => ({ kind: 'floats', v }),
  string: (v: string): Attr => ({ kind: 'string', v }),
};

export type TensorSource =
  | { kind: 'input' }
  | { kind: 'const'; data: TypedArray }
  | { kind: 'node'; node: Node; index: number };

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly source: TensorSource,
    /** Name for graph inputs and constants; node outputs get `t<id>` unless exported under a name. */
    readonly name: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  get isFloat(): boolean {
    return this.dtype === 'float32' || this.dtype === 'float64';
  }

  toString(): string {
    return `${this.name}:${this.dtype}[${this.shape.join(',')}]`;
  }
}

export interface Node {
  readonly id: number;
  readonly op: string;
  /** null marks an omitted optional input. */
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: Tensor[];
  readonly attrs: Readonly<Record<string, Attr>>;
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

/** How `Graph.param` turns a parameter into a tensor: a graph input, a slice of a flat vector, … */
export interface ParamBinding {
  resolve(g: Graph, spec: ParamSpec): Tensor;
}

export interface GraphOptions {
  /** Float type of parameters, constants and float inputs (float64 for gradient checks). */
  float?: 'float32' | 'float64';
  /** Train mode turns on dropout and batch statistics; eval mode uses running statistics. */
  training?: boolean;
  /** Base seed for in-graph randomness (dropout). */
  seed?: number;
  params?: ParamBinding;
  name?: string;
  /**
   * Replaces a graph input by a computed tensor (e.g. export folds embedding tables in: the
   * gathered-rows input becomes Gather(table, ids)). Return null to keep the plain input.
   */
  substitute?: (g: Graph, name: string, dtype: DType, shape: Shape) => Tensor | null;
}

/** Params bound as graph inputs named after the parameter (for gradient checks and tests). */
export const inputParamBinding: ParamBinding = {
  resolve(g, spec) {
    return g.rawInput(spec.name, g.float, spec.shape);
  },
};

export class Graph {
  readonly float: 'float32' | 'float64';
  readonly training: boolean;
  readonly seed: number;
  readonly name: string;
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly consts: Tensor[] = [];
  /** Exported outputs in declaration order: name → tensor. */
  readonly outputs = new Map<string, Tensor>();
  /** Parameters met while building, by name, with the tensor each one resolved to. */
  readonly params = new Map<string, { spec: ParamSpec; tensor: Tensor }>();
  /** State updates (e.g. batch-norm running statistics): state name → new value. */
  readonly stateUpdates = new Map<string, Tensor>();
  private readonly binding: ParamBinding;
  private readonly substitute: GraphOptions['substitute'];
  private nextId = 0;
  private randomCounter = 0;
  private readonly scalarCache = new Map<string, Tensor>();
  private readonly inputNames = new Set<string>();

  constructor(opts: GraphOptions = {}) {
    this.float = opts.float ?? 'float32';
    this.training = opts.training ?? false;
    this.seed = opts.seed ?? 0;
    this.name = opts.name ?? 'liverank';
    this.binding = opts.params ?? inputParamBinding;
    this.substitute = opts.substitute;
  }

  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.inputNames.has(name)) throw new Error(`graph input "${name}" declared twice`);
    if (this.substitute) {
      const sub = this.substitute(this, name, dtype, shape);
      if (sub) {
        this.inputNames.add(name);
        return sub;
      }
    }
    return this.rawInput(name, dtype, shape);
  }

  /** A graph input that bypasses `substitute`. */
  rawInput(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.inputs.some((t) => t.name === name)) throw new Error(`graph input "${name}" declared twice`);
    this.inputNames.add(name);
    const t = new Tensor(this, this.nextId++, dtype, [...shape], { kind: 'input' }, name);
    this.inputs.push(t);
    return t;
  }

  /** A named parameter. Declaring the same name twice returns the same tensor (weight sharing). */
  param(spec: ParamSpec): Tensor {
    const prev = this.params.get(spec.name);
    if (prev) {
      if (prev.spec.shape.join(',') !== spec.shape.join(',')) {
        throw new Error(`parameter "${spec.name}" declared with shape [${spec.shape}] and [${prev.spec.shape}]`);
      }
      return prev.tensor;
    }
    const tensor = this.binding.resolve(this, spec);
    this.params.set(spec.name, { spec, tensor });
    return tensor;
  }

  constant(data: TypedArray, shape: Shape, dtype: DType, name?: string): Tensor {
    const id = this.nextId++;
    const t = new Tensor(this, id, dtype, [...shape], { kind: 'const', data }, name ?? `c${id}`);
    this.consts.push(t);
    return t;
  }

  /** A cached scalar constant of the given dtype (default: the graph's float type). */
  scalar(v: number, dtype: DType = this.float): Tensor {
    const key = `${dtype}:${Object.is(v, -0) ? '-0' : v}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant(typedArrayOf(dtype, [v]), [], dtype);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A cached 1-D int64 constant (axes, shapes, split sizes). */
  ints(v: readonly number[]): Tensor {
    const key = `i64:${v.join(',')}`;
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant(typedArrayOf('int64', v), [v.length], 'int64');
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** Append a node; output shapes are given by the op builder (which does the shape inference). */
  addNode(op: string, inputs: (Tensor | null)[], attrs: Record<string, Attr>, outs: OutputSpec[]): Tensor[] {
    for (const t of inputs) {
      if (t && t.graph !== this) throw new Error(`${op}: input ${t} belongs to another graph`);
    }
    const node: Node = { id: this.nextId++, op, inputs, attrs, outputs: [] };
    outs.forEach((o, index) => {
      const id = this.nextId++;
      node.outputs.push(new Tensor(this, id, o.dtype, [...o.shape], { kind: 'node', node, index }, `t${id}`));
    });
    this.nodes.push(node);
    return node.outputs;
  }

  /** Declare a graph output under a name. */
  output(name: string, t: Tensor): Tensor {
    if (this.outputs.has(name)) throw new Error(`graph output "${name}" declared twice`);
    if (t.graph !== this) throw new Error(`output "${name}" belongs to another graph`);
    this.outputs.set(name, t);
    return t;
  }

  /** Record the new value of a state tensor (a non-trainable parameter such as a running mean). */
  updateState(name: string, value: Tensor): void {
    if (!this.params.has(name)) throw new Error(`updateState: unknown state "${name}"`);
    this.stateUpdates.set(name, value);
  }

  /** A fresh seed for an in-graph random op, derived from the graph seed. */
  nextRandomSeed(): number {
    return (this.seed * 1000003 + 7919 * ++this.randomCounter) % 2147483647;
  }
}

export function typedArrayOf(dtype: DType, values: ArrayLike<number>): TypedArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (x) => BigInt(Math.trunc(x))));
    case 'bool': return Uint8Array.from(values, (x) => (x ? 1 : 0));
  }
}

export function allocTyped(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  return 'bool';
}

export function shapeStr(s: Shape): string {
  return `[${s.join(', ')}]`;
}

/** Number of elements if every dim is a number, else null. */
export function staticSize(s: Shape): number | null {
  let n = 1;
  for (const d of s) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}
