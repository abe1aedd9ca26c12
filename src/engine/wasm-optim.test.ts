// WasmAdamThread's own contract (its arithmetic is checked against the step graph in step-thread.test.ts):
// eligibility, slots as shared views, size errors, and runs after dispose fail instead of waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmAdamThread, wasmAdamEligible } from './wasm-optim.js';

test('wasm Adam: eligible only for plain Adam; slots are shared views; bad sizes and use after dispose are errors', async () => {
  assert.ok(wasmAdamEligible({ type: 'adam', lr: 0.1 }, null));
  assert.ok(!wasmAdamEligible({ type: 'adam', lr: 0.1, weightDecay: 0.01 }, null));
  assert.ok(!wasmAdamEligible({ type: 'adamw', lr: 0.1 }, null));
  assert.ok(!wasmAdamEligible({ type: 'adam', lr: 0.1 }, Float32Array.of(1, 0.5)));
  const t = WasmAdamThread.create(5, { type: 'adam', lr: 0.1 });
  assert.equal(t.slots.length, 2);
  assert.ok(t.slots.every((s) => s.length === 5 && s.buffer instanceof SharedArrayBuffer && s.every((x) => x === 0)));
  const feeds = (n: number) => ({
    theta: { data: new Float32Array(n).fill(1), dims: [n] }, grad_flat: { data: new Float32Array(n).fill(0.5), dims: [n] },
    'opt:m': { data: t.slots[0]!, dims: [5] }, 'opt:v': { data: t.slots[1]!, dims: [5] },
    'opt:lr_t': { data: Float32Array.of(0.1), dims: [] }, 'opt:eps_t': { data: Float32Array.of(1e-8), dims: [] },
  });
  const out = await t.run(feeds(5), []);
  const theta = out.theta_next!.data as Float32Array;
  // first step: m = 0.05, v = 0.00025 → θ = 1 − 0.1·0.05/(√0.00025 + 1e-8) ≈ 0.6838
  assert.ok(theta.every((x) => Math.abs(x - (1 - (0.1 * 0.05) / (Math.sqrt(0.00025) + 1e-8))) < 1e-6), `θ ${Array.from(theta)}`);
  assert.equal(out['opt:m_next']!.data, t.slots[0]);
  await assert.rejects(t.run(feeds(4), []), /wasm Adam: expected 5 parameters, got θ 4, gradient 4/);
  await t.dispose();
  await assert.rejects(t.run(feeds(5), []), /wasm Adam: disposed/);
});
