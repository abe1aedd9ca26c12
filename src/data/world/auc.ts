// A small exact AUC (Mann-Whitney, ties count one half) for the world's own tests and summary.
// The project's full metrics live in src/metrics/; this one only serves src/data/world.

/** AUC of scores against 0/1 labels over rows where mask (if given) is true and both are finite. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, mask?: (i: number) => boolean): number {
  let nPos = 0; let nNeg = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((mask && !mask(i)) || !Number.isFinite(scores[i]!) || !Number.isFinite(labels[i]!)) continue;
    if (labels[i]! > 0.5) nPos++; else nNeg++;
  }
  if (nPos === 0 || nNeg === 0) return NaN;
  const pos = new Float64Array(nPos); const neg = new Float64Array(nNeg);
  let p = 0; let q = 0;
  for (let i = 0; i < scores.length; i++) {
    if ((mask && !mask(i)) || !Number.isFinite(scores[i]!) || !Number.isFinite(labels[i]!)) continue;
    if (labels[i]! > 0.5) pos[p++] = scores[i]!; else neg[q++] = scores[i]!;
  }
  pos.sort(); neg.sort(); // numeric typed-array sorts
  // For each positive: negatives strictly below count 1, equal count 1/2.
  let below = 0; let upto = 0; let wins = 0;
  for (let i = 0; i < nPos; i++) {
    const v = pos[i]!;
    while (below < nNeg && neg[below]! < v) below++;
    if (upto < below) upto = below;
    while (upto < nNeg && neg[upto]! <= v) upto++;
    wins += below + (upto - below) / 2;
  }
  return wins / (nPos * nNeg);
}
