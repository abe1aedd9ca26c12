import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { mod64, mod64Batch } from './mod64.js';
import { mod64 as featuresMod64 } from '../features/cityhash/index.js';

const ref = (hi: number, lo: number, m: number) => Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(m));

const MODULI = [1, 2, 3, 7, 10, 1000, 1024, 99991, 100000, 1048575, 1048576, 1048577, 2097151, 2097152, 2097153, 16777216, 1e7 + 19,
  2147483647, 2147483648, 4294967295, 4294967296];

test('mod64 equals BigInt unsigned 64-bit modulo on random and edge keys', () => {
  const rng = new Rng(7);
  const keys: [number, number][] = [[0, 0], [0, 1], [0xffffffff, 0xffffffff], [0x80000000, 0], [0, 0xffffffff], [0xffffffff, 0]];
  for (let i = 0; i < 3000; i++) keys.push([rng.u32(), rng.u32()]);
  const mods = [...MODULI];
  for (let i = 0; i < 40; i++) mods.push(1 + rng.int(4294967296));
  let checked = 0;
  for (const m of mods) {
    // values next to multiples of m (where a float quotient is most likely to be off by one)
    const near: [number, number][] = [];
    const M = BigInt(m), top = (1n << 64n) - 1n;
    for (const base of [top - (top % M), (1n << 52n) - ((1n << 52n) % M), (1n << 32n) * M, M * 12345n, M]) {
      for (const d of [-1n, 0n, 1n]) {
        const v = base + d;
        if (v >= 0n && v <= top) near.push([Number(v >> 32n), Number(v & 0xffffffffn)]);
      }
    }
    for (const [hi, lo] of [...keys, ...near]) {
      const got = mod64(hi, lo, m), want = ref(hi, lo, m);
      if (got !== want) assert.fail(`mod64(${hi}, ${lo}, ${m}) = ${got}, BigInt says ${want}`);
      checked++;
    }
  }
  assert.ok(checked > keys.length * mods.length);
});

test('mod64Batch matches mod64 and validates its arguments', () => {
  const rng = new Rng(3), n = 5000;
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) { hi[i] = rng.u32(); lo[i] = rng.u32(); }
  for (const m of [100000, 2147483647, 3000000000]) {
    const out = m > 2147483648 ? new Uint32Array(n) : new Int32Array(n);
    mod64Batch(hi, lo, m, out);
    for (let i = 0; i < n; i++) assert.equal(out[i], ref(hi[i]!, lo[i]!, m));
  }
  assert.throws(() => mod64(1, 2, 0), /modulus must be an integer in \[1, 2\^32\], got 0/);
  assert.throws(() => mod64(1, 2, 2 ** 32 + 1), /got 4294967297/);
  assert.throws(() => mod64(1, 2, 1.5), /got 1.5/);
  assert.throws(() => mod64Batch(hi, lo.subarray(1), 10, new Int32Array(n)), /lo has 4999/);
  assert.throws(() => mod64Batch(hi, lo, 3000000000, new Int32Array(n)), /does not fit an Int32Array/);
});

test('same buckets as the feature library\'s mod64 (online/offline consistency)', () => {
  const rng = new Rng(11);
  for (const m of [1, 7, 1000, 100000, 1 << 20, (1 << 20) + 1, 16777259, 2147483647, 4294967295]) {
    for (let i = 0; i < 2000; i++) {
      const hi = rng.u32(), lo = rng.u32();
      assert.equal(mod64(hi, lo, m), featuresMod64(hi, lo, m), `m=${m} key=(${hi}, ${lo})`);
    }
  }
});
