// In-process EventStream with the semantics of Redis Streams consumer groups, for tests and for
// single-process runs without a broker:
//   - ids are "<ms>-<seq>", strictly increasing per stream (ms = max(clock, last ms); seq counts
//     within one ms), exactly as XADD * assigns them;
//   - a group has a last-delivered id; `read` hands out records with id > it and advances it
//     (XREADGROUP ">"), remembering them as pending until `ack` (XACK);
//   - `ensureGroup` creates the stream if needed (MKSTREAM) and is a no-op when the group exists;
//   - `setGroupOffset` moves the last-delivered id (XGROUP SETID) — resuming from a checkpoint;
//   - `read` with blockMs > 0 waits until a record arrives or the time runs out (BLOCK).
import { compareStreamIds, type EventStream, type ReadOptions, type StreamRecord } from './types.js';

interface Group { lastDelivered: string; pending: Set<string> }
interface Stream { records: StreamRecord[]; lastMs: number; lastSeq: number; groups: Map<string, Group> }

export class StreamClosedError extends Error {
  constructor() { super('event stream is closed'); this.name = 'StreamClosedError'; }
}

/** Error for a read/ack/setGroupOffset on a group that does not exist (Redis: NOGROUP). */
export class NoGroupError extends Error {
  constructor(stream: string, group: string) {
    super(`NOGROUP: no consumer group "${group}" on stream "${stream}" (call ensureGroup first)`);
    this.name = 'NoGroupError';
  }
}

export interface MemoryStreamOptions {
  /** Clock for the id's ms part (default Date.now); tests pass a fixed clock for reproducible ids. */
  readonly now?: () => number;
  /**
   * Approximate cap for streams WITHOUT consumer groups, oldest dropped first (as XADD MAXLEN ~):
   * keeps at least this many. Streams with groups are bounded by trimDelivered instead.
   */
  readonly maxLen?: number;
  /**
   * Drop records every group of the stream has been handed (streams with groups only): memory then
   * holds what is unread. Moving a group back before a dropped id finds nothing there (as after XTRIM).
   */
  readonly trimDelivered?: boolean;
}

/** Records dropped at once (amortises the array shift). */
const TRIM_CHUNK = 4096;

function firstAfter(recs: readonly StreamRecord[], id: string): number {
  let lo = 0;
  let hi = recs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareStreamIds(recs[mid]!.id, id) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Validates a stream id as the contract uses it ("<ms>-<seq>" or "<ms>"); returns it normalized. */
export function parseStreamId(id: string): { ms: number; seq: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!m) throw new Error(`bad stream id "${id}": expected "<ms>-<seq>"`);
  return { ms: Number(m[1]), seq: m[2] === undefined ? 0 : Number(m[2]) };
}

export class MemoryEventStream implements EventStream {
  private readonly streams = new Map<string, Stream>();
  private readonly waiters = new Set<() => void>();
  private readonly now: () => number;
  private readonly maxLen: number;
  private readonly trimDelivered: boolean;
  private closed = false;

  constructor(opts: MemoryStreamOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxLen = opts.maxLen ?? Infinity;
    this.trimDelivered = opts.trimDelivered ?? false;
  }

  private stream(name: string, create: boolean): Stream | undefined {
    let s = this.streams.get(name);
    if (!s && create) {
      s = { records: [], lastMs: 0, lastSeq: -1, groups: new Map() };
      this.streams.set(name, s);
    }
    return s;
  }

  private group(stream: string, group: string): { s: Stream; g: Group } {
    const s = this.streams.get(stream);
    const g = s?.groups.get(group);
    if (!s || !g) throw new NoGroupError(stream, group);
    return { s, g };
  }

  private check(): void {
    if (this.closed) throw new StreamClosedError();
  }

  async append(stream: string, bodies: readonly string[]): Promise<string[]> {
    this.check();
    const s = this.stream(stream, true)!;
    const ids: string[] = [];
    for (const body of bodies) {
      const t = Math.floor(this.now());
      if (t > s.lastMs) { s.lastMs = t; s.lastSeq = 0; } else s.lastSeq += 1;
      const id = `${s.lastMs}-${s.lastSeq}`;
      s.records.push({ id, body });
      ids.push(id);
    }
    if (s.groups.size === 0 && s.records.length >= this.maxLen + Math.min(TRIM_CHUNK, Math.max(1, Math.floor(this.maxLen / 8)))) {
      s.records.splice(0, s.records.length - this.maxLen);
    }
    if (bodies.length > 0) this.wake();
    return ids;
  }

  async ensureGroup(stream: string, group: string, startId: string): Promise<void> {
    this.check();
    const s = this.stream(stream, true)!;
    if (s.groups.has(group)) return;
    s.groups.set(group, { lastDelivered: this.resolveStart(s, startId), pending: new Set() });
  }

  private resolveStart(s: Stream, startId: string): string {
    if (startId === '$') return s.records.length ? s.records[s.records.length - 1].id : '0-0';
    const { ms, seq } = parseStreamId(startId);
    return `${ms}-${seq}`;
  }

  async setGroupOffset(stream: string, group: string, afterId: string): Promise<void> {
    this.check();
    const { s, g } = this.group(stream, group);
    g.lastDelivered = this.resolveStart(s, afterId);
  }

  async read(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamRecord[]> {
    this.check();
    if (!consumer) throw new Error('read: consumer name must not be empty');
    if (!(opts.count > 0)) throw new Error(`read: count must be > 0 (got ${opts.count})`);
    const out = this.take(stream, group, opts.count);
    if (out.length > 0 || !opts.blockMs) return out;
    const deadline = Date.now() + opts.blockMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.waitForAppend(left);
      const got = this.take(stream, group, opts.count);
      if (got.length > 0) return got;
    }
    this.check();
    return [];
  }

  private take(stream: string, group: string, count: number): StreamRecord[] {
    const { s, g } = this.group(stream, group);
    const recs = s.records;
    const lo = firstAfter(recs, g.lastDelivered); // ids are sorted
    const out = recs.slice(lo, lo + count);
    if (out.length > 0) {
      g.lastDelivered = out[out.length - 1]!.id;
      for (const r of out) g.pending.add(r.id);
      if (this.trimDelivered) this.dropDelivered(s);
    }
    return out;
  }

  private dropDelivered(s: Stream): void {
    let min: string | undefined;
    for (const g of s.groups.values()) if (min === undefined || compareStreamIds(g.lastDelivered, min) < 0) min = g.lastDelivered;
    if (min === undefined) return;
    const k = firstAfter(s.records, min);
    if (k >= TRIM_CHUNK || (k > 0 && k === s.records.length)) s.records.splice(0, k);
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); this.waiters.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<void> {
    this.check();
    const { g } = this.group(stream, group);
    for (const id of ids) g.pending.delete(id);
  }

  async length(stream: string): Promise<number> {
    this.check();
    return this.streams.get(stream)?.records.length ?? 0;
  }

  /** Records delivered to the group and not yet acknowledged (XPENDING count). */
  async pendingCount(stream: string, group: string): Promise<number> {
    this.check();
    return this.group(stream, group).g.pending.size;
  }

  /** The group's last-delivered id (XINFO GROUPS last-delivered-id). */
  async groupOffset(stream: string, group: string): Promise<string> {
    this.check();
    return this.group(stream, group).g.lastDelivered;
  }

  /** Records with start ≤ id ≤ end ("-" / "+" = open ends), as XRANGE. */
  async range(stream: string, start = '-', end = '+', count = Infinity): Promise<StreamRecord[]> {
    this.check();
    const s = this.streams.get(stream);
    if (!s) return [];
    const out: StreamRecord[] = [];
    for (const r of s.records) {
      if (start !== '-' && compareStreamIds(r.id, start) < 0) continue;
      if (end !== '+' && compareStreamIds(r.id, end) > 0) break;
      out.push(r);
      if (out.length >= count) break;
    }
    return out;
  }

  /** Removes a stream with its groups (DEL). */
  async deleteStream(stream: string): Promise<void> {
    this.check();
    this.streams.delete(stream);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }
}
