// Counter feature values for a batch, three ways:
//  - CounterReplay (training): rows in time order; each row READS before any event at its own time is
//    ADDED, so a row sees only events strictly before it (rows with equal timestamps do not see each
//    other). Events with a delay wait in a heap until their visible time. State carries over batches.
//  - readCounters (in-process serving): read a sync CounterStore at each row's time (or `now`).
//  - readCounterValuesAsync (Redis serving): one getMany round trip, then ctx.counterValues.
import type { Table } from '../../data/table.js';
import type { BatchColumns } from '../batch.js';
import type { FeatureConfig } from '../config.js';
import { CounterEngine, counterStat } from './engine.js';
import { EventHeap, type PendingEvent } from './heap.js';
import { MemoryCounterStore, type CounterRing } from './store.js';
import type { AsyncCounterStore, CounterEvent, CounterQuery, CounterStore } from './types.js';

export type CounterValues = Map<string, Float64Array>;

export class CounterReplay {
  readonly store: MemoryCounterStore;
  private readonly rings: CounterRing[];
  private readonly heap = new EventHeap();
  private readonly ev: PendingEvent = { ts: 0, ci: 0, key: 0, value: 0 };
  private lastTime = -Infinity;
  /** Rows skipped: no time (no reads, no events) / an event with a missing value or delay. */
  readonly skipped = { noTime: 0, badValue: 0 };
  rows = 0;
  constructor(readonly engine: CounterEngine, store?: MemoryCounterStore) {
    this.store = store ?? new MemoryCounterStore(engine.counters);
    this.rings = engine.counters.map((c) => this.store.ring(c.name));
  }

  static fromConfig(cfg: FeatureConfig): CounterReplay { return new CounterReplay(new CounterEngine(cfg)); }

  /** Moves pending events visible before t (event time < t) into the store. */
  private flush(t: number): void {
    const h = this.heap;
    while (h.size > 0 && h.topTime() < t) {
      const e = h.popInto(this.ev);
      this.rings[e.ci]!.add(e.key, e.ts, e.value);
    }
  }

  process(bc: BatchColumns): CounterValues {
    const eng = this.engine;
    const n = bc.numRows;
    const out: CounterValues = new Map();
    for (const r of eng.features) out.set(r.f.name, new Float64Array(n).fill(NaN));
    if (eng.counters.length === 0) return out;
    const timeCol = eng.timeColumn!;
    const time = bc.numeric(timeCol, `counters (time column "${timeCol}")`);
    const keys = eng.counters.map((_, ci) => eng.keys(bc, ci));
    const vals = eng.counters.map((c) => (c.value ? bc.numeric(c.value, `counter ${c.name}`) : null));
    const delays = eng.counters.map((c) => (c.delayColumn ? bc.numeric(c.delayColumn, `counter ${c.name}`) : null));
    const order = timeOrder(time, n);
    this.skipped.noTime += n - order.length;
    if (order.length && time[order[0]!]! < this.lastTime) {
      throw new Error(`counter replay: row ${order[0]} has ${timeCol} = ${time[order[0]!]} before ${this.lastTime} from an earlier batch; counter features need the data in time order (sort by "${timeCol}")`);
    }
    const scratch = new Float64Array(2);
    const feats = eng.features.map((r) => ({ ring: this.rings[r.ci]!, wi: r.wi, stat: r.f.stat, out: out.get(r.f.name)!, keys: keys[r.ci]! }));
    let g = 0;
    while (g < order.length) {
      const t = time[order[g]!]!;
      let h = g + 1;
      while (h < order.length && time[order[h]!]! === t) h++;
      this.flush(t);
      for (let q = g; q < h; q++) {
        const i = order[q]!;
        for (const fr of feats) {
          const k = fr.keys[i]!;
          if (k !== k) continue; // no key → missing value
          fr.ring.read(k, t, fr.wi, scratch, 0);
          fr.out[i] = counterStat(fr.stat, scratch[0]!, scratch[1]!);
        }
      }
      for (let q = g; q < h; q++) {
        const i = order[q]!;
        for (let ci = 0; ci < eng.counters.length; ci++) {
          const c = eng.counters[ci]!;
          const k = keys[ci]![i]!;
          if (k !== k) continue;
          const v = vals[ci] ? vals[ci]![i]! : 1;
          if (!Number.isFinite(v)) { this.skipped.badValue++; continue; }
          if (c.positiveOnly && !(v > 0)) continue;
          let d = c.delay;
          if (delays[ci]) {
            const dc = delays[ci]![i]!;
            if (!Number.isFinite(dc)) { this.skipped.badValue++; continue; }
            d += Math.max(0, dc);
          }
          if (d > 0) this.heap.push(t + d, ci, k, v);
          else this.rings[ci]!.add(k, t, v); // visible from the next distinct time on
        }
      }
      g = h;
    }
    if (order.length) this.lastTime = time[order[order.length - 1]!]!;
    this.rows += n;
    return out;
  }
  /**
   * Reads the rows of `bc` at time t (every row, whatever its own time column) WITHOUT adding their
   * events: "what a row at t would have seen" for rows that did not happen (request snapshots,
   * candidates). Call it between process() calls in time order: t must not precede the last row
   * processed, and rows processed later must not precede t.
   */
  readAt(bc: BatchColumns, t: number): CounterValues {
    const eng = this.engine;
    const n = bc.numRows;
    const out: CounterValues = new Map();
    for (const r of eng.features) out.set(r.f.name, new Float64Array(n).fill(NaN));
    if (eng.counters.length === 0) return out;
    if (t < this.lastTime) throw new Error(`counter replay: a read at ${t} after rows up to ${this.lastTime}; reads must follow the data in time order`);
    this.flush(t);
    const keys = eng.counters.map((_, ci) => eng.keys(bc, ci));
    const scratch = new Float64Array(2);
    for (const r of eng.features) {
      const ring = this.rings[r.ci]!, ks = keys[r.ci]!, o = out.get(r.f.name)!;
      for (let i = 0; i < n; i++) {
        const k = ks[i]!;
        if (k !== k) continue;
        ring.read(k, t, r.wi, scratch, 0);
        o[i] = counterStat(r.f.stat, scratch[0]!, scratch[1]!);
      }
    }
    this.lastTime = t;
    return out;
  }
}

/** Row indices with a finite time, stably sorted by time (identity when already sorted). */
export function timeOrder(time: ArrayLike<number>, n: number): Int32Array {
  let sorted = true, finite = 0;
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) { sorted = false; continue; }
    finite++;
    if (t < prev) sorted = false;
    prev = t;
  }
  const idx = new Int32Array(finite);
  let j = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(time[i]!)) idx[j++] = i;
  if (!sorted) idx.sort((a, b) => time[a]! - time[b]! || a - b);
  return idx;
}

/** Serving with a sync store: every row reads at its own time (or at `now` when given). */
export function readCounters(engine: CounterEngine, bc: BatchColumns, store: CounterStore, now?: number): CounterValues {
  const n = bc.numRows;
  const out: CounterValues = new Map();
  if (engine.features.length === 0) return out;
  const time = now === undefined ? bc.numeric(engine.timeColumn!, 'counters') : null;
  const keys = engine.counters.map((_, ci) => engine.keys(bc, ci));
  const scratch = new Float64Array(2);
  for (const r of engine.features) {
    const v = new Float64Array(n).fill(NaN);
    const c = engine.counters[r.ci]!;
    const ring = store instanceof MemoryCounterStore ? store.ring(c.name) : null;
    const span = c.windows[r.wi]!.span;
    for (let i = 0; i < n; i++) {
      const k = keys[r.ci]![i]!;
      const t = time ? time[i]! : now!;
      if (k !== k || !Number.isFinite(t)) continue;
      if (ring) { ring.read(k, t, r.wi, scratch, 0); v[i] = counterStat(r.f.stat, scratch[0]!, scratch[1]!); }
      else { const g = store.get(c.name, k, t, span); v[i] = counterStat(r.f.stat, g.count, g.sum); }
    }
    out.set(r.f.name, v);
  }
  return out;
}

/** Serving with an async (e.g. Redis) store: one getMany; pass the result as ctx.counterValues. */
export async function readCounterValuesAsync(engine: CounterEngine, table: Table, store: AsyncCounterStore, now?: number): Promise<Record<string, Float64Array>> {
  const bc = engine.batch(table);
  const n = bc.numRows;
  const time = now === undefined ? bc.numeric(engine.timeColumn!, 'counters') : null;
  const keys = engine.counters.map((_, ci) => engine.keys(bc, ci));
  const queries: CounterQuery[] = [];
  const where: [string, number][] = [];
  const out: Record<string, Float64Array> = {};
  for (const r of engine.features) {
    out[r.f.name] = new Float64Array(n).fill(NaN);
    const c = engine.counters[r.ci]!;
    for (let i = 0; i < n; i++) {
      const k = keys[r.ci]![i]!, t = time ? time[i]! : now!;
      if (k !== k || !Number.isFinite(t)) continue;
      queries.push({ counter: c.name, key: k, ts: t, window: c.windows[r.wi]!.span });
      where.push([r.f.name, i]);
    }
  }
  const res = queries.length ? await store.getMany(queries) : [];
  if (res.length !== queries.length) throw new Error(`counter store returned ${res.length} values for ${queries.length} queries`);
  const stats = new Map(engine.features.map((r) => [r.f.name, r.f.stat] as const));
  res.forEach((g, j) => { const [name, i] = where[j]!; out[name]![i] = counterStat(stats.get(name)!, g.count, g.sum); });
  return out;
}

/** The events a table's rows produce (serving's event endpoint feeds these to the store). */
export function counterEvents(engine: CounterEngine, table: Table): CounterEvent[] {
  const bc = engine.batch(table);
  const out: CounterEvent[] = [];
  if (engine.counters.length === 0) return out;
  const time = bc.numeric(engine.timeColumn!, 'counters');
  engine.counters.forEach((c, ci) => {
    const keys = engine.keys(bc, ci);
    const vals = c.value ? bc.numeric(c.value, `counter ${c.name}`) : null;
    const dcol = c.delayColumn ? bc.numeric(c.delayColumn, `counter ${c.name}`) : null;
    for (let i = 0; i < bc.numRows; i++) {
      const k = keys[i]!, t = time[i]!, v = vals ? vals[i]! : 1;
      if (k !== k || !Number.isFinite(t) || !Number.isFinite(v) || (c.positiveOnly && !(v > 0))) continue;
      const d = c.delay + (dcol ? Math.max(0, dcol[i]!) : 0);
      if (!Number.isFinite(d)) continue;
      out.push({ counter: c.name, key: k, ts: t + d, value: v });
    }
  });
  return out;
}

/** An AsyncCounterStore over a sync store (tests, single-process serving). */
export function asAsync(store: CounterStore): AsyncCounterStore {
  return {
    async addMany(events) { for (const e of events) store.add(e.counter, e.key, e.ts, e.value); },
    async getMany(queries) { return queries.map((q) => store.get(q.counter, q.key, q.ts, q.window)); },
    async expire(now) { return store.expire(now); },
  };
}
