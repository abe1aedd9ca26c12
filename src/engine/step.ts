// The training step as ONE graph: forward, backward (autodiff), global-norm clipping and the
// optimizer update, run once per batch. Parameters and optimizer state flow in and out as flat
// vectors; gradients of chosen inputs (gathered embedding rows) come back for the sparse update.
import { Graph, type GraphOptions, type Tensor } from './graph.js';
import { gradients } from './autodiff.js';
import * as op from './ops/index.js';
import { makeOptimizer, type GraphOptimizer, type OptimizerConfig } from './optim.js';
import { Runner, type Feed, type IOSpec } from './runtime.js';
import { BUFFERS, DiscoveryBinding, FlatBinding, ParameterStore, THETA } from './store.js';
import { GraphThread } from './graph-thread.js';
import { WasmAdamThread, wasmAdamEligible } from './wasm-optim.js';
import { serializeGraph } from './serialize.js';
import './gradients/index.js';

const GRAD_FLAT = 'grad_flat';

export interface ForwardResult {
  /** Scalar training loss (required in training graphs). */
  loss?: Tensor;
  /** Named tensors fetched on every run (predictions, per-task losses, diagnostics). */
  outputs?: Record<string, Tensor>;
  /** Tensors (usually inputs) whose gradient each training step returns as `grad:<key>`. */
  gradInputs?: Record<string, Tensor>;
}

/** Builds the model on a graph; `g.training` tells train from eval mode. */
export type BuildFn = (g: Graph) => ForwardResult;

export interface StepOptions {
  optimizer: OptimizerConfig;
  /** Clip the global gradient norm (dense parameters and gradInputs together) to this value. */
  clipNorm?: number;
  seed?: number;
  store?: ParameterStore;
  threads?: number;
  /** Replaces graph inputs by computed tensors (see GraphOptions.substitute). */
  substitute?: GraphOptions['substitute'];
  /**
   * Run the optimizer update as a second graph on a worker thread, overlapping the JS work passed
   * to `run(…, during)` (the sparse embedding update). Same arithmetic as the single graph. Adam
   * without weight decay or per-parameter learning rates runs there as a wasm kernel instead of an
   * ORT graph (wasm-optim.ts; LIVERANK_WASM=0 keeps the graph).
   */
  optimizerThread?: boolean;
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  outputs: Record<string, Feed>;
  /** Gradient of the loss w.r.t. each gradInput (after clipping), by input name. */
  inputGrads: Record<string, Feed>;
}

const DATA_EXCLUDED = new Set([THETA, BUFFERS]);

/** Register the model's parameters (one throwaway build) and fix the flat layout. */
export function ensureLayout(build: BuildFn, store: ParameterStore, substitute?: GraphOptions['substitute']): void {
  if (store.isFrozen) return;
  build(new Graph({ training: true, params: new DiscoveryBinding(store), substitute }));
  store.freeze();
}

/** New value of every state entry, concatenated in store order (unchanged where not updated). */
function nextBuffers(g: Graph, store: ParameterStore): Tensor | null {
  if (store.numState === 0) return null;
  const parts = [...store.state.values()].map((e) => {
    const upd = g.stateUpdates.get(e.spec.name);
    const t = upd ?? g.param(e.spec);
    return e.spec.shape.length === 1 ? t : op.reshape(t, [e.size]);
  });
  return op.concat(parts, 0);
}

export class TrainStep {
  step = 0;
  private constructor(
    readonly runner: Runner,
    readonly store: ParameterStore,
    readonly optimizer: GraphOptimizer,
    public slots: Float32Array[],
    readonly dataInputs: IOSpec[],
    readonly outputNames: string[],
    readonly gradInputNames: string[],
    private readonly thread: GraphThread | WasmAdamThread | null = null,
  ) {}

  static async create(build: BuildFn, o: StepOptions): Promise<TrainStep> {
    const store = o.store ?? new ParameterStore(o.seed ?? 0);
    ensureLayout(build, store, o.substitute);
    const g = new Graph({ training: true, seed: o.seed ?? 0, params: new FlatBinding(store), name: 'train_step', substitute: o.substitute });
    const res = build(g);
    if (!res.loss) throw new Error('TrainStep: the build function returned no loss in training mode');
    const entries = [...store.trainable.values()];
    const paramTensors = entries.map((e) => g.param(e.spec));
    const gradKeys = Object.keys(res.gradInputs ?? {});
    const gradIns = gradKeys.map((k) => res.gradInputs![k]!);
    const grads = gradients(res.loss, [...paramTensors, ...gradIns]);

    const pieces = entries.map((e, i) => {
      const d = grads[i];
      if (!d) return g.constant(new Float32Array(e.size), [e.size], 'float32');
      return e.spec.shape.length === 1 ? d : op.reshape(d, [e.size]);
    });
    let gflat = op.concat(pieces, 0);
    let inGrads = gradIns.map((t, i) => grads[entries.length + i] ?? op.zerosLike(t));
    const sq = [op.reduceSum(op.mul(gflat, gflat)), ...inGrads.map((d) => op.reduceSum(op.mul(d, d)))];
    const norm = op.sqrt(op.addN(sq));
    if (o.clipNorm) {
      const scale = op.div(o.clipNorm, op.maximum(norm, o.clipNorm));
      gflat = op.mul(gflat, scale);
      inGrads = inGrads.map((d) => op.mul(d, scale));
    }

    const optimizer = makeOptimizer(o.optimizer);
    const P = store.numTrainable;
    const decay = store.perElement((s) => (s.decay ?? s.shape.length >= 2) ? 1 : 0);
    const lrs = store.perElement((s) => s.lrScale ?? 1);
    // The optimizer update: in this graph, or (optimizerThread) in a graph of its own on a worker.
    const addUpdate = (ug: Graph, grad: Tensor) => {
      const theta = ug.inputs.find((t) => t.name === THETA) ?? ug.rawInput(THETA, 'float32', [P]);
      const slotIns = optimizer.slots.map((s) => ug.rawInput(`opt:${s.name}`, 'float32', [P]));
      const scalars: Record<string, Tensor> = {};
      for (const n of optimizer.scalarNames) scalars[n] = ug.rawInput(`opt:${n}`, 'float32', []);
      const upd = optimizer.update({
        theta, grad, slots: slotIns, scalars,
        decayMask: decay ? ug.constant(decay, [P], 'float32', 'decay_mask') : null,
        lrScale: lrs ? ug.constant(lrs, [P], 'float32', 'lr_scale') : null,
      });
      ug.output('theta_next', upd.theta);
      upd.slots.forEach((t, i) => ug.output(`opt:${optimizer.slots[i]!.name}_next`, t));
    };

    g.output('loss', res.loss);
    g.output('grad_norm', norm);
    const outputNames = Object.keys(res.outputs ?? {});
    for (const [k, t] of Object.entries(res.outputs ?? {})) g.output(k, t);
    gradKeys.forEach((k, i) => g.output(`grad:${k}`, inGrads[i]!));
    let thread: GraphThread | WasmAdamThread | null = null;
    if (o.optimizerThread && o.optimizer.type === 'adam' && wasmAdamEligible(o.optimizer, lrs)) {
      try {
        thread = WasmAdamThread.create(P, o.optimizer);
      } catch (e) {
        process.emitWarning(`wasm Adam unavailable, using the update graph on the optimizer thread: ${(e as Error).message}`);
      }
    }
    if (o.optimizerThread && !thread) {
      const ug = new Graph({ training: true, name: 'optimizer_step' });
      addUpdate(ug, ug.rawInput(GRAD_FLAT, 'float32', [P]));
      try {
        // One ORT thread: the main thread's sparse update keeps the other core busy meanwhile.
        thread = await GraphThread.create('optimizer_step', serializeGraph(ug), { threads: 1 });
      } catch (e) {
        process.emitWarning(`optimizer thread unavailable, updating in the step graph instead: ${(e as Error).message}`);
      }
    }
    if (thread) g.output(GRAD_FLAT, gflat);
    else addUpdate(g, gflat);
    const nb = nextBuffers(g, store);
    if (nb) g.output('buffers_next', nb);

    const runner = await Runner.fromGraph(g, { threads: o.threads });
    const slots = thread instanceof WasmAdamThread ? thread.slots : optimizer.slots.map((s) => new Float32Array(P).fill(s.init));
    const dataInputs = runner.inputs.filter((s) => !DATA_EXCLUDED.has(s.name) && !s.name.startsWith('opt:'));
    return new TrainStep(runner, store, optimizer, slots, dataInputs, outputNames, gradKeys, thread);
  }

  /**
   * One optimizer step on a batch. `lr` defaults to the optimizer config's. `during(result)` runs
   * after the gradients are known and before this resolves — with `optimizerThread`, while the
   * dense update runs on its worker (do the sparse embedding update there). The store's θ and the
   * slots are detached while the update is in flight: read them only after `run` resolves.
   */
  async run(feeds: Record<string, Feed>, lr?: number, during?: (r: StepResult) => void | Promise<void>): Promise<StepResult> {
    const t = this.step + 1;
    const all: Record<string, Feed> = { ...feeds, [THETA]: { data: this.store.theta, dims: [this.store.theta.length] } };
    if (this.runner.inputs.some((s) => s.name === BUFFERS)) {
      all[BUFFERS] = { data: this.store.buffers, dims: [this.store.buffers.length] };
    }
    const opt: Record<string, Feed> = {};
    this.optimizer.slots.forEach((s, i) => { opt[`opt:${s.name}`] = { data: this.slots[i]!, dims: [this.slots[i]!.length] }; });
    const sv = this.optimizer.scalarValues(t, lr ?? this.optimizer.config.lr);
    for (const [k, v] of Object.entries(sv)) opt[`opt:${k}`] = { data: Float32Array.of(v), dims: [] };
    const out = await this.runner.run(this.thread ? all : { ...all, ...opt });
    if (out.buffers_next) this.store.buffers = out.buffers_next.data as Float32Array;
    const outputs: Record<string, Feed> = {};
    for (const k of this.outputNames) outputs[k] = out[k]!;
    const inputGrads: Record<string, Feed> = {};
    for (const k of this.gradInputNames) inputGrads[k] = out[`grad:${k}`]!;
    const res = { loss: out.loss!.data[0] as number, gradNorm: out.grad_norm!.data[0] as number, outputs, inputGrads };
    const next = this.thread
      ? this.thread.run({ ...opt, [THETA]: all[THETA]!, [GRAD_FLAT]: out[GRAD_FLAT]! }, this.updateOutputs)
      : out;
    try {
      if (during) await during(res);
    } finally {
      const u = await next;
      this.step = t;
      this.store.theta = u.theta_next!.data as Float32Array;
      this.slots = this.optimizer.slots.map((s) => u[`opt:${s.name}_next`]!.data as Float32Array);
    }
    return res;
  }

  private get updateOutputs(): string[] {
    return ['theta_next', ...this.optimizer.slots.map((s) => `opt:${s.name}_next`)];
  }

  /** Stops the optimizer's worker thread, if any (the step cannot run afterwards). */
  async dispose(): Promise<void> {
    await this.thread?.dispose();
  }
}

/** The forward graph in eval mode over the store's current values (no new graph per step). */
export class Evaluator {
  private constructor(readonly runner: Runner, readonly store: ParameterStore) {}

  static async create(build: BuildFn, store: ParameterStore, o: { threads?: number; substitute?: GraphOptions['substitute'] } = {}): Promise<Evaluator> {
    ensureLayout(build, store, o.substitute);
    const g = new Graph({ training: false, params: new FlatBinding(store), name: 'eval', substitute: o.substitute });
    const res = build(g);
    for (const [k, t] of Object.entries(res.outputs ?? {})) g.output(k, t);
    if (res.loss) g.output('loss', res.loss);
    return new Evaluator(await Runner.fromGraph(g, { threads: o.threads }), store);
  }

  get dataInputs(): IOSpec[] {
    return this.runner.inputs.filter((s) => !DATA_EXCLUDED.has(s.name));
  }

  async run(feeds: Record<string, Feed>, fetch?: string[]): Promise<Record<string, Feed>> {
    const all: Record<string, Feed> = { ...feeds };
    if (this.runner.inputs.some((s) => s.name === THETA)) all[THETA] = { data: this.store.theta, dims: [this.store.theta.length] };
    if (this.runner.inputs.some((s) => s.name === BUFFERS)) all[BUFFERS] = { data: this.store.buffers, dims: [this.store.buffers.length] };
    return this.runner.run(all, fetch);
  }
}
