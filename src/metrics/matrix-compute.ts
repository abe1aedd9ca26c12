// Computes one task's cells over every slice (model and oracle) from its stored rows.
import { BinarySums, rowLogloss } from './binary.js';
import { calibrationCurve } from './calibration.js';
import { RegressionSums, xaucAuto } from './regression.js';
import { SliceLayout, sliceAuc, sliceGauc } from './slices.js';
import { sortRecords, sortRecordsU32, type Payload } from './sort.js';
import {
  calibrationJSON, num, type BinaryCell, type Cell, type MatrixOptions, type RegressionCell, type TaskJSON,
  type TaskKind,
} from './matrix-types.js';

/** One task's kept rows (parallel arrays). */
export interface TaskData {
  kind: TaskKind;
  score: Float64Array;
  label: Uint8Array | Float64Array;
  truth: Float64Array | null;
  weight: Float64Array | null;
  sid: Int32Array;
  cid: Int32Array;
  uid: Int32Array;
  masked: number;
  missingLabel: number;
  nanPred: number;
}

export interface SliceNames { scenarios: string[]; countries: string[] }

export function computeTask(
  d: TaskData, layout: SliceLayout, names: SliceNames, opts: MatrixOptions,
): { model: TaskJSON; oracle: TaskJSON | null } {
  const cells = d.kind === 'binary' ? binaryCells(d, d.score, true, layout, opts) : regressionCells(d, d.score, true, layout, opts);
  const all = (cells[0] ??= emptyCell(d.kind));
  {
    Object.assign(all, { n_masked: d.masked, n_missing_label: d.missingLabel, n_nan_pred: d.nanPred });
    if (d.kind === 'binary') {
      const b = all as BinaryCell;
      let miss = 0;
      for (let i = 0; i < d.uid.length; i++) if (d.uid[i]! < 0) miss++;
      b.n_missing_user = miss;
      const bins = opts.calibrationBins ?? 10;
      if (bins > 0 && d.score.length > 0) {
        b.calibration = calibrationJSON(calibrationCurve(
          { scores: d.score, labels: d.label, weights: d.weight, trueProbs: d.truth },
          { bins, mode: opts.calibrationMode ?? 'width' },
        ));
      }
    }
  }
  const model = assemble(cells, layout, names, d.kind);
  let oracle: TaskJSON | null = null;
  if (d.truth) {
    const o = withFiniteTruth(d);
    if (o.score.length > 0) {
      const oc = d.kind === 'binary' ? binaryCells(o, o.score, false, layout, opts) : regressionCells(o, o.score, false, layout, opts);
      oracle = assemble(oc, layout, names, d.kind);
    }
  }
  return { model, oracle };
}

/** Rows with a finite true value, with the truth as the score. */
function withFiniteTruth(d: TaskData): TaskData {
  const t = d.truth!;
  const n = t.length;
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(t[i]!)) m++;
  const pick = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
    const out = new (a.constructor as new (k: number) => T)(m);
    for (let i = 0, k = 0; i < n; i++) if (Number.isFinite(t[i]!)) out[k++] = a[i]!;
    return out;
  };
  const score = pick(t);
  return {
    ...d, score, label: pick(d.label), truth: null, weight: d.weight ? pick(d.weight) : null,
    sid: pick(d.sid), cid: pick(d.cid), uid: pick(d.uid),
  };
}

function binaryCells(d: TaskData, score: Float64Array, withTruth: boolean, layout: SliceLayout, opts: MatrixOptions): (Cell | null)[] {
  const n = score.length;
  const m = layout.nSlices;
  const label = d.label as Uint8Array;
  const w = d.weight;
  const truth = withTruth ? d.truth : null;
  const sums = Array.from({ length: m }, () => new BinarySums());
  const code = new Uint32Array(n);
  const t = layout.table;
  for (let i = 0; i < n; i++) {
    const cell = layout.cell(d.sid[i]!, d.cid[i]!);
    const y = label[i]!; const p = score[i]!; const wi = w ? w[i]! : 1; const tr = truth ? truth[i]! : NaN;
    code[i] = y | (cell << 1);
    const ll = rowLogloss(p, y);
    for (let k = 0; k < 4; k++) { const sl = t[cell * 4 + k]!; if (sl >= 0) sums[sl]!.addWithLoss(p, y, wi, ll, tr); }
  }
  // AUC of every slice: one sort by score carrying code, user and weight.
  const payload: Payload[] = w ? [code, d.uid, w] : [code, d.uid];
  const s = sortRecords(score, n, payload);
  const aucs = sliceAuc(s, layout, 0, w ? 2 : -1);
  // GAUC: in score order, number the score runs, then sort by user (stable) carrying rank and code.
  const users = new Uint32Array(n); const rank = new Uint32Array(n); const code2 = new Uint32Array(n);
  const w2 = w ? new Float64Array(n) : null;
  let k = 0; let r = 0;
  {
    const { rec, f64, W, newRun } = s;
    const oc = s.offsets[0]!; const ou = s.offsets[1]!; const ow = w ? s.offsets[2]! : 0;
    for (let i = 0, j = 0; i < n; i++, j += W) {
      if (newRun[i]) r++;
      const u = rec[j + ou]!;
      if (u === 0xffffffff) continue; // no user id
      users[k] = u; rank[k] = r; code2[k] = rec[j + oc]!; if (w2) w2[k] = f64[(j + ow) >> 1]!;
      k++;
    }
  }
  const gp: Payload[] = w2 ? [rank.subarray(0, k), code2.subarray(0, k), w2.subarray(0, k)] : [rank.subarray(0, k), code2.subarray(0, k)];
  const gsums = sliceGauc(sortRecordsU32(users, k, gp), layout, w2 !== null, opts.gaucWeighting ?? 'impressions');
  return sums.map((b, sl): Cell | null => {
    if (b.n === 0) return null;
    const g = gsums[sl]!;
    const c: BinaryCell = {
      n: b.n, n_pos: b.nPos, pos_rate: num(b.posRate), mean_pred: num(b.meanPred),
      auc: num(aucs.auc[sl]!), gauc: num(g.den > 0 ? g.num / g.den : NaN),
      gauc_groups: g.groupsUsed, gauc_groups_skipped: g.groupsSkipped,
      logloss: num(b.logloss), pcoc: num(b.pcoc),
    };
    if (w) c.weight_sum = b.w;
    if (truth) { c.n_true = b.nTrue; c.mean_true = num(b.meanTrue); c.pcoc_true = num(b.pcocTrue); }
    return c;
  });
}

function regressionCells(d: TaskData, pred: Float64Array, withTruth: boolean, layout: SliceLayout, opts: MatrixOptions): (Cell | null)[] {
  const n = pred.length;
  const m = layout.nSlices;
  const y = d.label as Float64Array;
  const w = d.weight;
  const truth = withTruth ? d.truth : null;
  const sums = Array.from({ length: m }, () => new RegressionSums());
  const t = layout.table;
  const cellOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cell = layout.cell(d.sid[i]!, d.cid[i]!);
    cellOf[i] = cell;
    for (let k = 0; k < 4; k++) {
      const sl = t[cell * 4 + k]!;
      if (sl >= 0) sums[sl]!.add(pred[i]!, y[i]!, w ? w[i]! : 1, truth ? truth[i]! : NaN);
    }
  }
  // Rows of each slice, gathered sequentially, for the per-slice XAUC.
  const P = sums.map((s, sl) => (sl === 0 ? pred : new Float64Array(s.n)));
  const Y = sums.map((s, sl) => (sl === 0 ? y : new Float64Array(s.n)));
  const Wt = w ? sums.map((s, sl) => (sl === 0 ? w : new Float64Array(s.n))) : null;
  const fillAt = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    const cell = cellOf[i]!;
    for (let k = 1; k < 4; k++) {
      const sl = t[cell * 4 + k]!;
      if (sl < 0) continue;
      const q = fillAt[sl]!++;
      P[sl]![q] = pred[i]!; Y[sl]![q] = y[i]!; if (Wt) Wt[sl]![q] = w![i]!;
    }
  }
  return sums.map((s, sl): Cell | null => {
    if (s.n === 0) return null;
    const x = xaucAuto(P[sl]!, Y[sl]!, Wt ? Wt[sl]! : null, {
      exactMaxRows: opts.xaucExactMaxRows, samplePairs: opts.xaucSamplePairs, seed: (opts.seed ?? 1) + sl,
    });
    const c: RegressionCell = {
      n: s.n, rmse: num(s.rmse), mae: num(s.mae), xauc: num(x.xauc), mean_pred: num(s.meanPred), mean_label: num(s.meanLabel), pcoc: num(s.pcoc),
    };
    if (x.sampled) c.xauc_sampled = true;
    if (w) c.weight_sum = s.w;
    if (truth) { c.n_true = s.nTrue; c.mean_true = num(s.meanTrue); c.pcoc_true = num(s.pcocTrue); }
    return c;
  });
}

function emptyCell(kind: TaskKind): Cell {
  return kind === 'binary'
    ? { n: 0, n_pos: 0, pos_rate: null, mean_pred: null, auc: null, gauc: null, gauc_groups: 0, gauc_groups_skipped: 0, logloss: null, pcoc: null }
    : { n: 0, rmse: null, mae: null, xauc: null, mean_pred: null, mean_label: null };
}

/** Per-slice cells → the task's JSON (slice keys sorted for a deterministic file). */
function assemble(cells: (Cell | null)[], layout: SliceLayout, names: SliceNames, kind: TaskKind): TaskJSON {
  const out: TaskJSON = { all: cells[0] ?? emptyCell(kind), by_scenario: {}, by_country: {}, by_scenario_country: {} };
  const entries: [string, string, Cell][] = [];
  for (let sl = 1; sl < cells.length; sl++) {
    const c = cells[sl];
    if (!c) continue;
    const { dim, s, c: ci } = layout.describe(sl);
    if (dim === 'scenario') entries.push(['by_scenario', names.scenarios[s]!, c]);
    else if (dim === 'country') entries.push(['by_country', names.countries[ci]!, c]);
    else entries.push(['by_scenario_country', `${names.scenarios[s]!}|${names.countries[ci]!}`, c]);
  }
  entries.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [dim, key, c] of entries) (out[dim as 'by_scenario'] as Record<string, Cell>)[key] = c;
  return out;
}

