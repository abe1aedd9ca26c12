// HistogramProto fields from data: min, max, num, sum, sum of squares and equal-width buckets
// between min and max (tf.summary.histogram's layout; 30 buckets by default). bucket[i] counts the
// values v with bucket_limit[i-1] < v ≤ bucket_limit[i] (the first bucket also takes v = min); the last
// limit is max itself. Non-finite values are left out and counted in `nonFinite`.
import type { HistogramValue } from './schema.js';

export const DEFAULT_BUCKETS = 30;

type Data = Float32Array | Float64Array | readonly number[];

export function histogramOf(data: Data | ArrayLike<number>, buckets = DEFAULT_BUCKETS): { histo: HistogramValue | null; nonFinite: number } {
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`histogram: buckets must be a positive integer, got ${buckets}`);
  const xs = data instanceof Float32Array || data instanceof Float64Array ? data : Float64Array.from(data);
  let min = Infinity, max = -Infinity, num = 0, sum = 0, sq = 0, nonFinite = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (v - v !== 0) { nonFinite++; continue; } // NaN or ±Infinity
    if (v < min) min = v;
    if (v > max) max = v;
    num++; sum += v; sq += v * v;
  }
  if (num === 0) return { histo: null, nonFinite };
  if (min === max) return { histo: { min, max, num, sum, sumSquares: sq, bucketLimit: [max], bucket: [num] }, nonFinite };
  const k = buckets;
  const w = (max - min) / k, inv = k / (max - min);
  const limit = new Float64Array(k);
  for (let i = 0; i < k; i++) limit[i] = i === k - 1 ? max : min + (i + 1) * w;
  const count = new Float64Array(k);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (v - v !== 0) continue;
    // the bucket from the width, corrected by one against the stored limits (rounding at the edges)
    let b = Math.floor((v - min) * inv);
    if (b >= k) b = k - 1;
    if (b > 0 && v <= limit[b - 1]!) b--;
    else if (v > limit[b]!) b++;
    count[b]!++;
  }
  return { histo: { min, max, num, sum, sumSquares: sq, bucketLimit: Array.from(limit), bucket: Array.from(count) }, nonFinite };
}
