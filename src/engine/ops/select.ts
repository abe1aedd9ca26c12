// Selection ops: TopK along an axis and GatherElements. They select by index and have no gradient
// rule (used where no gradient is needed: the exported model's SIM soft search, models/seq/).
import { attr, type Tensor } from '../graph.js';
import { normAxis } from './shape-util.js';

/** The k largest (or smallest) entries along `axis`, sorted; indices int64. Ties: lower index first. */
export function topK(x: Tensor, k: number, axis = -1, largest = true): { values: Tensor; indices: Tensor } {
  const a = normAxis('TopK', axis, x.rank);
  const n = x.shape[a];
  if (!Number.isInteger(k) || k < 1 || (typeof n === 'number' && k > n)) throw new Error(`topK: k = ${k} outside [1, ${n}] for ${x}`);
  const shape = x.shape.map((d, i) => (i === a ? k : d));
  const [values, indices] = x.graph.addNode('TopK', [x, x.graph.ints([k])], { axis: attr.int(a), largest: attr.int(largest ? 1 : 0), sorted: attr.int(1) },
    [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }]);
  return { values: values!, indices: indices! };
}

/** out[i][j] = x[i][idx[i][j]] along `axis` (ONNX GatherElements); idx int64 of out's shape. */
export function gatherElements(x: Tensor, idx: Tensor, axis: number): Tensor {
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new Error(`gatherElements: indices must be integers, got ${idx}`);
  if (idx.rank !== x.rank) throw new Error(`gatherElements: indices ${idx} and data ${x} differ in rank`);
  const a = normAxis('GatherElements', axis, x.rank);
  return x.graph.addNode('GatherElements', [x, idx], { axis: attr.int(a) }, [{ dtype: x.dtype, shape: idx.shape }])[0]!;
}
