// Slices of the metric matrix and a one-pass AUC / GAUC engine over all of them at once.
// A row belongs to up to 4 slices: all, its scenario, its country, its scenario×country cell. Rows
// are sorted once (by score, or by user then score) carrying a code = label | cell << 1; one
// sequential pass then keeps per-slice tie-run state, touching only the slices present in each run.
import type { SortedRecords } from './sort.js';
import type { GroupWeighting } from './gauc.js';
import { GaucSums } from './gauc.js';

export type Dim = 'all' | 'scenario' | 'country' | 'scenario_country';

/** Slice numbering: 0 = all; 1..S scenarios; then C countries; then S×C cells (when enabled). */
export class SliceLayout {
  readonly nSlices: number;
  readonly nCells: number;
  /** For each cell code: its 4 slice ids (−1 = none). */
  readonly table: Int32Array;

  constructor(readonly S: number, readonly C: number, readonly withCells: boolean) {
    this.nSlices = 1 + S + C + (withCells ? S * C : 0);
    this.nCells = (S + 1) * (C + 1);
    this.table = new Int32Array(this.nCells * 4).fill(-1);
    for (let s = -1; s < S; s++) {
      for (let c = -1; c < C; c++) {
        const k = this.cell(s, c) * 4;
        this.table[k] = 0;
        if (s >= 0) this.table[k + 1] = 1 + s;
        if (c >= 0) this.table[k + 2] = 1 + S + c;
        if (withCells && s >= 0 && c >= 0) this.table[k + 3] = 1 + S + C + s * C + c;
      }
    }
  }

  /** Cell code of (scenario id, country id); ids may be −1 (column absent). */
  cell(s: number, c: number): number {
    return (s + 1) * (this.C + 1) + (c + 1);
  }

  /** Which dimension and index slice `sl` is. */
  describe(sl: number): { dim: Dim; s: number; c: number } {
    const { S, C } = this;
    if (sl === 0) return { dim: 'all', s: -1, c: -1 };
    if (sl <= S) return { dim: 'scenario', s: sl - 1, c: -1 };
    if (sl <= S + C) return { dim: 'country', s: -1, c: sl - 1 - S };
    const k = sl - 1 - S - C;
    return { dim: 'scenario_country', s: Math.floor(k / C), c: k % C };
  }
}

/** Per-slice tie-run state of the pass. */
class SliceState {
  readonly tp: Float64Array; readonly tn: Float64Array;
  readonly negBelow: Float64Array; readonly area: Float64Array; readonly wPos: Float64Array;
  readonly rows: Float64Array;
  private readonly inRun: Uint8Array; private readonly runList: Int32Array; private runLen = 0;
  private readonly inGroup: Uint8Array; private readonly groupList: Int32Array; private groupLen = 0;

  constructor(private readonly layout: SliceLayout) {
    const m = layout.nSlices;
    this.tp = new Float64Array(m); this.tn = new Float64Array(m); this.negBelow = new Float64Array(m);
    this.area = new Float64Array(m); this.wPos = new Float64Array(m); this.rows = new Float64Array(m);
    this.inRun = new Uint8Array(m); this.runList = new Int32Array(m);
    this.inGroup = new Uint8Array(m); this.groupList = new Int32Array(m);
  }

  add(code: number, w: number): void {
    const t = this.layout.table;
    const base = (code >>> 1) * 4;
    const pos = (code & 1) === 1;
    for (let d = 0; d < 4; d++) {
      const sl = t[base + d]!;
      if (sl < 0) continue;
      if (this.inRun[sl] === 0) { this.inRun[sl] = 1; this.runList[this.runLen++] = sl; }
      if (pos) this.tp[sl] += w; else this.tn[sl] += w;
      this.rows[sl]++;
    }
  }

  endRun(): void {
    for (let k = 0; k < this.runLen; k++) {
      const sl = this.runList[k]!;
      const tp = this.tp[sl]!; const tn = this.tn[sl]!;
      this.area[sl] += tp * (this.negBelow[sl]! + 0.5 * tn);
      this.negBelow[sl] += tn; this.wPos[sl] += tp;
      this.tp[sl] = 0; this.tn[sl] = 0; this.inRun[sl] = 0;
      if (this.inGroup[sl] === 0) { this.inGroup[sl] = 1; this.groupList[this.groupLen++] = sl; }
    }
    this.runLen = 0;
  }

  /** Calls `f` for every slice touched since the last group end, then resets them. */
  endGroup(f: (sl: number, wPos: number, wNeg: number, area: number, rows: number) => void): void {
    this.endRun();
    for (let k = 0; k < this.groupLen; k++) {
      const sl = this.groupList[k]!;
      f(sl, this.wPos[sl]!, this.negBelow[sl]!, this.area[sl]!, this.rows[sl]!);
      this.wPos[sl] = 0; this.negBelow[sl] = 0; this.area[sl] = 0; this.rows[sl] = 0; this.inGroup[sl] = 0;
    }
    this.groupLen = 0;
  }
}

export interface SliceAuc { auc: Float64Array; wPos: Float64Array; wNeg: Float64Array }

/** AUC of every slice from records sorted by score, carrying a code column (and a weight column). */
export function sliceAuc(s: SortedRecords, layout: SliceLayout, codeCol: number, weightCol: number): SliceAuc {
  const { rec, f64, W, n, newRun } = s;
  const weighted = weightCol >= 0;
  const oc = s.offsets[codeCol]!; const ow = weighted ? s.offsets[weightCol]! : 0;
  const st = new SliceState(layout);
  for (let i = 0, j = 0; i < n; i++, j += W) {
    if (newRun[i]) st.endRun();
    st.add(rec[j + oc]!, weighted ? f64[(j + ow) >> 1]! : 1);
  }
  const m = layout.nSlices;
  const out: SliceAuc = { auc: new Float64Array(m).fill(NaN), wPos: new Float64Array(m), wNeg: new Float64Array(m) };
  st.endGroup((sl, wp, wn, area) => {
    out.wPos[sl] = wp; out.wNeg[sl] = wn;
    out.auc[sl] = wp > 0 && wn > 0 ? area / (wp * wn) : NaN;
  });
  return out;
}

/**
 * GAUC of every slice (groups = users within the slice) from records sorted by user id (word 0)
 * then score rank, with payload [rank, code, weight?] (weight column 2 when `weighted`).
 */
export function sliceGauc(
  s: SortedRecords, layout: SliceLayout, weighted: boolean, weighting: GroupWeighting,
): GaucSums[] {
  const { rec, f64, W, n } = s;
  const orank = s.offsets[0]!; const oc = s.offsets[1]!; const ow = weighted ? s.offsets[2]! : 0;
  const sums = Array.from({ length: layout.nSlices }, () => new GaucSums());
  const st = new SliceState(layout);
  const close = (sl: number, wp: number, wn: number, area: number, rows: number): void => {
    const g = sums[sl]!;
    if (wp > 0 && wn > 0) {
      const wu = weighting === 'impressions' ? wp + wn : weighting === 'positives' ? wp : 1;
      g.num += wu * (area / (wp * wn)); g.den += wu; g.groupsUsed++; g.rowsUsed += rows;
    } else { g.groupsSkipped++; g.rowsSkipped += rows; }
  };
  let prevUser = -1; let prevRank = -1;
  for (let i = 0, j = 0; i < n; i++, j += W) {
    const u = rec[j]!; const rk = rec[j + orank]!;
    if (u !== prevUser) { if (i > 0) st.endGroup(close); prevUser = u; prevRank = rk; }
    else if (rk !== prevRank) { st.endRun(); prevRank = rk; }
    st.add(rec[j + oc]!, weighted ? f64[(j + ow) >> 1]! : 1);
  }
  if (n > 0) st.endGroup(close);
  return sums;
}
