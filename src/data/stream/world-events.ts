// The synthetic world as an event stream in event-time order: each impression (with its row's
// features as served), then its label events at the times the delay model draws, merged by a
// min-heap so memory holds only the labels not yet due. A final heartbeat advances event time far
// enough for every attribution window to close.
import { isStringColumn, type Column, type Table } from '../table.js';
import { FEATURE_COLUMNS, TRUTH_COLUMNS } from '../world/schema.js';
import { DelayModel, type DelayModelOptions } from './delays.js';
import type { ImpressionEvent, StreamEvent } from './events.js';

export interface WorldEventOptions {
  delays?: DelayModelOptions;
  /** Put the world's true probabilities on impression events (for oracle metrics downstream; default true). */
  truth?: boolean;
  /** Replay only the first n impressions. */
  limit?: number;
  /** The final heartbeat's ts = last event ts + this (default 1 day: closes every window). */
  flushAfterS?: number;
}

interface Pending { ts: number; seq: number; ev: StreamEvent }

class MinHeap {
  private a: Pending[] = [];
  get size(): number { return this.a.length; }
  peek(): Pending | undefined { return this.a[0]; }
  private less(x: Pending, y: Pending): boolean { return x.ts < y.ts || (x.ts === y.ts && x.seq < y.seq); }
  push(x: Pending): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Pending | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function cellOf(c: Column, i: number): number | string | null {
  if (isStringColumn(c)) return c[i] ?? null;
  const v = c[i]!;
  return Number.isNaN(v) ? null : v;
}

function num(t: Table, name: string): ArrayLike<number> {
  const c = t.columns[name];
  if (!c || isStringColumn(c)) throw new Error(`world impressions: numeric column "${name}" missing`);
  return c;
}

function str(t: Table, name: string): (string | null)[] {
  const c = t.columns[name];
  if (!c || !isStringColumn(c)) throw new Error(`world impressions: string column "${name}" missing`);
  return c;
}

/** Builds the impression event of row i. */
export function impressionEvent(t: Table, i: number, withTruth: boolean): ImpressionEvent {
  const features: Record<string, number | string | null> = {};
  for (const name of FEATURE_COLUMNS) {
    const c = t.columns[name];
    if (c) features[name] = cellOf(c, i);
  }
  const ts = num(t, 'ts')[i]!;
  const user = num(t, 'user_id')[i]!;
  const scenario = str(t, 'scenario')[i] ?? '';
  const imp = num(t, 'impression_id')[i]!;
  const ev: ImpressionEvent = {
    type: 'impression', event_id: `i${imp}`, ts, request_id: `${user}-${ts}-${scenario}`, impression_id: imp,
    user_id: user, room_id: num(t, 'room_id')[i]!, streamer_id: num(t, 'streamer_id')[i]!, scenario,
    country: str(t, 'country')[i] ?? '', features,
  };
  if (withTruth) {
    const truth: Record<string, number | string | null> = {};
    for (const name of TRUTH_COLUMNS) { const c = t.columns[name]; if (c) truth[name] = cellOf(c, i); }
    ev.truth = truth;
  }
  return ev;
}

/** Counts of what a replay produced (per event type), for progress and tests. */
export type EventCounts = Record<StreamEvent['type'], number>;

/** The world's events in event-time order (impression before its labels; ties keep creation order). */
export function* worldEvents(t: Table, opts: WorldEventOptions = {}): Generator<StreamEvent> {
  const delays = new DelayModel(opts.delays);
  const n = Math.min(t.numRows, opts.limit ?? t.numRows);
  const tsCol = num(t, 'ts'), idCol = num(t, 'impression_id'), userCol = num(t, 'user_id');
  const click = num(t, 'click'), watch = num(t, 'watch_s'), follow = num(t, 'follow'), gift = num(t, 'gift'), order = num(t, 'order');
  const scen = str(t, 'scenario');
  const heap = new MinHeap();
  let seq = 0;
  let lastTs = 0;
  const withTruth = opts.truth ?? true;
  for (let i = 0; i < n; i++) {
    const ts = tsCol[i]!;
    while (heap.size > 0 && heap.peek()!.ts < ts) { const p = heap.pop()!; lastTs = p.ts; yield p.ev; }
    lastTs = Math.max(lastTs, ts);
    yield impressionEvent(t, i, withTruth);
    const imp = idCol[i]!;
    const user = userCol[i]!;
    for (const l of delays.labelsOf({ ts, scenario: scen[i] ?? '', click: click[i]!, watch_s: watch[i]!, follow: follow[i]!, gift: gift[i]!, order: order[i]! })) {
      const base = { event_id: `${l.type[0]}${imp}`, ts: l.ts, impression_id: imp, impression_ts: ts, user_id: user };
      let ev: StreamEvent;
      switch (l.type) {
        case 'watch_end': ev = { type: 'watch_end', ...base, watch_s: l.watch_s! }; break;
        case 'gift': ev = { type: 'gift', ...base, value: l.value! }; break;
        case 'order': ev = { type: 'order', ...base, value: l.value! }; break;
        default: ev = { type: l.type, ...base };
      }
      heap.push({ ts: l.ts, seq: seq++, ev });
    }
  }
  while (heap.size > 0) { const p = heap.pop()!; lastTs = p.ts; yield p.ev; }
  yield { type: 'heartbeat', event_id: 'hb-end', ts: lastTs + (opts.flushAfterS ?? 86_400) };
}
