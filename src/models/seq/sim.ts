// SIM soft search (Pi et al., CIKM 2020), in the lookup stage where the embeddings live: of a
// row's ≤ L behaviours keep the k with the largest ⟨e_candidate, e_behaviour⟩ (ties: the more
// recent), in their original (most-recent-first) order, so the graph sees a k-long sequence and
// DIN / BST run over it. Cost O(B·L·D) multiply-adds in TypeScript plus O(B·L·log k) selection;
// the graph's attention then costs O(B·k·d) instead of O(B·L·d).
import type { MultiIds } from '../../features/index.js';

export interface TableView {
  values: Float32Array;
  dim: number;
  rows: number;
}

export interface SimStats {
  rows: number;
  /** Behaviours offered and kept, summed over rows. */
  offered: number;
  kept: number;
}

/**
 * Top-k of each row of `seq` by dot product with the query row `query[b]` of `table` (both ids are
 * rows of the same table). Positions with mask 0 are never selected; a row with ≤ k behaviours
 * keeps them all. Returns a new MultiIds with maxLen k (padding id 0, mask 0).
 */
export function simSoftSearch(seq: MultiIds, query: Int32Array, table: TableView, k: number, stats?: SimStats): MultiIds {
  const L = seq.maxLen, B = query.length, D = table.dim, E = table.values;
  if (seq.ids.length !== B * L) throw new Error(`sim: sequence holds ${seq.ids.length} ids, expected ${B}·${L}`);
  const K = Math.min(k, L);
  const ids = new Int32Array(B * K), mask = new Uint8Array(B * K), lengths = new Int32Array(B);
  const bestS = new Float64Array(K), bestJ = new Int32Array(K), pick = new Int32Array(K);
  for (let b = 0; b < B; b++) {
    const qr = query[b]!;
    if (qr < 0 || qr >= table.rows) throw new Error(`sim: query id ${qr} at row ${b} is outside the table's ${table.rows} rows`);
    const qo = qr * D;
    let n = 0;
    for (let j = 0; j < L; j++) {
      const i = b * L + j;
      if (!seq.mask[i]) continue;
      const r = seq.ids[i]!;
      if (r < 0 || r >= table.rows) throw new Error(`sim: behaviour id ${r} at row ${b}, position ${j} is outside the table's ${table.rows} rows`);
      let s = 0;
      const o = r * D;
      for (let d = 0; d < D; d++) s += E[qo + d]! * E[o + d]!;
      // Keep the K best in descending order (insertion; a later position loses ties).
      if (n === K && s <= bestS[K - 1]!) continue;
      let p = n < K ? n++ : K - 1;
      while (p > 0 && bestS[p - 1]! < s) { bestS[p] = bestS[p - 1]!; bestJ[p] = bestJ[p - 1]!; p--; }
      bestS[p] = s; bestJ[p] = j;
    }
    for (let t = 0; t < n; t++) pick[t] = bestJ[t]!;
    const sel = pick.subarray(0, n).sort();
    for (let t = 0; t < n; t++) { ids[b * K + t] = seq.ids[b * L + sel[t]!]!; mask[b * K + t] = 1; }
    lengths[b] = n;
    if (stats) { stats.rows++; stats.kept += n; stats.offered += seq.lengths[b] ?? n; }
  }
  return { ids, mask, lengths, maxLen: K };
}
