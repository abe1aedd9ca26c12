// HistogramProto fields from data: min, max, num, sum, sum of squares and equal-width buckets
// between min and max (tf.summary.histogram's layout; 30 buckets by default). bucket[i] counts the
// values v with bucket_limit[i-1] < v ≤ bucket_limit[i] (the first bucket also takes v = min); the last
// limit is max itself. Non-finite values are left out and counted in `nonFinite`.
import type { HistogramValue } from './schema.js';

export const DEFAULT_BUCKETS = 30;

export function histogramOf(data: ArrayLike<number>, buckets = DEFAULT_BUCKETS): { histo: HistogramValue | null; nonFinite: number } {
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`histogram: buckets must be a positive integer, got ${buckets}`);
  let min = Infinity, max = -Infinity, num = 0, sum = 0, sq = 0, nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
    num++; sum += v; sq += v * v;
  }
  if (num === 0) return { histo: null, nonFinite };
  if (min === max) return { histo: { min, max, num, sum, sumSquares: sq, bucketLimit: [max], bucket: [num] }, nonFinite };
  const k = buckets;
  const w = (max - min) / k;
  const limit = Array.from({ length: k }, (_, i) => (i === k - 1 ? max : min + (i + 1) * w));
  const count = new Array<number>(k).fill(0);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) continue;
    // first bucket whose limit is ≥ v (a guess from the width, corrected against the stored limits)
    let b = Math.min(k - 1, Math.max(0, Math.ceil((v - min) / w) - 1));
    while (b > 0 && v <= limit[b - 1]!) b--;
    while (b < k - 1 && v > limit[b]!) b++;
    count[b]!++;
  }
  return { histo: { min, max, num, sum, sumSquares: sq, bucketLimit: limit, bucket: count }, nonFinite };
}
