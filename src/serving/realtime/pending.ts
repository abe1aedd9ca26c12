// Counter events wait here until their time has passed: a read at t sees only events with
// (delayed) time < t, as in CounterReplay, and the rings receive events in time order.
import type { CounterEvent } from '../../features/index.js';

export class PendingEvents {
  private items: { e: CounterEvent; seq: number }[] = [];
  private sorted = true;
  private seq = 0;

  get size(): number { return this.items.length; }

  push(events: readonly CounterEvent[]): void {
    for (const e of events) {
      const last = this.items[this.items.length - 1];
      if (last && e.ts < last.e.ts) this.sorted = false;
      this.items.push({ e, seq: this.seq++ });
    }
  }

  /** Removes and returns the events with ts < t, in (ts, arrival) order. */
  takeBefore(t: number): CounterEvent[] {
    if (!this.sorted) { this.items.sort((a, b) => a.e.ts - b.e.ts || a.seq - b.seq); this.sorted = true; }
    let n = 0;
    while (n < this.items.length && this.items[n]!.e.ts < t) n++;
    return n === 0 ? [] : this.items.splice(0, n).map((x) => x.e);
  }
}
