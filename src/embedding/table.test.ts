import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { EmbeddingTable } from './table.js';
import { NO_ROW } from './mapper.js';
import { pooledBackward } from './pooling.js';

function randGrad(n: number, seed: number): Float32Array {
  const r = new Rng(seed), g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = r.normal();
  return g;
}

test('initializers: seeded, documented default normal(0, 0.01), zeros, uniform bound', () => {
  const a = new EmbeddingTable({ name: 'a', dim: 8, rows: 5000, seed: 1 });
  const b = new EmbeddingTable({ name: 'a', dim: 8, rows: 5000, seed: 1 });
  const c = new EmbeddingTable({ name: 'a', dim: 8, rows: 5000, seed: 2 });
  assert.deepEqual(a.values, b.values);
  assert.notDeepEqual(a.values, c.values);
  let s2 = 0;
  for (const x of a.values) s2 += x * x;
  const std = Math.sqrt(s2 / a.values.length);
  assert.ok(Math.abs(std - 0.01) < 0.0003, `std ${std}`);
  const z = new EmbeddingTable({ name: 'z', dim: 4, rows: 10, init: { kind: 'zeros' } });
  assert.ok(z.values.every((x) => x === 0));
  const u = new EmbeddingTable({ name: 'u', dim: 4, rows: 1000, init: { kind: 'uniform', limit: 0.3 } });
  assert.ok(u.values.every((x) => Math.abs(x) <= 0.3) && u.values.some((x) => Math.abs(x) > 0.29));
  const x = new EmbeddingTable({ name: 'x', dim: 15, rows: 1000, init: { kind: 'xavier' } });
  assert.ok(x.values.every((v) => Math.abs(v) <= Math.sqrt(6 / 16)) && x.values.some((v) => Math.abs(v) > 0.6));
  assert.throws(() => new EmbeddingTable({ name: 'n', dim: 4, rows: 10, init: { kind: 'normal', std: -1 } }), /"n": normal initializer needs a finite std/);
});

test('gather writes an interleaved [B, F·dim] buffer from several tables', () => {
  const d = 4, B = 5;
  const t1 = new EmbeddingTable({ name: 'user', dim: d, rows: 10, seed: 1 });
  const t2 = new EmbeddingTable({ name: 'item', dim: d, rows: 7, seed: 2 });
  // fields: 0 = user (t1), 1 = item (t2), 2 = another item field (t2), plus 3 padding floats per row
  const stride = 3 * d + 3;
  const r0 = Int32Array.from([0, 9, 3, 3, 5]), r1 = Int32Array.from([6, 0, 1, NO_ROW, 2]), r2 = Int32Array.from([2, 2, 2, 2, 2]);
  const out = new Float32Array(B * stride).fill(7);
  t1.gather(r0, out, 0, stride);
  t2.gather(r1, out, d, stride);
  t2.gather(r2, out, 2 * d, stride);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < d; k++) {
      assert.equal(out[b * stride + k], t1.values[r0[b]! * d + k]);
      assert.equal(out[b * stride + d + k], r1[b] === NO_ROW ? 0 : t2.values[r1[b]! * d + k]);
      assert.equal(out[b * stride + 2 * d + k], t2.values[2 * d + k]);
    }
    for (let k = 3 * d; k < stride; k++) assert.equal(out[b * stride + k], 7, 'padding untouched');
  }
  // per-feature layout (default stride = dim)
  const own = new Float32Array(B * d);
  t1.gather(r0, own);
  for (let b = 0; b < B; b++) assert.deepEqual(own.subarray(b * d, b * d + d), t1.values.subarray(r0[b]! * d, r0[b]! * d + d));
});

test('out-of-range row ids and short buffers fail with the table name and offending id', () => {
  const t = new EmbeddingTable({ name: 'streamer_id', dim: 2, rows: 10 });
  const out = new Float32Array(20);
  assert.throws(() => t.gather(Int32Array.from([1, 10]), out), /embedding table "streamer_id": row id 10 at position 1 is out of range \[0, 10\)/);
  assert.throws(() => t.gather(Int32Array.from([-2]), out), /row id -2 at position 0/);
  assert.throws(() => t.accumulate(Int32Array.from([3, 4, 11]), new Float32Array(6)), /"streamer_id": row id 11 at position 2/);
  assert.throws(() => t.gatherPooled(Int32Array.from([1, 12]), null, 2, 'sum', out), /row id 12 at position 1/);
  assert.throws(() => t.gather(Int32Array.from([1, 2, 3]), new Float32Array(5)), /"streamer_id": gather output buffer holds 5 floats, need 6/);
  assert.throws(() => t.gather(Int32Array.from([1, 2]), out, 0, 1), /stride must be ≥ dim 2/);
});

test('lookup maps (hi, lo) keys by unsigned 64-bit modulo', () => {
  const t = new EmbeddingTable({ name: 'cross', dim: 2, rows: 100003 });
  const rng = new Rng(5), n = 2000;
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) { hi[i] = rng.u32(); lo[i] = rng.u32(); }
  const rows = t.lookup(hi, lo);
  for (let i = 0; i < n; i++) assert.equal(rows[i], Number(((BigInt(hi[i]!) << 32n) | BigInt(lo[i]!)) % 100003n));
  assert.throws(() => t.lookup(hi, lo.subarray(1)), /"cross": lookup got 2000 hi words but 1999 lo words/);
});

test('pooled gather: sum and mean with lengths, mask and −1 padding', () => {
  const d = 3, L = 3;
  const t = new EmbeddingTable({ name: 'tags', dim: d, rows: 6, seed: 4, init: { kind: 'uniform', limit: 1 } });
  const rows = Int32Array.from([1, 2, 5, /**/ 4, NO_ROW, 4, /**/ 0, 0, 0, /**/ 3, 1, 2]);
  const lengths = Int32Array.from([2, 3, 0, 9]);
  const v = (r: number, k: number) => t.values[r * d + k]!;
  const stride = 2 * d, off = d;
  const sum = new Float32Array(4 * stride), mean = new Float32Array(4 * stride);
  t.gatherPooled(rows, lengths, L, 'sum', sum, off, stride);
  t.gatherPooled(rows, lengths, L, 'mean', mean, off, stride);
  for (let k = 0; k < d; k++) {
    assert.equal(sum[off + k], Math.fround(v(1, k) + v(2, k)));
    assert.equal(mean[off + k], Math.fround((v(1, k) + v(2, k)) * 0.5));
    assert.equal(sum[stride + off + k], Math.fround(v(4, k) + v(4, k)));
    assert.equal(mean[stride + off + k], Math.fround((v(4, k) + v(4, k)) * 0.5), 'mean over contributing positions only');
    assert.equal(sum[2 * stride + off + k], 0, 'length 0 → zeros');
    assert.equal(mean[2 * stride + off + k], 0);
    assert.equal(sum[3 * stride + off + k], Math.fround(v(3, k) + v(1, k) + v(2, k)), 'length clamped to L');
    assert.equal(sum[k], 0, 'other field untouched');
  }
  const mask = Uint8Array.from([1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1]);
  const m = new Float32Array(4 * d);
  t.gatherPooled(rows, mask, L, 'mean', m);
  for (let k = 0; k < d; k++) {
    assert.equal(m[k], Math.fround((v(1, k) + v(5, k)) * 0.5));
    assert.equal(m[d + k], v(4, k));
    assert.equal(m[2 * d + k], 0);
  }
  assert.throws(() => t.gatherPooled(rows, Int32Array.from([1]), L, 'sum', m), /lengths has 1 entries, expected B=4/);
  assert.throws(() => t.gatherPooled(rows.subarray(1), null, L, 'sum', m), /11 row ids is not a multiple of L=3/);
});

test('pooled backward: each contributing row gets the sample gradient (÷count for mean), padding nothing', () => {
  const d = 2, L = 3;
  const rows = Int32Array.from([1, 2, 1, /**/ 4, NO_ROW, 0, /**/ 3, 3, 3]);
  const lengths = Int32Array.from([3, 3, 0]);
  const G = Float32Array.from([1, 2, 10, 20, 100, 200]);
  for (const mode of ['sum', 'mean'] as const) {
    const t = new EmbeddingTable({ name: 'p', dim: d, rows: 5, init: { kind: 'zeros' }, optimizer: { kind: 'sgd', lr: 1 } });
    t.applyPooledGradients(rows, lengths, L, mode, G);
    const w0 = mode === 'mean' ? 1 / 3 : 1, w1 = mode === 'mean' ? 1 / 2 : 1;
    // SGD lr 1 from zeros: value = −Σ contributions
    assert.deepEqual(Array.from(t.row(1)), [Math.fround(-2 * w0 * 1), Math.fround(-2 * w0 * 2)]);
    assert.deepEqual(Array.from(t.row(2)), [Math.fround(-w0 * 1), Math.fround(-w0 * 2)]);
    assert.deepEqual(Array.from(t.row(4)), [Math.fround(-w1 * 10), Math.fround(-w1 * 20)]);
    assert.deepEqual(Array.from(t.row(0)), [Math.fround(-w1 * 10), Math.fround(-w1 * 20)]);
    assert.deepEqual(Array.from(t.row(3)), [0, 0], 'length-0 sample sends nothing');
    const expanded = new Float32Array(rows.length * d);
    pooledBackward(rows, lengths, L, mode, d, G, 0, d, expanded);
    assert.deepEqual(Array.from(expanded.subarray(8, 10)), [0, 0], 'padding position');
    assert.deepEqual(Array.from(expanded.subarray(10, 12)), [Math.fround(w1 * 10), Math.fround(w1 * 20)]);
    assert.ok(expanded.subarray(12).every((x) => x === 0));
  }
});

test('pooled gradient equals the derivative of Σ out⊙G (finite differences, float64 exact for a linear map)', () => {
  const d = 3, L = 4, B = 6, rng = new Rng(9);
  const t = new EmbeddingTable({ name: 'fd', dim: d, rows: 8, seed: 3, optimizer: { kind: 'sgd', lr: 1 } });
  const rows = new Int32Array(B * L).map(() => rng.int(9) - 1);
  const lengths = new Int32Array(B).map(() => rng.int(L + 1));
  const G = randGrad(B * d, 11);
  const loss = () => {
    const o = new Float32Array(B * d); t.gatherPooled(rows, lengths, L, 'mean', o);
    let s = 0; for (let i = 0; i < o.length; i++) s += o[i]! * G[i]!; return s;
  };
  t.accumulatePooled(rows, lengths, L, 'mean', G);
  // Read the accumulated gradient through one SGD step with lr 1 on a copy of the values.
  const before = t.values.slice();
  t.step();
  const grad = before.map((w, i) => w - t.values[i]!);
  t.values.set(before);
  const h = 1e-2;
  for (let i = 0; i < t.values.length; i++) {
    const w = t.values[i]!;
    t.values[i] = w + h; const lp = loss();
    t.values[i] = w - h; const lm = loss();
    t.values[i] = w;
    assert.ok(Math.abs((lp - lm) / (2 * h) - grad[i]!) < 1e-4, `coordinate ${i}: fd ${(lp - lm) / (2 * h)} vs ${grad[i]}`);
  }
});

for (const gradBuffer of ['row', 'slot'] as const) test(`[${gradBuffer} buffer] duplicate rows are summed first, then updated once (Adam: duplicates ≡ pre-summed gradient)`, () => {
  const d = 4;
  const mk = () => new EmbeddingTable({ name: 'dup', dim: d, rows: 6, seed: 8, optimizer: { kind: 'adam', lr: 0.1 }, gradBuffer });
  const a = mk(), b = mk();
  const rows = Int32Array.from([3, 1, 3, 3, NO_ROW, 1]);
  const rng = new Rng(2);
  const g = new Float32Array(rows.length * d).map(() => (rng.int(33) - 16) / 8); // dyadic: every sum is exact
  const sa = a.applyGradients(rows, g);
  assert.equal(sa.uniqueRows, 2);
  const sum = new Float32Array(2 * d);
  for (let k = 0; k < d; k++) {
    sum[k] = g[k]! + g[2 * d + k]! + g[3 * d + k]!;
    sum[d + k] = g[d + k]! + g[5 * d + k]!;
  }
  b.applyGradients(Int32Array.from([3, 1]), sum);
  assert.deepEqual(a.values, b.values);
  // One Adam step moves each coordinate with a nonzero gradient by ≈ lr (m̂/√v̂ = ±1), not 3·lr.
  const fresh = mk();
  for (let k = 0; k < d; k++) {
    const moved = Math.abs(a.values[3 * d + k]! - fresh.values[3 * d + k]!);
    assert.ok(sum[k] === 0 ? moved === 0 : Math.abs(moved - 0.1) < 1e-6, `coordinate ${k} moved ${moved}`);
  }
  const opt = a.optimizer as unknown as { rowStep: Int32Array };
  assert.deepEqual(Array.from(opt.rowStep), [0, 1, 0, 1, 0, 0]);
});

test('row-mode duplicate sums are float32 (as PyTorch / TF), slot-mode sums float64', () => {
  const g = Float32Array.from([1, 2 ** -30, 2 ** -30]); // 1 + 2^-30 + 2^-30: float32 loses both small terms
  const rows = Int32Array.from([0, 0, 0]);
  for (const gradBuffer of ['row', 'slot'] as const) {
    const t = new EmbeddingTable({ name: 's', dim: 1, rows: 1, init: { kind: 'zeros' }, optimizer: { kind: 'sgd', lr: 1 }, gradBuffer });
    t.accumulate(rows, g);
    assert.equal(t.gradSquaredNorm(), gradBuffer === 'row' ? 1 : (1 + 2 ** -29) ** 2);
  }
});

test('accumulate across fields, gradient norm for clipping, scale hook, discard', () => {
  const d = 2;
  const t = new EmbeddingTable({ name: 'shared', dim: d, rows: 4, init: { kind: 'zeros' }, optimizer: { kind: 'sgd', lr: 1 } });
  const stride = 2 * d;
  const grad = Float32Array.from([1, 2, 3, 4, /**/ 5, 6, 7, 8]);
  t.accumulate(Int32Array.from([0, 1]), grad, 0, stride);
  t.accumulate(Int32Array.from([1, 1]), grad, d, stride);
  assert.equal(t.pendingRows, 2);
  // row 0: (1,2); row 1: (5,6)+(3,4)+(7,8) = (15,18)
  assert.equal(t.gradSquaredNorm(), 1 + 4 + 225 + 324);
  t.step({ scale: 0.5 });
  assert.deepEqual(Array.from(t.values), [-0.5, -1, -7.5, -9, 0, 0, 0, 0]);
  assert.equal(t.pendingRows, 0);
  t.accumulate(Int32Array.from([2]), grad);
  t.discardGradients();
  assert.equal(t.step().uniqueRows, 0);
  assert.deepEqual(Array.from(t.takeDirtyRows()), [0, 1]);
  assert.deepEqual(Array.from(t.takeDirtyRows()), []);
});

test('memory estimate and summary', () => {
  const t = new EmbeddingTable({ name: 'user_id', dim: 16, rows: 100000, optimizer: { kind: 'adam', biasCorrection: 'global' }, gradBuffer: 'row', wasm: false });
  const m = t.memory();
  assert.equal(m.valuesBytes, 6_400_000);
  assert.equal(m.optimizerBytes, 12_800_000);
  assert.equal(m.scratchBytes, 6_800_000, 'row-mode gradient buffer + stamps');
  assert.equal(m.summary, 'user_id: 100000 × 16 fp32 = 6.4 MB values + 12.8 MB Adam state + 6.8 MB gradient scratch');
  const slot = new EmbeddingTable({ name: 'big', dim: 16, rows: 100000 }).memory();
  assert.equal(slot.scratchBytes, 800_000, "'auto' starts with the compact slot buffer (and no arena)");
  const wasm = new EmbeddingTable({ name: 'big', dim: 16, rows: 100000, gradBuffer: 'row' });
  assert.ok(wasm.arena, "'row' mode moves the table into an arena");
  assert.equal(wasm.memory().scratchBytes, 6_400_000 + 3 * 400_000 + 2 * 65_536 + 1_600_000, 'the row buffers, staging and per-row Adam factors');
  const r = new EmbeddingTable({ name: 'item', dim: 16, rows: 100000, optimizer: { kind: 'adam' } }).memory();
  assert.equal(r.optimizerBytes, 13_200_000, 'row-wise bias correction adds 4 bytes per row');
  const s = new EmbeddingTable({ name: 'w', dim: 1, rows: 1000, optimizer: { kind: 'sgd' } }).memory();
  assert.equal(s.summary, 'w: 1000 × 1 fp32 = 4 kB values (no optimizer state) + 8 kB gradient scratch');
  const s2 = new EmbeddingTable({ name: 'w', dim: 1, rows: 1000, optimizer: { kind: 'sgd' }, gradBuffer: 'row' }).memory();
  assert.equal(s2.summary, 'w: 1000 × 1 fp32 = 4 kB values (no optimizer state) + 8 kB gradient scratch');
});

test('row and slot gradient buffers give identical updates (scan path and sort path of the row buffer)', () => {
  for (const [rows, n] of [[50, 200], [20000, 7]] as const) { // 20000 rows, 7 touched → sorted list, not a scan
    const rng = new Rng(rows);
    const ids = new Int32Array(n).map(() => rng.int(rows));
    const g = new Float32Array(n * 3).map(() => (rng.int(65) - 32) / 16);
    const mk = (gradBuffer: 'row' | 'slot') => new EmbeddingTable({ name: 'b', dim: 3, rows, seed: 1, optimizer: { kind: 'adagrad' }, gradBuffer });
    const a = mk('row'), b = mk('slot');
    for (let s = 0; s < 3; s++) { a.applyGradients(ids, g); b.applyGradients(ids, g); }
    assert.deepEqual(a.values, b.values);
    assert.deepEqual(a.takeDirtyRows(), Int32Array.from(new Set(ids)).sort());
  }
});

test("'auto' gradient buffer follows the touched share of rows, and updates stay exact", () => {
  const mk = (gradBuffer: 'auto' | 'slot') => new EmbeddingTable({ name: 'a', dim: 2, rows: 100, seed: 1, optimizer: { kind: 'adam', lr: 0.01 }, gradBuffer });
  const a = mk('auto'), b = mk('slot');
  const rng = new Rng(12);
  const modes: string[] = [];
  const run = (n: number, steps: number) => {
    for (let s = 0; s < steps; s++) {
      const ids = new Int32Array(n).map(() => rng.int(100));
      const g = new Float32Array(n * 2).map(() => (rng.int(17) - 8) / 4);
      a.applyGradients(ids, g); b.applyGradients(ids, g);
      modes.push(a.gradBufferMode);
    }
  };
  run(1, 5);   // ~1 % touched
  assert.equal(a.gradBufferMode, 'slot');
  run(60, 5);  // ~45 % touched
  assert.equal(a.gradBufferMode, 'row');
  run(1, 20);
  assert.equal(a.gradBufferMode, 'slot');
  assert.deepEqual(a.values, b.values, 'same updates in either mode (dyadic gradients: exact sums)');
  assert.ok(modes.includes('row') && modes.includes('slot'));
});
