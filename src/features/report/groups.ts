// Distribution shift of every feature between the groups of one column (scenario, country, …):
// each group against the rest of the data, and every pair when there are few groups.
//   categorical features: counts over ≤ 64 categories (ids; large id spaces folded) → PSI
//     (+ KS over the cumulative counts when the categories are ordered: bucket ids, hours, lengths);
//   numeric features: a reservoir sample per group → PSI over the reference's deciles (+ a missing
//     bin) and the two-sample KS statistic on the non-missing values.
import { Reservoir } from '../fit.js';
import { binCounts, binEdges, ksPValue, ksStatistic, psi } from './stats.js';

export type ShiftKind = 'categorical' | 'ordinal' | 'numeric';
export interface ShiftFeature { name: string; kind: ShiftKind; cats: number }

export interface ShiftComparison { a: string; b: string; psi: number; ks?: number; ksP?: number }
export interface ShiftFeatureResult {
  name: string;
  kind: ShiftKind;
  /** Each group against all other rows. */
  vsRest: ShiftComparison[];
  /** Every pair of groups (only when there are at most maxPairGroups groups). */
  pairs: ShiftComparison[];
  maxPsi: number;
  maxKs?: number;
}
export interface ShiftResult {
  column: string;
  groups: { value: string; rows: number }[];
  features: ShiftFeatureResult[];
}

export const OTHER_GROUP = '(other)';
export const MISSING_GROUP = '(missing)';

export class GroupStats {
  private readonly index = new Map<string, number>();
  readonly names: string[] = [];
  readonly rows: number[] = [];
  private readonly cat: Float64Array[][];
  private readonly res: Reservoir[][];
  private readonly miss: number[][];

  constructor(readonly column: string, readonly features: readonly ShiftFeature[],
    private readonly opts: { maxGroups: number; sample: number; maxPairGroups: number }) {
    this.cat = features.map(() => []);
    this.res = features.map(() => []);
    this.miss = features.map(() => []);
  }

  /** Group index of a value (new groups up to maxGroups − 1, then "(other)"). */
  groupOf(v: string | null): number {
    const key = v === null ? MISSING_GROUP : v;
    let g = this.index.get(key);
    if (g !== undefined) return g;
    const full = this.names.length >= this.opts.maxGroups - 1;
    if (full) {
      g = this.index.get(OTHER_GROUP);
      if (g !== undefined) return g;
    }
    const name = full ? OTHER_GROUP : key;
    g = this.names.length;
    this.names.push(name);
    this.rows.push(0);
    this.index.set(name, g);
    this.features.forEach((f, fi) => {
      this.cat[fi]!.push(new Float64Array(f.kind === 'numeric' ? 0 : f.cats));
      this.res[fi]!.push(new Reservoir(f.kind === 'numeric' ? this.opts.sample : 0, `shift:${this.column}:${f.name}:${name}`));
      this.miss[fi]!.push(0);
    });
    return g;
  }

  addRow(g: number): void { this.rows[g]!++; }
  addCat(fi: number, g: number, c: number): void { this.cat[fi]![g]![c]!++; }
  addNum(fi: number, g: number, x: number): void {
    if (Number.isFinite(x)) this.res[fi]![g]!.add(x); else this.miss[fi]![g]!++;
  }

  result(): ShiftResult {
    const G = this.names.length;
    const features = this.features.map((f, fi) => {
      const vsRest: ShiftComparison[] = [];
      const pairs: ShiftComparison[] = [];
      const doPairs = G <= this.opts.maxPairGroups;
      if (f.kind === 'numeric') {
        const sorted = this.res[fi]!.map((r) => r.sorted());
        const seen = this.res[fi]!.map((r) => r.seen);
        for (let g = 0; g < G; g++) {
          const restIdx = [...Array(G).keys()].filter((h) => h !== g);
          const rest = mixture(restIdx.map((h) => sorted[h]!), restIdx.map((h) => seen[h]!), this.opts.sample);
          const restMiss = restIdx.reduce((s, h) => s + this.miss[fi]![h]!, 0);
          const restSeen = restIdx.reduce((s, h) => s + seen[h]!, 0);
          vsRest.push(compareNumeric(this.names[g]!, sorted[g]!, seen[g]!, this.miss[fi]![g]!, 'rest', rest, restSeen, restMiss));
        }
        if (doPairs) {
          for (let a = 0; a < G; a++) for (let b = a + 1; b < G; b++) {
            pairs.push(compareNumeric(this.names[b]!, sorted[b]!, seen[b]!, this.miss[fi]![b]!, this.names[a]!, sorted[a]!, seen[a]!, this.miss[fi]![a]!));
          }
        }
      } else {
        const counts = this.cat[fi]!;
        const total = new Float64Array(f.cats);
        for (const c of counts) for (let i = 0; i < f.cats; i++) total[i]! += c[i]!;
        const ordinal = f.kind === 'ordinal';
        for (let g = 0; g < G; g++) {
          const rest = total.map((t, i) => t - counts[g]![i]!);
          vsRest.push(compareCounts(this.names[g]!, counts[g]!, 'rest', rest, ordinal));
        }
        if (doPairs) {
          for (let a = 0; a < G; a++) for (let b = a + 1; b < G; b++) pairs.push(compareCounts(this.names[b]!, counts[b]!, this.names[a]!, counts[a]!, ordinal));
        }
      }
      const all = [...vsRest, ...pairs];
      const finite = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
      const ps = finite(all.map((c) => c.psi)), ks = finite(all.map((c) => c.ks));
      const r: ShiftFeatureResult = { name: f.name, kind: f.kind, vsRest, pairs, maxPsi: ps.length ? Math.max(...ps) : NaN };
      if (ks.length) r.maxKs = Math.max(...ks);
      return r;
    });
    return { column: this.column, groups: this.names.map((value, g) => ({ value, rows: this.rows[g]! })), features };
  }
}

/** A sample of the union of groups, each group contributing in proportion to its row count. */
function mixture(samples: Float64Array[], seen: number[], size: number): Float64Array {
  const total = seen.reduce((s, x) => s + x, 0);
  const parts: number[] = [];
  samples.forEach((s, j) => {
    const take = total > 0 ? Math.min(s.length, Math.round((size * seen[j]!) / total)) : 0;
    // evenly spaced order statistics of each (sorted) group sample
    for (let i = 0; i < take; i++) parts.push(s[Math.floor(((i + 0.5) * s.length) / take)]!);
  });
  return Float64Array.from(parts).sort();
}

function compareNumeric(a: string, sa: Float64Array, seenA: number, missA: number,
  b: string, sb: Float64Array, seenB: number, missB: number): ShiftComparison {
  const edges = binEdges(sb, 10);
  const scale = (c: Float64Array, n: number, seen: number) => c.map((x) => (n > 0 ? (x / n) * seen : 0));
  const ca = [...scale(binCounts(sa, edges), sa.length, seenA), missA];
  const cb = [...scale(binCounts(sb, edges), sb.length, seenB), missB];
  const ks = ksStatistic(sa, sb);
  return { a, b, psi: psi(ca, cb), ks, ksP: ksPValue(ks, sa.length, sb.length) };
}

function compareCounts(a: string, ca: ArrayLike<number>, b: string, cb: ArrayLike<number>, ordinal: boolean): ShiftComparison {
  const r: ShiftComparison = { a, b, psi: psi(ca, cb) };
  if (ordinal) {
    let na = 0, nb = 0;
    for (let i = 0; i < ca.length; i++) { na += ca[i]!; nb += cb[i]!; }
    let fa = 0, fb = 0, d = 0;
    for (let i = 0; i < ca.length; i++) {
      fa += ca[i]! / na; fb += cb[i]! / nb;
      d = Math.max(d, Math.abs(fa - fb));
    }
    if (na > 0 && nb > 0) { r.ks = d; r.ksP = ksPValue(d, na, nb); }
  }
  return r;
}
