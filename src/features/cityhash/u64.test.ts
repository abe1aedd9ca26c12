// 32-bit-pair arithmetic, mod64 and u64ToDecimal against BigInt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { addHi, bswap32, fromBigInt, mod64, mulHi, rotHi, rotLo, subHi, toBigInt, u64ToDecimal } from './u64.js';

const M64 = (1n << 64n) - 1n;
const EDGE = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0xffff, 0x10000];

function* pairs(rng: Rng, n: number): Generator<[number, number]> {
  for (let i = 0; i < n; i++) {
    const pick = (): number => (rng.int(4) === 0 ? EDGE[rng.int(EDGE.length)] : rng.u32());
    yield [pick() | 0, pick() | 0];
  }
}

test('mulHi/addHi/subHi/rot/bswap match BigInt', () => {
  const rng = new Rng('u64-ops');
  const it = pairs(rng, 40000);
  for (let k = 0; k < 20000; k++) {
    const [ah, al] = it.next().value as [number, number];
    const [bh, bl] = it.next().value as [number, number];
    const A = toBigInt(ah, al), B = toBigInt(bh, bl);
    const P = (A * B) & M64, S = (A + B) & M64, D = (A - B) & M64;
    assert.equal(toBigInt(mulHi(ah, al, bh, bl), Math.imul(al, bl)), P);
    assert.equal(toBigInt(addHi(ah, al, bh, bl), (al + bl) | 0), S);
    assert.equal(toBigInt(subHi(ah, al, bh, bl), (al - bl) | 0), D);
    const r = 1 + (k % 63);
    const R = ((A >> BigInt(r)) | (A << BigInt(64 - r))) & M64;
    assert.equal(toBigInt(rotHi(ah, al, r), rotLo(ah, al, r)), R, `rot ${r}`);
  }
  assert.equal(bswap32(0x11223344) >>> 0, 0x44332211);
  assert.deepEqual(fromBigInt(0x0123456789abcdefn), [0x01234567, 0x89abcdef | 0]);
});

test('mod64 is exact (vs BigInt) for random values, incl. m near 2^32, near 2^26 and powers of two', () => {
  const rng = new Rng('mod64');
  const moduli: number[] = [1, 2, 3, 7, 1000, 1024, 1e6, 2 ** 20, 2e5, 2 ** 26 - 1, 2 ** 26, 2 ** 26 + 1,
    2 ** 31, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32 - 2, 2 ** 32 - 5, 4294967291 /* largest 32-bit prime */];
  for (let i = 0; i < 40; i++) moduli.push(1 + rng.int(2 ** 32 - 1));
  for (let i = 0; i < 20; i++) moduli.push(2 ** 32 - 1 - rng.int(1000));
  const values: [number, number][] = [[0, 0], [-1, -1], [0x1fffff, -1], [0x200000, 0], [-1, 0], [0, -1]];
  for (const v of pairs(rng, 400)) values.push(v);
  for (const m of moduli) {
    for (const [h, l] of values) {
      const want = Number(toBigInt(h, l) % BigInt(m));
      assert.equal(mod64(h, l, m), want, `(${h >>> 0}, ${l >>> 0}) mod ${m}`);
    }
  }
  assert.throws(() => mod64(1, 2, 0), RangeError);
  assert.throws(() => mod64(1, 2, 2 ** 32), RangeError);
  assert.throws(() => mod64(1, 2, 1.5), RangeError);
});

test('u64ToDecimal matches BigInt toString', () => {
  const rng = new Rng('decimal');
  const values: [number, number][] = [[0, 0], [0, -1], [0x1fffff, -1], [0x200000, 0], [-1, -1],
    [0x8ac72304, 0x89e80000] /* 10^19 */, [0x8ac72304, 0x89e7ffff], [0x002386f2, 0x6fc10000] /* 10^16 */];
  for (const v of pairs(rng, 5000)) values.push(v);
  for (const [h, l] of values) assert.equal(u64ToDecimal(h, l), toBigInt(h, l).toString(), `${h >>> 0}:${l >>> 0}`);
  assert.equal(u64ToDecimal(-1, -1), '18446744073709551615');
});
