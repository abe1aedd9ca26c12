// Counter keys and values for a batch: keys are 53-bit fingerprints of
//   CityHash64(UTF-8(counter name) ‖ 0xFE ‖ enc(k1) [‖ 0xFE ‖ enc(k2) …])   (same encoding as crosses)
// folded to (hi & 0x1fffff)·2^32 + lo. A row with any key field missing has no key (NaN).
import { isStringColumn, type Table } from '../../data/table.js';
import { BatchColumns, DictPool } from '../batch.js';
import type { CounterFeatureDef, CounterSpec, FeatureConfig } from '../config.js';
import { KeyBuffer, SEP } from '../encode.js';
import type { CityVersion } from '../cityhash/index.js';

export interface CounterFeatureRef {
  f: CounterFeatureDef;
  /** Index of its counter in cfg.counters. */
  ci: number;
  /** Index of its window in the counter's windows. */
  wi: number;
}

/** Value of a counter feature from a window's count and sum. */
export function counterStat(stat: 'count' | 'sum' | 'mean', count: number, sum: number): number {
  return stat === 'count' ? count : stat === 'sum' ? sum : count > 0 ? sum / count : NaN;
}

export class CounterEngine {
  readonly counters: readonly CounterSpec[];
  readonly features: CounterFeatureRef[];
  private readonly kb: KeyBuffer;
  readonly dicts = new DictPool();

  constructor(cfg: FeatureConfig) {
    this.counters = cfg.counters;
    this.kb = new KeyBuffer(cfg.hash as CityVersion);
    this.features = [];
    for (const f of cfg.features) {
      if (f.kind !== 'counter') continue;
      const ci = cfg.counters.findIndex((c) => c.name === f.counter);
      const wi = cfg.counters[ci]!.windows.findIndex((w) => w.span === f.windowSeconds);
      this.features.push({ f, ci, wi });
    }
  }

  get timeColumn(): string | undefined { return this.counters[0]?.time; }

  batch(table: Table): BatchColumns { return new BatchColumns(table, this.dicts); }

  /** Keys of counter ci for every row (NaN where a key field is missing). */
  keys(bc: BatchColumns, ci: number): Float64Array {
    const c = this.counters[ci]!;
    const n = bc.numRows;
    const out = new Float64Array(n);
    const kb = this.kb;
    kb.reset();
    kb.utf8(c.name);
    const p = kb.len;
    const cols = c.key.map((k) => bc.column(k, `counter ${c.name}`));
    for (let i = 0; i < n; i++) {
      kb.reset(p);
      let missing = false;
      for (let j = 0; j < cols.length; j++) {
        kb.byte(SEP);
        const col = cols[j]!;
        if (isStringColumn(col)) {
          const s = col[i];
          if (s === null || s === undefined) { missing = true; break; }
          kb.utf8(s);
        } else {
          const x = col[i]!;
          if (!Number.isFinite(x)) { missing = true; break; }
          kb.number(x);
        }
      }
      out[i] = missing ? NaN : kb.key53();
    }
    return out;
  }

  /** Key of one tuple of values (serving, tests). */
  keyOf(counter: string, values: readonly (string | number | null)[]): number {
    const c = this.counters.find((x) => x.name === counter);
    if (!c) throw new Error(`unknown counter "${counter}"`);
    return counterKey(counter, values, this.kb.version);
  }
}

/** The 53-bit key of a counter's key tuple; NaN when a value is missing. */
export function counterKey(counter: string, values: readonly (string | number | null)[], version: CityVersion = 'v1.1'): number {
  const kb = new KeyBuffer(version);
  kb.utf8(counter);
  for (const v of values) {
    kb.byte(SEP);
    if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return NaN;
    if (typeof v === 'string') kb.utf8(v); else kb.number(v);
  }
  return kb.key53();
}
