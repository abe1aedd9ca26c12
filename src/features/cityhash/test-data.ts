// Test inputs for the CityHash64 self-test tables (used by the *.test.ts files of this folder).
// testdata/cityhash64-vectors.json is a verbatim copy of /work/shared/spec/ref/cityhash64-vectors.json
// (Google CityHash's own city-test.cc tables, unsigned 64-bit hex).
//
// The two releases build their 1 MiB test buffer with DIFFERENT generators (all arithmetic mod 2^64):
//   v1.1   (city-test.cc of 1.1.x):  a += b; b += a; a = (a ^ a>>41)·k0; b = (b ^ b>>41)·k0 + i
//   v1.0.x (city-test.cc of 1.0.x):  a = (a ^ a>>41)·k0 + b;           b = (b ^ b>>41)·k0 + i
// with a = 9, b = 777, data[i] = (b >> 37) & 0xff. The spec's ref README only describes the v1.1
// generator; the `v1.0.2` table reproduces (300/300) only with the v1.0.x generator.
import { readFileSync } from 'node:fs';
import { addHi, mulHi } from './u64.js';

export const DATA_SIZE = 1 << 20;
export type Generator = 'v1.1' | 'v1.0.x';

const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0;

/** The 1 MiB self-test buffer of the given city-test.cc generator (32-bit-pair arithmetic). */
export function makeTestData(gen: Generator, size = DATA_SIZE): Uint8Array {
  const data = new Uint8Array(size);
  let ah = 0, al = 9, bh = 0, bl = 777;
  for (let i = 0; i < size; i++) {
    if (gen === 'v1.1') {
      let h = addHi(ah, al, bh, bl); al = (al + bl) | 0; ah = h; // a += b
      h = addHi(bh, bl, ah, al); bl = (bl + al) | 0; bh = h; // b += a
      const xl = al ^ (ah >>> 9); // a ^ (a >> 41)
      ah = mulHi(ah, xl, K0H, K0L); al = Math.imul(xl, K0L);
    } else {
      const xl = al ^ (ah >>> 9);
      const th = mulHi(ah, xl, K0H, K0L), tl = Math.imul(xl, K0L);
      ah = addHi(th, tl, bh, bl); al = (tl + bl) | 0; // a = (a ^ a>>41)·k0 + b
    }
    const yl = bl ^ (bh >>> 9);
    const th = mulHi(bh, yl, K0H, K0L), tl = Math.imul(yl, K0L);
    bh = addHi(th, tl, 0, i); bl = (tl + i) | 0; // b = (b ^ b>>41)·k0 + i
    data[i] = (bh >>> 5) & 0xff; // (b >> 37) & 0xff
  }
  return data;
}

/** Same generator with BigInt (slow; used to cross-check makeTestData on a prefix). */
export function makeTestDataBigInt(gen: Generator, size: number): Uint8Array {
  const M = (1n << 64n) - 1n, k0 = 0xc3a5c85c97cb3127n;
  const data = new Uint8Array(size);
  let a = 9n, b = 777n;
  for (let i = 0; i < size; i++) {
    if (gen === 'v1.1') {
      a = (a + b) & M; b = (b + a) & M; a = ((a ^ (a >> 41n)) * k0) & M;
    } else {
      a = ((a ^ (a >> 41n)) * k0 + b) & M;
    }
    b = ((b ^ (b >> 41n)) * k0 + BigInt(i)) & M;
    data[i] = Number((b >> 37n) & 0xffn);
  }
  return data;
}

/** Offset and length of table entry i: data[i², i² + i) for i < 299, the whole buffer for 299. */
export function entryRange(i: number): [number, number] {
  return i < 299 ? [i * i, i] : [0, DATA_SIZE];
}

export type TableName = 'v1.1' | 'v1.0.2' | 'v1.1_withSeed_1234567' | 'v1.1_withSeeds_1234567_k0';

export function loadVectors(): Record<TableName, string[]> {
  const url = new URL('./testdata/cityhash64-vectors.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<TableName, string[]>;
}
