// Redis Streams EventStream (ioredis, as the serving stores use). One record = XADD <stream> * b <body>.
//   append          pipelined XADD (optionally MAXLEN ~ n so a stream stays bounded)
//   ensureGroup     XGROUP CREATE <s> <g> <start> MKSTREAM (BUSYGROUP = already there: no-op)
//   setGroupOffset  XGROUP SETID <s> <g> <id>
//   read            XREADGROUP GROUP <g> <c> COUNT n [BLOCK ms] STREAMS <s> >   (blocking reads use
//                   their own connection so they never hold up appends/acks on the main one)
//   ack / length    XACK / XLEN
// Reads: one consumer per group (the offset is the consumer's position). A read that failed on
// the connection is retried after moving the group back to the last id this client received, so a
// reply lost in flight is delivered again instead of skipped.
// Reconnection: when Redis goes away (restart, network), every call retries with backoff until
// `reconnectTimeoutMs` has passed, then fails with StreamUnavailableError. A retried append first
// reads the stream's tail and skips the part of the batch the failed attempt had already stored
// (one writer per stream; see storedPrefix).
import { Redis } from 'ioredis';
import type { EventStream, ReadOptions, StreamRecord } from './types.js';

export class StreamUnavailableError extends Error {
  constructor(message: string, override readonly cause?: unknown) { super(message); this.name = 'StreamUnavailableError'; }
}

export interface RedisStreamOptions {
  readonly host?: string;
  readonly port?: number;
  readonly db?: number;
  /** Give up on a call after Redis has been unreachable this long (default 60 s). */
  readonly reconnectTimeoutMs?: number;
  /** Approximate cap per stream (XADD MAXLEN ~); undefined = unbounded. */
  readonly maxLen?: number;
  /** Called on every retried failure (logging, counters). */
  readonly onRetry?: (what: string, err: Error, attempt: number) => void;
}

/** Parses redis://host:port[/db]. */
export function parseRedisUrl(url: string): { host: string; port: number; db: number } {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`bad Redis URL "${url}": expected redis://host:port[/db]`); }
  if (u.protocol !== 'redis:') throw new Error(`bad Redis URL "${url}": expected the redis:// scheme`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`bad Redis URL "${url}": db "${u.pathname.slice(1)}" is not an integer`);
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, db };
}

export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable|enableOfflineQueue|LOADING|connect/i.test(e.message);
}

type Entry = [string, string[] | null];

/**
 * The entries of an XREAD/XREADGROUP reply for one stream, whichever protocol the connection speaks:
 * RESP2 [[key, entries]], RESP3 a map that ioredis hands over flat [key, entries, …] (or as a Map).
 */
export function xreadEntries(reply: unknown): Entry[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) return [...reply.values()].flat() as Entry[];
  if (!Array.isArray(reply)) throw new Error(`unexpected XREADGROUP reply: ${JSON.stringify(reply)}`);
  const out: Entry[] = [];
  if (typeof reply[0] === 'string') {
    for (let i = 1; i < reply.length; i += 2) out.push(...(reply[i] as Entry[]));
  } else {
    for (const pair of reply as [string, Entry[]][]) out.push(...pair[1]);
  }
  return out;
}

export class RedisEventStream implements EventStream {
  private blocker: Redis | undefined;
  /** Last id `read` handed out per stream and group (one consumer per group: see read()). */
  private readonly delivered = new Map<string, string>();
  private closed = false;
  /** Calls retried after a connection failure (for reports and tests). */
  retries = 0;

  private constructor(private readonly redis: Redis, private readonly o: Required<Omit<RedisStreamOptions, 'maxLen' | 'onRetry'>> & RedisStreamOptions) {}

  static async connect(opts: RedisStreamOptions = {}): Promise<RedisEventStream> {
    const o = { host: '127.0.0.1', port: 6379, db: 0, reconnectTimeoutMs: 60_000, ...opts };
    const redis = RedisEventStream.client(o);
    try {
      await redis.connect();
      await redis.ping();
    } catch (e) {
      redis.disconnect();
      throw new StreamUnavailableError(`redis at ${o.host}:${o.port} unreachable: ${(e as Error).message}`, e);
    }
    return new RedisEventStream(redis, o);
  }

  static async fromUrl(url: string, opts: Omit<RedisStreamOptions, 'host' | 'port' | 'db'> = {}): Promise<RedisEventStream> {
    return RedisEventStream.connect({ ...opts, ...parseRedisUrl(url) });
  }

  private static client(o: { host: string; port: number; db: number }): Redis {
    const r = new Redis({
      host: o.host, port: o.port, db: o.db, lazyConnect: true, connectTimeout: 2000,
      enableOfflineQueue: false, maxRetriesPerRequest: 0,
      retryStrategy: (times: number) => Math.min(50 * times, 1000), // keep reconnecting in the background
    });
    r.on('error', () => { /* surfaced per call, retried by guard() */ });
    return r;
  }

  private async guard<T>(what: string, f: (attempt: number) => Promise<T>): Promise<T> {
    const t0 = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new StreamUnavailableError(`redis ${what}: stream closed`);
      try { return await f(attempt); } catch (e) {
        if (!isConnectionError(e) || this.closed) throw e;
        if (Date.now() - t0 > this.o.reconnectTimeoutMs) {
          throw new StreamUnavailableError(`redis ${what} at ${this.o.host}:${this.o.port} failed for ${this.o.reconnectTimeoutMs} ms: ${(e as Error).message}`, e);
        }
        this.retries++;
        this.o.onRetry?.(what, e as Error, attempt);
        await new Promise((r) => setTimeout(r, Math.min(25 * attempt, 500)));
      }
    }
  }

  async append(stream: string, bodies: readonly string[]): Promise<string[]> {
    if (bodies.length === 0) return [];
    return this.guard('XADD', async (attempt) => {
      // After a failure the pipeline may have been stored in part (a prefix, in order) with the
      // replies lost: the stream's tail tells how much, and only the rest is appended again.
      const stored = attempt > 1 ? await this.storedPrefix(stream, bodies) : [];
      const p = this.redis.pipeline();
      const cap = this.o.maxLen;
      for (const b of bodies.slice(stored.length)) {
        if (cap !== undefined) p.xadd(stream, 'MAXLEN', '~', cap, '*', 'b', b);
        else p.xadd(stream, '*', 'b', b);
      }
      const res = (await p.exec()) ?? [];
      return [...stored, ...res.map(([err, id]) => {
        if (err) throw err;
        return id as string;
      })];
    });
  }

  /**
   * Ids of the longest prefix of `bodies` that is the stream's tail (newest records). A batch
   * identical to records appended just before it by the same writer would be mistaken for stored;
   * bodies that carry unique ids (events, samples) cannot be.
   */
  private async storedPrefix(stream: string, bodies: readonly string[]): Promise<string[]> {
    const tail = (await this.redis.xrevrange(stream, '+', '-', 'COUNT', bodies.length)).reverse();
    const body = (f: string[]) => { const i = f.indexOf('b'); return i >= 0 ? f[i + 1] : undefined; };
    for (let k = Math.min(tail.length, bodies.length); k > 0; k--) {
      const from = tail.length - k;
      let ok = true;
      for (let i = 0; i < k && ok; i++) ok = body(tail[from + i]![1]) === bodies[i];
      if (ok) return tail.slice(from).map(([id]) => id);
    }
    return [];
  }

  async ensureGroup(stream: string, group: string, startId: string): Promise<void> {
    await this.guard('XGROUP CREATE', async () => {
      try {
        await this.redis.call('XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM');
      } catch (e) {
        if (!/BUSYGROUP/.test((e as Error).message)) throw e;
      }
    });
  }

  async setGroupOffset(stream: string, group: string, afterId: string): Promise<void> {
    await this.guard('XGROUP SETID', () => this.redis.call('XGROUP', 'SETID', stream, group, afterId));
    if (afterId !== '$') this.delivered.set(`${stream}\u0000${group}`, afterId);
  }

  async read(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamRecord[]> {
    if (!(opts.count > 0)) throw new Error(`read: count must be > 0 (got ${opts.count})`);
    const block = opts.blockMs && opts.blockMs > 0 ? ['BLOCK', String(opts.blockMs)] : [];
    const key = `${stream}\u0000${group}`;
    return this.guard('XREADGROUP', async (attempt) => {
      // A failed read may have been served (the group's offset moved) with the reply lost on the
      // way: move the offset back to the last record this client actually handed out.
      const seen = this.delivered.get(key);
      if (attempt > 1 && seen !== undefined) await this.redis.call('XGROUP', 'SETID', stream, group, seen);
      let conn = this.redis;
      if (block.length) {
        if (!this.blocker) {
          this.blocker = RedisEventStream.client(this.o);
          await this.blocker.connect().catch((e: unknown) => { this.blocker?.disconnect(); this.blocker = undefined; throw e; });
        }
        conn = this.blocker;
      }
      const reply = await conn.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', String(opts.count), ...block, 'STREAMS', stream, '>');
      const out = xreadEntries(reply).map(([id, fields]) => {
        const i = fields ? fields.indexOf('b') : -1;
        return { id, body: i >= 0 && fields ? String(fields[i + 1]) : '' };
      });
      if (out.length > 0) this.delivered.set(key, out[out.length - 1]!.id);
      return out;
    });
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.guard('XACK', () => this.redis.call('XACK', stream, group, ...ids));
  }

  async length(stream: string): Promise<number> {
    return this.guard('XLEN', () => this.redis.xlen(stream));
  }

  /** Records delivered to the group and not yet acknowledged (XPENDING summary count). */
  async pendingCount(stream: string, group: string): Promise<number> {
    return this.guard('XPENDING', async () => {
      const r = await this.redis.call('XPENDING', stream, group) as [number, ...unknown[]];
      return Number(r[0]);
    });
  }

  /** Records with start ≤ id ≤ end (XRANGE). */
  async range(stream: string, start = '-', end = '+', count = 10_000): Promise<StreamRecord[]> {
    return this.guard('XRANGE', async () => {
      const r = await this.redis.xrange(stream, start, end, 'COUNT', count);
      return r.map(([id, f]) => { const i = f.indexOf('b'); return { id, body: i >= 0 ? f[i + 1] : '' }; });
    });
  }

  /** Removes a stream with its groups (DEL). */
  async deleteStream(stream: string): Promise<void> {
    await this.guard('DEL', () => this.redis.del(stream));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocker?.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
