// Cross features: bucket = CityHash64(tag ‖ 0xFE ‖ enc(v1) ‖ 0xFE ‖ enc(v2) [‖ 0xFE ‖ enc(v3)]) mod M.
// enc(v) is the raw value of an id field (its canonical text, not its bucket, so the cross does not
// inherit the id's collisions) and the decimal id of a bucketized / time / counter field.
// Allocation-free: the key is written into one reusable byte buffer.
import { isStringColumn, type NumericColumn, type StringColumn } from '../data/table.js';
import type { BatchColumns } from './batch.js';
import type { CrossDef, FeatureDef } from './config.js';
import type { StringDict } from './dict.js';
import { KeyBuffer, MISSING, SEP } from './encode.js';
import { NumCache } from './numcache.js';
import { prefixed, type KeyFn } from './ops-ids.js';
import type { CityVersion } from './cityhash/index.js';

/** One field of a cross key for this batch: 0 = string codes, 1 = numeric column, 2 = id array. */
interface FieldSource {
  type: 0 | 1 | 2;
  codes: Int32Array;
  dict: StringDict | null;
  num: NumericColumn | Float64Array | null;
}

export class CrossOp {
  private readonly kb: KeyBuffer;
  private readonly prefix: number;
  private readonly srcs: FieldSource[];
  private readonly cache = new NumCache(16);
  private readonly radix: number;
  private readonly gens: number[];
  constructor(readonly f: CrossDef, private readonly fields: readonly FeatureDef[], version: CityVersion) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
    this.radix = fields.length === 2 ? 2 ** 26 : 2 ** 17;
    this.gens = fields.map(() => -1);
    this.srcs = fields.map(() => ({ type: 2, codes: new Int32Array(0), dict: null, num: null }));
  }

  private bind(bc: BatchColumns): void {
    this.fields.forEach((g, j) => {
      const s = this.srcs[j]!;
      s.dict = null; s.num = null;
      if (g.kind === 'id') {
        const col = bc.column(g.column, g.name);
        if (isStringColumn(col)) {
          s.type = 0;
          s.codes = bc.codesOf(g.column, col as StringColumn);
          s.dict = bc.dicts.get(g.column);
        } else {
          s.type = 1;
          s.num = col;
        }
      } else {
        const ids = bc.ids.get(g.name);
        if (!ids) throw new Error(`cross "${this.f.name}": field "${g.name}" was not computed before the cross`);
        s.type = 2;
        s.codes = ids;
      }
    });
  }

  /** Writes row i's key bytes (after the tag prefix). */
  private write(i: number): void {
    const kb = this.kb, srcs = this.srcs, nf = srcs.length;
    kb.reset(this.prefix);
    for (let j = 0; j < nf; j++) {
      if (j > 0) kb.byte(SEP);
      const s = srcs[j]!;
      if (s.type === 0) {
        const c = s.codes[i]!;
        if (c < 0) kb.byte(MISSING);
        else kb.bytes(s.dict!.bytes, s.dict!.start[c]!, s.dict!.length[c]!);
      } else if (s.type === 1) kb.number(s.num![i]!);
      else kb.integer(s.codes[i]!);
    }
  }

  /**
   * Rows whose fields are all small non-negative integers (dictionary codes, ids, small ints) look
   * their bucket up in a direct-mapped cache keyed by the exact combination v1 + v2·R (+ v3·R²).
   */
  run(bc: BatchColumns, out: Int32Array): void {
    this.bind(bc);
    const n = bc.numRows, kb = this.kb, m = this.f.hash_buckets;
    const srcs = this.srcs, nf = srcs.length, R = this.radix, cache = this.cache;
    for (let j = 0; j < nf; j++) {
      const d = srcs[j]!.dict;
      if (d && d.generation !== this.gens[j]) { this.gens[j] = d.generation; cache.clear(); }
    }
    for (let i = 0; i < n; i++) {
      let key = 0, mult = 1;
      for (let j = 0; j < nf; j++) {
        const s = srcs[j]!;
        let v: number;
        if (s.type === 0) v = s.codes[i]! + 1;
        else if (s.type === 1) { const x = s.num![i]!; v = x >= 0 && x < R && x === Math.floor(x) ? x : -1; }
        else v = s.codes[i]!;
        if (v < 0 || v >= R) { key = -1; break; }
        key += v * mult;
        mult *= R;
      }
      let b = key >= 0 ? cache.get(key) : -1;
      if (b < 0) {
        this.write(i);
        b = kb.bucket(m);
        if (key >= 0) cache.set(key, b);
      }
      out[i] = b;
    }
  }

  /** The 64-bit key of every row (for reports); needs the field ids of this batch in bc.ids. */
  eachKey(bc: BatchColumns, fn: KeyFn): void {
    this.bind(bc);
    for (let i = 0; i < bc.numRows; i++) {
      this.write(i);
      const h = this.kb.hash();
      fn(i, h[0]!, h[1]!);
    }
  }
}
