// The served log (docs/streaming.md "Skew"): for every fine-ranked candidate, what the service used
// and answered — request id, ts, user, room, scenario, country, the raw row as served (the model's
// input columns), the encoded feature values (ids, sequence ids, dense values: what the ranker fed the
// model) and the scores — as JSON lines. `liverank diagnose skew` joins it with an offline
// recomputation of the same rows.
//
// Off the hot path: the request only copies the feature batch's arrays (the ranker reuses them for
// the next request) and queues the copy; rows are turned into JSON in the background (setImmediate)
// and appended in batches. A queue over `max_queue_bytes` (estimated) drops whole requests and counts
// them — the log never slows or fails /rank. Files rotate at `max_file_bytes`; at most `max_files`
// are kept (the oldest are deleted). `sample` logs that fraction of requests (seeded by request id).
import { appendFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { FeatureBatch } from '../features/index.js';
import type { FineRanker, Row, RowValue } from './fine-ranker.js';

export const ServedLogOptions = z.strictObject({
  /** A directory (files served-<start>-<seq>.jsonl inside) or a file path ending in .jsonl (rotated to FILE.1, FILE.2, …). */
  path: z.string().min(1),
  max_file_bytes: z.number().int().min(4096).default(64 * 1024 * 1024),
  max_files: z.number().int().min(1).max(100_000).default(20),
  /** Fraction of requests logged (all their candidates), decided per request. */
  sample: z.number().min(0).max(1).default(1),
  /** Queued (not yet written) bytes above which whole requests are dropped (counted). */
  max_queue_bytes: z.number().int().min(1024).default(64 * 1024 * 1024),
});
export type ServedLogOptions = z.infer<typeof ServedLogOptions>;

/** One line of the served log. */
export interface ServedRecord {
  request_id: string;
  /** Index of the candidate in the fine-ranked list. */
  i: number;
  ts: number | null;
  user: RowValue;
  room: RowValue;
  scenario: RowValue;
  country: RowValue;
  /** sha256 of the model that scored it. */
  model: string;
  /** The model's input columns as served (request-level values merged as the ranker merged them). */
  row: Row;
  /** Encoded id features: id → number, sequence/multi-id → number[] (its real elements). */
  enc: Record<string, number | number[]>;
  /**
   * The dense input row the model got: float32 little-endian, base64 (`new Float32Array(Buffer.from(dense,
   * 'base64').buffer)`); feature f's values are [offset, offset + dim) of its spec in features.json.
   * (Printing floats as JSON text cost ~3× more than the whole rest of the record.)
   */
  dense: string;
  scores: Record<string, number>;
  /** What the service injected on purpose (a test aid, serve --inject-skew), when anything. */
  inject?: string;
}

interface Pending {
  requestId: string;
  rows: readonly Row[];
  base: Row | undefined;
  baseWins: boolean;
  batch: FeatureBatch; // a copy
  preds?: Record<string, Float32Array>;
  bytes: number;
  model: string;
  columns: readonly string[];
}

export interface ServedLogStats { requests: number; records: number; dropped_requests: number; bytes_written: number; files: number; write_errors: number; last_error: string | null }

const KEYS = { ts: 'ts', user: 'user_id', room: 'room_id', scenario: 'scenario', country: 'country' } as const;

function copyBatch(fb: FeatureBatch): FeatureBatch {
  const n = fb.numRows;
  const ids: Record<string, Int32Array> = {};
  for (const [k, v] of Object.entries(fb.ids)) ids[k] = v.slice(0, n);
  const multi: FeatureBatch['multi'] = {};
  for (const [k, m] of Object.entries(fb.multi)) multi[k] = { ids: m.ids.slice(0, n * m.maxLen), mask: m.mask.slice(0, n * m.maxLen), lengths: m.lengths.slice(0, n), maxLen: m.maxLen };
  return { numRows: n, specs: fb.specs, ids, multi, dense: fb.dense.slice(0, n * fb.denseWidth), denseWidth: fb.denseWidth };
}

/** Encoded id features of row i (ids and sequence/multi ids) and its dense row as base64 float32. */
export function servedEncoding(fb: FeatureBatch, i: number): { enc: Record<string, number | number[]>; dense: string } {
  const enc: Record<string, number | number[]> = {};
  for (const s of fb.specs) {
    if (s.output === 'ids') { const a = fb.ids[s.name]; if (a) enc[s.name] = a[i]!; } else if (s.output === 'multi') {
      const m = fb.multi[s.name];
      if (m) enc[s.name] = Array.from(m.ids.subarray(i * m.maxLen, i * m.maxLen + m.lengths[i]!));
    }
  }
  const W = fb.denseWidth;
  const d = fb.dense.subarray(i * W, (i + 1) * W);
  return { enc, dense: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
}

/** The dense values of a served record's `dense` field, by feature (the specs of the model that served it). */
export function decodeDense(dense: string, specs: FeatureBatch['specs']): Record<string, number[]> {
  const b = Buffer.from(dense, 'base64');
  const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength - (b.byteLength % 4)));
  const out: Record<string, number[]> = {};
  for (const s of specs) if (s.output === 'dense') out[s.name] = Array.from(f.subarray(s.offset, s.offset + s.dim));
  return out;
}

/** Encoded values of row i: what the model was fed (dense features as arrays of their columns). */
export function encodedRow(fb: FeatureBatch, i: number): Record<string, number | number[]> {
  const enc: Record<string, number | number[]> = {};
  for (const s of fb.specs) {
    if (s.output === 'ids') { const a = fb.ids[s.name]; if (a) enc[s.name] = a[i]!; } else if (s.output === 'multi') {
      const m = fb.multi[s.name];
      if (m) enc[s.name] = Array.from(m.ids.subarray(i * m.maxLen, i * m.maxLen + m.lengths[i]!));
    } else {
      const v: number[] = [];
      for (let j = 0; j < s.dim; j++) v.push(fb.dense[i * fb.denseWidth + s.offset + j]!);
      enc[s.name] = v;
    }
  }
  return enc;
}

/** A scalar as JSON (undefined / NaN / ±∞ → null, as JSON.stringify writes them inside objects). */
function jv(v: RowValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return v ? 'true' : 'false';
}

/** FNV-1a of the request id, finalized → [0, 1): the sampling decision is a function of the id. */
function unit(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) { h ^= id.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  // murmur3's finalizer: FNV's high bits barely move when only the last characters change (sequential ids)
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

export class ServedLog {
  readonly options: ServedLogOptions;
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private seq = 0;
  private readonly prefix = `${Date.now().toString(36)}-${process.pid}`;
  private draining: Promise<void> | null = null;
  private scheduled = false;
  private file: string;
  private fileBytes = 0;
  private fileSeq = 0;
  private readonly dirMode: boolean;
  readonly stats: ServedLogStats = { requests: 0, records: 0, dropped_requests: 0, bytes_written: 0, files: 0, write_errors: 0, last_error: null };

  constructor(raw: unknown, readonly inject?: string) {
    const r = ServedLogOptions.safeParse(raw);
    if (!r.success) throw new Error(`served log: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    this.options = r.data;
    const p = this.options.path;
    this.dirMode = !p.endsWith('.jsonl');
    if (!this.dirMode && existsSync(p) && statSync(p).isDirectory()) throw new Error(`served log: ${p} is a directory; give a directory path without .jsonl or a file path`);
    this.file = this.nextFile();
  }

  private nextFile(): string {
    this.stats.files++;
    if (!this.dirMode) return this.options.path;
    return join(this.options.path, `served-${this.prefix}-${String(++this.fileSeq).padStart(5, '0')}.jsonl`);
  }

  /**
   * Called synchronously right after the ranker featurized a request (the batch is valid now and
   * reused later): copies what is needed and returns the completion to call with the predictions,
   * or null when the request is not sampled or the queue is full.
   */
  capture(rows: readonly Row[], base: Row | undefined, baseWins: boolean, batch: FeatureBatch, model: string, columns: readonly string[]): ((preds: Record<string, Float32Array>) => void) | null {
    const requestId = `${this.prefix}-${++this.seq}`;
    if (this.options.sample < 1 && unit(requestId) >= this.options.sample) return null;
    const bytes = rows.length * (400 + 12 * columns.length + 10 * batch.specs.length);
    if (this.queuedBytes + bytes > this.options.max_queue_bytes) { this.stats.dropped_requests++; return null; }
    const p: Pending = { requestId, rows, base: base ? { ...base } : undefined, baseWins, batch: copyBatch(batch), bytes, model, columns };
    // a request whose scoring fails never calls the completion: nothing is queued for it
    return (preds) => { p.preds = preds; this.queuedBytes += bytes; this.queue.push(p); this.schedule(); };
  }

  private schedule(): void {
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.draining = this.drain().finally(() => { this.draining = null; if (this.queue.length) this.schedule(); }); });
  }

  /** JSON lines of a request, written by hand (keys escaped once per request; ~2× faster than JSON.stringify of built objects). */
  private lines(p: Pending): string {
    const cols = p.columns, fb = p.batch, out: string[] = [];
    const colKeys = cols.map((c) => `${JSON.stringify(c)}:`);
    const idSpecs = fb.specs.filter((x) => x.output !== 'dense');
    const idKeys = idSpecs.map((x) => `${JSON.stringify(x.name)}:`);
    const tasks = Object.keys(p.preds!), taskKeys = tasks.map((t) => `${JSON.stringify(t)}:`);
    const head = `{"request_id":${JSON.stringify(p.requestId)},"model":${JSON.stringify(p.model)}${this.inject ? `,"inject":${JSON.stringify(this.inject)}` : ''},"i":`;
    const W = fb.denseWidth;
    for (let i = 0; i < p.rows.length; i++) {
      const r = p.rows[i]!;
      const at = (k: string): RowValue | undefined => { const own = r[k], b = p.base?.[k]; return b !== undefined && (p.baseWins || own === undefined) ? b : own; };
      let row = '';
      for (let j = 0; j < cols.length; j++) row += `${j ? ',' : ''}${colKeys[j]}${jv(at(cols[j]!))}`;
      let enc = '';
      for (let j = 0; j < idSpecs.length; j++) {
        const x = idSpecs[j]!;
        if (x.output === 'ids') { const a = fb.ids[x.name]; if (a) enc += `${enc ? ',' : ''}${idKeys[j]}${a[i]!}`; } else {
          const m = fb.multi[x.name];
          if (m) enc += `${enc ? ',' : ''}${idKeys[j]}[${m.ids.subarray(i * m.maxLen, i * m.maxLen + m.lengths[i]!).join(',')}]`;
        }
      }
      const d = fb.dense.subarray(i * W, (i + 1) * W);
      let scores = '';
      for (let j = 0; j < tasks.length; j++) scores += `${j ? ',' : ''}${taskKeys[j]}${jv(p.preds![tasks[j]!]![i]!)}`;
      const ts = at(KEYS.ts);
      out.push(`${head}${i},"ts":${jv(typeof ts === 'string' ? Number(ts) : ts)},"user":${jv(at(KEYS.user))},"room":${jv(at(KEYS.room))},"scenario":${jv(at(KEYS.scenario))},"country":${jv(at(KEYS.country))},`
        + `"row":{${row}},"enc":{${enc}},"dense":"${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64')}","scores":{${scores}}}`);
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      // up to ~1 MB per append; JSON is built here, after the responses went out
      let text = '';
      while (this.queue.length && text.length < 1 << 20) {
        const p = this.queue.shift()!;
        this.queuedBytes -= p.bytes;
        text += this.lines(p);
        this.stats.requests++; this.stats.records += p.rows.length;
      }
      await this.write(text);
    }
  }

  private async write(text: string): Promise<void> {
    try {
      if (this.fileBytes === 0) await mkdir(this.dirMode ? this.options.path : dirname(this.options.path), { recursive: true });
      if (this.fileBytes > 0 && this.fileBytes + text.length > this.options.max_file_bytes) await this.rotate();
      await appendFile(this.file, text);
      const n = Buffer.byteLength(text);
      this.fileBytes += n; this.stats.bytes_written += n;
    } catch (e) {
      this.stats.write_errors++; this.stats.last_error = (e as Error).message;
    }
  }

  private async rotate(): Promise<void> {
    if (this.dirMode) {
      this.file = this.nextFile();
      this.fileBytes = 0;
      const names = (await readdir(this.options.path)).filter((f) => f.startsWith('served-') && f.endsWith('.jsonl')).sort();
      // the new file is not written yet: keep max_files − 1 old ones
      for (const f of names.slice(0, Math.max(0, names.length - (this.options.max_files - 1)))) await unlink(join(this.options.path, f)).catch(() => {});
      return;
    }
    // FILE → FILE.1, FILE.1 → FILE.2, …; FILE.<max_files−1> is dropped
    const f = this.options.path, keep = this.options.max_files - 1;
    if (keep === 0) await unlink(f).catch(() => {});
    for (let k = keep - 1; k >= 1; k--) if (existsSync(`${f}.${k}`)) await rename(`${f}.${k}`, `${f}.${k + 1}`);
    if (keep >= 1) await rename(f, `${f}.1`);
    this.fileBytes = 0;
    this.stats.files++;
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.draining || this.scheduled || this.queue.length) {
      if (this.draining) await this.draining;
      else if (this.queue.length) { this.draining = this.drain().finally(() => { this.draining = null; }); }
      else await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> { await this.flush(); }
}

/** Every served-log file of a path (a file, its rotations, or a directory's served-*.jsonl), oldest first. */
export async function servedLogFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) throw new Error(`${path}: served log not found`);
  if ((await stat(path)).isDirectory()) {
    const names = (await readdir(path)).filter((f) => /\.jsonl(\.\d+)?$/.test(f)).sort();
    if (!names.length) throw new Error(`${path}: no .jsonl files in the directory`);
    return names.map((f) => join(path, f));
  }
  const dir = dirname(path), base = basename(path);
  const rot = (await readdir(dir)).map((f) => new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)$`).exec(f)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ f: join(dir, m[0]), k: Number(m[1]) })).sort((a, b) => b.k - a.k).map((x) => x.f);
  return [...rot, path];
}

/** Logs every request `r` scores from now on (the tap is called synchronously after featurizing). */
export function attachServedLog(r: FineRanker, log: ServedLog): void {
  r.tap = (rows, base, baseWins, batch) => log.capture(rows, base, baseWins, batch, r.model.sha256, r.columns);
}
