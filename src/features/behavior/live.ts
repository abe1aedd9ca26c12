// A behaviour log that grows while serving: a frozen base (the log training read) plus the
// behaviours appended since (POST /events: each entered impression), per user, copy-on-write. The
// same selection (select.ts) reads either kind through `userBehaviors`, so a served request sees
// exactly what a training row at the same time would have seen in a log holding the same behaviours.
import { knownUser, type BehaviorLog } from './log.js';

/** Arrays holding one user's behaviours at [start, end), oldest first (views; never copied per row). */
export interface UserBehaviors {
  ts: Int32Array; streamer: Int32Array; category: Int32Array; action: Uint8Array; watchBucket: Uint8Array;
  start: number; end: number;
}

export function emptyUserBehaviors(): UserBehaviors {
  const z = new Int32Array(0);
  return { ts: z, streamer: z, category: z, action: new Uint8Array(0), watchBucket: new Uint8Array(0), start: 0, end: 0 };
}

class Buffer {
  n = 0;
  ts: Int32Array; streamer: Int32Array; category: Int32Array; action: Uint8Array; watchBucket: Uint8Array;
  constructor(cap: number) {
    this.ts = new Int32Array(cap); this.streamer = new Int32Array(cap); this.category = new Int32Array(cap);
    this.action = new Uint8Array(cap); this.watchBucket = new Uint8Array(cap);
  }
  grow(min: number): void {
    const cap = Math.max(min, this.ts.length * 2, 16);
    const g = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => { const b = make(cap); b.set(a.subarray(0, this.n)); return b; };
    this.ts = g(this.ts, (k) => new Int32Array(k)); this.streamer = g(this.streamer, (k) => new Int32Array(k));
    this.category = g(this.category, (k) => new Int32Array(k)); this.action = g(this.action, (k) => new Uint8Array(k));
    this.watchBucket = g(this.watchBucket, (k) => new Uint8Array(k));
  }
  /** Drops the oldest `k` behaviours. */
  shift(k: number): void {
    for (const a of [this.ts, this.streamer, this.category, this.action, this.watchBucket]) a.copyWithin(0, k, this.n);
    this.n -= k;
  }
}

export class LiveBehaviorLog {
  private readonly extra = new Map<number, Buffer>();
  private appendedCount = 0;

  /**
   * `base`: the frozen log (may be empty); `keep`: most behaviours kept per appended user (the oldest
   * are dropped beyond it; ≥ the features' largest `within`, default 10 000).
   */
  constructor(readonly base: BehaviorLog | null = null, readonly keep = 10_000) {
    if (!(Number.isInteger(keep) && keep >= 1)) throw new Error(`LiveBehaviorLog: keep must be an integer ≥ 1, got ${keep}`);
  }

  get appended(): number { return this.appendedCount; }

  /** Appends one behaviour of user u (a non-negative integer id; each user's in time order). */
  append(u: number, ts: number, streamer: number, category: number, action: number, watchBucket: number): void {
    if (!(Number.isInteger(u) && u >= 0)) throw new Error(`LiveBehaviorLog: user ${u} is not a non-negative integer`);
    let b = this.extra.get(u);
    if (!b) {
      const base = this.base && knownUser(this.base, u) ? this.base : null;
      const s = base ? base.offsets[u]! : 0, e = base ? base.offsets[u + 1]! : 0;
      b = new Buffer(Math.max(16, (e - s) * 2));
      if (base) {
        b.ts.set(base.ts.subarray(s, e)); b.streamer.set(base.streamer.subarray(s, e)); b.category.set(base.category.subarray(s, e));
        b.action.set(base.action.subarray(s, e)); b.watchBucket.set(base.watchBucket.subarray(s, e));
        b.n = e - s;
      }
      this.extra.set(u, b);
    }
    if (b.n > 0 && ts < b.ts[b.n - 1]!) throw new Error(`LiveBehaviorLog: user ${u}: behaviour at ts ${ts} after one at ${b.ts[b.n - 1]} (append in time order)`);
    if (b.n === this.keep) b.shift(Math.max(1, this.keep >> 3));
    if (b.n === b.ts.length) b.grow(b.n + 1);
    const i = b.n++;
    b.ts[i] = ts; b.streamer[i] = streamer; b.category[i] = category; b.action[i] = action; b.watchBucket[i] = watchBucket;
    this.appendedCount++;
  }

  /** Fills `out` with user u's behaviours; false for a user with none known (not in the base, nothing appended). */
  user(u: number, out: UserBehaviors): boolean {
    const b = Number.isInteger(u) && u >= 0 ? this.extra.get(u) : undefined;
    if (b) {
      out.ts = b.ts; out.streamer = b.streamer; out.category = b.category; out.action = b.action; out.watchBucket = b.watchBucket;
      out.start = 0; out.end = b.n;
      return true;
    }
    return this.base ? frozenUser(this.base, u, out) : false;
  }
}

function frozenUser(log: BehaviorLog, u: number, out: UserBehaviors): boolean {
  if (!knownUser(log, u)) return false;
  out.ts = log.ts; out.streamer = log.streamer; out.category = log.category; out.action = log.action; out.watchBucket = log.watchBucket;
  out.start = log.offsets[u]!; out.end = log.offsets[u + 1]!;
  return true;
}

/** A frozen log or a live one: what the features read. */
export type BehaviorSource = BehaviorLog | LiveBehaviorLog;

/** User u's behaviours of either kind of log into `out` (no copy); false for an unknown user. */
export function userBehaviors(src: BehaviorSource, u: number, out: UserBehaviors): boolean {
  return src instanceof LiveBehaviorLog ? src.user(u, out) : frozenUser(src, u, out);
}
