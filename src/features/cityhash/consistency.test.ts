// The fast 32-bit-pair path must equal the BigInt convenience API and the independent BigInt
// reference implementation for every length class, both versions, seeds, and offset/view handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import {
  cityHash64, cityHash64Into, cityHash64WithSeed, cityHash64WithSeedInto, cityHash64WithSeeds,
  cityHash64WithSeedsInto, type CityVersion,
} from './index.js';
import { cityHash64Ref, cityHash64WithSeedRef, cityHash64WithSeedsRef } from './reference.js';
import { toBigInt } from './u64.js';

const VERSIONS: CityVersion[] = ['v1.1', 'v1.0.2'];

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.u32() & 0xff;
  return b;
}
const rand64 = (rng: Rng): bigint => (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());

test('fast path == BigInt convenience == BigInt reference, every length 0..300, both versions', () => {
  const rng = new Rng('cityhash-lengths');
  const buf = randomBytes(rng, 4096);
  const out = new Uint32Array(2);
  for (const v of VERSIONS) {
    for (let len = 0; len <= 300; len++) {
      const off = rng.int(buf.length - len + 1);
      cityHash64Into(buf, off, len, out, v);
      const fast = toBigInt(out[0], out[1]);
      const view = buf.subarray(off, off + len);
      assert.equal(fast, cityHash64(view, v), `${v} len ${len}: fast vs convenience`);
      assert.equal(fast, cityHash64Ref(buf, off, len, v), `${v} len ${len}: fast vs reference`);
    }
  }
});

test('fast path == reference on random lengths/offsets (incl. long inputs) and on subarray views', () => {
  const rng = new Rng(20240601);
  const backing = randomBytes(rng, 8192);
  const view = backing.subarray(37, 8000); // non-zero byteOffset
  const out = new Uint32Array(2);
  for (let k = 0; k < 400; k++) {
    const v = VERSIONS[k & 1];
    const len = k % 5 === 0 ? rng.int(3000) : rng.int(301);
    const off = rng.int(view.length - len + 1);
    cityHash64Into(view, off, len, out, v);
    assert.equal(toBigInt(out[0], out[1]), cityHash64Ref(backing, 37 + off, len, v), `${v} len ${len} off ${off}`);
  }
});

test('seeded variants: fast == convenience == reference for random 64-bit seeds', () => {
  const rng = new Rng('cityhash-seeds');
  const buf = randomBytes(rng, 2048);
  const out = new Uint32Array(2);
  for (let k = 0; k < 300; k++) {
    const len = rng.int(301), off = rng.int(buf.length - len + 1);
    const s0 = k === 0 ? 0n : k === 1 ? (1n << 64n) - 1n : rand64(rng);
    const s1 = rand64(rng);
    const hi = (x: bigint): number => Number(x >> 32n) | 0, lo = (x: bigint): number => Number(x & 0xffffffffn) | 0;
    const view = buf.subarray(off, off + len);
    cityHash64WithSeedInto(buf, off, len, hi(s1), lo(s1), out);
    const seed = toBigInt(out[0], out[1]);
    assert.equal(seed, cityHash64WithSeedRef(buf, off, len, s1), `seed len ${len}`);
    assert.equal(seed, cityHash64WithSeed(view, s1));
    cityHash64WithSeedsInto(buf, off, len, hi(s0), lo(s0), hi(s1), lo(s1), out);
    const seeds = toBigInt(out[0], out[1]);
    assert.equal(seeds, cityHash64WithSeedsRef(buf, off, len, s0, s1), `seeds len ${len}`);
    assert.equal(seeds, cityHash64WithSeeds(view, s0, s1));
  }
  // Seeds are taken mod 2^64 by the bigint API.
  const d = buf.subarray(0, 20);
  assert.equal(cityHash64WithSeed(d, -1n), cityHash64WithSeed(d, (1n << 64n) - 1n));
});

test('out-of-range input ranges and unknown versions are rejected', () => {
  const buf = new Uint8Array(10), out = new Uint32Array(2);
  assert.throws(() => cityHash64Into(buf, 5, 6, out), /outside the 10-byte input/);
  assert.throws(() => cityHash64Into(buf, -1, 2, out), RangeError);
  assert.throws(() => cityHash64Into(buf, 0.5, 2, out), RangeError);
  assert.throws(() => cityHash64Into(buf, 0, 2, out, 'v2' as CityVersion), /allowed: v1\.1, v1\.0\.2/);
  cityHash64Into(buf, 10, 0, out); // empty range at the end is fine
  assert.deepEqual([...out], [0x9ae16a3b, 0x2f90404f]);
});
