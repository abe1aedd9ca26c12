// Group AUC (DIN, KDD 2018): GAUC = Σ_u w_u·AUC_u / Σ_u w_u over groups (users) that have both
// classes; w_u = impressions of u (Σ sample weights when weighted) by default. Single-class groups
// are skipped and counted, rows without a group key are counted too.
import { sortRecords, sortRecordsU32, type NumArray, type SortedRecords } from './sort.js';
import { BinaryRows, type BinaryBatch } from './rows.js';
import { KeyDict, i32, keyIds, type Key } from './growable.js';

/** How groups are weighted: impressions (rows / Σ weights, the default), positives, or 1 each. */
export type GroupWeighting = 'impressions' | 'positives' | 'uniform';

export interface GaucResult {
  gauc: number;              // NaN when no group has both classes
  groupsUsed: number;
  groupsSkipped: number;     // single-class groups
  rowsUsed: number;
  rowsSkipped: number;       // rows of single-class groups
  rowsMissingGroup: number;  // rows whose group key is null / NaN
  rowsInvalid: number;       // rows dropped for NaN score / label / weight
}

/** Running sums of a GAUC computation (mergeable across slices of one pass). */
export class GaucSums {
  num = 0; den = 0; groupsUsed = 0; groupsSkipped = 0; rowsUsed = 0; rowsSkipped = 0; rowsMissingGroup = 0;

  result(): GaucResult {
    return {
      gauc: this.den > 0 ? this.num / this.den : NaN,
      groupsUsed: this.groupsUsed, groupsSkipped: this.groupsSkipped,
      rowsUsed: this.rowsUsed, rowsSkipped: this.rowsSkipped, rowsMissingGroup: this.rowsMissingGroup,
      rowsInvalid: 0,
    };
  }
}

/**
 * Sorts rows by (group, score) with two radix sorts that carry the labels along: first by score
 * (payload group id << 1 | label), then, in score order, by group id (payload rank << 1 | label).
 * Rows with gid < 0 must already be removed. Returns records [gid | rank<<1|label | weight?].
 */
export function sortByGroupThenScore(
  scores: NumArray, labels: Uint8Array, weights: Float64Array | null, gids: ArrayLike<number>, n: number,
): SortedRecords {
  const code = new Uint32Array(n);
  for (let i = 0; i < n; i++) code[i] = ((gids[i]! << 1) | labels[i]!) >>> 0;
  const s1 = sortRecords(scores, n, weights ? [code, weights] : [code]);
  const { rec, f64, W, newRun } = s1;
  const oc = s1.offsets[0]!; const ow = weights ? s1.offsets[1]! : 0;
  const gs = new Uint32Array(n); const rl = new Uint32Array(n);
  const ws = weights ? new Float64Array(n) : null;
  let r = 0;
  for (let i = 0, j = 0; i < n; i++, j += W) {
    if (newRun[i]) r++;
    const c = rec[j + oc]!;
    gs[i] = c >>> 1; rl[i] = ((r << 1) | (c & 1)) >>> 0;
    if (ws) ws[i] = f64[(j + ow) >> 1]!;
  }
  return sortRecordsU32(gs, n, ws ? [rl, ws] : [rl]);
}

/**
 * One sequential pass over records sorted by (group, score rank) — from `sortByGroupThenScore` —
 * adding every group's AUC to `sums`.
 */
export function gaucPass(s: SortedRecords, weighted: boolean, weighting: GroupWeighting, sums: GaucSums): void {
  const { rec, f64, W, n } = s;
  const orl = s.offsets[0]!; const ow = weighted ? s.offsets[1]! : 0;
  let i = 0;
  let j = 0;
  while (i < n) {
    const g = rec[j]!;
    let prevRank = -1; let negBelow = 0; let area = 0; let wPos = 0; let tp = 0; let tn = 0;
    const start = i;
    while (i < n && rec[j] === g) {
      const v = rec[j + orl]!;
      const rk = v >>> 1;
      if (rk !== prevRank) { area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp; tp = 0; tn = 0; prevRank = rk; }
      const w = weighted ? f64[(j + ow) >> 1]! : 1;
      if (v & 1) tp += w; else tn += w;
      i++; j += W;
    }
    area += tp * (negBelow + 0.5 * tn); negBelow += tn; wPos += tp;
    if (wPos > 0 && negBelow > 0) {
      const wu = weighting === 'impressions' ? wPos + negBelow : weighting === 'positives' ? wPos : 1;
      sums.num += wu * (area / (wPos * negBelow)); sums.den += wu;
      sums.groupsUsed++; sums.rowsUsed += i - start;
    } else {
      sums.groupsSkipped++; sums.rowsSkipped += i - start;
    }
  }
}

/** GAUC of rows with group ids (gid < 0 = missing: counted, left out). */
export function gaucOfRows(
  scores: Float64Array, labels: Uint8Array, weights: Float64Array | null, gids: Int32Array,
  weighting: GroupWeighting,
): GaucResult {
  const n = scores.length;
  let missing = 0;
  for (let i = 0; i < n; i++) if (gids[i]! < 0) missing++;
  let sc = scores; let lb = labels; let wt = weights; let gd: ArrayLike<number> = gids;
  if (missing > 0) {
    const m = n - missing;
    sc = new Float64Array(m); lb = new Uint8Array(m); wt = weights ? new Float64Array(m) : null;
    const g2 = new Uint32Array(m);
    for (let i = 0, k = 0; i < n; i++) {
      if (gids[i]! < 0) continue;
      sc[k] = scores[i]!; lb[k] = labels[i]!; g2[k] = gids[i]!; if (wt) wt[k] = weights![i]!; k++;
    }
    gd = g2;
  }
  const sums = new GaucSums();
  sums.rowsMissingGroup = missing;
  gaucPass(sortByGroupThenScore(sc, lb, wt, gd, sc.length), wt !== null, weighting, sums);
  return sums.result();
}

export interface GaucOptions {
  weights?: NumArray | null;
  weighting?: GroupWeighting;
}

/** GAUC of whole arrays; group keys are numbers or strings (null / NaN = missing, counted). */
export function gauc(scores: NumArray, labels: NumArray, groups: ArrayLike<Key>, opts: GaucOptions = {}): GaucResult {
  const acc = new GaucAccumulator({ weighting: opts.weighting });
  acc.addBatch({ scores, labels, weights: opts.weights, groups });
  return acc.compute();
}

export interface GroupBatch extends BinaryBatch {
  groups: ArrayLike<Key>;
}

/** Streaming GAUC: rows of a group may arrive in any batch (and any worker: merge). */
export class GaucAccumulator {
  readonly rows: BinaryRows;
  readonly dict = new KeyDict();
  readonly gids = i32();
  readonly weighting: GroupWeighting;

  constructor(opts: { weighting?: GroupWeighting; name?: string } = {}) {
    this.weighting = opts.weighting ?? 'impressions';
    this.rows = new BinaryRows(opts.name ?? 'gauc');
  }

  add(score: number, label: number, group: Key, weight?: number): void {
    if (this.rows.push(score, label, weight)) this.gids.push(this.dict.id(group));
  }

  addBatch(b: GroupBatch): void {
    const n = b.n ?? b.scores.length;
    if (b.groups.length < n) throw new Error(`${this.rows.name}: groups have ${b.groups.length} rows, scores ${n}`);
    const kept = this.rows.addBatch({ ...b, n });
    const ids = keyIds(this.dict, b.groups, n);
    this.gids.reserve(n);
    for (let i = 0; i < n; i++) if (kept[i]) this.gids.push(ids[i]!);
  }

  merge(o: GaucAccumulator): this {
    const remap = this.dict.absorb(o.dict);
    const src = o.gids.view();
    this.gids.reserve(src.length);
    for (let i = 0; i < src.length; i++) this.gids.push(src[i]! < 0 ? -1 : remap[src[i]!]!);
    this.rows.merge(o.rows);
    return this;
  }

  compute(): GaucResult {
    const { scores, labels, weights } = this.rows.views();
    const r = gaucOfRows(scores, labels, weights, this.gids.view(), this.weighting);
    r.rowsInvalid = this.rows.skipped;
    return r;
  }
}
