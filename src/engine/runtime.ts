// Running graphs on onnxruntime-node: one cached session per distinct model, feeds checked against
// the declared input shapes and dtypes before they reach ORT (whose own messages name neither).
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { type DType, type Graph, type Shape, type TypedArray, dtypeOfArray, shapeStr } from './graph.js';
import { serializeGraph, type SerializeOptions } from './serialize.js';
import { blockedRowSymbols, ROW_BLOCK } from './row-blocks.js';

export interface Feed {
  data: TypedArray;
  dims: readonly number[];
}

export interface IOSpec {
  name: string;
  dtype: DType;
  shape: Shape;
}

export interface RunnerOptions {
  /** Intra-op threads (default: ORT's default, all cores). */
  threads?: number;
  /**
   * Run batches of ≥ 2 · ROW_BLOCK rows in a second session whose batch-sized Gemms are split into
   * row blocks (row-blocks.ts; default true, `LIVERANK_WHOLE_GEMMS=1` sets it false).
   */
  rowBlocks?: boolean;
  /** ORT graph optimization level (default 'all'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
}

const sessionCache = new Map<string, Promise<ort.InferenceSession>>();

/** ORT session options for every session liverank creates (also sent to worker threads). */
export function sessionOptions(o: RunnerOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: o.optimization ?? 'all',
    ...(o.threads ? { intraOpNumThreads: o.threads } : {}),
    logSeverityLevel: 3,
    ...(process.env.LIVERANK_ORT_PROFILE ? { enableProfiling: true, profileFilePrefix: process.env.LIVERANK_ORT_PROFILE } : {}),
    extra: {
      ...(process.env.LIVERANK_ORT_SPIN === '1' ? {} : { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } }),
      // Keep the weight gradients' explicit Transpose (gradients/matmul_grad.ts): folded into
      // Gemm's transA it runs slower on batch-sized operands.
      optimization: { disable_specified_optimizers: 'GemmTransposeFusion' },
    },
  };
}

function sessionFor(bytes: Uint8Array, o: RunnerOptions): Promise<ort.InferenceSession> {
  const key = createHash('sha1').update(bytes).update(JSON.stringify(o)).digest('hex');
  let s = sessionCache.get(key);
  if (!s) {
    s = ort.InferenceSession.create(bytes, sessionOptions(o));
    sessionCache.set(key, s);
    s.catch(() => sessionCache.delete(key));
  }
  return s;
}

/** Forget cached sessions (they are released when no runner holds them). */
export function clearSessionCache(): void {
  sessionCache.clear();
}

function ortType(d: DType): ort.Tensor.Type {
  return d === 'float64' ? 'float64' : d;
}

/** Check feeds against declared inputs; symbolic dims must bind consistently across inputs. */
export function checkFeeds(inputs: readonly IOSpec[], feeds: Record<string, Feed>): Map<string, number> {
  const bound = new Map<string, { v: number; by: string }>();
  for (const spec of inputs) {
    const f = feeds[spec.name];
    if (!f) throw new Error(`missing input "${spec.name}": expected ${spec.dtype}${shapeStr(spec.shape)}`);
    const dt = dtypeOfArray(f.data);
    if (dt !== spec.dtype) {
      throw new Error(`input "${spec.name}": expected dtype ${spec.dtype}${shapeStr(spec.shape)}, got ${dt}${shapeStr(f.dims)}`);
    }
    const bad = () => new Error(
      `input "${spec.name}": expected shape ${shapeStr(spec.shape)}, got ${shapeStr(f.dims)}` +
      [...bound].map(([k, b]) => ` (${k}=${b.v} from "${b.by}")`).join(''));
    if (f.dims.length !== spec.shape.length) throw bad();
    let n = 1;
    spec.shape.forEach((d, i) => {
      const v = f.dims[i]!;
      n *= v;
      if (typeof d === 'number') {
        if (d !== v) throw bad();
      } else {
        const b = bound.get(d);
        if (b && b.v !== v) throw bad();
        if (!b) bound.set(d, { v, by: spec.name });
      }
    });
    if (n !== f.data.length) {
      throw new Error(`input "${spec.name}": dims ${shapeStr(f.dims)} need ${n} values, the array has ${f.data.length}`);
    }
  }
  const known = new Set(inputs.map((i) => i.name));
  const extra = Object.keys(feeds).filter((k) => !known.has(k));
  if (extra.length) throw new Error(`unknown input(s) ${extra.map((e) => `"${e}"`).join(', ')}; expected ${[...known].join(', ')}`);
  return new Map([...bound].map(([k, b]) => [k, b.v]));
}

/** A compiled graph: serialize once, run many times. */
export class Runner {
  private blockedSession: Promise<ort.InferenceSession> | null = null;

  private constructor(
    /** The session of the graph as built (batch-sized Gemms whole). */
    readonly session: ort.InferenceSession,
    readonly bytes: Uint8Array,
    readonly inputs: readonly IOSpec[],
    readonly outputs: readonly IOSpec[],
    /** The form with batch-sized Gemms in row blocks (row-blocks.ts), for batches of ≥ 2 blocks. */
    private readonly blocked: { bytes: Uint8Array; symbols: Set<string>; options: RunnerOptions } | null = null,
  ) {}

  static async fromGraph(g: Graph, o: RunnerOptions & SerializeOptions = {}): Promise<Runner> {
    const useBlocks = (o.rowBlocks ?? true) && process.env.LIVERANK_WHOLE_GEMMS !== '1';
    const bytes = serializeGraph(g, { ...o, rowBlocks: false });
    const symbols = useBlocks ? blockedRowSymbols(g, o) : new Set<string>();
    const blocked = symbols.size ? { bytes: serializeGraph(g, { ...o, rowBlocks: true }), symbols, options: o } : null;
    const inputs = g.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
    const outputs = [...g.outputs].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape }));
    return new Runner(await sessionFor(bytes, o), bytes, inputs, outputs, blocked);
  }

  /** The session a batch with these bound dims runs in (made on first use for the blocked form). */
  async sessionForBatch(bound: ReadonlyMap<string, number>): Promise<ort.InferenceSession> {
    const b = this.blocked;
    if (!b || ![...b.symbols].some((s) => (bound.get(s) ?? 0) >= 2 * ROW_BLOCK)) return this.session;
    this.blockedSession ??= sessionFor(b.bytes, b.options);
    return this.blockedSession;
  }

  /** Run; returns the requested outputs (all by default) as fresh typed arrays. */
  async run(feeds: Record<string, Feed>, fetch?: readonly string[]): Promise<Record<string, Feed>> {
    const bound = checkFeeds(this.inputs, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const spec of this.inputs) {
      const f = feeds[spec.name]!;
      ortFeeds[spec.name] = new ort.Tensor(ortType(spec.dtype), f.data as never, f.dims as number[]);
    }
    const names = fetch ? [...fetch] : this.outputs.map((o) => o.name);
    for (const n of names) {
      if (!this.outputs.some((o) => o.name === n)) throw new Error(`unknown output "${n}"`);
    }
    const res = await (await this.sessionForBatch(bound)).run(ortFeeds, names);
    const out: Record<string, Feed> = {};
    for (const n of names) {
      const t = res[n]!;
      out[n] = { data: t.data as TypedArray, dims: t.dims };
    }
    return out;
  }
}
