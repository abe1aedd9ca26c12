// In-memory windowed counters on bucketed rings: per key and window, k+1 slot cells (k = W/s), each
// tagged with the slot index it holds, so add is O(windows) and get is O(k+1) with no per-event state.
// All keys of a counter live in flat typed arrays (fixed stride per key), so memory is bounded by the
// live keys; keys idle for longer than the idle TTL are dropped (they would read 0 anyway).
import type { CounterSpec, CounterWindow } from '../config.js';
import type { CounterStore, CounterValue } from './types.js';

export class CounterRing {
  readonly name: string;
  readonly windows: readonly CounterWindow[];
  readonly idleTtl: number;
  private readonly cells: Int32Array; // k+1 per window
  private readonly base: Int32Array; // first cell of each window within a key's stride
  private readonly slotW: Float64Array;
  private readonly stride: number;
  private cellSlot = new Float64Array(0);
  private cellCount = new Float64Array(0);
  private cellSum = new Float64Array(0);
  private recKey = new Float64Array(0);
  private recLast = new Float64Array(0);
  private cap = 0;
  private next = 0;
  private free: number[] = [];
  private readonly map = new Map<number, number>();
  private lastSweep = -Infinity;
  /** Events too old for a window's ring (older than its oldest kept slot), per window. */
  readonly lateDropped: Float64Array;
  /** When true, add() sweeps idle keys every idleTtl of event time. */
  autoExpire = true;

  constructor(spec: Pick<CounterSpec, 'name' | 'windows' | 'idleTtl'>) {
    this.name = spec.name;
    this.windows = spec.windows;
    this.idleTtl = spec.idleTtl;
    const nw = spec.windows.length;
    this.cells = new Int32Array(nw);
    this.base = new Int32Array(nw);
    this.slotW = new Float64Array(nw);
    let s = 0;
    spec.windows.forEach((w, i) => {
      this.cells[i] = Math.round(w.span / w.slot) + 1;
      this.base[i] = s;
      this.slotW[i] = w.slot;
      s += this.cells[i]!;
    });
    this.stride = s;
    this.lateDropped = new Float64Array(nw);
  }

  get size(): number { return this.map.size; }

  /** Index of the window with this span (seconds); throws when the counter has none. */
  windowIndex(span: number): number {
    const i = this.windows.findIndex((w) => w.span === span);
    if (i < 0) throw new Error(`counter "${this.name}" has no ${span}s window (it has ${this.windows.map((w) => `${w.span}s`).join(', ')})`);
    return i;
  }

  private grow(): void {
    const cap = Math.max(64, this.cap * 2);
    const st = this.stride;
    const cs = new Float64Array(cap * st); cs.set(this.cellSlot); this.cellSlot = cs;
    const cc = new Float64Array(cap * st); cc.set(this.cellCount); this.cellCount = cc;
    const cm = new Float64Array(cap * st); cm.set(this.cellSum); this.cellSum = cm;
    const rk = new Float64Array(cap); rk.set(this.recKey); this.recKey = rk;
    const rl = new Float64Array(cap); rl.set(this.recLast); this.recLast = rl;
    this.cap = cap;
  }

  private alloc(key: number): number {
    let r = this.free.pop();
    if (r === undefined) {
      if (this.next >= this.cap) this.grow();
      r = this.next++;
    }
    const o = r * this.stride;
    this.cellSlot.fill(NaN, o, o + this.stride);
    this.cellCount.fill(0, o, o + this.stride);
    this.cellSum.fill(0, o, o + this.stride);
    this.recKey[r] = key;
    this.recLast[r] = -Infinity;
    this.map.set(key, r);
    return r;
  }

  /** One event: count += 1, sum += value, at event time ts (unix seconds). */
  add(key: number, ts: number, value: number): void {
    if (this.autoExpire && ts - this.lastSweep >= this.idleTtl) {
      if (this.lastSweep !== -Infinity) this.expire(ts);
      this.lastSweep = ts;
    }
    let r = this.map.get(key);
    if (r === undefined) r = this.alloc(key);
    if (ts > this.recLast[r]!) this.recLast[r] = ts;
    const o = r * this.stride;
    for (let w = 0; w < this.cells.length; w++) {
      const s = Math.floor(ts / this.slotW[w]!);
      const k1 = this.cells[w]!;
      const c = o + this.base[w]! + (((s % k1) + k1) % k1);
      const held = this.cellSlot[c]!;
      if (held === s) { this.cellCount[c]! += 1; this.cellSum[c]! += value; }
      else if (!(held > s)) { this.cellSlot[c] = s; this.cellCount[c] = 1; this.cellSum[c] = value; }
      else this.lateDropped[w]! += 1;
    }
  }

  /** Count → out[at], sum → out[at+1] of window w at query time ts. */
  read(key: number, ts: number, w: number, out: Float64Array, at: number): void {
    const r = this.map.get(key);
    let n = 0, sum = 0;
    if (r !== undefined) {
      const hi = Math.floor(ts / this.slotW[w]!);
      const k1 = this.cells[w]!;
      const lo = hi - k1 + 1;
      const o = r * this.stride + this.base[w]!;
      for (let i = 0; i < k1; i++) {
        const s = this.cellSlot[o + i]!;
        if (s >= lo && s <= hi) { n += this.cellCount[o + i]!; sum += this.cellSum[o + i]!; }
      }
    }
    out[at] = n;
    out[at + 1] = sum;
  }

  /** Drops keys whose last event is at least idleTtl before now. */
  expire(now: number): number {
    let dropped = 0;
    for (let r = 0; r < this.next; r++) {
      const key = this.recKey[r]!;
      if (key !== key) continue; // free
      if (now - this.recLast[r]! >= this.idleTtl) {
        this.map.delete(key);
        this.recKey[r] = NaN;
        this.free.push(r);
        dropped++;
      }
    }
    return dropped;
  }

  /** Bytes held by the rings (for reports). */
  get bytes(): number {
    return this.cap * (this.stride * 24 + 16);
  }
}

/** CounterStore over one CounterRing per counter spec. */
export class MemoryCounterStore implements CounterStore {
  readonly rings = new Map<string, CounterRing>();
  private readonly scratch = new Float64Array(2);

  constructor(specs: readonly Pick<CounterSpec, 'name' | 'windows' | 'idleTtl'>[]) {
    for (const s of specs) this.rings.set(s.name, new CounterRing(s));
  }

  ring(counter: string): CounterRing {
    const r = this.rings.get(counter);
    if (!r) throw new Error(`unknown counter "${counter}"; known: ${[...this.rings.keys()].join(', ')}`);
    return r;
  }

  add(counter: string, key: number, ts: number, value: number): void {
    this.ring(counter).add(key, ts, value);
  }

  get(counter: string, key: number, ts: number, window: number): CounterValue {
    const r = this.ring(counter);
    r.read(key, ts, r.windowIndex(window), this.scratch, 0);
    return { count: this.scratch[0]!, sum: this.scratch[1]! };
  }

  expire(now: number): number {
    let n = 0;
    for (const r of this.rings.values()) n += r.expire(now);
    return n;
  }

  get size(): number {
    let n = 0;
    for (const r of this.rings.values()) n += r.size;
    return n;
  }
}
