// Growable typed arrays (amortised O(1) push, doubling) and a dictionary that maps group / slice
// keys (numbers or strings) to dense ids. Both are what the metric accumulators store rows in.

type TypedCtor<T> = { new (n: number): T; BYTES_PER_ELEMENT: number };
type AnyTyped = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array | Uint16Array;

export class Growable<T extends AnyTyped> {
  private buf: T;
  private len = 0;

  constructor(private readonly ctor: TypedCtor<T>, capacity = 1024) {
    this.buf = new ctor(Math.max(16, capacity));
  }

  get length(): number { return this.len; }

  /** The filled part as a view (valid until the next push/append). */
  view(): T {
    return this.buf.subarray(0, this.len) as T;
  }

  reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < need) cap = cap < 1 << 20 ? cap * 2 : Math.ceil(cap * 1.5);
    const nb = new this.ctor(cap);
    nb.set(this.buf.subarray(0, this.len) as never);
    this.buf = nb;
  }

  push(v: number): void {
    if (this.len === this.buf.length) this.reserve(1);
    this.buf[this.len++] = v;
  }

  /** Appends values; `map` (optional) translates each value (e.g. local id → merged id). */
  append(src: ArrayLike<number>, map?: ArrayLike<number>): void {
    this.reserve(src.length);
    const b = this.buf;
    let o = this.len;
    if (map) for (let i = 0; i < src.length; i++) b[o++] = map[src[i]!]!;
    else if (ArrayBuffer.isView(src)) { b.set(src as never, o); o += src.length; }
    else for (let i = 0; i < src.length; i++) b[o++] = src[i]!;
    this.len = o;
  }

  clear(): void { this.len = 0; }
}

export const f64 = (cap?: number) => new Growable(Float64Array, cap);
export const u8 = (cap?: number) => new Growable(Uint8Array, cap);
export const i32 = (cap?: number) => new Growable(Int32Array, cap);

/** A group/slice key. null/undefined/NaN = missing. Numbers and strings are distinct namespaces
 *  only in type: 5 and "5" map to the same id (JSON keys are strings anyway). */
export type Key = string | number | null | undefined;

/** Dense ids for keys, in first-seen order. */
const SMALL_MAX = 1 << 23;

export class KeyDict {
  private readonly map = new Map<string | number, number>();
  private small = new Int32Array(0);
  readonly keys: string[] = [];

  get size(): number { return this.keys.length; }

  /** Id of `k`, assigning a new one if unseen; -1 for a missing key. */
  id(k: Key): number {
    if (k === null || k === undefined || (typeof k === 'number' && Number.isNaN(k))) return -1;
    let id = this.map.get(k);
    if (id !== undefined) return id;
    const s = String(k);
    if (typeof k === 'number') {
      id = this.map.get(s);
      if (id !== undefined) { this.map.set(k, id); return id; }
    }
    id = this.keys.length;
    this.keys.push(s);
    this.map.set(s, id);
    if (typeof k === 'number') this.map.set(k, id);
    return id;
  }

  /**
   * `id` for a number key, with a direct-address table for small non-negative integers (user ids
   * are usually dense integers): a Map lookup per row costs ~10× more on large dictionaries.
   */
  idNum(k: number): number {
    if (k >= 0 && k < SMALL_MAX && Math.floor(k) === k) {
      if (k < this.small.length) { const v = this.small[k]!; if (v !== 0) return v - 1; }
      const id = this.id(k);
      if (k >= this.small.length) {
        const t = new Int32Array(Math.min(SMALL_MAX, Math.max(k + 1, this.small.length * 2, 1024)));
        t.set(this.small);
        this.small = t;
      }
      this.small[k] = id + 1;
      return id;
    }
    return this.id(k);
  }

  /** Ids for every key of `other` in this dictionary (adding unseen keys): a remap table. */
  absorb(other: KeyDict): Int32Array {
    const m = new Int32Array(other.size);
    for (let i = 0; i < other.size; i++) m[i] = this.id(other.keys[i]!);
    return m;
  }
}

/** Ids for a column of keys (numbers: NaN = missing; strings: null = missing). */
export function keyIds(dict: KeyDict, col: ArrayLike<Key>, n: number): Int32Array {
  const out = new Int32Array(n);
  if (ArrayBuffer.isView(col)) {
    const c = col as unknown as ArrayLike<number>;
    for (let i = 0; i < n; i++) { const v = c[i]!; out[i] = Number.isNaN(v) ? -1 : dict.idNum(v); }
  } else for (let i = 0; i < n; i++) out[i] = dict.id(col[i]);
  return out;
}
