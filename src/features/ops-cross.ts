// Cross features: bucket = CityHash64(tag ‖ 0xFE ‖ enc(v1) ‖ 0xFE ‖ enc(v2) [‖ 0xFE ‖ enc(v3)]) mod M.
// enc(v) is the raw value of an id field (its canonical text, not its bucket, so the cross does not
// inherit the id's collisions) and the decimal id of a bucketized / time / counter field.
// Allocation-free: the key is written into one reusable byte buffer.
import { isStringColumn, type NumericColumn, type StringColumn } from '../data/table.js';
import type { BatchColumns } from './batch.js';
import type { CrossDef, FeatureDef } from './config.js';
import type { StringDict } from './dict.js';
import { KeyBuffer, MISSING, SEP } from './encode.js';
import { prefixed } from './ops-ids.js';
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
  constructor(readonly f: CrossDef, private readonly fields: readonly FeatureDef[], version: CityVersion) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
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

  run(bc: BatchColumns, out: Int32Array): void {
    this.bind(bc);
    const n = bc.numRows, kb = this.kb, p = this.prefix, m = this.f.hash_buckets;
    const srcs = this.srcs, nf = srcs.length;
    for (let i = 0; i < n; i++) {
      kb.reset(p);
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
      out[i] = kb.bucket(m);
    }
  }
}
