// MMoE and PLE are written plainly (one `linear` per gate, one `parallelMlp` per expert bank); the
// serializer merges the layers that read the same tensor (src/engine/sibling-gemms.ts). These tests
// pin down which ones the training step of each model gets merged — what the models used to group
// by hand with linearGroup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { Graph } from '../engine/graph.js';
import * as op from '../engine/ops/index.js';
import { gradients } from '../engine/autodiff.js';
import { serializeGraph } from '../engine/serialize.js';
import '../engine/gradients/index.js';
import type { InputLayout, TaskInfo } from './base.js';
import { forward } from './assemble.js';
import { resolveModel } from './registry.js';

const layout: InputLayout = {
  fields: [{ name: 'a', dim: 8, offset: 0 }, { name: 'b', dim: 8, offset: 8 }],
  denseWidth: 3,
};
const tasks: TaskInfo[] = ['t1', 't2', 't3'].map((name) => ({ name, kind: 'binary' }));

/** Forward + gradients of every parameter and of the gathered embeddings (parameters as graph inputs named after them). */
function stepGraph(section: Record<string, unknown>): Graph {
  const g = new Graph({ training: true });
  const f = forward(g, resolveModel(section, tasks), layout, tasks);
  const loss = op.addN(tasks.map((t) => op.reduceSum(op.mul(f.out.logits[t.name]!, f.out.logits[t.name]!))));
  const params = [...g.params.values()].map((p) => p.tensor).concat(f.inputs.emb!); // the trainer wants the embeddings' gradient too
  g.output('loss', loss);
  gradients(loss, params).forEach((d, i) => d && g.output(`grad:${params[i]!.name}`, d));
  return g;
}

/** The weight lists of merged products (Gemms whose B is a Concat), with whether B is transposed. */
function mergedProducts(g: Graph): string[] {
  const nodes = onnxProto.onnx.ModelProto.decode(serializeGraph(g)).graph!.node!;
  const byOut = new Map(nodes.flatMap((n) => n.output!.map((o) => [o, n] as const)));
  return nodes.filter((n) => n.opType === 'Gemm').flatMap((n) => {
    const b = byOut.get(n.input![1]!);
    if (b?.opType !== 'Concat' || !b.input!.every((i) => g.params.has(i))) return [];
    const transB = n.attribute!.some((a) => a.name === 'transB' && Number(a.i) === 1);
    return [`${transB ? 'dx ' : ''}${b.input!.join(' + ')}`];
  });
}

test('MMoE: the gates share one Gemm (forward and input gradient); the expert bank (≥ 3/4 of the columns) keeps its own', () => {
  const gates = 'mmoe.gate.t1.weight + mmoe.gate.t2.weight + mmoe.gate.t3.weight';
  assert.deepEqual(mergedProducts(stepGraph({ type: 'mmoe', experts: 4, expert: [32, 16], tower: [8] })), [gates, `dx ${gates}`]);
});

test('PLE: level 0 reads one tensor with every bank and gate: one Gemm; at level 1 each bank and gate stay apart', () => {
  const l0 = [
    'ple.l0.experts.t1.0.weight', 'ple.l0.experts.t2.0.weight', 'ple.l0.experts.t3.0.weight', 'ple.l0.experts.shared.0.weight',
    'ple.l0.gate.t1.weight', 'ple.l0.gate.t2.weight', 'ple.l0.gate.t3.weight', 'ple.l0.gate.shared.weight',
  ].join(' + ');
  const cfg = { type: 'ple', levels: 2, shared_experts: 2, task_experts: 1, expert: [16], tower: [8] };
  assert.deepEqual(mergedProducts(stepGraph(cfg)), [l0, `dx ${l0}`]);
  // Narrower banks no longer dominate their gates (4 · 8 < 3 · (8 + 3)), but a level-1 input is one
  // expert wide, so a bank and its gate hold more columns (8 + 3) than the input pass they would save
  // (8): level 1 stays apart all the same.
  assert.deepEqual(mergedProducts(stepGraph({ ...cfg, expert: [8] })).filter((s) => s.includes('.l1.')), []);
});
