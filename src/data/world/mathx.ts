// Small numeric helpers for the world generator: logistic, erfc / normal tail (double precision),
// alias sampling, a Fenwick tree for sampling from a changing set, Poisson draws.
import type { Rng } from '../../util/rng.js';

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Complementary error function, relative error ~1e-13 (series for |x| < 2, continued fraction beyond). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x; let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), modified Lentz.
  const tiny = 1e-300;
  let f = x; let c = x; let d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = x + a * d; if (Math.abs(d) < tiny) d = tiny;
    c = x + a / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** P(W >= t) for W ~ LogNormal(mu, sigma). */
export function logNormalTail(t: number, mu: number, sigma: number): number {
  return 0.5 * erfc((Math.log(t) - mu) / (sigma * Math.SQRT2));
}

/** Walker alias table: O(1) draws from a fixed discrete distribution. */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new Error('AliasTable: no weights');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`AliasTable: weight ${i} is ${w}, expected a finite number >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new Error('AliasTable: all weights are zero');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = []; const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!; const l = large.pop()!;
      this.prob[s] = scaled[s]!; this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of large) { this.prob[i] = 1; this.alias[i] = i; }
    for (const i of small) { this.prob[i] = 1; this.alias[i] = i; }
  }

  sample(rng: Rng): number {
    const u = rng.next() * this.size;
    const i = Math.floor(u);
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/**
 * Fenwick (binary indexed) tree over integer weights: set a slot's weight, draw a slot with
 * probability proportional to its weight. Integer weights keep the sums exact, so a slot set to 0
 * can never be drawn.
 */
export class Fenwick {
  private readonly tree: Float64Array;
  private readonly w: Float64Array;
  private readonly top: number;
  total = 0;

  constructor(readonly size: number) {
    this.tree = new Float64Array(size + 1);
    this.w = new Float64Array(size);
    let t = 1; while (t * 2 <= size) t *= 2;
    this.top = t;
  }

  set(slot: number, weight: number): void {
    const delta = weight - this.w[slot]!;
    if (delta === 0) return;
    this.w[slot] = weight;
    this.total += delta;
    for (let i = slot + 1; i <= this.size; i += i & -i) this.tree[i] = this.tree[i]! + delta;
  }

  /** A slot drawn with probability weight/total, or -1 when the tree is empty. */
  sample(rng: Rng): number {
    if (this.total <= 0) return -1;
    let target = Math.floor(rng.next() * this.total); // integer in [0, total)
    let pos = 0;
    for (let step = this.top; step > 0; step >>= 1) {
      const nxt = pos + step;
      if (nxt <= this.size && this.tree[nxt]! <= target) { pos = nxt; target -= this.tree[nxt]!; }
    }
    return pos; // 0-based slot
  }
}

/** Poisson draw (inversion for small means, normal approximation above 50). */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 50) return Math.max(0, Math.round(rng.normal(mean, Math.sqrt(mean))));
  const l = Math.exp(-mean);
  let k = 0; let p = rng.next();
  while (p > l) { k++; p *= rng.next(); }
  return k;
}

/** A packed (fast-elements) array of n copies of v; `new Array(n)` of large n is a slow sparse array in V8. */
export function filled<T>(n: number, v: T): T[] {
  const a: T[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

/** Open-addressing hash map from a pair of non-negative int32 (a, b) to an int32 value. */
export class PairMap {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private vals: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16; while (cap < capacity * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(-1); this.keysB = new Int32Array(cap); this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  private static hash(a: number, b: number): number {
    let h = Math.imul(a ^ Math.imul(b, 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 13;
    return h >>> 0;
  }

  /** The value of (a, b), or -1. */
  get(a: number, b: number): number {
    let i = PairMap.hash(a, b) & this.mask;
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) return -1;
      if (ka === a && this.keysB[i] === b) return this.vals[i]!;
      i = (i + 1) & this.mask;
    }
  }

  set(a: number, b: number, v: number): void {
    if ((this.size + 1) * 2 > this.keysA.length) this.grow();
    let i = PairMap.hash(a, b) & this.mask;
    for (;;) {
      const ka = this.keysA[i]!;
      if (ka === -1) { this.keysA[i] = a; this.keysB[i] = b; this.vals[i] = v; this.size++; return; }
      if (ka === a && this.keysB[i] === b) { this.vals[i] = v; return; }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oa = this.keysA; const ob = this.keysB; const ov = this.vals;
    const cap = oa.length * 2;
    this.keysA = new Int32Array(cap).fill(-1); this.keysB = new Int32Array(cap); this.vals = new Int32Array(cap);
    this.mask = cap - 1; this.size = 0;
    for (let i = 0; i < oa.length; i++) if (oa[i] !== -1) this.set(oa[i]!, ob[i]!, ov[i]!);
  }
}
