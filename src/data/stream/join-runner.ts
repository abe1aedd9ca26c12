// Runs the Joiner over an EventStream: reads the events stream through a consumer group, appends
// samples and dead letters to their streams, and checkpoints the joiner's state TOGETHER with its
// input offset in one atomically written file. Exactly-once output across crashes:
//   restart → state and offset from the checkpoint (setGroupOffset), and the sample ids already
//   appended after the checkpoint's last sample id are read back and skipped when the replay
//   (deterministic: same state, same input) produces them again; dead letters and late labels
//   likewise by count.
// One joiner per samples stream (it owns the stream's tail).
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../util/atomic.js';
import { Joiner, type JoinConfigInput, type JoinCounters, type JoinOutput, type JoinerState } from './join.js';
import { STREAMS, type StreamNames } from './names.js';
import { compareStreamIds, type RangeStream, type StreamRecord } from './types.js';

export type { RangeStream };

export interface JoinCheckpoint {
  version: 1;
  input_stream: string;
  group: string;
  /** Every input record with id ≤ this is reflected in `state`. */
  input_offset: string;
  /** The samples / dead-letters streams' last ids when the checkpoint was written (null = empty). */
  last_sample_id: string | null;
  last_dead_id: string | null;
  last_late_id?: string | null;
  state: JoinerState;
  written_at: string;
}

export interface JoinRunOptions {
  join?: JoinConfigInput;
  streams?: Partial<StreamNames>;
  group?: string;
  consumer?: string;
  /** Checkpoint file (state + input offset); none = no resume. */
  checkpointPath?: string;
  /** Checkpoint at least this often (default 5 s; 0 = after every batch) and when stopping. */
  checkpointIntervalMs?: number;
  /** Also checkpoint after this many records since the last checkpoint. */
  checkpointEveryRecords?: number;
  /** Records per read (default 2000). */
  batch?: number;
  blockMs?: number;
  /** Stop after this long without a record (default: never). */
  stopOnIdleMs?: number;
  /** Stop after processing this many records in this run. */
  maxRecords?: number;
  signal?: AbortSignal;
  onProgress?: (p: JoinProgress) => void;
  /** Test hook: called after a batch's outputs were appended, before its checkpoint (throw = crash there). */
  afterAppend?: (records: number) => void;
}

export interface JoinProgress { records: number; counters: JoinCounters; open: number; watermark: number; checkpoints: number; skippedReplayed: number }

export function readJoinCheckpoint(path: string): JoinCheckpoint | undefined {
  if (!existsSync(path)) return undefined;
  let ck: JoinCheckpoint;
  try { ck = JSON.parse(readFileSync(path, 'utf8')) as JoinCheckpoint; } catch (e) {
    throw new Error(`join checkpoint ${path}: not valid JSON (${(e as Error).message})`);
  }
  if (ck.version !== 1 || typeof ck.input_offset !== 'string' || !ck.state) throw new Error(`join checkpoint ${path}: expected version 1 with input_offset and state`);
  return ck;
}

/** Every record of `stream` after `afterId` (null = from the start), paged. */
async function recordsAfter(es: RangeStream, stream: string, afterId: string | null): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  let start = afterId ?? '-';
  for (;;) {
    const page = await es.range(stream, start, '+', 5000);
    const fresh = page.filter((r) => afterId === null || compareStreamIds(r.id, afterId) > 0);
    out.push(...fresh);
    if (page.length < 5000) return out;
    start = page[page.length - 1]!.id;
    afterId = start;
  }
}

export async function runJoin(es: RangeStream, opts: JoinRunOptions = {}): Promise<JoinProgress> {
  const names: StreamNames = { ...STREAMS, ...opts.streams, late: opts.streams?.late ?? (opts.streams?.events ? `${opts.streams.events}:late` : STREAMS.late) };
  const group = opts.group ?? 'lr-joiner';
  const consumer = opts.consumer ?? 'joiner-1';
  const ck = opts.checkpointPath ? readJoinCheckpoint(opts.checkpointPath) : undefined;
  if (ck && ck.input_stream !== names.events) throw new Error(`join checkpoint ${opts.checkpointPath} is for stream "${ck.input_stream}", not "${names.events}"`);
  const joiner = new Joiner(opts.join ?? {}, ck?.state);
  await es.ensureGroup(names.events, group, '0');
  await es.setGroupOffset(names.events, group, ck?.input_offset ?? '0');

  // outputs already written after the checkpoint: the replay produces them again → skip them
  const already = await recordsAfter(es, names.samples, ck ? ck.last_sample_id : null);
  const skip = new Set(already.map((r) => (JSON.parse(r.body) as { sample_id: string }).sample_id));
  const deadAlready = await recordsAfter(es, names.dead, ck ? ck.last_dead_id : null);
  let deadSkip = deadAlready.length;
  let lastSampleId = already.length ? already[already.length - 1]!.id : ck?.last_sample_id ?? null;
  let lastDeadId = deadAlready.length ? deadAlready[deadAlready.length - 1]!.id : ck?.last_dead_id ?? null;
  const lateAlready = await recordsAfter(es, names.late, ck ? ck.last_late_id ?? null : null);
  let lateSkip = lateAlready.length;
  let lastLateId = lateAlready.length ? lateAlready[lateAlready.length - 1]!.id : ck?.last_late_id ?? null;

  let offset = ck?.input_offset ?? '0';
  let records = 0, checkpoints = 0, skippedReplayed = 0, sinceCk = 0;
  let lastCk = Date.now();
  let idleSince = Date.now();
  const interval = opts.checkpointIntervalMs ?? 5000;
  const progress = (): JoinProgress => ({ records, counters: joiner.stats(), open: joiner.openCount, watermark: joiner.watermark, checkpoints, skippedReplayed });
  const checkpoint = (): void => {
    if (!opts.checkpointPath) return;
    const c: JoinCheckpoint = {
      version: 1, input_stream: names.events, group, input_offset: offset, last_sample_id: lastSampleId, last_dead_id: lastDeadId, last_late_id: lastLateId,
      state: joiner.snapshot(), written_at: new Date().toISOString(),
    };
    writeFileAtomic(opts.checkpointPath, JSON.stringify(c));
    checkpoints++;
    sinceCk = 0;
    lastCk = Date.now();
  };

  while (!opts.signal?.aborted) {
    const want = opts.maxRecords === undefined ? opts.batch ?? 2000 : Math.min(opts.batch ?? 2000, opts.maxRecords - records);
    if (want <= 0) break;
    const recs = await es.read(names.events, group, consumer, { count: want, blockMs: opts.blockMs ?? 500 });
    if (recs.length === 0) {
      if (opts.stopOnIdleMs !== undefined && Date.now() - idleSince >= opts.stopOnIdleMs) break;
      continue;
    }
    idleSince = Date.now();
    const out: JoinOutput = { samples: [], dead: [], late: [] };
    for (const r of recs) joiner.processBody(r.body, r.id, out);
    records += recs.length;
    sinceCk += recs.length;
    offset = recs[recs.length - 1]!.id;
    const samples = out.samples.filter((s) => { if (skip.size && skip.delete(s.sample_id)) { skippedReplayed++; return false; } return true; });
    let dead = out.dead;
    if (deadSkip > 0) { const k = Math.min(deadSkip, dead.length); dead = dead.slice(k); deadSkip -= k; skippedReplayed += k; }
    if (samples.length) {
      const ids = await es.append(names.samples, samples.map((s) => JSON.stringify(s)));
      lastSampleId = ids[ids.length - 1]!;
    }
    if (dead.length) {
      const ids = await es.append(names.dead, dead.map((d) => JSON.stringify({ ...d, stream: names.events })));
      lastDeadId = ids[ids.length - 1]!;
    }
    let late = out.late ?? [];
    if (lateSkip > 0) { const k = Math.min(lateSkip, late.length); late = late.slice(k); lateSkip -= k; skippedReplayed += k; }
    if (late.length) {
      const ids = await es.append(names.late, late.map((l) => JSON.stringify(l)));
      lastLateId = ids[ids.length - 1]!;
    }
    opts.afterAppend?.(recs.length);
    await es.ack(names.events, group, recs.map((r) => r.id));
    if (Date.now() - lastCk >= interval || (opts.checkpointEveryRecords !== undefined && sinceCk >= opts.checkpointEveryRecords)) checkpoint();
    opts.onProgress?.(progress());
  }
  checkpoint();
  return progress();
}
