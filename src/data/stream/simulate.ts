// Replays a sequence of events onto an EventStream at N× event time ("--speed"): the event at
// event time t is appended at wall time start + (t − t₀)/N; speed 0 = as fast as possible.
// Appends are batched (one pipelined round trip per batch).
import type { StreamEvent } from './events.js';
import type { EventStream } from './types.js';

export interface ReplayOptions {
  stream: string;
  /** Event-time seconds per wall second (0 = no pacing). */
  speed: number;
  /** Max events per append (default 1000). */
  batch?: number;
  /** Stop after this many events. */
  limit?: number;
  signal?: AbortSignal;
  /** Called about every progressEveryMs (default 1000) and at the end. */
  onProgress?: (p: ReplayProgress) => void;
  progressEveryMs?: number;
}

export interface ReplayProgress {
  events: number;
  byType: Record<string, number>;
  /** Event time of the last appended event (unix s). */
  eventTs: number;
  firstTs: number;
  wallMs: number;
  /** Events appended per wall second so far. */
  rate: number;
  done: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function replayEvents(es: EventStream, events: Iterable<StreamEvent>, opts: ReplayOptions): Promise<ReplayProgress> {
  if (!(opts.speed >= 0) || !Number.isFinite(opts.speed)) throw new Error(`speed: expected a number >= 0, got ${opts.speed}`);
  const batchMax = opts.batch ?? 1000;
  const every = opts.progressEveryMs ?? 1000;
  const t0 = Date.now();
  let lastReport = t0;
  const byType: Record<string, number> = {};
  let n = 0, firstTs = NaN, eventTs = NaN;
  let buf: string[] = [];
  const report = (done: boolean): ReplayProgress => {
    const wallMs = Date.now() - t0;
    const p = { events: n, byType: { ...byType }, eventTs, firstTs, wallMs, rate: wallMs > 0 ? n / (wallMs / 1000) : 0, done };
    opts.onProgress?.(p);
    lastReport = Date.now();
    return p;
  };
  const flush = async () => {
    if (buf.length === 0) return;
    const b = buf;
    buf = [];
    await es.append(opts.stream, b);
  };
  for (const ev of events) {
    if (opts.signal?.aborted || (opts.limit !== undefined && n >= opts.limit)) break;
    if (Number.isNaN(firstTs)) firstTs = ev.ts;
    if (opts.speed > 0) {
      const due = t0 + ((ev.ts - firstTs) / opts.speed) * 1000;
      const wait = due - Date.now();
      if (wait > 0) { await flush(); await sleep(wait); }
    }
    buf.push(JSON.stringify(ev));
    byType[ev.type] = (byType[ev.type] ?? 0) + 1;
    n++;
    eventTs = ev.ts;
    if (buf.length >= batchMax) await flush();
    if (Date.now() - lastReport >= every) report(false);
  }
  await flush();
  return report(true);
}
