import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { EmbeddingTable } from './table.js';
import type { OptimizerConfig } from './optimizers.js';

const D = 3, R = 12;

/** A sparse batch: `n` row ids (with duplicates, rows ≥ R−3 never touched) and their float32 gradients. */
function batch(rng: Rng, n: number, rows = R - 3): { ids: Int32Array; g: Float32Array } {
  const ids = new Int32Array(n).map(() => rng.int(rows));
  const g = new Float32Array(n * D).map(() => rng.normal());
  return { ids, g };
}

type Buf = 'row' | 'slot';
/** Gradient buffer mode under test (both run): 'row' sums duplicates in float32, 'slot' in float64. */
const BUFS: Buf[] = ['row', 'slot'];

/** The dense gradient matrix of a batch: duplicates summed (float32 or float64 per mode), untouched rows 0. */
function dense(ids: Int32Array, g: Float32Array, buf: Buf): Float64Array {
  const G = new Float64Array(R * D);
  for (let b = 0; b < ids.length; b++) {
    for (let k = 0; k < D; k++) {
      const i = ids[b]! * D + k, x = G[i]! + g[b * D + k]!;
      G[i] = buf === 'row' ? Math.fround(x) : x;
    }
  }
  return G;
}

const mk = (optimizer: OptimizerConfig, l2 = 0, gradBuffer: Buf = 'row') =>
  new EmbeddingTable({ name: 't', dim: D, rows: R, seed: 21, optimizer, l2, gradBuffer, init: { kind: 'uniform', limit: 0.5 } });

for (const buf of BUFS) test(`[${buf} buffer] sparse SGD and Adagrad equal their dense versions on the full (zero-filled) gradient`, () => {
  const rng = new Rng(1);
  const sgd = mk({ kind: 'sgd', lr: 0.3 }, 0, buf), ada = mk({ kind: 'adagrad', lr: 0.2, initialAccumulator: 0.1, eps: 1e-7 }, 0, buf);
  const W1 = sgd.values.slice(), W2 = ada.values.slice(), A = new Float32Array(R * D).fill(0.1);
  for (let step = 0; step < 6; step++) {
    const { ids, g } = batch(rng, 7);
    sgd.applyGradients(ids, g); ada.applyGradients(ids, g);
    const G = dense(ids, g, buf);
    for (let i = 0; i < R * D; i++) {
      W1[i] = W1[i]! - 0.3 * G[i]!;
      const a = A[i]! + G[i]! * G[i]!; A[i] = a;
      W2[i] = W2[i]! - 0.2 * G[i]! / (Math.sqrt(a) + 1e-7);
    }
    assert.deepEqual(sgd.values, W1, `SGD step ${step}`);
    assert.deepEqual(ada.values, W2, `Adagrad step ${step}`);
  }
  assert.deepEqual((ada.optimizer.stateArrays()['acc']), A);
});

test('sparse Adagrad and SGD hand-computed single steps (incl. L2 on the touched row)', () => {
  const t = mk({ kind: 'adagrad', lr: 0.1 });
  t.values.fill(0.5);
  t.applyGradients(Int32Array.from([2]), Float32Array.from([0.25, 0, -0.25]));
  const expectUp = 0.5 - 0.1 * 0.25 / (Math.sqrt(0.1 + 0.0625) + 1e-7);
  assert.ok(Math.abs(t.values[6]! - expectUp) < 1e-7, `${t.values[6]} vs ${expectUp}`);
  assert.equal(t.values[7], 0.5, 'zero gradient coordinate unchanged');
  assert.ok(Math.abs(t.values[8]! - (1 - expectUp)) < 1e-7);
  const s = mk({ kind: 'sgd', lr: 0.1 }, 0.01);
  s.values.fill(0.5);
  s.applyGradients(Int32Array.from([4]), Float32Array.from([0.25, 0, 0]));
  assert.equal(s.values[12], Math.fround(0.5 - 0.1 * (0.25 + 0.005)));
  assert.equal(s.values[13], Math.fround(0.5 - 0.1 * 0.005), 'L2 acts on every coordinate of a touched row');
  assert.equal(s.values[0], 0.5, 'L2 does not touch untouched rows');
});

/** Dense Adam in the same operation order as the sparse one. */
function denseAdam(W: Float32Array, M: Float32Array, V: Float32Array, G: Float64Array, lr: number, t: number, idx?: Int32Array) {
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const a = lr * (1 / (1 - Math.pow(b1, t))), ic = 1 / Math.sqrt(1 - Math.pow(b2, t));
  const list = idx ?? Int32Array.from({ length: W.length }, (_, i) => i);
  for (const i of list) {
    const g = G[i]!, m = b1 * M[i]! + (1 - b1) * g, v = b2 * V[i]! + (1 - b2) * g * g;
    M[i] = m; V[i] = v;
    W[i] = W[i]! - a * m / (Math.sqrt(v) * ic + eps);
  }
}

for (const buf of BUFS) test(`[${buf} buffer] lazy Adam with every row touched every step == dense Adam (both bias-correction modes)`, () => {
  for (const bc of ['row', 'global'] as const) {
    const rng = new Rng(2);
    const t = mk({ kind: 'adam', lr: 0.05, biasCorrection: bc }, 0, buf);
    const W = t.values.slice(), M = new Float32Array(R * D), V = new Float32Array(R * D);
    const Wtext = new Float64Array(t.values), Mt = new Float64Array(R * D), Vt = new Float64Array(R * D);
    for (let step = 1; step <= 8; step++) {
      const { ids, g } = batch(rng, 20, R);
      for (let r = 0; r < R; r++) ids[r] = r; // make sure every row appears
      t.applyGradients(ids, g);
      const G = dense(ids, g, buf);
      denseAdam(W, M, V, G, 0.05, step);
      // textbook (PyTorch) form in float64: p -= lr/bc1 · m / (√v/√bc2 + eps)
      for (let i = 0; i < R * D; i++) {
        Mt[i] = 0.9 * Mt[i]! + 0.1 * G[i]!; Vt[i] = 0.999 * Vt[i]! + 0.001 * G[i]! * G[i]!;
        Wtext[i] = Wtext[i]! - (0.05 / (1 - 0.9 ** step)) * Mt[i]! / (Math.sqrt(Vt[i]!) / Math.sqrt(1 - 0.999 ** step) + 1e-8);
      }
      assert.deepEqual(t.values, W, `${bc} step ${step}`);
    }
    const st = t.optimizer.stateArrays();
    assert.deepEqual(st['m'], M); assert.deepEqual(st['v'], V);
    for (let i = 0; i < R * D; i++) assert.ok(Math.abs(t.values[i]! - Wtext[i]!) < 2e-6, `${bc} textbook coordinate ${i}`);
  }
});

for (const buf of BUFS) test(`[${buf} buffer] lazy Adam, row bias correction: each row follows dense Adam over its own updates; global uses the global step`, () => {
  const rng = new Rng(3);
  const tr = mk({ kind: 'adam', lr: 0.02 }, 0, buf), tg = mk({ kind: 'adam', lr: 0.02, biasCorrection: 'global' }, 0, buf);
  const init = tr.values.slice();
  const Wr = init.slice(), Mr = new Float32Array(R * D), Vr = new Float32Array(R * D), kRow = new Int32Array(R);
  const Wg = init.slice(), Mg = new Float32Array(R * D), Vg = new Float32Array(R * D);
  for (let step = 1; step <= 10; step++) {
    const { ids, g } = batch(rng, 4);
    tr.applyGradients(ids, g); tg.applyGradients(ids, g);
    const G = dense(ids, g, buf);
    const touched = [...new Set(ids)];
    for (const r of touched) {
      const idx = Int32Array.from({ length: D }, (_, k) => r * D + k);
      denseAdam(Wr, Mr, Vr, G, 0.02, ++kRow[r]!, idx);
      denseAdam(Wg, Mg, Vg, G, 0.02, step, idx);
    }
    assert.deepEqual(tr.values, Wr, `row mode step ${step}`);
    assert.deepEqual(tg.values, Wg, `global mode step ${step}`);
  }
  assert.deepEqual(tr.optimizer.stateArrays()['rowStep'], kRow);
  assert.notDeepEqual(tr.values, tg.values, 'the two modes differ once rows skip steps');
  // a row first touched at global step 11: the row mode makes Adam's first-step move (≈ lr),
  // the global mode ≈ lr·(1−β1)/√(1−β2) / ((1−β1^11)/√(1−β2^11)) — larger.
  const r = R - 1, before = tr.values[r * D]!;
  tr.applyGradients(Int32Array.from([r]), Float32Array.from([0.3, 0.3, 0.3]));
  tg.applyGradients(Int32Array.from([r]), Float32Array.from([0.3, 0.3, 0.3]));
  assert.ok(Math.abs(before - tr.values[r * D]! - 0.02) < 1e-7);
  const gMove = 0.02 * (0.1 / (1 - 0.9 ** 11)) / (Math.sqrt(0.001) / Math.sqrt(1 - 0.999 ** 11));
  assert.ok(Math.abs(before - tg.values[r * D]! - gMove) < 1e-6, `${before - tg.values[r * D]!} vs ${gMove}`);
});

for (const buf of BUFS) test(`[${buf} buffer] FTRL-proximal: hand-computed steps, L1 sparsity, equals dense FTRL restricted to the touched rows`, () => {
  const t = new EmbeddingTable({ name: 'wide', dim: 1, rows: 3, init: { kind: 'zeros' }, optimizer: { kind: 'ftrl', lr: 0.1, beta: 1 }, gradBuffer: buf });
  t.applyGradients(Int32Array.from([1]), Float32Array.from([0.5]));
  // n = 0.25, σ = 0.5/0.1 = 5, z = 0.5, w = −0.5 / ((1 + 0.5)/0.1) = −1/30
  assert.equal(t.values[1], Math.fround(-1 / 30));
  t.applyGradients(Int32Array.from([1]), Float32Array.from([-0.5]));
  // n = 0.5, σ = (√0.5 − 0.5)/0.1, z = 0.5 − 0.5 − σ·w1, w = −z / ((1 + √0.5)/0.1)
  const w1 = Math.fround(-1 / 30), sigma = (Math.SQRT1_2 - 0.5) / 0.1, z = -sigma * w1;
  assert.ok(Math.abs(t.values[1]! - (-z / ((1 + Math.SQRT1_2) / 0.1))) < 1e-8);
  assert.equal(t.values[0], 0); assert.equal(t.values[2], 0);
  const l1 = new EmbeddingTable({ name: 'l1', dim: 1, rows: 2, init: { kind: 'zeros' }, optimizer: { kind: 'ftrl', lr: 0.1, l1: 1 }, gradBuffer: buf });
  l1.applyGradients(Int32Array.from([0, 1]), Float32Array.from([0.5, 3]));
  assert.equal(l1.values[0], 0, '|z| ≤ λ1 ⇒ w = 0');
  assert.equal(l1.values[1], Math.fround(-(3 - 1) / ((1 + 3) / 0.1)));
  const rng = new Rng(4);
  const f = mk({ kind: 'ftrl', lr: 0.2, beta: 0.5, l1: 0.01, l2: 0.1, initialAccumulator: 0.05 }, 0, buf);
  const W = f.values.slice(), Z = new Float32Array(R * D), N = new Float32Array(R * D).fill(0.05);
  for (let step = 0; step < 6; step++) {
    const { ids, g } = batch(rng, 6);
    f.applyGradients(ids, g);
    const G = dense(ids, g, buf);
    for (let i = 0; i < R * D; i++) {
      if (!ids.includes(Math.floor(i / D))) continue; // FTRL recomputes w from (z, n): restrict to touched rows
      const n1 = N[i]! + G[i]! * G[i]!, s = (Math.sqrt(n1) - Math.sqrt(N[i]!)) / 0.2;
      const zz = Z[i]! + G[i]! - s * W[i]!; Z[i] = zz; N[i] = n1;
      W[i] = Math.abs(zz) <= 0.01 ? 0 : -(zz - Math.sign(zz) * 0.01) / ((0.5 + Math.sqrt(n1)) / 0.2 + 0.1);
    }
    assert.deepEqual(f.values, W, `FTRL step ${step}`);
  }
});

const ALL: OptimizerConfig[] = [
  { kind: 'sgd', lr: 0.1 }, { kind: 'adagrad', lr: 0.1 }, { kind: 'adam', lr: 0.1 },
  { kind: 'adam', lr: 0.1, biasCorrection: 'global' }, { kind: 'ftrl', lr: 0.1 },
];

test('every optimizer: untouched rows stay bit-identical; lr 0 changes no value; NO_ROW is skipped', () => {
  for (const c of ALL) for (const buf of BUFS) {
    const rng = new Rng(5);
    const t = mk(c, 0.01, buf), init = t.values.slice();
    for (let s = 0; s < 5; s++) { const { ids, g } = batch(rng, 5); ids[0] = -1; t.applyGradients(ids, g); }
    for (let r = R - 3; r < R; r++) {
      assert.deepEqual(t.values.subarray(r * D, r * D + D), init.subarray(r * D, r * D + D), `${c.kind} row ${r}`);
    }
    assert.notDeepEqual(t.values.subarray(0, (R - 3) * D), init.subarray(0, (R - 3) * D), `${c.kind} touched rows move`);
    const z = mk(c, 0.01, buf), zi = z.values.slice();
    for (let s = 0; s < 3; s++) { const { ids, g } = batch(rng, 5); z.applyGradients(ids, g, 0, D, { lr: 0 }); }
    assert.deepEqual(z.values, zi, `${c.kind} lr 0`);
  }
});

test('every optimizer: the scale hook equals pre-scaled gradients (power-of-two scale, exact)', () => {
  for (const c of ALL) for (const buf of BUFS) {
    const rng = new Rng(6);
    const a = mk(c, 0, buf), b = mk(c, 0, buf);
    for (let s = 0; s < 4; s++) {
      const { ids, g } = batch(rng, 6);
      a.applyGradients(ids, g, 0, D, { scale: 0.25 });
      b.applyGradients(ids, g.map((x) => x * 0.25));
    }
    assert.deepEqual(a.values, b.values, c.kind);
  }
});

test('optimizer config errors name the table and the parameter', () => {
  assert.throws(() => mk({ kind: 'adam', beta1: 1 }), /embedding table "t": adam optimizer: beta1 and beta2 must be < 1/);
  assert.throws(() => mk({ kind: 'adagrad', lr: -1 }), /"t": adagrad optimizer: lr must be a finite number ≥ 0, got -1/);
  assert.throws(() => mk({ kind: 'nope' } as unknown as OptimizerConfig), /unknown optimizer kind "nope"/);
  assert.throws(() => mk({ kind: 'sgd' }).step({ lr: -1 }), /step lr must be a finite number ≥ 0/);
});
