// The service as an event producer (issue 19: "events … from the serving logs when the service is
// running"): with `serve --event-stream URL` every room the funnel returns becomes an `impression`
// event carrying the row the fine ranker scored (world column names), and every outcome posted to
// POST /events with its `impression_id` becomes click / watch_end / follow / gift events — the same
// schema `liverank simulate` writes, so the delayed-label joiner and `train --stream` consume live
// traffic exactly like a replayed world. Appends are batched off the request path; when the broker is
// down the events are counted as dropped (never a failed request) and the publisher keeps trying.
import type { EventStream } from '../data/stream/types.js';
import { FEATURE_NAMES, type StreamEvent } from '../data/stream/events.js';
import type { RealtimeEvent } from './realtime/types.js';

type Cell = number | string | null;
type Id = number | string;

export interface ServedItem { room_id: Id; streamer_id: Id }

export interface PublisherStats { published: number; dropped: number; pending: number; last_error: string | null }

export interface EventPublisherOptions {
  /** Events stream name (default lr:events). */
  stream?: string;
  /** Flush when this many events wait (default 500) … */
  batch?: number;
  /** … or after this long (default 20 ms). */
  flushMs?: number;
  /** At most this many events wait; beyond it new events are dropped and counted (default 100 000). */
  maxPending?: number;
  /** Request ids are `<prefix>-<n>` (default: a random per-process prefix, so instances never collide). */
  prefix?: string;
}

const cell = (v: unknown): Cell => (typeof v === 'number' ? (Number.isFinite(v) ? v : null) : typeof v === 'string' ? v : typeof v === 'boolean' ? Number(v) : null);

/** The world feature columns of a served row (the joiner's sample schema); other columns are left out. */
export function featuresOf(row: Readonly<Record<string, unknown>>): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const k of Object.keys(row)) if (FEATURE_NAMES.has(k)) out[k] = cell(row[k]);
  return out;
}

/** Label events of one POST /events impression record (its outcomes), at the service time `now`. */
export function labelEvents(e: RealtimeEvent & { impression_id: Id }, now: number, eventId: (k: string) => string): StreamEvent[] {
  const base = { ts: Math.max(now, e.ts), impression_id: e.impression_id, impression_ts: e.ts, user_id: e.user };
  const out: StreamEvent[] = [];
  if (e.click === 1) out.push({ type: 'click', event_id: eventId('c'), ...base });
  if (e.watchS !== undefined) out.push({ type: 'watch_end', event_id: eventId('w'), ...base, watch_s: e.watchS });
  if (e.follow !== undefined && e.follow > 0) out.push({ type: 'follow', event_id: eventId('f'), ...base });
  if (e.gift !== undefined && e.gift > 0) out.push({ type: 'gift', event_id: eventId('g'), ...base, value: e.gift });
  return out;
}

export class EventPublisher {
  private readonly stream: string;
  private readonly prefix: string;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private seq = 0;
  readonly stats: PublisherStats = { published: 0, dropped: 0, pending: 0, last_error: null };

  constructor(private readonly es: EventStream, private readonly o: EventPublisherOptions = {}) {
    this.stream = o.stream ?? 'lr:events';
    this.prefix = o.prefix ?? Math.random().toString(36).slice(2, 8);
  }

  /** A new request id (`<prefix>-<n>`); impression ids are `<request id>:<position>`. */
  nextRequestId(): string { return `${this.prefix}-${++this.seq}`; }

  /** The rooms a request returned, each with the row the fine ranker scored for it. */
  served(requestId: string, req: { user: Id; scenario: string; country?: string; ts: number }, items: readonly ServedItem[], rows: readonly Readonly<Record<string, unknown>>[]): string[] {
    const ids: string[] = [];
    items.forEach((it, pos) => {
      const impression = `${requestId}:${pos}`;
      ids.push(impression);
      const row = rows[pos] ?? {};
      const country = req.country ?? (typeof row.country === 'string' ? row.country : '');
      this.push({
        type: 'impression', event_id: impression, ts: req.ts, request_id: requestId, impression_id: impression,
        user_id: req.user, room_id: it.room_id, streamer_id: it.streamer_id, scenario: req.scenario, country,
        features: { ...featuresOf(row), position: req.scenario === 'slide' ? 0 : pos }, // the displayed slot (slide: one room a screen)
      });
    });
    return ids;
  }

  /** Outcomes posted to /events; records without `impression_id` are not the service's impressions and are skipped. */
  outcomes(records: readonly RealtimeEvent[], now: number): void {
    for (const r of records) {
      const id = (r as { impression_id?: Id }).impression_id;
      if (id === undefined) continue;
      for (const e of labelEvents({ ...r, impression_id: id }, now, (k) => `${String(id)}:${k}:${++this.seq}`)) this.push(e);
    }
  }

  private push(e: StreamEvent): void {
    if (this.pending.length >= (this.o.maxPending ?? 100_000)) { this.stats.dropped++; return; }
    this.pending.push(JSON.stringify(e));
    this.stats.pending = this.pending.length;
    if (this.pending.length >= (this.o.batch ?? 500)) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.o.flushMs ?? 20);
  }

  private kick(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.flushing = this.flushing.then(() => this.flushOnce());
  }

  private async flushOnce(): Promise<void> {
    const batch = this.pending;
    if (!batch.length) return;
    this.pending = [];
    this.stats.pending = 0;
    try {
      await this.es.append(this.stream, batch);
      this.stats.published += batch.length;
      this.stats.last_error = null;
    } catch (e) {
      this.stats.dropped += batch.length; // the broker is down: counted, never a failed request
      this.stats.last_error = (e as Error).message;
    }
  }

  /** Appends everything pending (tests, shutdown). */
  async flush(): Promise<void> {
    this.kick();
    await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.es.close();
  }
}
