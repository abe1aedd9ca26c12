// Sorting primitives for the exact metrics. Random memory access (gathering labels through an
// argsort permutation) is the slow part of exact AUC on millions of rows, so rows are sorted as
// interleaved *records* (key words + payload words) by a stable LSD radix sort. Afterwards every pass
// over the sorted rows is sequential.
//
// Score keys are float64 mapped to order-preserving 64-bit integers; only the bits that vary across
// the data get radix passes (float32-valued scores need 3 passes, arbitrary float64 up to 6).
// Keys must not be NaN (callers filter NaN and count it). -0 is treated as +0 (they tie).

export type NumArray = ArrayLike<number>;

/** One radix digit: `bits` bits of record word `word`, starting at bit `shift`. */
export interface Digit { word: number; shift: number; bits: number }

const MAX_DIGIT_BITS = 11;

/**
 * Stable LSD radix sort of n records of W u32 words each, by `digits` (least significant first).
 * Returns the buffer holding the result (`rec` or the scratch buffer).
 */
export function radixSortRecords(rec: Uint32Array, W: number, n: number, digits: Digit[]): Uint32Array {
  if (digits.length === 0 || n < 2) return rec;
  // Digit histograms do not depend on the order, so all of them come from one read of the input.
  const nd = digits.length;
  const hists = digits.map((d) => new Uint32Array(1 << d.bits));
  const words = Int32Array.from(digits, (d) => d.word);
  const shifts = Int32Array.from(digits, (d) => d.shift);
  const masks = Int32Array.from(digits, (d) => (1 << d.bits) - 1);
  if (nd === 1) {
    const h0 = hists[0]!; const w0 = words[0]!; const s0 = shifts[0]!; const m0 = masks[0]!;
    for (let j = 0, e = n * W; j < e; j += W) h0[(rec[j + w0]! >>> s0) & m0]!++;
  } else if (nd === 2) {
    const h0 = hists[0]!; const w0 = words[0]!; const s0 = shifts[0]!; const m0 = masks[0]!;
    const h1 = hists[1]!; const w1 = words[1]!; const s1 = shifts[1]!; const m1 = masks[1]!;
    for (let j = 0, e = n * W; j < e; j += W) { h0[(rec[j + w0]! >>> s0) & m0]!++; h1[(rec[j + w1]! >>> s1) & m1]!++; }
  } else if (nd === 3) {
    const h0 = hists[0]!; const w0 = words[0]!; const s0 = shifts[0]!; const m0 = masks[0]!;
    const h1 = hists[1]!; const w1 = words[1]!; const s1 = shifts[1]!; const m1 = masks[1]!;
    const h2 = hists[2]!; const w2 = words[2]!; const s2 = shifts[2]!; const m2 = masks[2]!;
    for (let j = 0, e = n * W; j < e; j += W) {
      h0[(rec[j + w0]! >>> s0) & m0]!++; h1[(rec[j + w1]! >>> s1) & m1]!++; h2[(rec[j + w2]! >>> s2) & m2]!++;
    }
  } else {
    for (let j = 0, e = n * W; j < e; j += W) {
      for (let k = 0; k < nd; k++) hists[k]![(rec[j + words[k]!]! >>> shifts[k]!) & masks[k]!]!++;
    }
  }
  let a = rec;
  let b: Uint32Array | null = null;
  for (let k = 0; k < nd; k++) {
    const h = hists[k]!;
    if (prefixSums(h, n)) continue; // every record has the same digit
    const mask = masks[k]!; const sh = shifts[k]!; const dw = words[k]!;
    if (b === null) b = new Uint32Array(a.length);
    if (W === 2) {
      for (let j = 0, e = n * 2; j < e; j += 2) {
        const q = 2 * h[(a[j + dw]! >>> sh) & mask]!++;
        b[q] = a[j]!; b[q + 1] = a[j + 1]!;
      }
    } else if (W === 3) {
      for (let j = 0, e = n * 3; j < e; j += 3) {
        const q = 3 * h[(a[j + dw]! >>> sh) & mask]!++;
        b[q] = a[j]!; b[q + 1] = a[j + 1]!; b[q + 2] = a[j + 2]!;
      }
    } else if (W === 4) {
      for (let j = 0, e = n * 4; j < e; j += 4) {
        const q = 4 * h[(a[j + dw]! >>> sh) & mask]!++;
        b[q] = a[j]!; b[q + 1] = a[j + 1]!; b[q + 2] = a[j + 2]!; b[q + 3] = a[j + 3]!;
      }
    } else {
      for (let j = 0, e = n * W; j < e; j += W) {
        const q = W * h[(a[j + dw]! >>> sh) & mask]!++;
        for (let k2 = 0; k2 < W; k2++) b[q + k2] = a[j + k2]!;
      }
    }
    const t = a; a = b; b = t;
  }
  return a;
}

/**
 * Stable sort of records by the low `bits` bits of word 0 (higher bits must be equal or zero).
 * Large inputs: one MSD scatter by the top 11 bits through main memory, then each bucket (small,
 * cache-resident) is finished by LSD passes or insertion sort. Small inputs: plain LSD.
 */
export function sortByWord0(rec: Uint32Array, W: number, n: number, bits: number): Uint32Array {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  if (n < 1 << 16 || bits <= MAX_DIGIT_BITS) return radixSortRecords(rec, W, n, wordDigits(0, mask));
  const topShift = bits - MAX_DIGIT_BITS;
  const B = 1 << MAX_DIGIT_BITS;
  const hist = new Uint32Array(B + 1);
  for (let j = 0, e = n * W; j < e; j += W) hist[((rec[j]! >>> topShift) & (B - 1)) + 1]!++;
  for (let d = 0; d < B; d++) hist[d + 1]! += hist[d]!;
  const starts = hist.slice(0, B + 1);
  const out = new Uint32Array(rec.length);
  for (let j = 0, e = n * W; j < e; j += W) {
    const q = W * hist[(rec[j]! >>> topShift) & (B - 1)]!++;
    for (let k = 0; k < W; k++) out[q + k] = rec[j + k]!;
  }
  // `rec` is free now: it serves as the scratch space of every bucket's LSD passes.
  const lowDigits = wordDigits(0, topShift >= 32 ? 0xffffffff : (1 << topShift) - 1);
  for (let d = 0; d < B; d++) {
    const a = starts[d]!; const b = starts[d + 1]!;
    const len = b - a;
    if (len < 2) continue;
    const sub = out.subarray(a * W, b * W);
    if (len <= 32) { insertionByWord(sub, W, len, 0, topShift); continue; }
    const sorted = radixSortRecordsInto(sub, rec.subarray(a * W, b * W), W, len, lowDigits);
    if (sorted !== sub) sub.set(sorted);
  }
  return out;
}

/** Stable insertion sort of records by the low `bits` bits of word `w`. */
function insertionByWord(r: Uint32Array, W: number, n: number, w: number, bits: number): void {
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  const tmp = new Uint32Array(W);
  for (let i = 1; i < n; i++) {
    const key = (r[i * W + w]! & mask) >>> 0;
    if (((r[(i - 1) * W + w]! & mask) >>> 0) <= key) continue;
    for (let k = 0; k < W; k++) tmp[k] = r[i * W + k]!;
    let j = i - 1;
    while (j >= 0 && ((r[j * W + w]! & mask) >>> 0) > key) { r.copyWithin((j + 1) * W, j * W, (j + 1) * W); j--; }
    r.set(tmp, (j + 1) * W);
  }
}

/** LSD radix like `radixSortRecords`, with a caller-provided scratch buffer of the same size. */
function radixSortRecordsInto(rec: Uint32Array, scratch: Uint32Array, W: number, n: number, digits: Digit[]): Uint32Array {
  let a = rec; let b = scratch;
  const hist = new Uint32Array(1 << MAX_DIGIT_BITS);
  for (const d of digits) {
    const mask = (1 << d.bits) - 1; const sh = d.shift; const dw = d.word;
    const h = hist.subarray(0, 1 << d.bits);
    h.fill(0);
    for (let j = 0, e = n * W; j < e; j += W) h[(a[j + dw]! >>> sh) & mask]!++;
    if (prefixSums(h, n)) continue;
    for (let j = 0, e = n * W; j < e; j += W) {
      const q = W * h[(a[j + dw]! >>> sh) & mask]!++;
      for (let k = 0; k < W; k++) b[q + k] = a[j + k]!;
    }
    const t = a; a = b; b = t;
  }
  return a;
}

/** Turns counts into start offsets in place; returns true when one bucket holds everything. */
function prefixSums(hist: Uint32Array, n: number): boolean {
  let s = 0;
  for (let d = 0; d < hist.length; d++) {
    const c = hist[d]!;
    if (c === n) return true;
    hist[d] = s;
    s += c;
  }
  return false;
}

/** Digits covering the bits set in `varying` of record word `word` (≤ 11 bits each). */
export function wordDigits(word: number, varying: number): Digit[] {
  if (varying === 0) return [];
  const low = 31 - Math.clz32(varying & -varying);
  const high = 31 - Math.clz32(varying);
  const bits = high - low + 1;
  const passes = Math.ceil(bits / MAX_DIGIT_BITS);
  const width = Math.ceil(bits / passes);
  const out: Digit[] = [];
  for (let p = 0; p < passes; p++) {
    const shift = low + p * width;
    out.push({ word, shift, bits: Math.min(width, high + 1 - shift) });
  }
  return out;
}

/** A payload column carried through a sort: u32 values, or float64 (2 words, readable via f64 view). */
export type Payload = Uint32Array | Int32Array | Uint16Array | Uint8Array | Float64Array;

export interface SortedRecords {
  rec: Uint32Array;
  /** Float64 view of `rec` (f64 payloads sit at even word offsets). */
  f64: Float64Array;
  W: number;
  n: number;
  /** Word offset of each payload column in a record (f64 columns: index into f64 = (i*W+off)/2). */
  offsets: number[];
  /** newRun[i] = 1 when record i's key differs from record i−1's (newRun[0] = 1). */
  newRun: Uint8Array;
}

const F = new Float64Array(1);
const U = new Uint32Array(F.buffer);

/**
 * Record layout: key words first (`keyWords` = 2 for float64 keys, 1 for u32 keys), then payloads;
 * f64 payloads sit at even word offsets and make W even (so the f64 view can read them).
 */
function layout(payload: Payload[], keyWords: number): { W: number; offsets: number[] } {
  let w = 2;
  const offsets: number[] = [];
  const hasF64 = payload.some((p) => p instanceof Float64Array);
  for (const p of payload) if (p instanceof Float64Array) { offsets.push(w); w += 2; } else offsets.push(-1);
  if (!hasF64) w = keyWords;
  for (let i = 0; i < payload.length; i++) if (offsets[i] === -1) offsets[i] = w++;
  if (hasF64 && w % 2) w++;
  return { W: w, offsets };
}

function fill(rec: Uint32Array, W: number, n: number, payload: Payload[], offsets: number[]): void {
  const f = new Float64Array(rec.buffer, rec.byteOffset, rec.length >> 1);
  for (let c = 0; c < payload.length; c++) {
    const col = payload[c]!;
    const off = offsets[c]!;
    if (col instanceof Float64Array) for (let i = 0, k = off >> 1; i < n; i++, k += W >> 1) f[k] = col[i]!;
    else for (let i = 0, j = off; i < n; i++, j += W) rec[j] = col[i]!;
  }
}

/** Order-preserving u64 (hi, lo) of a float64; -0 maps like +0. */
export function keyBits(v: number): [number, number] {
  F[0] = v === 0 ? 0 : v;
  let h = U[1]!; let l = U[0]!;
  if (h & 0x80000000) { h = ~h >>> 0; l = ~l >>> 0; } else { h = (h | 0x80000000) >>> 0; }
  return [h, l];
}

/**
 * Sorts rows 0..n-1 by ascending float64 key (stable), carrying payload columns. Read payload c of
 * sorted record i at rec[i*W + offsets[c]] (u32) or f64[(i*W + offsets[c]) / 2] (Float64Array).
 */
export function sortRecords(keys: NumArray, n: number, payload: Payload[]): SortedRecords {
  const { W, offsets } = layout(payload, 2);
  let rec: Uint32Array = new Uint32Array(n * W);
  let diffHi = 0; let diffLo = 0; let h0 = 0; let l0 = 0;
  for (let i = 0, j = 0; i < n; i++, j += W) {
    F[0] = keys[i]! === 0 ? 0 : keys[i]!;
    let h = U[1]!; let l = U[0]!;
    if (h & 0x80000000) { h = ~h >>> 0; l = ~l >>> 0; } else { h = (h | 0x80000000) >>> 0; }
    rec[j] = h; rec[j + 1] = l;
    if (i === 0) { h0 = h; l0 = l; }
    diffHi |= h ^ h0; diffLo |= l ^ l0;
  }
  fill(rec, W, n, payload, offsets);
  if (diffHi !== 0 || diffLo !== 0) {
    // Only the bits [low, high] vary. Repack them: word 0 = the top ≤ 32 of them (radix-sorted),
    // word 1 = the rest (used only to order runs of equal word 0, which are short for real scores).
    const high = diffHi !== 0 ? 63 - Math.clz32(diffHi) : 31 - Math.clz32(diffLo);
    const low = diffLo !== 0 ? ctz32(diffLo) : 32 + ctz32(diffHi);
    const bits = high - low + 1;
    const a = bits <= 32 ? low : high - 31;
    const wa = Math.min(32, bits);
    const wr = a - low;
    for (let j = 0, e = n * W; j < e; j += W) {
      const h = rec[j]!; const l = rec[j + 1]!;
      rec[j] = extractBits(h, l, a, wa);
      rec[j + 1] = wr > 0 ? extractBits(h, l, low, wr) : 0;
    }
    rec = sortByWord0(rec, W, n, wa);
    if (wr > 0) fixLowWord(rec, W, n);
  }
  return { rec, f64: new Float64Array(rec.buffer, rec.byteOffset, rec.length >> 1), W, n, offsets, newRun: runStarts(rec, W, n, 0, 1) };
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Bits [a, a + w) of the 64-bit value (h:l), w ≤ 32, as an unsigned number. */
function extractBits(h: number, l: number, a: number, w: number): number {
  const v = a >= 32 ? h >>> (a - 32) : a === 0 ? l : (l >>> a) | (h << (32 - a));
  return w === 32 ? v >>> 0 : (v & ((1 << w) - 1)) >>> 0;
}

/** Sorts every run of records with equal word 0 by word 1 (stable). */
function fixLowWord(rec: Uint32Array, W: number, n: number): void {
  const tmp = new Uint32Array(W);
  let i = 0;
  while (i < n) {
    const h = rec[i * W]!;
    let e = i + 1;
    while (e < n && rec[e * W] === h) e++;
    const len = e - i;
    if (len > 1) {
      if (len <= 48) {
        for (let a = i + 1; a < e; a++) {
          const key = rec[a * W + 1]!;
          if (rec[(a - 1) * W + 1]! <= key) continue;
          for (let k = 0; k < W; k++) tmp[k] = rec[a * W + k]!;
          let b = a - 1;
          while (b >= i && rec[b * W + 1]! > key) {
            rec.copyWithin((b + 1) * W, b * W, (b + 1) * W);
            b--;
          }
          rec.set(tmp, (b + 1) * W);
        }
      } else {
        const sub = rec.subarray(i * W, e * W);
        let diff = 0; const l0 = sub[1]!;
        for (let k = 1; k < sub.length; k += W) diff |= sub[k]! ^ l0;
        const sorted = radixSortRecords(sub, W, len, wordDigits(1, diff));
        if (sorted !== sub) sub.set(sorted);
      }
    }
    i = e;
  }
}

/**
 * Sorts records by an unsigned 32-bit key (e.g. group id), carrying payload columns; the key sits in
 * word 0 and newRun marks changes of `runWord` (e.g. a score rank) *or* of the key.
 */
export function sortRecordsU32(keys: ArrayLike<number>, n: number, payload: Payload[]): SortedRecords {
  const { W, offsets } = layout(payload, 1);
  let rec: Uint32Array = new Uint32Array(n * W);
  let diff = 0; const k0 = n > 0 ? keys[0]! >>> 0 : 0;
  for (let i = 0, j = 0; i < n; i++, j += W) { const k = keys[i]! >>> 0; rec[j] = k; diff |= k ^ k0; }
  fill(rec, W, n, payload, offsets);
  rec = sortByWord0(rec, W, n, diff === 0 ? 0 : 32 - Math.clz32(diff));
  return { rec, f64: new Float64Array(rec.buffer, rec.byteOffset, rec.length >> 1), W, n, offsets, newRun: runStarts(rec, W, n, 0, 0) };
}

/** newRun flags: record i starts a run when words w1 or w2 differ from record i−1. */
export function runStarts(rec: Uint32Array, W: number, n: number, w1: number, w2: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n > 0) out[0] = 1;
  for (let i = 1, j = W; i < n; i++, j += W) {
    if (rec[j + w1] !== rec[j + w1 - W] || rec[j + w2] !== rec[j + w2 - W]) out[i] = 1;
  }
  return out;
}

/** Stable ascending argsort of float64 keys (a convenience; the metrics use sortRecords). */
export function argsortF64(keys: NumArray, n: number = keys.length): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const s = sortRecords(keys, n, [idx]);
  const out = new Uint32Array(n);
  const off = s.offsets[0]!;
  for (let i = 0, j = off; i < n; i++, j += s.W) out[i] = s.rec[j]!;
  return out;
}
