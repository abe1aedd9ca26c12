// A collisionless key → row mapper in the spirit of Monolith (Liu et al. 2022): every admitted key
// owns its row; keys are admitted only once seen `admitThreshold` times (counted in a count-min
// sketch, so rare keys cost no row); rows unused for `ttl` steps expire; when the table is full the
// least-frequently-used rows are evicted in batches (LFU with aging: counts are halved after each
// eviction round, so once-popular keys can age out).
//
// Unadmitted keys (and unknown keys at serving time) map to NO_ROW: a zero vector with no updates.
// Rows looked up in the current step (lastSeen === clock) are never evicted or expired, so ids
// returned by earlier lookups of this step stay valid until the table's step() advances the clock.
import { NO_ROW, type MapOptions, type MapperState, type RowMapper } from './mapper.js';

export interface HashRowMapperConfig {
  /** Sightings needed before a key gets a row (1 = admit immediately). Default 1. */
  admitThreshold?: number;
  /** Steps without a lookup after which a row expires (0 = never). Default 0. */
  ttl?: number;
  /** Fraction of rows freed per LFU eviction round when the table is full. Default 1/64. */
  evictFraction?: number;
  /** Count-min sketch width (power of two) and depth, for admission counting. Default 2^18 × 2. */
  sketchWidth?: number;
  sketchDepth?: number;
  /** Halve all sketch counters every this many steps (0 = never). Default 0. */
  sketchHalfLife?: number;
}

export interface HashRowMapperStats {
  used: number; admitted: number; unadmittedLookups: number; evictedLfu: number; expiredTtl: number; fullRejects: number;
}

function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const keyHash = (hi: number, lo: number, salt: number) => fmix((lo ^ fmix((hi ^ salt) >>> 0)) >>> 0);

export class HashRowMapper implements RowMapper {
  readonly kind = 'hash';
  readonly admitThreshold: number; readonly ttl: number; readonly evictFraction: number;
  readonly sketchWidth: number; readonly sketchDepth: number; readonly sketchHalfLife: number;
  private readonly mask: number;
  private readonly slotHi: Uint32Array; private readonly slotLo: Uint32Array; private readonly slotRow: Int32Array;
  private readonly rowHi: Uint32Array; private readonly rowLo: Uint32Array;
  private readonly rowCount: Uint32Array; private readonly rowLast: Int32Array;
  private readonly free: Int32Array;
  private readonly sketch: Uint16Array;
  private freeTop: number;
  private clock = 0;
  private st: HashRowMapperStats = { used: 0, admitted: 0, unadmittedLookups: 0, evictedLfu: 0, expiredTtl: 0, fullRejects: 0 };

  constructor(readonly rows: number, c: HashRowMapperConfig = {}) {
    const bad = (m: string): never => { throw new Error(`HashRowMapper: ${m}`); };
    if (!Number.isInteger(rows) || rows < 1 || rows > 2 ** 29) bad(`rows must be an integer in [1, 2^29], got ${rows}`);
    this.admitThreshold = c.admitThreshold ?? 1;
    this.ttl = c.ttl ?? 0;
    this.evictFraction = c.evictFraction ?? 1 / 64;
    this.sketchWidth = c.sketchWidth ?? 2 ** 18;
    this.sketchDepth = c.sketchDepth ?? 2;
    this.sketchHalfLife = c.sketchHalfLife ?? 0;
    if (!Number.isInteger(this.admitThreshold) || this.admitThreshold < 1 || this.admitThreshold > 65535) bad(`admitThreshold must be an integer in [1, 65535], got ${c.admitThreshold}`);
    if (!Number.isInteger(this.ttl) || this.ttl < 0) bad(`ttl must be a non-negative integer (steps), got ${c.ttl}`);
    if (!(this.evictFraction > 0 && this.evictFraction <= 1)) bad(`evictFraction must be in (0, 1], got ${c.evictFraction}`);
    const w = this.sketchWidth;
    if (!Number.isInteger(w) || w < 1 || (w & (w - 1)) !== 0 || w > 2 ** 28) bad(`sketchWidth must be a power of two ≤ 2^28, got ${c.sketchWidth}`);
    if (!Number.isInteger(this.sketchDepth) || this.sketchDepth < 1 || this.sketchDepth > 8) bad(`sketchDepth must be an integer in [1, 8], got ${c.sketchDepth}`);
    if (!Number.isInteger(this.sketchHalfLife) || this.sketchHalfLife < 0) bad(`sketchHalfLife must be a non-negative integer, got ${c.sketchHalfLife}`);
    let cap = 16;
    while (cap < rows * 2) cap *= 2;
    this.mask = cap - 1;
    this.slotHi = new Uint32Array(cap); this.slotLo = new Uint32Array(cap); this.slotRow = new Int32Array(cap).fill(NO_ROW);
    this.rowHi = new Uint32Array(rows); this.rowLo = new Uint32Array(rows);
    this.rowCount = new Uint32Array(rows); this.rowLast = new Int32Array(rows).fill(-1);
    this.free = new Int32Array(rows);
    for (let i = 0; i < rows; i++) this.free[i] = rows - 1 - i; // pop() yields 0, 1, 2, …
    this.freeTop = rows;
    this.sketch = new Uint16Array(this.admitThreshold > 1 ? w * this.sketchDepth : 0);
  }

  /** Slot holding the key, or −(empty slot + 1) where it would be inserted. */
  private find(hi: number, lo: number): number {
    let s = keyHash(hi, lo, 0) & this.mask;
    for (;;) {
      const r = this.slotRow[s]!;
      if (r === NO_ROW) return -(s + 1);
      if (this.slotHi[s] === hi && this.slotLo[s] === lo) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Count-min: add one sighting, return the estimated count. */
  private sight(hi: number, lo: number): number {
    const w = this.sketchWidth, sk = this.sketch;
    let est = 65535;
    for (let d = 0; d < this.sketchDepth; d++) {
      const i = d * w + (keyHash(hi, lo, 0x9e3779b9 * (d + 1)) & (w - 1));
      const c = sk[i]!;
      if (c < 65535) sk[i] = c + 1;
      est = Math.min(est, c + 1);
    }
    return est;
  }

  map(hi: Uint32Array, lo: Uint32Array, out: Int32Array, opts: MapOptions): void {
    const n = hi.length, clock = this.clock;
    for (let i = 0; i < n; i++) {
      const h = hi[i]!, l = lo[i]!;
      const s = this.find(h, l);
      if (s >= 0) {
        const r = this.slotRow[s]!;
        if (opts.train) { if (this.rowCount[r]! < 0xffffffff) this.rowCount[r]!++; this.rowLast[r] = clock; }
        out[i] = r;
        continue;
      }
      if (!opts.train) { out[i] = NO_ROW; continue; }
      const est = this.admitThreshold > 1 ? this.sight(h, l) : 1;
      if (est < this.admitThreshold) { this.st.unadmittedLookups++; out[i] = NO_ROW; continue; }
      const r = this.allocRow();
      if (r < 0) { this.st.fullRejects++; out[i] = NO_ROW; continue; }
      const slot = this.find(h, l); // eviction may have moved slots
      const e = -slot - 1;
      this.slotHi[e] = h; this.slotLo[e] = l; this.slotRow[e] = r;
      this.rowHi[r] = h; this.rowLo[r] = l; this.rowCount[r] = est; this.rowLast[r] = clock;
      this.st.admitted++; this.st.used++;
      opts.onAssign?.(r);
      out[i] = r;
    }
  }

  private allocRow(): number {
    if (this.freeTop === 0) {
      if (this.ttl > 0) this.expire();
      if (this.freeTop === 0) this.evictLfu();
      if (this.freeTop === 0) return NO_ROW;
    }
    return this.free[--this.freeTop]!;
  }

  private release(r: number): void {
    // backward-shift deletion keeps linear probing chains intact
    let s = this.find(this.rowHi[r]!, this.rowLo[r]!);
    if (s < 0) throw new Error(`HashRowMapper: internal error, row ${r} has no slot`);
    const m = this.mask;
    let j = s;
    for (;;) {
      j = (j + 1) & m;
      const rj = this.slotRow[j]!;
      if (rj === NO_ROW) break;
      const home = keyHash(this.slotHi[j]!, this.slotLo[j]!, 0) & m;
      // move j into the hole s unless its home lies cyclically in (s, j]
      if ((j > s && (home <= s || home > j)) || (j < s && home <= s && home > j)) {
        this.slotHi[s] = this.slotHi[j]!; this.slotLo[s] = this.slotLo[j]!; this.slotRow[s] = rj;
        s = j;
      }
    }
    this.slotRow[s] = NO_ROW;
    this.rowLast[r] = -1; this.rowCount[r] = 0;
    this.free[this.freeTop++] = r;
    this.st.used--;
  }

  /** Frees rows not looked up for more than ttl steps. Returns how many were freed. */
  expire(): number {
    if (this.ttl === 0) return 0;
    let n = 0;
    for (let r = 0; r < this.rows; r++) {
      const last = this.rowLast[r]!;
      if (last >= 0 && this.clock - last > this.ttl) { this.release(r); n++; }
    }
    this.st.expiredTtl += n;
    return n;
  }

  /** Frees ⌈evictFraction·rows⌉ least-frequently-used rows (never those seen this step), then ages counts. */
  private evictLfu(): void {
    const k = Math.max(1, Math.ceil(this.evictFraction * this.rows));
    const cand: number[] = [];
    for (let r = 0; r < this.rows; r++) if (this.rowLast[r]! >= 0 && this.rowLast[r] !== this.clock) cand.push(this.rowCount[r]!);
    if (cand.length === 0) return;
    const counts = Float64Array.from(cand).sort();
    const thr = counts[Math.min(k, counts.length) - 1]!;
    let below = 0;
    for (const c of counts) if (c < thr) below++;
    let atThr = Math.min(k, counts.length) - below, freed = 0;
    for (let r = 0; r < this.rows; r++) {
      const last = this.rowLast[r]!;
      if (last < 0 || last === this.clock) continue;
      const c = this.rowCount[r]!;
      if (c < thr || (c === thr && atThr-- > 0)) { this.release(r); freed++; }
    }
    for (let r = 0; r < this.rows; r++) this.rowCount[r] = this.rowCount[r]! >>> 1;
    this.st.evictedLfu += freed;
  }

  tick(): void {
    this.clock++;
    if (this.ttl > 0 && this.clock % Math.max(1, this.ttl >> 3) === 0) this.expire();
    if (this.sketchHalfLife > 0 && this.clock % this.sketchHalfLife === 0) {
      const sk = this.sketch;
      for (let i = 0; i < sk.length; i++) sk[i] = sk[i]! >>> 1;
    }
  }

  /** Row of a key without side effects, or NO_ROW. */
  rowOf(hi: number, lo: number): number {
    const s = this.find(hi >>> 0, lo >>> 0);
    return s >= 0 ? this.slotRow[s]! : NO_ROW;
  }

  stats(): HashRowMapperStats { return { ...this.st }; }

  config(): Record<string, number | string | boolean> {
    return { kind: this.kind, admitThreshold: this.admitThreshold, ttl: this.ttl, evictFraction: this.evictFraction,
      sketchWidth: this.sketchWidth, sketchDepth: this.sketchDepth, sketchHalfLife: this.sketchHalfLife };
  }

  state(): MapperState {
    return {
      meta: { clock: this.clock, freeTop: this.freeTop, ...this.st },
      arrays: { slotHi: this.slotHi, slotLo: this.slotLo, slotRow: this.slotRow, rowHi: this.rowHi, rowLo: this.rowLo,
        rowCount: this.rowCount, rowLast: this.rowLast, free: this.free, sketch: this.sketch },
    };
  }

  restore(s: MapperState, where: string): void {
    const own = this.state().arrays;
    for (const [k, a] of Object.entries(own)) {
      const b = s.arrays[k];
      if (!b || b.constructor !== a.constructor || b.length !== a.length) {
        throw new Error(`${where}: hash mapper array ${k} is ${b ? `${b.constructor.name}[${b.length}]` : 'missing'}, expected ${a.constructor.name}[${a.length}]`);
      }
      a.set(b as never);
    }
    const num = (k: string) => {
      const v = s.meta[k];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: hash mapper meta ${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
      return v;
    };
    this.clock = num('clock'); this.freeTop = num('freeTop');
    if (this.freeTop > this.rows) throw new Error(`${where}: hash mapper freeTop ${this.freeTop} exceeds rows ${this.rows}`);
    this.st = { used: num('used'), admitted: num('admitted'), unadmittedLookups: num('unadmittedLookups'),
      evictedLfu: num('evictedLfu'), expiredTtl: num('expiredTtl'), fullRejects: num('fullRejects') };
  }

  stateBytes(): number {
    return Object.values(this.state().arrays).reduce((s, a) => s + a.byteLength, 0);
  }

  describe(): string {
    return `collisionless hash map, ${this.rows} rows, admit after ${this.admitThreshold} sighting(s)` +
      `${this.ttl ? `, ttl ${this.ttl} steps` : ''}, LFU eviction of ${(this.evictFraction * 100).toFixed(2)}% when full`;
  }
}
