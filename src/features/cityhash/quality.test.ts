// Statistical quality of CityHash64 buckets (spec §7 tests): chi-square uniformity over M = 1024
// buckets and the empirical collision rate against 1 − e^(−n/M). Seeded, so deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { cityHash64Into, mod64, type CityVersion } from './index.js';

/** Standard-normal quantile at 0.99 (Φ⁻¹(0.99)). */
const Z_99 = 2.3263478740408408;

/**
 * Upper α = 0.01 critical value of χ² with k degrees of freedom, Wilson–Hilferty approximation:
 * χ²₀.₉₉(k) ≈ k·(1 − 2/(9k) + z₀.₉₉·√(2/(9k)))³ (relative error ~1e-4 at k ≈ 1000).
 */
function chiSquareCritical99(k: number): number {
  const c = 2 / (9 * k);
  return k * (1 - c + Z_99 * Math.sqrt(c)) ** 3;
}

function chiSquare(counts: Uint32Array, n: number): number {
  const e = n / counts.length;
  let x2 = 0;
  for (let i = 0; i < counts.length; i++) x2 += (counts[i] - e) ** 2 / e;
  return x2;
}

type KeyWriter = (i: number, buf: Uint8Array) => number; // writes key i into buf, returns its length

function bucketCounts(n: number, m: number, write: KeyWriter, version: CityVersion): Uint32Array {
  const counts = new Uint32Array(m);
  const buf = new Uint8Array(64), out = new Uint32Array(2);
  for (let i = 0; i < n; i++) {
    const len = write(i, buf);
    cityHash64Into(buf, 0, len, out, version);
    counts[mod64(out[0], out[1], m)]++;
  }
  return counts;
}

const M_CHI = 1024, N_CHI = 1_000_000;
const CRIT = chiSquareCritical99(M_CHI - 1);

test('Wilson–Hilferty critical value for 1023 dof is ≈ 1131.2', () => {
  assert.ok(CRIT > 1130.5 && CRIT < 1131.8, String(CRIT));
  // Sanity at small k against the tabulated χ²₀.₉₉(10) = 23.209.
  assert.ok(Math.abs(chiSquareCritical99(10) - 23.209) < 0.1);
});

test('chi-square: 1e6 random 16-byte keys into 1024 buckets pass at α = 0.01 (v1.1)', (t) => {
  const rng = new Rng('chi-v1.1');
  const counts = bucketCounts(N_CHI, M_CHI, (_i, b) => {
    for (let j = 0; j < 16; j += 4) {
      const x = rng.u32();
      b[j] = x; b[j + 1] = x >>> 8; b[j + 2] = x >>> 16; b[j + 3] = x >>> 24;
    }
    return 16;
  }, 'v1.1');
  const x2 = chiSquare(counts, N_CHI);
  t.diagnostic(`χ² = ${x2.toFixed(1)}, critical ${CRIT.toFixed(1)}`);
  assert.ok(x2 < CRIT, `χ² = ${x2.toFixed(1)} ≥ critical ${CRIT.toFixed(1)}`);
});

// Lengths start at 4 so that the keys are (almost surely) distinct: 1e6/61 keys per length would
// repeat heavily at lengths 1–2 (only 256 / 65536 possible values), which is not a hash defect.
test('chi-square: 1e6 random keys of length 4..64 into 1024 buckets pass at α = 0.01 (v1.0.2)', (t) => {
  const rng = new Rng('chi-v1.0.2');
  const counts = bucketCounts(N_CHI, M_CHI, (_i, b) => {
    const len = 4 + rng.int(61);
    for (let j = 0; j < len; j++) b[j] = rng.u32() & 0xff;
    return len;
  }, 'v1.0.2');
  const x2 = chiSquare(counts, N_CHI);
  t.diagnostic(`χ² = ${x2.toFixed(1)}, critical ${CRIT.toFixed(1)}`);
  assert.ok(x2 < CRIT, `χ² = ${x2.toFixed(1)} ≥ critical ${CRIT.toFixed(1)}`);
});

/** Key i as its ASCII decimal digits after a fixed "uid:" prefix (structured, feature-cross-like). */
function decimalKey(i: number, b: Uint8Array): number {
  b[0] = 0x75; b[1] = 0x69; b[2] = 0x64; b[3] = 0x3a; // "uid:"
  const s = String(i);
  for (let j = 0; j < s.length; j++) b[4 + j] = s.charCodeAt(j);
  return 4 + s.length;
}

test('chi-square: structured keys "uid:0".."uid:999999" pass; a weak hash on the same keys fails', (t) => {
  const x2 = chiSquare(bucketCounts(N_CHI, M_CHI, decimalKey, 'v1.1'), N_CHI);
  t.diagnostic(`χ² = ${x2.toFixed(1)}, critical ${CRIT.toFixed(1)}`);
  assert.ok(x2 < CRIT, `χ² = ${x2.toFixed(1)} ≥ critical ${CRIT.toFixed(1)}`);
  // Negative control (shows the test can fail): bucket = byte sum mod 1024.
  const weak = new Uint32Array(M_CHI), b = new Uint8Array(64);
  for (let i = 0; i < N_CHI; i++) {
    const len = decimalKey(i, b);
    let s = 0;
    for (let j = 0; j < len; j++) s += b[j];
    weak[s % M_CHI]++;
  }
  const x2weak = chiSquare(weak, N_CHI);
  t.diagnostic(`weak hash χ² = ${x2weak.toFixed(0)}`);
  assert.ok(x2weak > CRIT);
});

// Collision rate := the fraction of the n keys whose bucket also holds at least one other of the
// n keys. For a uniform hash, P(a given key shares its bucket) = 1 − (1 − 1/M)^(n−1) ≈ 1 − e^(−n/M).
for (const [n, m] of [[100_000, 1_000_000], [100_000, 200_000]] as const) {
  for (const version of ['v1.1', 'v1.0.2'] as const) {
    test(`collision rate of ${n} distinct keys in ${m} buckets is within 1% of 1 − e^(−n/M) (${version})`, (t) => {
      const rng = new Rng(`collide-${n}-${m}-${version}`);
      // Distinct keys: 8 random bytes followed by the 4-byte index i.
      const keyOf: KeyWriter = (i, b) => {
        const x = rng.u32(), y = rng.u32();
        b[0] = x; b[1] = x >>> 8; b[2] = x >>> 16; b[3] = x >>> 24;
        b[4] = y; b[5] = y >>> 8; b[6] = y >>> 16; b[7] = y >>> 24;
        b[8] = i; b[9] = i >>> 8; b[10] = i >>> 16; b[11] = i >>> 24;
        return 12;
      };
      const buckets = new Uint32Array(n);
      const counts = new Uint32Array(m);
      const buf = new Uint8Array(16), out = new Uint32Array(2);
      for (let i = 0; i < n; i++) {
        cityHash64Into(buf, 0, keyOf(i, buf), out, version);
        buckets[i] = mod64(out[0], out[1], m);
        counts[buckets[i]]++;
      }
      let shared = 0;
      for (let i = 0; i < n; i++) if (counts[buckets[i]] >= 2) shared++;
      const rate = shared / n;
      const expected = 1 - Math.exp(-n / m);
      t.diagnostic(`collision rate ${rate.toFixed(4)}, 1 − e^(−n/M) = ${expected.toFixed(4)}`);
      assert.ok(Math.abs(rate - expected) < 0.01, `rate ${rate.toFixed(4)} vs expected ${expected.toFixed(4)}`);
    });
  }
}
