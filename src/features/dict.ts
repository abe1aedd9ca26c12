// Dictionary of the distinct strings of one column: each batch's strings become int codes once, and
// every feature reading the column caches its per-value results (bucket, vocab id, UTF-8 bytes) by
// code. Bounded: past `limit` distinct values the dictionary restarts (callers' caches are keyed by
// `generation`, so they restart too). A cache never changes a result, only its cost.
import type { StringColumn } from '../data/table.js';

export class StringDict {
  private map = new Map<string, number>();
  /** UTF-8 bytes of every value, back to back. */
  bytes = new Uint8Array(1 << 12);
  start = new Int32Array(256);
  length = new Int32Array(256);
  size = 0;
  private used = 0;
  /** Bumped when the dictionary restarts; per-code caches must be dropped. */
  generation = 0;
  constructor(readonly limit = 1 << 20) {}

  private add(s: string): number {
    if (this.size >= this.limit) this.clear();
    const code = this.size++;
    if (code >= this.start.length) {
      const n = this.start.length * 2;
      const st = new Int32Array(n); st.set(this.start); this.start = st;
      const ln = new Int32Array(n); ln.set(this.length); this.length = ln;
    }
    const need = this.used + 3 * s.length;
    if (need > this.bytes.length) {
      let n = this.bytes.length * 2;
      while (n < need) n *= 2;
      const b = new Uint8Array(n); b.set(this.bytes.subarray(0, this.used)); this.bytes = b;
    }
    const r = encoder.encodeInto(s, this.bytes.subarray(this.used));
    this.start[code] = this.used;
    this.length[code] = r.written;
    this.used += r.written;
    this.map.set(s, code);
    return code;
  }

  clear(): void {
    this.map.clear();
    this.size = 0;
    this.used = 0;
    this.generation++;
  }

  /** Codes of a column's rows into out (−1 for null). Restarts mid-batch are avoided by clearing first. */
  encode(col: StringColumn, n: number, out: Int32Array): void {
    if (this.size + n > this.limit) this.clear();
    const m = this.map;
    for (let i = 0; i < n; i++) {
      const s = col[i];
      if (s === null || s === undefined) { out[i] = -1; continue; }
      const c = m.get(s);
      out[i] = c !== undefined ? c : this.add(s);
    }
  }

  /** The string of a code (slow path; for reports and vocab lookups on a cache miss). */
  text(code: number): string {
    return decoder.decode(this.bytes.subarray(this.start[code]!, this.start[code]! + this.length[code]!));
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Grows an Int32Array cache to cover `n` entries, new entries filled with `fill`. */
export function growCache(a: Int32Array, n: number, fill: number): Int32Array {
  if (n <= a.length) return a;
  let m = Math.max(16, a.length * 2);
  while (m < n) m *= 2;
  const b = new Int32Array(m).fill(fill);
  b.set(a);
  return b;
}
