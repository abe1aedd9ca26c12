// The wasm kernels: the committed bytes are the .wat source compiled; tables in an arena update
// bit-identically to the plain-JS kernels (lazy Adam, both bias corrections, l2, scale, lr changes,
// duplicate ids, 'auto' switching); tables the kernel cannot take fall back to plain arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../../util/rng.js';
import { EmbeddingTable, type EmbeddingTableConfig } from '../table.js';
import { Arena, wasmAvailable } from './arena.js';
import { compileWat } from '../../util/wasm/compile-wat.js';
import { KERNELS_WASM_BASE64 } from './kernels.bytes.js';

test('kernels.bytes.ts is kernels.wat compiled (run `npm run build:wasm` after editing the .wat)', async () => {
  const wat = readFileSync(new URL('./kernels.wat', import.meta.url), 'utf8');
  assert.equal(Buffer.from(await compileWat(wat)).toString('base64'), KERNELS_WASM_BASE64);
});

test('arena: aligned views into one memory, holds(), out-of-space error', () => {
  assert.ok(wasmAvailable(), 'Node 20 has WebAssembly SIMD');
  const a = new Arena(1024);
  const x = a.f32(3), y = a.f64(2), z = a.i32(5);
  assert.ok(a.holds(x) && a.holds(y) && a.holds(z) && !a.holds(new Float32Array(3)));
  assert.deepEqual([x.byteOffset, y.byteOffset, z.byteOffset], [0, 16, 32]);
  assert.throws(() => a.f32(1000), /arena: out of space \(4064 > 1024 bytes\)/);
});

function run(cfg: Omit<EmbeddingTableConfig, 'name'>, wasm: boolean, steps: number, B: number, seed: number) {
  const t = new EmbeddingTable({ name: 't', seed: 3, ...cfg, wasm });
  const r = new Rng(seed);
  for (let s = 0; s < steps; s++) {
    // two fields share the table (duplicate rows within and across fields)
    const ids = [0, 1].map(() => Int32Array.from({ length: B }, () => r.int(Math.min(cfg.rows, B))));
    const grad = Float32Array.from({ length: B * 2 * cfg.dim }, () => r.normal());
    if (s % 2) t.accumulateFields(ids, grad, [0, cfg.dim], 2 * cfg.dim);
    else ids.forEach((id, f) => t.accumulate(id, grad, f * cfg.dim, 2 * cfg.dim));
    t.step({ scale: s % 2 ? 0.7 : 1, lr: 0.01 * (1 + (s % 3)) });
  }
  return t;
}

test('lazy Adam in the arena is bit-identical to the JS kernel', () => {
  const cases: Omit<EmbeddingTableConfig, 'name'>[] = [
    { rows: 300, dim: 16, optimizer: { kind: 'adam', biasCorrection: 'global' }, gradBuffer: 'row' },
    { rows: 300, dim: 6, optimizer: { kind: 'adam', biasCorrection: 'row' }, gradBuffer: 'row', l2: 0.01 },
    { rows: 1000, dim: 8, optimizer: { kind: 'adam', beta1: 0.8, eps: 1e-6 } }, // 'auto': slot first, then row
  ];
  for (const c of cases) {
    const w = run(c, true, 12, 200, 7), j = run(c, false, 12, 200, 7);
    assert.ok(w.arena && !j.arena, `arena used for ${JSON.stringify(c)}`);
    assert.deepEqual(w.values, j.values, 'values');
    const sw = w.optimizer.stateArrays(), sj = j.optimizer.stateArrays();
    for (const k of Object.keys(sj)) assert.deepEqual(sw[k], sj[k], k);
    assert.notDeepEqual(w.values, new EmbeddingTable({ name: 't', seed: 3, ...c }).values, 'the tables did train');
  }
  assert.equal(run(cases[2]!, true, 12, 200, 7).gradBufferMode, 'row', "'auto' reached row mode (the wasm path)");
});

test('accumulateFields: the same sums in an arena as in plain arrays, over one or several chunks (rows wider than the staging area: JS path), errors named', () => {
  const D = 4, F = 3, B = 50, stride = 20000; // > 16384 floats per row: the JS path
  for (const st of [12, 1000, stride]) {
    const r = new Rng(st);
    const ids = Array.from({ length: F }, () => Int32Array.from({ length: B }, () => r.int(30)));
    const grad = Float32Array.from({ length: B * st }, () => r.normal());
    const tables = [true, false].map((wasm) => new EmbeddingTable({ name: 't', rows: 40, dim: D, gradBuffer: 'row', wasm }));
    for (const t of tables) { t.accumulateFields(ids, grad, [0, 4, 8], st); t.step(); }
    assert.deepEqual(tables[0]!.values, tables[1]!.values, `stride ${st}`);
  }
  const t = new EmbeddingTable({ name: 'e', rows: 10, dim: 2 });
  assert.throws(() => t.accumulateFields([Int32Array.of(1, 2), Int32Array.of(1)], new Float32Array(8), [0, 2], 4), /"e": accumulateFields: field 1 has 1 ids, field 0 has 2/);
  assert.throws(() => t.accumulateFields([Int32Array.of(1, 12)], new Float32Array(8), [0], 4), /"e": row id 12 at position 1 is out of range/);
  assert.throws(() => t.accumulateFields([Int32Array.of(1, 2)], new Float32Array(8), [3], 4), /"e": accumulateFields: field 0's offset 3 \+ dim 2 exceeds the row stride 4/);
});

test("an 'auto' table moves into its arena when it first switches to 'row' mode, keeping its state", () => {
  const make = (wasm: boolean) => new EmbeddingTable({ name: 't', rows: 1000, dim: 8, seed: 2, wasm });
  const stepOnce = (t: EmbeddingTable, r: Rng) => {
    t.accumulate(Int32Array.from({ length: 300 }, () => r.int(1000)), Float32Array.from({ length: 2400 }, () => r.normal()));
    t.step();
  };
  const t = make(true), u = make(false), rt = new Rng(1), ru = new Rng(1);
  assert.equal(t.arena, null, "'auto' starts in 'slot' mode with plain arrays");
  stepOnce(t, rt); stepOnce(u, ru); // a 'slot' step; ~26 % of the rows touched → switch to 'row'
  assert.equal(t.gradBufferMode, 'row');
  const arena = t.arena as Arena | null;
  assert.ok(arena && arena.holds(t.values) && arena.holds(t.optimizer.stateArrays()['m']!), 'values and moments moved');
  assert.deepEqual(t.values, u.values, 'contents kept');
  for (let s = 0; s < 3; s++) { stepOnce(t, rt); stepOnce(u, ru); }
  assert.deepEqual(t.values, u.values);
  assert.deepEqual(t.optimizer.stateArrays()['v'], u.optimizer.stateArrays()['v']);
});

test('tables the kernel cannot take use plain arrays', () => {
  const plain: Omit<EmbeddingTableConfig, 'name'>[] = [
    { rows: 100, dim: 5 }, // odd dim
    { rows: 100, dim: 8, optimizer: { kind: 'adagrad' } },
    { rows: 100, dim: 8, gradBuffer: 'slot' },
    { rows: 2 ** 21, dim: 16 }, // too big for the row buffer
  ];
  for (const c of plain) assert.equal(new EmbeddingTable({ name: 't', gradBuffer: c.gradBuffer ?? 'row', ...c }).arena, null, JSON.stringify(c));
});
