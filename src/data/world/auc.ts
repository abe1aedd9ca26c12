// A small exact AUC (Mann-Whitney with tie-averaged ranks) for the world's own tests and summary.
// The project's full metrics live in src/metrics/; this one only serves src/data/world.

/** AUC of scores against 0/1 labels over rows where mask (if given) is true and both are finite. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>, mask?: (i: number) => boolean): number {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (mask && !mask(i)) continue;
    if (!Number.isFinite(scores[i]!) || !Number.isFinite(labels[i]!)) continue;
    idx.push(i);
  }
  const order = Float64Array.from(idx).sort((a, b) => scores[a]! - scores[b]!);
  let nPos = 0; let rankSumPos = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    const v = scores[order[i]!]!;
    while (j + 1 < order.length && scores[order[j + 1]!]! === v) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let m = i; m <= j; m++) if (labels[order[m]!]! > 0.5) { nPos++; rankSumPos += avgRank; }
    i = j + 1;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
