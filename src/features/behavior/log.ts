// Per-user behaviour LOG: every user's time-stamped behaviours (streamer, category, action, watch
// bucket), stored once as a compressed-sparse-row side table instead of a 1 000-long string on every
// impression. Sequence features read "the behaviours of this user strictly before the row's time"
// from it (select.ts), the same pure function in training and serving. docs/sequences.md.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic.js';

/**
 * Action of a behaviour, stored as its index: ev + 2·k where ev = 1 for an effective view and k = the
 * strongest other outcome (0 none, 1 follow, 2 gift, 3 order). Odd ids are effective views.
 */
export const ACTIONS = ['view', 'effective_view', 'view_follow', 'ev_follow', 'view_gift', 'ev_gift', 'view_order', 'ev_order'] as const;
export type Action = (typeof ACTIONS)[number];
export const isEffectiveView = (action: number): boolean => (action & 1) === 1;
/** Watch-seconds bucket: min(⌊log2(1 + seconds)⌋, WATCH_BUCKETS − 1). */
export const WATCH_BUCKETS = 16;

export function watchBucket(seconds: number): number {
  if (!(seconds > 0)) return 0;
  return Math.min(WATCH_BUCKETS - 1, Math.floor(Math.log2(1 + seconds)));
}

/**
 * Frozen log. Users are dense ids 0..users−1 (the world's public user_id); user u's behaviours are
 * rows offsets[u] .. offsets[u+1]−1, in non-decreasing time order (oldest first).
 */
export interface BehaviorLog {
  users: number;
  offsets: Int32Array;
  ts: Int32Array;
  streamer: Int32Array;
  category: Int32Array;
  action: Uint8Array;
  watchBucket: Uint8Array;
}

/** Appends behaviours in any user order (each user's in time order), then freezes them into CSR. */
export class BehaviorLogBuilder {
  private n = 0;
  private user = new Int32Array(1024);
  private ts = new Int32Array(1024);
  private streamer = new Int32Array(1024);
  private category = new Int32Array(1024);
  private action = new Uint8Array(1024);
  private wb = new Uint8Array(1024);
  private readonly lastTs: Float64Array;

  constructor(readonly users: number) {
    this.lastTs = new Float64Array(users).fill(-Infinity);
  }

  get size(): number { return this.n; }

  push(u: number, ts: number, streamer: number, category: number, action: number, watchBucketId: number): void {
    if (!(u >= 0 && u < this.users && Number.isInteger(u))) throw new Error(`behavior log: user ${u} out of range 0..${this.users - 1}`);
    if (ts < this.lastTs[u]!) throw new Error(`behavior log: user ${u}: behaviour at ts ${ts} after one at ${this.lastTs[u]} (each user's behaviours must be appended in time order)`);
    this.lastTs[u] = ts;
    if (this.n === this.user.length) this.grow();
    const i = this.n++;
    this.user[i] = u; this.ts[i] = ts; this.streamer[i] = streamer; this.category[i] = category;
    this.action[i] = action; this.wb[i] = watchBucketId;
  }

  private grow(): void {
    const m = this.user.length * 2;
    const g = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => { const b = make(m); b.set(a); return b; };
    this.user = g(this.user, (k) => new Int32Array(k)); this.ts = g(this.ts, (k) => new Int32Array(k));
    this.streamer = g(this.streamer, (k) => new Int32Array(k)); this.category = g(this.category, (k) => new Int32Array(k));
    this.action = g(this.action, (k) => new Uint8Array(k)); this.wb = g(this.wb, (k) => new Uint8Array(k));
  }

  /**
   * CSR by user (a stable counting sort: each user's behaviours keep their append order).
   * `userMap` / `streamerMap` translate the appended (internal) ids to the public ids written.
   */
  freeze(userMap?: ArrayLike<number>, streamerMap?: ArrayLike<number>): BehaviorLog {
    const n = this.n, U = this.users;
    const offsets = new Int32Array(U + 1);
    const pub = (u: number) => (userMap ? userMap[u]! : u);
    for (let i = 0; i < n; i++) offsets[pub(this.user[i]!) + 1]++;
    for (let u = 0; u < U; u++) offsets[u + 1] += offsets[u]!;
    const next = offsets.slice(0, U);
    const out: BehaviorLog = {
      users: U, offsets, ts: new Int32Array(n), streamer: new Int32Array(n), category: new Int32Array(n),
      action: new Uint8Array(n), watchBucket: new Uint8Array(n),
    };
    for (let i = 0; i < n; i++) {
      const j = next[pub(this.user[i]!)]!++;
      out.ts[j] = this.ts[i]!;
      out.streamer[j] = streamerMap ? streamerMap[this.streamer[i]!]! : this.streamer[i]!;
      out.category[j] = this.category[i]!; out.action[j] = this.action[i]!; out.watchBucket[j] = this.wb[i]!;
    }
    return out;
  }
}

/** Number of behaviours of user u (0 for an unknown user). */
export function userLength(log: BehaviorLog, u: number): number {
  return knownUser(log, u) ? log.offsets[u + 1]! - log.offsets[u]! : 0;
}

export function knownUser(log: BehaviorLog, u: number): boolean {
  return Number.isInteger(u) && u >= 0 && u < log.users;
}

// ---- file format: "LRBEHLOG1\n", a JSON header line, then the arrays (little-endian) in header order.
const MAGIC = 'LRBEHLOG1\n';
const FIELDS = ['offsets', 'ts', 'streamer', 'category', 'action', 'watchBucket'] as const;

/** Writes the log atomically (`*.behaviors.bin` beside a world file). */
export function writeBehaviorLog(path: string, log: BehaviorLog): void {
  const header = { users: log.users, behaviors: log.ts.length, fields: FIELDS.map((f) => ({ name: f, type: log[f] instanceof Uint8Array ? 'uint8' : 'int32', length: log[f].length })) };
  const parts: Buffer[] = [Buffer.from(MAGIC), Buffer.from(`${JSON.stringify(header)}\n`)];
  for (const f of FIELDS) {
    const a = log[f];
    parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  writeFileAtomic(path, Buffer.concat(parts));
}

/** Reads a log written by writeBehaviorLog; errors name the file and what is wrong. */
export function readBehaviorLog(path: string): BehaviorLog {
  const buf = readFileSync(path);
  if (buf.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new Error(`${path}: not a behaviour log (expected the header ${JSON.stringify(MAGIC.trim())})`);
  const nl = buf.indexOf(10, MAGIC.length);
  if (nl < 0) throw new Error(`${path}: truncated behaviour log header`);
  let header: { users: number; behaviors: number; fields: { name: string; type: string; length: number }[] };
  try { header = JSON.parse(buf.subarray(MAGIC.length, nl).toString('utf8')); } catch (e) { throw new Error(`${path}: bad behaviour log header: ${(e as Error).message}`); }
  let off = nl + 1;
  const arrays: Record<string, Int32Array | Uint8Array> = {};
  for (const f of header.fields) {
    const bytes = f.type === 'uint8' ? f.length : f.length * 4;
    if (off + bytes > buf.length) throw new Error(`${path}: behaviour log field "${f.name}" needs ${bytes} bytes at ${off}, the file has ${buf.length}`);
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(off, off + bytes));
    arrays[f.name] = f.type === 'uint8' ? copy : new Int32Array(copy.buffer);
    off += bytes;
  }
  for (const f of FIELDS) if (!arrays[f]) throw new Error(`${path}: behaviour log has no field "${f}"`);
  const log = { users: header.users, ...arrays } as unknown as BehaviorLog;
  checkLog(log, path);
  return log;
}

/** Structural checks (offsets monotone and in range, each user's times non-decreasing). */
export function checkLog(log: BehaviorLog, where = 'behavior log'): void {
  const n = log.ts.length;
  if (log.offsets.length !== log.users + 1 || log.offsets[0] !== 0 || log.offsets[log.users] !== n) {
    throw new Error(`${where}: offsets must have users + 1 = ${log.users + 1} entries from 0 to ${n}`);
  }
  for (const f of ['streamer', 'category', 'action', 'watchBucket'] as const) {
    if (log[f].length !== n) throw new Error(`${where}: field "${f}" has ${log[f].length} entries, expected ${n}`);
  }
  for (let u = 0; u < log.users; u++) {
    const a = log.offsets[u]!, b = log.offsets[u + 1]!;
    if (b < a) throw new Error(`${where}: offsets decrease at user ${u}`);
    for (let i = a + 1; i < b; i++) if (log.ts[i]! < log.ts[i - 1]!) throw new Error(`${where}: user ${u}: behaviour ${i - a} at ts ${log.ts[i]} is older than the one before it (${log.ts[i - 1]})`);
  }
}
