// CityHash64 (Google CityHash by Geoff Pike and Jyrki Alakuijala), implemented from the published
// algorithm on pairs of 32-bit halves: no BigInt and no allocation on the fast path.
//   v1.1   — Google's current release (the default).
//   v1.0.2 — the release ClickHouse's cityHash64 is pinned to.
// Inputs are bytes; strings are hashed as their UTF-8 bytes. Results are unsigned 64-bit values,
// returned as out[0] = high 32 bits, out[1] = low 32 bits (fast path) or as an unsigned bigint.
import { city64v102 } from './city-v102.js';
import { city64v11 } from './city-v11.js';
import { hash128to64 } from './mix.js';
import { fromBigInt, mod64, subHi, toBigInt, u64ToDecimal } from './u64.js';

export type CityVersion = 'v1.1' | 'v1.0.2';
export const CITY_VERSIONS: readonly CityVersion[] = ['v1.1', 'v1.0.2'];
export { mod64, u64ToDecimal };

const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0; // k2 = 0x9ae16a3b2f90404f, the default seed0
const R = new Uint32Array(2); // result scratch for the bigint convenience functions

function checkRange(data: Uint8Array, offset: number, length: number): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= data.length)
    || (offset >>> 0) !== offset || (length >>> 0) !== length) {
    throw new RangeError(`cityhash: range [${offset}, ${offset}+${length}) is outside the ${data.length}-byte input`);
  }
}

/** Fast path: hash data[offset, offset+length) and write the unsigned 64-bit result as out[0] = high 32 bits, out[1] = low 32 bits. */
export function cityHash64Into(data: Uint8Array, offset: number, length: number, out: Uint32Array,
  version: CityVersion = 'v1.1'): void {
  checkRange(data, offset, length);
  if (version === 'v1.1') city64v11(data, offset, length, out);
  else if (version === 'v1.0.2') city64v102(data, offset, length, out);
  else throw new RangeError(`cityhash: unknown version ${String(version)} (allowed: ${CITY_VERSIONS.join(', ')})`);
}

/** CityHash64WithSeeds (v1.1): Hash128to64(CityHash64(s) − seed0, seed1); seeds as (hi, lo) halves. */
export function cityHash64WithSeedsInto(data: Uint8Array, offset: number, length: number,
  s0Hi: number, s0Lo: number, s1Hi: number, s1Lo: number, out: Uint32Array): void {
  checkRange(data, offset, length);
  city64v11(data, offset, length, out);
  const hh = out[0] | 0, hl = out[1] | 0;
  hash128to64(subHi(hh, hl, s0Hi | 0, s0Lo | 0), (hl - s0Lo) | 0, s1Hi | 0, s1Lo | 0, out);
}

/** CityHash64WithSeed (v1.1) = CityHash64WithSeeds(s, k2, seed); seed as (hi, lo) halves. */
export function cityHash64WithSeedInto(data: Uint8Array, offset: number, length: number,
  seedHi: number, seedLo: number, out: Uint32Array): void {
  cityHash64WithSeedsInto(data, offset, length, K2H, K2L, seedHi, seedLo, out);
}

/** Convenience (BigInt result, unsigned). */
export function cityHash64(data: Uint8Array, version: CityVersion = 'v1.1'): bigint {
  cityHash64Into(data, 0, data.length, R, version);
  return toBigInt(R[0], R[1]);
}

/** CityHash64WithSeed (v1.1); the seed is taken mod 2^64. */
export function cityHash64WithSeed(data: Uint8Array, seed: bigint): bigint {
  const [sh, sl] = fromBigInt(seed);
  cityHash64WithSeedInto(data, 0, data.length, sh, sl, R);
  return toBigInt(R[0], R[1]);
}

/** CityHash64WithSeeds (v1.1); seeds are taken mod 2^64. */
export function cityHash64WithSeeds(data: Uint8Array, seed0: bigint, seed1: bigint): bigint {
  const [ah, al] = fromBigInt(seed0);
  const [bh, bl] = fromBigInt(seed1);
  cityHash64WithSeedsInto(data, 0, data.length, ah, al, bh, bl, R);
  return toBigInt(R[0], R[1]);
}

const utf8 = new TextEncoder();

/** UTF-8 bytes of s. */
export function cityHash64String(s: string, version: CityVersion = 'v1.1'): bigint {
  return cityHash64(utf8.encode(s), version);
}
