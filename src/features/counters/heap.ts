// Min-heap of pending counter events by visible time, on parallel typed arrays (no per-event objects
// while they wait). Ties pop in insertion order, so replays are deterministic.

export interface PendingEvent { ts: number; ci: number; key: number; value: number }

export class EventHeap {
  private t = new Float64Array(64);
  private seq = new Float64Array(64);
  private c = new Int32Array(64);
  private k = new Float64Array(64);
  private v = new Float64Array(64);
  private n = 0;
  private counter = 0;

  get size(): number { return this.n; }
  topTime(): number { return this.t[0]!; }

  private less(a: number, b: number): boolean {
    return this.t[a]! < this.t[b]! || (this.t[a] === this.t[b] && this.seq[a]! < this.seq[b]!);
  }

  private swap(a: number, b: number): void {
    let x = this.t[a]!; this.t[a] = this.t[b]!; this.t[b] = x;
    x = this.seq[a]!; this.seq[a] = this.seq[b]!; this.seq[b] = x;
    x = this.c[a]!; this.c[a] = this.c[b]!; this.c[b] = x;
    x = this.k[a]!; this.k[a] = this.k[b]!; this.k[b] = x;
    x = this.v[a]!; this.v[a] = this.v[b]!; this.v[b] = x;
  }

  private grow(): void {
    const m = this.t.length * 2;
    const f = (a: Float64Array) => { const b = new Float64Array(m); b.set(a); return b; };
    this.t = f(this.t); this.seq = f(this.seq); this.k = f(this.k); this.v = f(this.v);
    const c = new Int32Array(m); c.set(this.c); this.c = c;
  }

  push(ts: number, ci: number, key: number, value: number): void {
    if (this.n >= this.t.length) this.grow();
    let i = this.n++;
    this.t[i] = ts; this.seq[i] = this.counter++; this.c[i] = ci; this.k[i] = key; this.v[i] = value;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes the earliest event, copying it into e. */
  popInto(e: PendingEvent): PendingEvent {
    e.ts = this.t[0]!; e.ci = this.c[0]!; e.key = this.k[0]!; e.value = this.v[0]!;
    this.n--;
    if (this.n > 0) {
      this.swap(0, this.n);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return e;
  }
}
