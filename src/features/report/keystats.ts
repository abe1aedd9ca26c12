// Distinct keys of a hashed feature: exact (key → bucket, rows) up to a limit, HyperLogLog always.
// From the exact table: the empirical collision rate (fraction of distinct keys sharing their bucket
// with another key, and the fraction of rows whose key does) next to the theory 1 − e^(−n/M).
import { mod64 } from '../cityhash/index.js';
import { HyperLogLog } from './hll.js';
import { recommendBuckets, theoreticalCollisionRate } from './stats.js';

const TWO32 = 4294967296;

export interface CollisionSummary {
  /** Distinct keys seen (exact when `exact`, else the HyperLogLog estimate). */
  keys: number;
  exact: boolean;
  buckets: number;
  /** Empirical: distinct keys whose bucket holds another key too / all keys (exact only). */
  keyCollisionRate?: number;
  /** Empirical: rows whose key collides / rows (exact only): collisions weighted by frequency. */
  rowCollisionRate?: number;
  /** Distinct buckets in use (exact only). */
  bucketsUsed?: number;
  /** 1 − (1 − 1/M)^(n−1) ≈ 1 − e^(−n/M). */
  theory: number;
  /** Smallest power of two with theory ≤ target. */
  recommendedBuckets: number;
}

export class KeyStats {
  readonly hll = new HyperLogLog(14);
  private map: Map<number, number> | null = new Map();
  private bucket = new Int32Array(1024);
  private count = new Float64Array(1024);
  rows = 0;
  constructor(readonly buckets: number, readonly exactLimit: number) {}

  get exact(): boolean { return this.map !== null; }

  add(hi: number, lo: number): void {
    this.rows++;
    this.hll.add(hi, lo);
    const m = this.map;
    if (!m) return;
    const key = (hi & 0x1fffff) * TWO32 + (lo >>> 0);
    let i = m.get(key);
    if (i === undefined) {
      if (m.size >= this.exactLimit) { this.map = null; return; }
      i = m.size;
      if (i >= this.bucket.length) {
        const b = new Int32Array(i * 2); b.set(this.bucket); this.bucket = b;
        const c = new Float64Array(i * 2); c.set(this.count); this.count = c;
      }
      m.set(key, i);
      this.bucket[i] = this.buckets > 0 ? mod64(hi, lo, this.buckets) : 0;
    }
    this.count[i]! += 1;
  }

  distinct(): number {
    return this.map ? this.map.size : Math.round(this.hll.estimate());
  }

  summary(target: number): CollisionSummary {
    const n = this.distinct();
    const s: CollisionSummary = {
      keys: n, exact: this.exact, buckets: this.buckets,
      theory: theoreticalCollisionRate(n, this.buckets), recommendedBuckets: recommendBuckets(n, target),
    };
    if (this.map && n > 0) {
      const occ = new Map<number, number>();
      for (let i = 0; i < n; i++) occ.set(this.bucket[i]!, (occ.get(this.bucket[i]!) ?? 0) + 1);
      let keys = 0, rows = 0, total = 0;
      for (let i = 0; i < n; i++) {
        total += this.count[i]!;
        if (occ.get(this.bucket[i]!)! > 1) { keys++; rows += this.count[i]!; }
      }
      s.keyCollisionRate = keys / n;
      s.rowCollisionRate = rows / total;
      s.bucketsUsed = occ.size;
    }
    return s;
  }
}
