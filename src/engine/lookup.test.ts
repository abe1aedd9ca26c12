// lookupRows: runs of one-id parts on the same table share one Gather; values equal per-part gathers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from './graph.js';
import { lookupRows, type LookupPart } from './lookup.js';
import { Runner } from './runtime.js';

test('lookupRows: consecutive one-id parts of a table are gathered together, pooled parts and order kept', async () => {
  const B = 3, L = 2;
  const tables: Record<string, { rows: number; dim: number; data: Float32Array }> = {
    t1: { rows: 5, dim: 2, data: Float32Array.from({ length: 10 }, (_, i) => i + 0.5) },
    t2: { rows: 4, dim: 3, data: Float32Array.from({ length: 12 }, (_, i) => -i) },
  };
  const parts: LookupPart[] = [
    { ids: 'a', table: 't1' }, { ids: 'b', table: 't1' }, { ids: 'c', table: 't2' },
    { ids: 'm', table: 't1', pooling: 'sum', length: L }, { ids: 'd', table: 't1' },
  ];
  const g = new Graph({ name: 'lookup' });
  const tableOf = (n: string) => g.inputs.find((t) => t.name === n) ?? g.rawInput(n, 'float32', [tables[n]!.rows, tables[n]!.dim]);
  g.output('emb', lookupRows(g, parts, tableOf, 'int32', ['B', 2 + 2 + 3 + 2 + 2]));
  assert.equal(g.nodes.filter((n) => n.op === 'Gather').length, 4, 'a+b share one Gather; c, m, d one each');
  const ids: Record<string, Int32Array> = { a: Int32Array.of(0, 4, 2), b: Int32Array.of(1, 1, 3), c: Int32Array.of(3, 0, 2), d: Int32Array.of(2, 2, 0), m: Int32Array.of(0, 1, 2, 3, 4, 0) };
  const mask = Float32Array.of(1, 1, 1, 0, 0, 1);
  const run = await Runner.fromGraph(g);
  const out = (await run.run({
    t1: { data: tables.t1!.data, dims: [5, 2] }, t2: { data: tables.t2!.data, dims: [4, 3] },
    a: { data: ids.a!, dims: [B] }, b: { data: ids.b!, dims: [B] }, c: { data: ids.c!, dims: [B] }, d: { data: ids.d!, dims: [B] },
    m: { data: ids.m!, dims: [B, L] }, m_mask: { data: mask, dims: [B, L] },
  })).emb!.data as Float32Array;
  const row = (t: string, r: number) => Array.from(tables[t]!.data.subarray(r * tables[t]!.dim, (r + 1) * tables[t]!.dim));
  for (let b = 0; b < B; b++) {
    const pooled = [0, 0];
    for (let j = 0; j < L; j++) if (mask[b * L + j]) row('t1', ids.m![b * L + j]!).forEach((v, k) => { pooled[k] += v; });
    const want = [...row('t1', ids.a![b]!), ...row('t1', ids.b![b]!), ...row('t2', ids.c![b]!), ...pooled, ...row('t1', ids.d![b]!)];
    assert.deepEqual(Array.from(out.subarray(b * 11, (b + 1) * 11)), want, `row ${b}`);
  }
});

test('an embedding table in a wasm arena is fed to ORT as is (a view on the wasm memory)', async () => {
  const { EmbeddingTable } = await import('../embedding/table.js');
  const t = new EmbeddingTable({ name: 'e', rows: 50, dim: 4, seed: 1, gradBuffer: 'row' });
  assert.ok(t.arena, 'the table lives in an arena');
  const g = new Graph({ name: 'arena-feed' });
  g.output('emb', lookupRows(g, [{ ids: 'a', table: 'e' }], () => g.inputs.find((x) => x.name === 'e') ?? g.rawInput('e', 'float32', [50, 4]), 'int32', ['B', 4]));
  const ids = Int32Array.of(7, 0, 49);
  const out = (await (await Runner.fromGraph(g)).run({ e: { data: t.values, dims: [50, 4] }, a: { data: ids, dims: [3] } })).emb!.data as Float32Array;
  const want = new Float32Array(12);
  t.gather(ids, want);
  assert.deepEqual(out, want);
});
