import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 5 }, () => a.u32());
  const xb = Array.from({ length: 5 }, () => b.u32());
  const xc = Array.from({ length: 5 }, () => c.u32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
});

test('uniform and normal moments', () => {
  const r = new Rng(1);
  let s = 0, s2 = 0, n = 200000, su = 0;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; su += r.next(); }
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.02);
  assert.ok(Math.abs(su / n - 0.5) < 0.005);
});

test('permutation is a permutation', () => {
  const p = new Rng(3).permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});
