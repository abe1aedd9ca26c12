// A tfevents writer: RUN/tb/events.out.tfevents.<unix seconds>.<host>, TFRecord-framed Event protobufs
// (record.ts, schema.ts) that stock TensorBoard reads. The first record is the file_version event;
// each later record is one Event holding a Summary with every value of one step.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { frameRecord } from './record.js';
import { encodeEvent, type SummaryValue } from './schema.js';
import { histogramOf, DEFAULT_BUCKETS } from './histogram.js';

export const TB_DIR = 'tb';
export const FILE_VERSION = 'brain.Event:2';
const DT_STRING = 7;
const DATA_CLASS_TENSOR = 2;

/** File name TensorBoard looks for: events.out.tfevents.<seconds>.<host>. */
export function eventFileName(now = Date.now(), host = hostname()): string {
  return `events.out.tfevents.${Math.floor(now / 1000)}.${host.replace(/[/\\]/g, '_')}`;
}

/** Summary values of one step, gathered and then written as one Event. */
export class SummaryBatch {
  readonly values: SummaryValue[] = [];
  /** Values left out of histograms because they were not finite, by tag. */
  readonly nonFinite: Record<string, number> = {};

  constructor(readonly buckets = DEFAULT_BUCKETS) {}

  scalar(tag: string, value: number): this {
    this.values.push({ tag, simpleValue: value });
    return this;
  }

  /** A histogram of the finite values; nothing when there are none. */
  histogram(tag: string, data: ArrayLike<number>): this {
    const { histo, nonFinite } = histogramOf(data, this.buckets);
    if (nonFinite > 0) this.nonFinite[tag] = nonFinite;
    if (histo) this.values.push({ tag, histo });
    return this;
  }

  /** Text (markdown) for TensorBoard's text dashboard: a scalar DT_STRING tensor of plugin "text". */
  text(tag: string, text: string): this {
    this.values.push({
      tag,
      metadata: { pluginData: { pluginName: 'text' }, dataClass: DATA_CLASS_TENSOR },
      tensor: { dtype: DT_STRING, tensorShape: {}, stringVal: [Buffer.from(text, 'utf8')] },
    });
    return this;
  }
}

export class EventWriter {
  readonly path: string;
  private fd: number | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Creates `dir` and the event file, and writes the file_version record. */
  constructor(dir: string, o: { now?: number; host?: string; flushBytes?: number; flushMs?: number } = {}) {
    mkdirSync(dir, { recursive: true });
    const base = join(dir, eventFileName(o.now, o.host));
    let path = base;
    for (let k = 1; existsSync(path); k++) path = `${base}.${k}`; // a second writer within the same second
    this.path = path;
    this.fd = openSync(this.path, 'wx');
    this.flushBytes = o.flushBytes ?? 1 << 16;
    this.flushMs = o.flushMs ?? 2000;
    this.write({ wallTime: (o.now ?? Date.now()) / 1000, step: 0, fileVersion: FILE_VERSION });
    this.flush();
  }

  private readonly flushBytes: number;
  /** Buffered events reach the file at least this often (a run that dies keeps all but the last moments). */
  private readonly flushMs: number;
  private lastFlush = performance.now();

  private write(e: Parameters<typeof encodeEvent>[0]): void {
    if (this.fd === null) throw new Error(`${this.path}: the event writer is closed`);
    const rec = frameRecord(encodeEvent(e));
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    if (this.pendingBytes >= this.flushBytes || performance.now() - this.lastFlush >= this.flushMs) this.flush();
  }

  /** One Event at `step` with the batch's values (nothing when the batch is empty). */
  add(step: number, batch: SummaryBatch, wallTime = Date.now() / 1000): void {
    if (batch.values.length === 0) return;
    this.write({ wallTime, step, summary: { value: batch.values } });
  }

  /**
   * SessionLog START at `step`: the run restarted there (a resume), so TensorBoard discards the events
   * with a larger step that the interrupted attempt had written.
   */
  restart(step: number, msg = '', wallTime = Date.now() / 1000): void {
    this.write({ wallTime, step, sessionLog: { status: 1, msg } });
  }

  /** Writes what is buffered (TensorBoard sees it from then on). */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.pending = [];
    this.pendingBytes = 0;
    this.lastFlush = performance.now();
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    try { fsyncSync(this.fd); } catch { /* some file systems refuse fsync */ }
    closeSync(this.fd);
    this.fd = null;
  }
}
