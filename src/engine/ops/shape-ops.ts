// Shape manipulation: reshape, transpose, (un)squeeze, expand, concat, split, slice, gather, pad.
import { attr, type Dim, type Shape, type Tensor, shapeStr } from '../graph.js';
import { dimsMul, normAxis, sameGraph } from './shape-util.js';

const INT64_MAX = 9007199254740991; // stands for "to the end" in Slice

/** Product check where both sides are static (or share the same symbols). */
function checkReshape(x: Tensor, target: Shape): void {
  const sig = (s: Shape) => {
    let n = 1;
    const syms: string[] = [];
    for (const d of s) typeof d === 'number' ? (n *= d) : syms.push(d);
    return { n, syms: syms.sort().join('|') };
  };
  const a = sig(x.shape), b = sig(target);
  if (a.syms === b.syms && a.n !== b.n) {
    throw new Error(`Reshape: cannot reshape ${x} to ${shapeStr(target)} (${a.n} vs ${b.n} elements)`);
  }
}

/**
 * Reshape to a shape whose dims are numbers or symbols. A symbol at the same position as in the
 * input is copied (ONNX 0); at most one other symbolic dim is allowed (ONNX −1).
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkReshape(x, shape);
  const spec: number[] = [];
  let inferred = 0;
  shape.forEach((d, i) => {
    if (typeof d === 'number') spec.push(d);
    else if (i < x.rank && x.shape[i] === d) spec.push(0);
    else { spec.push(-1); inferred++; }
  });
  if (inferred > 1) {
    throw new Error(`Reshape: ${x} → ${shapeStr(shape)} has ${inferred} symbolic dims not copied from the input; use reshapeDynamic`);
  }
  if (spec.includes(0) && shape.some((d) => d === 0)) throw new Error('Reshape: zero-sized dims are not supported');
  const g = x.graph;
  return g.addNode('Reshape', [x, g.ints(spec)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Reshape to the runtime shape of `like` (for arbitrary symbolic shapes). */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  sameGraph('Reshape', x, like);
  try {
    return reshape(x, like.shape);
  } catch {
    return x.graph.addNode('Reshape', [x, shapeOf(like)], {}, [{ dtype: x.dtype, shape: like.shape }])[0]!;
  }
}

export function shapeOf(x: Tensor): Tensor {
  return x.graph.addNode('Shape', [x], {}, [{ dtype: 'int64', shape: [x.rank] }])[0]!;
}

export function transpose(x: Tensor, perm: number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new Error(`Transpose: perm [${perm}] is not a permutation of rank ${x.rank}`);
  }
  const shape = perm.map((p) => x.shape[p]!);
  return x.graph.addNode('Transpose', [x], { perm: attr.ints(perm) }, [{ dtype: x.dtype, shape }])[0]!;
}

export function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const outRank = x.rank + axes.length;
  const ax = axes.map((a) => normAxis('Unsqueeze', a, outRank)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < outRank; i++) shape.push(ax.includes(i) ? 1 : x.shape[j++]!);
  const g = x.graph;
  return g.addNode('Unsqueeze', [x, g.ints(ax)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function squeeze(x: Tensor, axes: number[]): Tensor {
  const ax = axes.map((a) => normAxis('Squeeze', a, x.rank));
  for (const a of ax) {
    if (x.shape[a] !== 1) throw new Error(`Squeeze: dim ${a} of ${x} is not 1`);
  }
  const shape = x.shape.filter((_, i) => !ax.includes(i));
  const g = x.graph;
  return g.addNode('Squeeze', [x, g.ints(ax)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Broadcast x to `shape`; symbolic target dims must already be present in x at that position. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const off = shape.length - x.rank;
  if (off < 0) throw new Error(`Expand: target ${shapeStr(shape)} has lower rank than ${x}`);
  const spec = shape.map((d, i) => {
    const xd = i >= off ? x.shape[i - off]! : 1;
    if (typeof d === 'number') {
      if (xd !== 1 && xd !== d) throw new Error(`Expand: cannot expand ${x} to ${shapeStr(shape)}`);
      return d;
    }
    if (xd !== d) throw new Error(`Expand: symbolic dim ${d} not in ${x}; use expandLike`);
    return 1;
  });
  const g = x.graph;
  return g.addNode('Expand', [x, g.ints(spec)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Broadcast x to the runtime shape of `like`. */
export function expandLike(x: Tensor, like: Tensor): Tensor {
  try {
    return expand(x, like.shape);
  } catch {
    return x.graph.addNode('Expand', [x, shapeOf(like)], {}, [{ dtype: x.dtype, shape: like.shape }])[0]!;
  }
}

/**
 * x [1 or N, ...] broadcast along axis 0 to the leading dim of `like` ([N, ...]); x itself when the
 * leading dims already agree. Request-shared values (one row per request, engine/lookup.ts `shared`)
 * meet per-row tensors this way where an op does not broadcast (Concat). x's other dims must be static.
 */
export function expandBatch(x: Tensor, like: Tensor): Tensor {
  sameGraph('Expand', x, like);
  const n = like.shape[0]!;
  if (x.shape[0] === n) return x;
  if (x.shape[0] !== 1) throw new Error(`Expand: ${x} is not one row to broadcast to the ${n} rows of ${like}`);
  const rest = x.shape.slice(1);
  if (!rest.every((d) => typeof d === 'number')) throw new Error(`Expand: ${x} has symbolic dims beyond the first`);
  const g = x.graph;
  const target = concat([slice(shapeOf(like), [0], [1], [0]), g.ints(rest as number[])], 0);
  return g.addNode('Expand', [x, target], {}, [{ dtype: x.dtype, shape: [n, ...rest] }])[0]!;
}

export function concat(ts: Tensor[], axis: number): Tensor {
  if (ts.length === 0) throw new Error('Concat: no inputs');
  sameGraph('Concat', ...ts);
  const r = ts[0]!.rank;
  const a = normAxis('Concat', axis, r);
  let total: Dim = 0;
  for (const t of ts) {
    if (t.rank !== r || t.dtype !== ts[0]!.dtype) throw new Error(`Concat: ${t} does not match ${ts[0]}`);
    t.shape.forEach((d, i) => {
      if (i !== a && d !== ts[0]!.shape[i]) throw new Error(`Concat: ${t} does not match ${ts[0]} off axis ${a}`);
    });
    const d = t.shape[a]!;
    total = typeof total === 'number' && typeof d === 'number' ? total + d : `${total}+${d}`;
  }
  if (ts.length === 1) return ts[0]!;
  const shape = [...ts[0]!.shape];
  shape[a] = total;
  return ts[0]!.graph.addNode('Concat', ts, { axis: attr.int(a) }, [{ dtype: ts[0]!.dtype, shape }])[0]!;
}

/** Split along `axis` into pieces of the given (static) sizes. */
export function split(x: Tensor, sizes: number[], axis: number): Tensor[] {
  const a = normAxis('Split', axis, x.rank);
  const d = x.shape[a]!;
  const sum = sizes.reduce((s, v) => s + v, 0);
  if (typeof d === 'number' && d !== sum) throw new Error(`Split: sizes [${sizes}] do not add up to dim ${a} of ${x}`);
  if (sizes.length === 1) return [x];
  const g = x.graph;
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[a] = s;
    return { dtype: x.dtype, shape };
  });
  return g.addNode('Split', [x, g.ints(sizes)], { axis: attr.int(a) }, outs);
}

/**
 * Split along `axis` into n pieces whose sizes are only known at run time (`sizes`, int64 [n], may
 * hold zeros). Piece i's size along `axis` is `dims[i]` when given, else a fresh symbol.
 */
export function splitBySizes(x: Tensor, sizes: Tensor, n: number, axis: number, dims?: Dim[]): Tensor[] {
  const a = normAxis('Split', axis, x.rank);
  if (sizes.dtype !== 'int64' || sizes.rank !== 1 || (typeof sizes.shape[0] === 'number' && sizes.shape[0] !== n)) {
    throw new Error(`Split: sizes must be int64 [${n}], got ${sizes}`);
  }
  if (dims && dims.length !== n) throw new Error(`Split: ${dims.length} piece dims for ${n} pieces`);
  if (n === 1) return [x];
  const outs = Array.from({ length: n }, (_, i) => {
    const shape = [...x.shape];
    shape[a] = dims?.[i] ?? `${x.name}_part${i}`;
    return { dtype: x.dtype, shape };
  });
  return x.graph.addNode('Split', [x, sizes], { axis: attr.int(a) }, outs);
}

/** Indices that sort the integer vector x ascending (ties keep their order), int64 [n]. */
export function argsort(x: Tensor): Tensor {
  if (x.rank !== 1 || (x.dtype !== 'int64' && x.dtype !== 'int32')) throw new Error(`argsort: expected an integer vector, got ${x}`);
  const k = shapeOf(x);
  const [, idx] = x.graph.addNode('TopK', [x, k], { largest: attr.int(0), sorted: attr.int(1) },
    [{ dtype: x.dtype, shape: x.shape }, { dtype: 'int64', shape: x.shape }]);
  return idx!;
}

/** x[start:end] along each given axis (step 1); end may be omitted (to the end). */
export function slice(x: Tensor, starts: number[], ends: (number | undefined)[], axes: number[]): Tensor {
  const ax = axes.map((a) => normAxis('Slice', a, x.rank));
  const shape = [...x.shape];
  const endsN = ends.map((e) => (e === undefined ? INT64_MAX : e));
  ax.forEach((a, i) => {
    const d = x.shape[a]!;
    const s = starts[i]!, e = endsN[i]!;
    if (typeof d === 'number') {
      const cl = (v: number) => Math.max(0, Math.min(d, v < 0 ? v + d : v));
      shape[a] = Math.max(0, cl(e) - cl(s));
    } else if (s >= 0 && e === INT64_MAX) {
      shape[a] = s === 0 ? d : `${d}-${s}`;
    } else if (s >= 0 && e >= 0) {
      shape[a] = e - s;
    } else {
      throw new Error(`Slice: cannot infer the size of symbolic dim ${d} sliced [${s}:${e}]`);
    }
  });
  const g = x.graph;
  return g.addNode('Slice', [x, g.ints(starts), g.ints(endsN), g.ints(ax)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** Gather along `axis` with int64/int32 indices of any shape. */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`Gather: indices must be integers, got ${indices}`);
  const a = normAxis('Gather', axis, x.rank);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return x.graph.addNode('Gather', [x, indices], { axis: attr.int(a) }, [{ dtype: x.dtype, shape }])[0]!;
}

/** Zero-pad with static `pads` = [begin_0, …, begin_{r−1}, end_0, …, end_{r−1}]. */
export function pad(x: Tensor, pads: number[]): Tensor {
  if (pads.length !== 2 * x.rank) throw new Error(`Pad: need ${2 * x.rank} pads for ${x}`);
  const shape = x.shape.map((d, i) => {
    const extra = pads[i]! + pads[i + x.rank]!;
    if (extra === 0) return d;
    if (typeof d !== 'number') return `${d}+${extra}`;
    return d + extra;
  });
  const g = x.graph;
  return g.addNode('Pad', [x, g.ints(pads)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

/** data with updates added at `indices` ([..., k] int64) — the transpose of GatherND / Gather. */
export function scatterNDAdd(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return data.graph.addNode('ScatterND', [data, indices, updates], { reduction: attr.string('add') },
    [{ dtype: data.dtype, shape: data.shape }])[0]!;
}

/** Zeros with the shape of `like` (static when possible, else from its runtime shape). */
export function zerosLike(like: Tensor): Tensor {
  const g = like.graph;
  const zero = g.scalar(0, like.dtype);
  return expandLike(zero, like);
}

/** The identity in the forward pass; blocks gradients. Lowered away when serialized. */
export function stopGradient(x: Tensor): Tensor {
  return x.graph.addNode('StopGradient', [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

/** Flatten all dims after the first: [B, a, b] → [B, a·b]. */
export function flatten2d(x: Tensor): Tensor {
  if (x.rank === 2) return x;
  const rest = x.shape.slice(1).reduce<Dim>((a, b) => dimsMul(a, b), 1);
  return reshape(x, [x.shape[0]!, rest]);
}

/** Sum of `dy` over the axes broadcast from `shape` (the gradient of broadcasting). */
export function sumToShape(dy: Tensor, target: Tensor): Tensor {
  const shape = target.shape;
  if (dy.shape.length === shape.length && dy.shape.every((d, i) => d === shape[i])) return dy;
  const off = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < off) axes.push(i);
    else if (shape[i - off] === 1 && dy.shape[i] !== 1) axes.push(i);
  }
  // Nodes are added directly (the reduce and linalg builders would make a module cycle).
  const g = dy.graph;
  const kept = dy.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let r = dy;
  if (axes.length === 1 && axes[0] === dy.rank - 2 && dy.isFloat) {
    // A sum over the rows of [..., R, N] (bias gradients) as ones[1, R] · dy: ORT's ReduceSum over
    // a non-trailing axis ran 2.5–4× slower than that product (4.0 vs 1.2 ms on [4096, 1032]).
    r = g.addNode('MatMul', [onesRow(dy, dy.rank - 2), dy], {}, [{ dtype: dy.dtype, shape: kept }])[0]!;
  } else if (axes.length) {
    r = g.addNode('ReduceSum', [dy, g.ints(axes)], { keepdims: attr.int(1) }, [{ dtype: dy.dtype, shape: kept }])[0]!;
  }
  if (off > 0 || r.shape.some((d, i) => d !== shape[i - off])) r = reshapeLike(r, target);
  return r;
}

/** A [1, n] row of ones, n = x's (possibly symbolic) size along `axis`. */
function onesRow(x: Tensor, axis: number): Tensor {
  const g = x.graph, n = x.shape[axis]!;
  const one = g.scalar(1, x.dtype);
  if (typeof n === 'number') return expand(one, [1, n]);
  const shape = concat([g.ints([1]), slice(shapeOf(x), [axis], [axis + 1], [0])], 0);
  return g.addNode('Expand', [one, shape], {}, [{ dtype: x.dtype, shape: [1, n] }])[0]!;
}
