// id, multi_id and sequence features: a value → bucket (CityHash64 of the canonical key mod M) or a
// vocabulary id. String columns are cached per dictionary code, so each distinct value is hashed once.
import { isStringColumn } from '../data/table.js';
import type { BatchColumns } from './batch.js';
import type { IdDef, MultiIdDef, SequenceDef } from './config.js';
import { growCache } from './dict.js';
import { KeyBuffer, SEP } from './encode.js';
import type { MultiIds } from './fitted.js';
import { MISSING_ID, OOV_ID, Vocab } from './vocab.js';
import type { CityVersion } from './cityhash/index.js';

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
    if (vocab) { for (let i = 0; i < n; i++) out[i] = vocab.idOfNumber(col[i]!); return; }
    for (let i = 0; i < n; i++) { kb.reset(p); kb.number(col[i]!); out[i] = kb.bucket(m); }
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
  constructor(readonly f: MultiIdDef | SequenceDef, private readonly vocab: Vocab | null, version: CityVersion) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
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
    const sep = this.f.sep, kb = this.kb, p = this.prefix, m = this.f.hash_buckets ?? 0, vocab = this.vocab;
    for (let i = 0; i < n; i++) {
      const s = col[i];
      let len = 0;
      if (s !== null && s !== undefined) {
        const base = i * L;
        let a = 0;
        const end = s.length;
        while (a <= end && len < L) {
          let b = s.indexOf(sep, a);
          if (b < 0) b = end;
          if (b > a) {
            let id: number;
            if (vocab) id = vocab.byText.get(s.slice(a, b)) ?? OOV_ID;
            else { kb.reset(p); kb.utf8(s, a, b); id = kb.bucket(m); }
            out.ids[base + len] = id;
            out.mask[base + len] = 1;
            len++;
          }
          a = b + 1;
        }
      }
      out.lengths[i] = len;
    }
  }

  private hashNumber(x: number): number {
    this.kb.reset(this.prefix);
    this.kb.number(x);
    return this.kb.bucket(this.f.hash_buckets!);
  }
}

export { MISSING_ID };
