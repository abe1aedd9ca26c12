// id, multi_id and sequence features: a value → bucket (CityHash64 of the canonical key mod M) or a
// vocabulary id. String columns are cached per dictionary code, so each distinct value is hashed once.
import { isStringColumn } from '../data/table.js';
import type { BatchColumns } from './batch.js';
import type { IdDef, MultiIdDef, SequenceDef } from './config.js';
import { growCache } from './dict.js';
import { KeyBuffer, SEP } from './encode.js';
import type { MultiIds } from './fitted.js';
import { NumCache } from './numcache.js';
import { MISSING_ID, OOV_ID, Vocab } from './vocab.js';
import type { CityVersion } from './cityhash/index.js';

/** Receives one 64-bit key (unsigned halves) of a row. */
export type KeyFn = (row: number, hi: number, lo: number) => void;

/** Key buffer holding `tag ‖ 0xFE` as a prefix written once. */
export function prefixed(tag: string, version: CityVersion): { kb: KeyBuffer; prefix: number } {
  const kb = new KeyBuffer(version);
  kb.utf8(tag);
  kb.byte(SEP);
  return { kb, prefix: kb.len };
}

export class IdOp {
  private readonly kb: KeyBuffer;
  private readonly prefix: number;
  private readonly m: number;
  private cache: Int32Array = new Int32Array(0);
  private cacheGen = -1;
  private readonly ints = new NumCache(16);
  constructor(readonly f: IdDef, private readonly vocab: Vocab | null, version: CityVersion) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
    this.m = f.hash_buckets ?? 0;
  }

  run(bc: BatchColumns, out: Int32Array): void {
    const n = bc.numRows;
    const col = bc.column(this.f.column, this.f.name);
    const kb = this.kb, p = this.prefix, m = this.m, vocab = this.vocab;
    if (isStringColumn(col)) {
      const codes = bc.codesOf(this.f.column, col);
      const dict = bc.dicts.get(this.f.column);
      if (this.cacheGen !== dict.generation) { this.cache = new Int32Array(0); this.cacheGen = dict.generation; }
      let cache = this.cache = growCache(this.cache, dict.size, -1);
      const missing = vocab ? MISSING_ID : this.hashMissing();
      for (let i = 0; i < n; i++) {
        const c = codes[i]!;
        if (c < 0) { out[i] = missing; continue; }
        let v = cache[c]!;
        if (v < 0) {
          if (vocab) v = vocab.byText.get(col[i]!) ?? OOV_ID;
          else { kb.reset(p); kb.bytes(dict.bytes, dict.start[c]!, dict.length[c]!); v = kb.bucket(m); }
          cache[c] = v;
        }
        out[i] = v;
      }
      return;
    }
    const cache = this.ints;
    for (let i = 0; i < n; i++) {
      const x = col[i]!;
      if (x !== (x | 0)) { out[i] = this.idOfNumber(x); continue; } // NaN, fractions, |x| ≥ 2^31
      let v = cache.get(x);
      if (v < 0) { v = this.idOfNumber(x); cache.set(x, v); }
      out[i] = v;
    }
  }

  private idOfNumber(x: number): number {
    if (this.vocab) return this.vocab.idOfNumber(x);
    this.kb.reset(this.prefix);
    this.kb.number(x);
    return this.kb.bucket(this.m);
  }

  /**
   * The 64-bit key (before mod) of every row, for reports: exactly the bytes run() hashes
   * (vocab features use the same encoding, so their distinct values can be counted alike).
   */
  eachKey(bc: BatchColumns, fn: KeyFn): void {
    const n = bc.numRows;
    const col = bc.column(this.f.column, this.f.name);
    const kb = this.kb, p = this.prefix;
    const str = isStringColumn(col) ? col : null;
    for (let i = 0; i < n; i++) {
      kb.reset(p);
      if (str) kb.value(str[i] ?? null); else kb.number(col[i] as number);
      const h = kb.hash();
      fn(i, h[0]!, h[1]!);
    }
  }

  /** Bucket of the missing marker (hashed features hash missing like any value). */
  hashMissing(): number {
    this.kb.reset(this.prefix);
    this.kb.byte(0xff);
    return this.kb.bucket(this.m);
  }
}

/** multi_id / sequence: a `sep`-joined string → up to max_len ids (first elements kept; empty ones skipped). */
export class MultiOp {
  private readonly kb: KeyBuffer;
  private readonly prefix: number;
  private readonly ints = new NumCache(16);
  /** Recently seen whole strings → their ids (bounded: ≤ 2^22 cached ids, then it restarts). */
  private readonly memo = new Map<string, number>();
  private readonly memoCap: number;
  private readonly arena: Int32Array;
  private readonly lens: Int32Array;
  constructor(readonly f: MultiIdDef | SequenceDef, private readonly vocab: Vocab | null, version: CityVersion) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
    this.memoCap = Math.max(1, Math.min(65536, Math.floor(2 ** 22 / f.max_len)));
    this.arena = new Int32Array(this.memoCap * f.max_len);
    this.lens = new Int32Array(this.memoCap);
  }

  alloc(n: number): MultiIds {
    const L = this.f.max_len;
    return { ids: new Int32Array(n * L), mask: new Uint8Array(n * L), lengths: new Int32Array(n), maxLen: L };
  }

  run(bc: BatchColumns, out: MultiIds): void {
    const n = bc.numRows, L = this.f.max_len;
    out.ids.fill(0, 0, n * L);
    out.mask.fill(0, 0, n * L);
    const col = bc.column(this.f.column, this.f.name);
    if (!isStringColumn(col)) { // one numeric value per row
      for (let i = 0; i < n; i++) {
        const x = col[i]!;
        if (!Number.isFinite(x)) { out.lengths[i] = 0; continue; }
        out.ids[i * L] = this.vocab ? this.vocab.idOfNumber(x) : this.hashNumber(x);
        out.mask[i * L] = 1;
        out.lengths[i] = 1;
      }
      return;
    }
    const sep = this.f.sep.charCodeAt(0), cache = this.ints;
    const ids = out.ids, mask = out.mask;
    const memo = this.memo, arena = this.arena, lens = this.lens;
    for (let i = 0; i < n; i++) {
      const s = col[i];
      let len = 0;
      const base = i * L;
      if (s !== null && s !== undefined) {
        const hit = memo.get(s);
        if (hit !== undefined) { // the same list seen recently (a user's history between views)
          len = lens[hit]!;
          for (let j = 0, o = hit * L; j < len; j++) { ids[base + j] = arena[o + j]!; mask[base + j] = 1; }
          out.lengths[i] = len;
          continue;
        }
        const end = s.length;
        let a = 0;
        while (a < end && len < L) {
          // one element [a, b); x = its value while it is a canonical integer of ≤ 9 digits
          let b = a, x = 0, digits = true;
          for (; b < end; b++) {
            const c = s.charCodeAt(b);
            if (c === sep) break;
            if (digits) {
              if (c >= 48 && c <= 57 && b - a < 9) x = x * 10 + (c - 48);
              else digits = false;
            }
          }
          if (b > a) {
            let id: number;
            if (digits && !(b - a > 1 && s.charCodeAt(a) === 48)) {
              id = cache.get(x);
              if (id < 0) { id = this.idOfInt(x); cache.set(x, id); }
            } else id = this.idOfText(s, a, b);
            ids[base + len] = id;
            mask[base + len] = 1;
            len++;
          }
          a = b + 1;
        }
        if (memo.size >= this.memoCap) memo.clear();
        const slot = memo.size;
        for (let j = 0, o = slot * L; j < len; j++) arena[o + j] = ids[base + j]!;
        lens[slot] = len;
        memo.set(s, slot);
      }
      out.lengths[i] = len;
    }
  }

  private idOfInt(x: number): number {
    if (this.vocab) return this.vocab.idOfNumber(x);
    this.kb.reset(this.prefix);
    this.kb.integer(x);
    return this.kb.bucket(this.f.hash_buckets!);
  }

  private idOfText(s: string, a: number, b: number): number {
    if (this.vocab) return this.vocab.byText.get(s.slice(a, b)) ?? OOV_ID;
    this.kb.reset(this.prefix);
    this.kb.utf8(s, a, b);
    return this.kb.bucket(this.f.hash_buckets!);
  }

  /** Keys of every element (row, hi, lo), for reports. */
  eachKey(bc: BatchColumns, fn: KeyFn): void {
    const n = bc.numRows, L = this.f.max_len, sep = this.f.sep, kb = this.kb, p = this.prefix;
    const col = bc.column(this.f.column, this.f.name);
    for (let i = 0; i < n; i++) {
      if (!isStringColumn(col)) {
        const x = col[i]!;
        if (!Number.isFinite(x)) continue;
        kb.reset(p); kb.number(x);
        const h = kb.hash(); fn(i, h[0]!, h[1]!);
        continue;
      }
      const s = col[i];
      if (s === null || s === undefined) continue;
      let a = 0, len = 0;
      while (a <= s.length && len < L) {
        let b = s.indexOf(sep, a);
        if (b < 0) b = s.length;
        if (b > a) { kb.reset(p); kb.utf8(s, a, b); const h = kb.hash(); fn(i, h[0]!, h[1]!); len++; }
        a = b + 1;
      }
    }
  }

  private hashNumber(x: number): number {
    this.kb.reset(this.prefix);
    this.kb.number(x);
    return this.kb.bucket(this.f.hash_buckets!);
  }
}

export { MISSING_ID };
