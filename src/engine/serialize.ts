// Graph → ONNX ModelProto bytes (opset 18, IR 8). Only the nodes the declared outputs need are
// written; StopGradient is lowered to a rename; Softplus is expanded in float64 graphs (ORT's CPU
// build has no double kernel for it). Lowerings, in order: sibling Gemms merged (sibling-gemms.ts),
// then per node: Expands elided, leading-axis sums, row blocks.
import onnxProto from 'onnx-proto';
import type { Graph, Node, Tensor, Attr, Shape, TypedArray } from './graph.js';
import { onnxTypeCode } from './ops/elementwise.js';
import { elidableExpands } from './elide-expand.js';
import { neededNodes } from './graph-walk.js';
import { emitRowBatched, emitRowBlocked, rowBlockedGemms } from './row-blocks.js';
import { emitLeadingSum, leadingSum } from './lead-sum.js';
import { mergeSiblingGemms, type SiblingOptions } from './sibling-gemms.js';

const { onnx } = onnxProto;
export const OPSET = 18;
const SIMPLE_SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `plainGemms` / `mergeFloat64`: sibling Gemms sharing an input (sibling-gemms.ts). */
export interface SerializeOptions extends SiblingOptions {
  /** Key/value metadata stored in the model. */
  metadata?: Record<string, string>;
  docString?: string;
  /** Emit every Expand even where its consumers broadcast anyway (see elide-expand.ts; for tests). */
  keepExpands?: boolean;
  /**
   * Emit batch-sized float32 Gemms in row blocks (row-blocks.ts; default false). The Runner
   * serializes both forms and picks by batch size.
   */
  rowBlocks?: boolean;
  /** Emit leading-axis ReduceSums as ReduceSum instead of a product with ones (see lead-sum.ts). */
  plainReduceSums?: boolean;
}

function rawBytes(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function tensorProto(name: string, t: { dtype: Tensor['dtype']; dims: number[]; data: TypedArray }) {
  return onnx.TensorProto.create({
    name, dims: t.dims, dataType: onnxTypeCode(t.dtype), rawData: rawBytes(t.data),
  });
}

function attrProto(name: string, a: Attr) {
  switch (a.kind) {
    case 'int': return onnx.AttributeProto.create({ name, type: 2, i: a.v });
    case 'float': return onnx.AttributeProto.create({ name, type: 1, f: a.v });
    case 'string': return onnx.AttributeProto.create({ name, type: 3, s: new TextEncoder().encode(a.v) });
    case 'ints': return onnx.AttributeProto.create({ name, type: 7, ints: a.v });
    case 'floats': return onnx.AttributeProto.create({ name, type: 6, floats: a.v });
    case 'tensor': return onnx.AttributeProto.create({ name, type: 4, t: tensorProto('', a) });
  }
}

function valueInfo(name: string, dtype: Tensor['dtype'], shape: Shape, strict: boolean) {
  const dim = shape.map((d) => {
    if (typeof d === 'number') return { dimValue: d };
    if (SIMPLE_SYMBOL.test(d)) return { dimParam: d };
    if (strict) throw new Error(`graph input "${name}": symbolic dim "${d}" must be a plain name`);
    return {};
  });
  return onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: onnxTypeCode(dtype), shape: { dim } } },
  });
}

export function serializeGraph(g: Graph, opts: SerializeOptions = {}): Uint8Array {
  if (g.outputs.size === 0) throw new Error('serializeGraph: the graph declares no outputs');
  const roots = [...g.outputs.values()];
  const kept = new Set(roots.map((t) => t.id));
  const { nodes, consts: loweredConsts } = mergeSiblingGemms(neededNodes(g, roots), kept, opts);
  const alias = new Map<number, string>(); // tensor id → name used in the proto
  const nameOf = (t: Tensor): string => alias.get(t.id) ?? t.name;

  // Output names: rename the producing node's output when possible.
  const identityOut: { from: Tensor; name: string }[] = [];
  const claimed = new Set<number>();
  for (const [name, t] of g.outputs) {
    if (t.source.kind === 'node' && !claimed.has(t.id) && t.source.node.op !== 'StopGradient') {
      alias.set(t.id, name);
      claimed.add(t.id);
    } else {
      identityOut.push({ from: t, name });
    }
  }

  const protoNodes: ReturnType<typeof onnx.NodeProto.create>[] = [];
  let tmp = 0;
  const emit = (op: string, ins: string[], outs: string[], attrs: Record<string, Attr> = {}) => {
    protoNodes.push(onnx.NodeProto.create({
      opType: op, input: ins, output: outs, name: `n${protoNodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attrProto(k, v)),
    }));
  };
  const extraInits: ReturnType<typeof tensorProto>[] = [];
  const init = (dtype: Tensor['dtype'], dims: number[], data: TypedArray) => {
    const name = `__lit${tmp++}`;
    extraInits.push(tensorProto(name, { dtype, dims, data }));
    return name;
  };
  const lit = (v: number, dtype: Tensor['dtype']) => init(dtype, [], dtype === 'float64' ? Float64Array.of(v) : Float32Array.of(v));
  const ints = (v: number[]) => init('int64', [v.length], BigInt64Array.from(v, BigInt));
  const ones = (n: number) => init('float32', [1, n], new Float32Array(n).fill(1));
  const lowerSums = !opts.plainReduceSums && process.env.LIVERANK_PLAIN_REDUCESUM !== '1';

  const elided = opts.keepExpands ? new Map<number, Tensor>() : elidableExpands(nodes, kept);
  const blocked = opts.rowBlocks ? rowBlockedGemms(nodes, kept) : new Map();
  const absorbed = new Set<number>([...blocked.values()].flatMap((p) => (p.relu ? [p.relu.id] : [])));
  for (const n of nodes) {
    if (elided.has(n.outputs[0]?.id ?? -1) || absorbed.has(n.id)) continue;
    const ins = n.inputs.map((t) => (t ? nameOf(elided.get(t.id) ?? t) : ''));
    while (ins.length && ins[ins.length - 1] === '') ins.pop();
    const outs = n.outputs.map(nameOf);
    if (n.op === 'StopGradient' || n.op === 'Identity') {
      if (claimed.has(n.outputs[0]!.id)) emit('Identity', ins, outs);
      else alias.set(n.outputs[0]!.id, ins[0]!);
      continue;
    }
    if (n.op === 'Softplus' && n.inputs[0]!.dtype === 'float64') {
      // softplus(x) = relu(x) + log(1 + exp(−|x|))
      const x = ins[0]!, p = `__sp${tmp++}`;
      emit('Relu', [x], [`${p}_r`]);
      emit('Abs', [x], [`${p}_a`]);
      emit('Neg', [`${p}_a`], [`${p}_n`]);
      emit('Exp', [`${p}_n`], [`${p}_e`]);
      emit('Add', [`${p}_e`, lit(1, 'float64')], [`${p}_1`]);
      emit('Log', [`${p}_1`], [`${p}_l`]);
      emit('Add', [`${p}_r`, `${p}_l`], outs);
      continue;
    }
    const lead = lowerSums ? leadingSum(n) : null;
    if (lead !== null) {
      const keep = n.attrs.keepdims?.kind === 'int' ? n.attrs.keepdims.v === 1 : true;
      emitLeadingSum(emit, ints, ones, `__ls${tmp++}`, ins[0]!, lead, keep, outs[0]!);
      continue;
    }
    const plan = blocked.get(n.id);
    if (plan) {
      const out = plan.relu ? nameOf(plan.relu.outputs[0]!) : outs[0]!;
      const a = n.attrs as Record<string, Attr>;
      const plain = !plan.relu && ins.length === 2 && !a.alpha && !a.beta;
      if (plain) {
        const transB = a.transB?.kind === 'int' && a.transB.v === 1;
        const [K, N] = (transB ? [...n.inputs[1]!.shape].reverse() : n.inputs[1]!.shape) as number[];
        emitRowBatched(emit, ints, `__rb${tmp++}`, ins, transB, K!, N!, out);
      } else {
        emitRowBlocked(emit, ints, `__rb${tmp++}`, ins, a, plan.relu !== null, out);
      }
      continue;
    }
    emit(n.op, ins, outs, n.attrs as Record<string, Attr>);
  }
  for (const { from, name } of identityOut) emit('Identity', [nameOf(from)], [name]);

  const usedNames = new Set<string>();
  for (const pn of protoNodes) for (const i of pn.input) usedNames.add(i);
  const initializer = [
    ...[...g.consts, ...loweredConsts]
      .filter((c) => usedNames.has(c.name))
      .map((c) => tensorProto(c.name, {
        dtype: c.dtype, dims: c.shape as number[], data: (c.source as { data: TypedArray }).data,
      })),
    ...extraInits,
  ];
  // Every declared input is kept (callers feed them), even when unused.
  const input = g.inputs.map((t) => valueInfo(t.name, t.dtype, t.shape, true));
  const output = [...g.outputs].map(([name, t]) => valueInfo(name, t.dtype, t.shape, false));

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'liverank',
    producerVersion: '0.1',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: opts.docString ?? '',
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: { name: g.name, node: protoNodes, initializer, input, output },
  });
  return onnx.ModelProto.encode(model).finish();
}
