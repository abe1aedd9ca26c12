// Real-time windowed counters: the interfaces the in-memory store (here) and a Redis store (later,
// in serving) implement. Semantics (docs/features.md, "Counters"):
//   A counter has windows (span W, slot s, W a multiple of s). get(key, t, W) returns the number and
//   the sum of the events of `key` whose event time lies in [⌊(t − W)/s⌋·s, t): the last W seconds
//   rounded out to whole slots (so between W and W + s seconds), ending just before t.
//   Keys are 53-bit integer fingerprints (counterKey / CounterKeyer), so a store never holds strings.

export interface CounterValue { count: number; sum: number }

export interface CounterEvent {
  counter: string;
  key: number;
  /** Event time, unix seconds. */
  ts: number;
  value: number;
}

export interface CounterQuery {
  counter: string;
  key: number;
  /** Query time t, unix seconds: events at or after t are not counted. */
  ts: number;
  /** Window span in seconds (one of the counter's windows). */
  window: number;
}

/**
 * Synchronous store (in-process). Training replays events through it, and an in-process server
 * reads it directly: this is the one `transform` uses.
 */
export interface CounterStore {
  add(counter: string, key: number, ts: number, value: number): void;
  get(counter: string, key: number, ts: number, window: number): CounterValue;
  /** Drops keys idle for longer than their counter's idle TTL at time `now`; returns how many. */
  expire(now: number): number;
  /** Live keys over all counters. */
  readonly size: number;
}

/**
 * Asynchronous store (Redis, or any remote store). Serving prefetches a request's counter values
 * with one getMany (one round trip) and hands them to transform as ctx.counterValues
 * (see readCounterValuesAsync); the event endpoint writes with addMany.
 */
export interface AsyncCounterStore {
  addMany(events: readonly CounterEvent[]): Promise<void>;
  getMany(queries: readonly CounterQuery[]): Promise<CounterValue[]>;
  expire(now: number): Promise<number>;
}
