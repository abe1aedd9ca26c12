// Training/serving skew analysis (docs/streaming.md "Skew"; spec §12's procedure): given pairs of
// (served record, offline recomputation of the same row), the score-difference distribution, the
// per-feature agreement of the encoded values and their PSI served vs offline, the per-column
// agreement of the raw rows, online vs offline AUC per slice when labels are known — and the names of
// the features that differ:
//   a feature DIFFERS when more than `maxMismatch` (default 1 %) of the rows have a different encoded
//   value offline (ids / sequence ids exactly; dense values beyond 1e-4 relative), or when the PSI of
//   its values served vs offline exceeds `maxPsi` (default 0.1: the usual "moderate shift" line).
//   A raw column differs by the same mismatch rule (numbers within 1e-5 relative: float32 storage).
import type { Row, RowValue } from '../serving/fine-ranker.js';

export type Enc = Record<string, number | number[]>;

export interface OfflineRow { row: Row; enc: Enc; scores: Record<string, number> }

export interface SkewPair {
  served: { row: Row; enc: Enc; scores: Record<string, number> };
  offline: OfflineRow;
  /** Slice values (scenario, country) of the row. */
  slice: Record<string, string>;
  /** Labels by task (world join only; NaN / absent = none). */
  labels?: Record<string, number>;
}

export interface SkewFeatureInfo { name: string; output: 'ids' | 'multi' | 'dense'; columns: string[] }

export interface SkewOptions { maxMismatch?: number; maxPsi?: number }

export interface ScoreDiff { task: string; rows: number; mean_abs: number; p50: number; p90: number; p99: number; max: number; over_1e4: number }
export interface FeatureSkew { name: string; output: string; columns: string[]; rows: number; agreement: number; psi: number; differs: boolean; why: string }
export interface ColumnSkew { name: string; rows: number; agreement: number; differs: boolean; example: { served: RowValue; offline: RowValue } | null }
export interface AucRow { task: string; slice: string; rows: number; positives: number; online: number; offline: number; delta: number }

export interface SkewReport {
  thresholds: { max_mismatch: number; max_psi: number };
  rows: number;
  scores: ScoreDiff[];
  features: FeatureSkew[];
  columns: ColumnSkew[];
  auc: AucRow[];
  /** The verdict: features whose served values differ from the offline recomputation. */
  differing_features: string[];
  differing_columns: string[];
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]! : NaN);

function sameValue(a: RowValue | undefined, b: RowValue | undefined): boolean {
  const na = a === null || a === undefined || (typeof a === 'number' && Number.isNaN(a));
  const nb = b === null || b === undefined || (typeof b === 'number' && Number.isNaN(b));
  if (na || nb) return na && nb;
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
  if (typeof a === 'number' || typeof b === 'number') { const x = Number(a), y = Number(b); return Number.isFinite(x) && Number.isFinite(y) ? Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(y)) : String(a) === String(b); }
  return a === b;
}

function sameEnc(a: number | number[] | undefined, b: number | number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' && typeof b === 'number' && (a === b || (Number.isNaN(a) && Number.isNaN(b)));
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (Number.isNaN(x) || Number.isNaN(y)) return false;
    if (Math.abs(x - y) > 1e-4 * Math.max(1, Math.abs(y))) return false;
  }
  return true;
}

/** PSI of two categorical samples (the top 50 values by total count, the rest pooled), counts smoothed by 0.5. */
export function categoricalPsi(served: ArrayLike<number>, offline: ArrayLike<number>): number {
  const cs = new Map<number, number>(), co = new Map<number, number>();
  for (let i = 0; i < served.length; i++) cs.set(served[i]!, (cs.get(served[i]!) ?? 0) + 1);
  for (let i = 0; i < offline.length; i++) co.set(offline[i]!, (co.get(offline[i]!) ?? 0) + 1);
  const keys = [...new Set([...cs.keys(), ...co.keys()])].sort((a, b) => (cs.get(b) ?? 0) + (co.get(b) ?? 0) - (cs.get(a) ?? 0) - (co.get(a) ?? 0) || a - b);
  const top = keys.slice(0, 50), rest = keys.slice(50);
  const bins: [number, number][] = top.map((k) => [cs.get(k) ?? 0, co.get(k) ?? 0]);
  if (rest.length) bins.push(rest.reduce<[number, number]>((s, k) => [s[0] + (cs.get(k) ?? 0), s[1] + (co.get(k) ?? 0)], [0, 0]));
  return psiOf(bins, served.length, offline.length);
}

/** PSI of two numeric samples over the offline sample's deciles (+ a missing bin). */
export function numericPsi(served: ArrayLike<number>, offline: ArrayLike<number>): number {
  const fin = Float64Array.from(Array.from(offline).filter(Number.isFinite)).sort();
  const cuts = [...new Set(Array.from({ length: 9 }, (_, i) => quantile(fin, (i + 1) / 10)))].filter(Number.isFinite).sort((a, b) => a - b);
  const binOf = (x: number) => { if (!Number.isFinite(x)) return cuts.length + 1; let b = 0; while (b < cuts.length && x > cuts[b]!) b++; return b; };
  const bins: [number, number][] = Array.from({ length: cuts.length + 2 }, () => [0, 0]);
  for (let i = 0; i < served.length; i++) bins[binOf(served[i]!)]![0]++;
  for (let i = 0; i < offline.length; i++) bins[binOf(offline[i]!)]![1]++;
  return psiOf(bins, served.length, offline.length);
}

function psiOf(bins: [number, number][], ns: number, no: number): number {
  const used = bins.filter(([a, b]) => a + b > 0);
  if (!used.length || ns === 0 || no === 0) return 0;
  let psi = 0;
  for (const [a, b] of used) {
    if (a === b && ns === no) continue; // identical counts: exactly 0
    const p = (a + 0.5) / (ns + 0.5 * used.length), q = (b + 0.5) / (no + 0.5 * used.length);
    psi += (p - q) * Math.log(p / q);
  }
  return psi;
}

function aucOf(s: number[], y: number[]): number {
  const idx = s.map((_, i) => i).sort((a, b) => s[a]! - s[b]!);
  let pos = 0, neg = 0, rankSum = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j < idx.length && s[idx[j]!] === s[idx[i]!]) j++;
    const avg = (i + j + 1) / 2; // 1-based average rank of the tie group
    for (let k = i; k < j; k++) if (y[idx[k]!]! > 0.5) { pos++; rankSum += avg; } else neg++;
    i = j;
  }
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}

/** The skew report of joined pairs; `features` in model order, `columns` = the model's input columns. */
export function analyzeSkew(pairs: readonly SkewPair[], features: readonly SkewFeatureInfo[], columns: readonly string[], tasks: readonly string[], o: SkewOptions = {}): SkewReport {
  const maxMismatch = o.maxMismatch ?? 0.01, maxPsi = o.maxPsi ?? 0.1;
  const n = pairs.length;
  const scores: ScoreDiff[] = tasks.map((t) => {
    const d: number[] = [];
    for (const p of pairs) { const a = p.served.scores[t], b = p.offline.scores[t]; if (a !== undefined && b !== undefined) d.push(Math.abs(a - b)); }
    const s = Float64Array.from(d).sort();
    return { task: t, rows: s.length, mean_abs: s.length ? s.reduce((x, y) => x + y, 0) / s.length : NaN, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s.length ? s[s.length - 1]! : NaN, over_1e4: s.length ? s.filter((x) => x > 1e-4).length / s.length : NaN };
  });
  const feats: FeatureSkew[] = features.map((f) => {
    let agree = 0, rows = 0;
    const sv: number[] = [], ov: number[] = [];
    const dims = new Map<number, [number[], number[]]>();
    for (const p of pairs) {
      const a = p.served.enc[f.name], b = p.offline.enc[f.name];
      if (a === undefined && b === undefined) continue;
      rows++;
      if (sameEnc(a, b)) agree++;
      if (f.output === 'dense') {
        const aa = Array.isArray(a) ? a : [], bb = Array.isArray(b) ? b : [];
        for (let j = 0; j < Math.max(aa.length, bb.length); j++) {
          let e = dims.get(j); if (!e) { e = [[], []]; dims.set(j, e); }
          e[0].push(aa[j] ?? NaN); e[1].push(bb[j] ?? NaN);
        }
      } else {
        for (const x of typeof a === 'number' ? [a] : a ?? []) sv.push(x);
        for (const x of typeof b === 'number' ? [b] : b ?? []) ov.push(x);
      }
    }
    const psi = f.output === 'dense' ? Math.max(0, ...[...dims.values()].map(([s, q]) => numericPsi(s, q))) : categoricalPsi(sv, ov);
    const agreement = rows ? agree / rows : 1;
    const why: string[] = [];
    if (1 - agreement > maxMismatch + 1e-12) why.push(`${((1 - agreement) * 100).toFixed(1)} % of rows differ`);
    if (psi > maxPsi) why.push(`PSI ${psi.toFixed(3)}`);
    return { name: f.name, output: f.output, columns: f.columns, rows, agreement, psi, differs: why.length > 0, why: why.join('; ') };
  });
  const cols: ColumnSkew[] = columns.map((c) => {
    let agree = 0;
    let example: ColumnSkew['example'] = null;
    for (const p of pairs) {
      const a = p.served.row[c], b = p.offline.row[c];
      if (sameValue(a, b)) agree++; else example ??= { served: a ?? null, offline: b ?? null };
    }
    const agreement = n ? agree / n : 1;
    return { name: c, rows: n, agreement, differs: 1 - agreement > maxMismatch + 1e-12, example };
  });
  const auc: AucRow[] = [];
  if (pairs.some((p) => p.labels)) {
    const sliceKeys = ['all', ...new Set(pairs.flatMap((p) => Object.keys(p.slice)))];
    for (const t of tasks) {
      for (const key of sliceKeys) {
        const groups = new Map<string, SkewPair[]>();
        for (const p of pairs) {
          const y = p.labels?.[t];
          if (y === undefined || !Number.isFinite(y)) continue;
          const g = key === 'all' ? 'all' : `${key}=${p.slice[key] ?? '?'}`;
          (groups.get(g) ?? groups.set(g, []).get(g)!).push(p);
        }
        for (const [g, ps] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) {
          const y = ps.map((p) => p.labels![t]!);
          const on = aucOf(ps.map((p) => p.served.scores[t] ?? NaN), y), off = aucOf(ps.map((p) => p.offline.scores[t] ?? NaN), y);
          auc.push({ task: t, slice: g, rows: ps.length, positives: y.filter((v) => v > 0.5).length, online: on, offline: off, delta: on - off });
        }
      }
    }
  }
  return {
    thresholds: { max_mismatch: maxMismatch, max_psi: maxPsi }, rows: n, scores, features: feats, columns: cols, auc,
    differing_features: feats.filter((f) => f.differs).map((f) => f.name),
    differing_columns: cols.filter((c) => c.differs).map((c) => c.name),
  };
}
