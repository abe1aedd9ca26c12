// One pass over a sample of rows (every value as text): per column, missing count, how many values
// are numbers / integers, distinct values (exact up to a cap), min / max / moments for the skewness,
// zeros, and how many look like dates or unix timestamps.
import { parseNumber } from '../schema.js';

export const DISTINCT_CAP = 50_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
/** Unix seconds between 2000-01-01 and 2100-01-01; milliseconds in the same span. */
const SEC = [946_684_800, 4_102_444_800] as const;
const MS = [SEC[0] * 1000, SEC[1] * 1000] as const;

export class ColumnProfile {
  n = 0;
  missing = 0;
  numeric = 0;
  integer = 0;
  isoDates = 0;
  epochSeconds = 0;
  epochMillis = 0;
  zeros = 0;
  min = Infinity;
  max = -Infinity;
  private s1 = 0; private s2 = 0; private s3 = 0;
  /** Value → count, exact while distinct ≤ DISTINCT_CAP (then `overflow`). */
  readonly counts = new Map<string, number>();
  overflow = false;

  constructor(readonly name: string) {}

  add(v: string | null): void {
    this.n++;
    if (v === null) { this.missing++; return; }
    const c = this.counts.get(v);
    if (c !== undefined) this.counts.set(v, c + 1);
    else if (this.counts.size < DISTINCT_CAP) this.counts.set(v, 1);
    else this.overflow = true;
    const x = parseNumber(v);
    if (x !== undefined && Number.isFinite(x)) {
      this.numeric++;
      if (Number.isInteger(x)) {
        this.integer++;
        if (x >= SEC[0] && x < SEC[1]) this.epochSeconds++;
        else if (x >= MS[0] && x < MS[1]) this.epochMillis++;
      }
      if (x === 0) this.zeros++;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
      this.s1 += x; this.s2 += x * x; this.s3 += x * x * x;
    } else if (ISO_DATE.test(v)) this.isoDates++;
  }

  get present(): number { return this.n - this.missing; }
  get distinct(): number { return this.counts.size; }
  get allNumeric(): boolean { return this.present > 0 && this.numeric === this.present; }
  get allInteger(): boolean { return this.present > 0 && this.integer === this.present; }
  get mean(): number { return this.numeric ? this.s1 / this.numeric : NaN; }

  /** Sample skewness E[(x−μ)³]/σ³ of the numeric values (0 for a constant column). */
  get skewness(): number {
    const k = this.numeric;
    if (k < 3) return 0;
    const m = this.s1 / k;
    const v = this.s2 / k - m * m;
    if (!(v > 1e-12 * Math.max(1, m * m))) return 0;
    const m3 = this.s3 / k - 3 * m * (this.s2 / k) + 2 * m * m * m;
    return m3 / v ** 1.5;
  }

  /** The most frequent values, most frequent first (ties by text). */
  top(k: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  }
}

/** Profiles of every column of a stream of text rows. */
export class TableProfile {
  readonly columns: ColumnProfile[];
  rows = 0;
  constructor(names: readonly string[]) {
    this.columns = names.map((n) => new ColumnProfile(n));
  }
  get(name: string): ColumnProfile | undefined {
    return this.columns.find((c) => c.name === name);
  }
  addColumns(cols: Record<string, readonly (string | null)[]>, numRows: number): void {
    for (const p of this.columns) {
      const c = cols[p.name];
      for (let i = 0; i < numRows; i++) p.add(c ? c[i] ?? null : null);
    }
    this.rows += numRows;
  }
}
