// Vocabularies: id 0 = missing (and padding in sequences), 1 = out-of-vocabulary, entry i → i + 2.
import { canonicalText } from './encode.js';
import type { VocabSpec } from './schema.js';

export const MISSING_ID = 0;
export const OOV_ID = 1;

export class Vocab {
  readonly byText = new Map<string, number>();
  /** Entries that are canonical numbers, so numeric columns look up without building strings. */
  readonly byNumber = new Map<number, number>();
  constructor(readonly entries: readonly string[]) {
    entries.forEach((e, i) => {
      this.byText.set(e, i + 2);
      const x = Number(e);
      if (e !== '' && canonicalText(x) === e) this.byNumber.set(x, i + 2);
    });
  }
  get size(): number { return this.entries.length + 2; }
  idOfText(s: string | null): number {
    if (s === null) return MISSING_ID;
    return this.byText.get(s) ?? OOV_ID;
  }
  idOfNumber(x: number): number {
    if (!Number.isFinite(x)) return MISSING_ID;
    return this.byNumber.get(Object.is(x, -0) ? 0 : x) ?? OOV_ID;
  }
}

/** Counts values for a fitted vocabulary. */
export class VocabCounter {
  readonly text = new Map<string, number>();
  readonly num = new Map<number, number>();
  addText(s: string): void { this.text.set(s, (this.text.get(s) ?? 0) + 1); }
  addNumber(x: number): void {
    if (!Number.isFinite(x)) return;
    if (Object.is(x, -0)) x = 0;
    this.num.set(x, (this.num.get(x) ?? 0) + 1);
  }
  /** Merged counts by canonical text. */
  counts(): Map<string, number> {
    const m = new Map(this.text);
    for (const [x, c] of this.num) { const k = canonicalText(x)!; m.set(k, (m.get(k) ?? 0) + c); }
    return m;
  }
}

/** Explicit list → canonical entries (duplicates rejected); fitted spec → by count desc, then text asc. */
export function buildVocab(spec: VocabSpec, counter: VocabCounter | undefined, where: string): string[] {
  if (Array.isArray(spec)) {
    const out = spec.map((v) => canonicalText(v));
    const seen = new Set<string>();
    out.forEach((v, i) => {
      if (v === null) throw new Error(`${where}: vocab[${i}] is not a finite value`);
      if (seen.has(v)) throw new Error(`${where}: vocab[${i}] ${JSON.stringify(v)} is listed twice`);
      seen.add(v);
    });
    return out as string[];
  }
  const counts = counter ? [...counter.counts()] : [];
  const kept = counts.filter(([, c]) => c >= spec.min_count);
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const top = spec.top_k !== undefined ? kept.slice(0, spec.top_k) : kept;
  return top.map(([v]) => v);
}
