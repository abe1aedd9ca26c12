// Straightforward BigInt implementation of CityHash64 (v1.1 and v1.0.2), written from the published
// algorithm (Pike & Alakuijala, Google CityHash). It is deliberately simple and slow: it is the
// independent oracle the fast 32-bit-pair implementation is tested against, and the "BigInt" row of
// the benchmark. Production code should use the fast path in ./index.ts.
import type { CityVersion } from './index.js';

const M64 = 0xffff_ffff_ffff_ffffn;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;
const K3 = 0xc949d7c7509e6557n; // v1.0.2 only
const KMUL = 0x9ddfea08eb382d69n;

const m = (x: bigint): bigint => x & M64;
const mul = (a: bigint, b: bigint): bigint => (a * b) & M64;
const rot = (v: bigint, s: number): bigint => (s === 0 ? v : m((v >> BigInt(s)) | (v << BigInt(64 - s))));
const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);
function bswap64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0; i < 8; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

function f64(s: Uint8Array, p: number): bigint {
  let r = 0n;
  for (let i = 7; i >= 0; i--) r = (r << 8n) | BigInt(s[p + i]);
  return r;
}
function f32(s: Uint8Array, p: number): bigint {
  return BigInt((s[p] | (s[p + 1] << 8) | (s[p + 2] << 16) | (s[p + 3] << 24)) >>> 0);
}

function hashLen16Mul(u: bigint, v: bigint, k: bigint): bigint {
  let a = mul(u ^ v, k);
  a ^= a >> 47n;
  let b = mul(v ^ a, k);
  b ^= b >> 47n;
  return mul(b, k);
}
/** Hash128to64 (the Murmur-inspired 128→64 mix); HashLen16(u, v) in city.cc. */
export function hash128to64Ref(lo: bigint, hi: bigint): bigint {
  return hashLen16Mul(lo, hi, KMUL);
}

function weak32(s: Uint8Array, p: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = f64(s, p), x = f64(s, p + 8), y = f64(s, p + 16), z = f64(s, p + 24);
  a = m(a + w);
  b = rot(m(b + a + z), 21);
  const c = a;
  a = m(a + x + y);
  b = m(b + rot(a, 44));
  return [m(a + z), m(b + c)];
}

function len0to16(s: Uint8Array, p: number, len: number, v11: boolean): bigint {
  const L = BigInt(len);
  if (v11 ? len >= 8 : len > 8) {
    const a0 = f64(s, p), b = f64(s, p + len - 8);
    if (!v11) return hash128to64Ref(a0, rot(m(b + L), len)) ^ b;
    const k = m(K2 + L * 2n);
    const a = m(a0 + K2);
    const c = m(mul(rot(b, 37), k) + a);
    const d = mul(m(rot(a, 25) + b), k);
    return hashLen16Mul(c, d, k);
  }
  if (len >= 4) {
    const u = m(L + (f32(s, p) << 3n)), v = f32(s, p + len - 4);
    return v11 ? hashLen16Mul(u, v, m(K2 + L * 2n)) : hash128to64Ref(u, v);
  }
  if (len > 0) {
    const y = BigInt(s[p] + (s[p + (len >> 1)] << 8));
    const z = BigInt(len + (s[p + len - 1] << 2));
    return mul(shiftMix(mul(y, K2) ^ mul(z, v11 ? K0 : K3)), K2);
  }
  return K2;
}

function len17to32(s: Uint8Array, p: number, len: number, v11: boolean): bigint {
  const L = BigInt(len);
  if (v11) {
    const k = m(K2 + L * 2n);
    const a = mul(f64(s, p), K1), b = f64(s, p + 8);
    const c = mul(f64(s, p + len - 8), k), d = mul(f64(s, p + len - 16), K2);
    return hashLen16Mul(m(rot(m(a + b), 43) + rot(c, 30) + d), m(a + rot(m(b + K2), 18) + c), k);
  }
  const a = mul(f64(s, p), K1), b = f64(s, p + 8);
  const c = mul(f64(s, p + len - 8), K2), d = mul(f64(s, p + len - 16), K0);
  return hash128to64Ref(m(rot(m(a - b), 43) + rot(c, 30) + d), m(a + rot(b ^ K3, 20) - c + L));
}

function len33to64v11(s: Uint8Array, p: number, len: number): bigint {
  const k = m(K2 + BigInt(len) * 2n);
  let a = mul(f64(s, p), K2);
  let b = f64(s, p + 8);
  const c = f64(s, p + len - 24), d = f64(s, p + len - 32);
  const e = mul(f64(s, p + 16), K2), f = mul(f64(s, p + 24), 9n);
  const g = f64(s, p + len - 8), h = mul(f64(s, p + len - 16), k);
  const u = m(rot(m(a + g), 43) + mul(m(rot(b, 30) + c), 9n));
  const v = m((m(a + g) ^ d) + f + 1n);
  const w = m(bswap64(mul(m(u + v), k)) + h);
  const x = m(rot(m(e + f), 42) + c);
  const y = mul(m(bswap64(mul(m(v + w), k)) + g), k);
  const z = m(e + f + c);
  a = m(bswap64(m(mul(m(x + z), k) + y)) + b);
  b = mul(shiftMix(m(mul(m(z + a), k) + d + h)), k);
  return m(b + x);
}

function len33to64v102(s: Uint8Array, p: number, len: number): bigint {
  let z = f64(s, p + 24);
  let a = m(f64(s, p) + mul(m(BigInt(len) + f64(s, p + len - 16)), K0));
  let b = rot(m(a + z), 52);
  let c = rot(a, 37);
  a = m(a + f64(s, p + 8));
  c = m(c + rot(a, 7));
  a = m(a + f64(s, p + 16));
  const vf = m(a + z), vs = m(b + rot(a, 31) + c);
  a = m(f64(s, p + 16) + f64(s, p + len - 32));
  z = f64(s, p + len - 8);
  b = rot(m(a + z), 52);
  c = rot(a, 37);
  a = m(a + f64(s, p + len - 24));
  c = m(c + rot(a, 7));
  a = m(a + f64(s, p + len - 16));
  const wf = m(a + z), ws = m(b + rot(a, 31) + c);
  const r = shiftMix(m(mul(m(vf + ws), K2) + mul(m(wf + vs), K0)));
  return mul(shiftMix(m(mul(r, K0) + vs)), K2);
}

function longV11(s: Uint8Array, p: number, len: number): bigint {
  const L = BigInt(len);
  let x = f64(s, p + len - 40);
  let y = m(f64(s, p + len - 16) + f64(s, p + len - 56));
  let z = hash128to64Ref(m(f64(s, p + len - 48) + L), f64(s, p + len - 24));
  let v = weak32(s, p + len - 64, L, z);
  let w = weak32(s, p + len - 32, m(y + K1), x);
  x = m(mul(x, K1) + f64(s, p));
  let n = (len - 1) & ~63;
  do {
    x = mul(rot(m(x + y + v[0] + f64(s, p + 8)), 37), K1);
    y = mul(rot(m(y + v[1] + f64(s, p + 48)), 42), K1);
    x ^= w[1];
    y = m(y + v[0] + f64(s, p + 40));
    z = mul(rot(m(z + w[0]), 33), K1);
    v = weak32(s, p, mul(v[1], K1), m(x + w[0]));
    w = weak32(s, p + 32, m(z + w[1]), m(y + f64(s, p + 16)));
    const t = z; z = x; x = t;
    p += 64;
    n -= 64;
  } while (n !== 0);
  return hash128to64Ref(m(hash128to64Ref(v[0], w[0]) + mul(shiftMix(y), K1) + z),
    m(hash128to64Ref(v[1], w[1]) + x));
}

function longV102(s: Uint8Array, p: number, len: number): bigint {
  const L = BigInt(len);
  let x = f64(s, p);
  let y = f64(s, p + len - 16) ^ K1;
  let z = f64(s, p + len - 56) ^ K0;
  let v = weak32(s, p + len - 64, L, y);
  let w = weak32(s, p + len - 32, mul(L, K1), K0);
  z = m(z + mul(shiftMix(v[1]), K1));
  x = mul(rot(m(z + x), 39), K1);
  y = mul(rot(y, 33), K1);
  let n = (len - 1) & ~63;
  do {
    x = mul(rot(m(x + y + v[0] + f64(s, p + 16)), 37), K1);
    y = mul(rot(m(y + v[1] + f64(s, p + 48)), 42), K1);
    x ^= w[1];
    y ^= v[0];
    z = rot(z ^ w[0], 33);
    v = weak32(s, p, mul(v[1], K1), m(x + w[0]));
    w = weak32(s, p + 32, m(z + w[1]), y);
    const t = z; z = x; x = t;
    p += 64;
    n -= 64;
  } while (n !== 0);
  return hash128to64Ref(m(hash128to64Ref(v[0], w[0]) + mul(shiftMix(y), K1) + z),
    m(hash128to64Ref(v[1], w[1]) + x));
}

/** CityHash64 of s[offset, offset+length) with BigInt arithmetic (reference oracle). */
export function cityHash64Ref(s: Uint8Array, offset = 0, length = s.length - offset,
  version: CityVersion = 'v1.1'): bigint {
  const v11 = version === 'v1.1';
  if (length <= 16) return len0to16(s, offset, length, v11);
  if (length <= 32) return len17to32(s, offset, length, v11);
  if (length <= 64) return v11 ? len33to64v11(s, offset, length) : len33to64v102(s, offset, length);
  return v11 ? longV11(s, offset, length) : longV102(s, offset, length);
}

/** CityHash64WithSeeds (v1.1): Hash128to64(CityHash64(s) − seed0, seed1). */
export function cityHash64WithSeedsRef(s: Uint8Array, offset: number, length: number,
  seed0: bigint, seed1: bigint): bigint {
  return hash128to64Ref(m(cityHash64Ref(s, offset, length, 'v1.1') - m(seed0)), m(seed1));
}

/** CityHash64WithSeed (v1.1) = CityHash64WithSeeds(s, k2, seed). */
export function cityHash64WithSeedRef(s: Uint8Array, offset: number, length: number, seed: bigint): bigint {
  return cityHash64WithSeedsRef(s, offset, length, K2, seed);
}
