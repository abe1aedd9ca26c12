// The streaming trainer: read the samples stream with a consumer group, decode (bad records to the
// dead-letter stream), featurize, map ids through the bounded tables, one training step per
// mini-batch whose forward pass also scores the batch (predict-then-train metrics), ack, and every
// so often commit a checkpoint holding the model AND the stream offset, and push the model.
// Restart = restore the latest checkpoint and move the group to its offset (exactly-once effect).
// Broker failures: the broker retries (RedisEventStream); when a read was retried its reply may have
// skipped records delivered by a lost attempt, so the batch is dropped and the group re-seeked to the
// last consumed id before reading again.
import { join } from 'node:path';
import { takeRows, type Table } from '../../data/table.js';
import type { EventStream, StreamRecord } from '../../data/stream/types.js';
import { STREAMS } from '../../data/stream/names.js';
import { Evaluator, TrainStep } from '../../engine/step.js';
import { transform } from '../../features/index.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { AdmissionOptions } from '../../embedding/admission.js';
import type { TrainConfig } from '../config.js';
import { hostLabels, labelFeeds, labelProblem, lossOutput, predOutput, taskColumns } from '../heads.js';
import { lockRunDir } from '../run-lock.js';
import { denseOptimizer, type Session } from '../session.js';
import { appendLog } from '../train-log.js';
import { BoundedTables, type BoundedStats } from './bounded.js';
import { addIdsHash, initialState, restoreStreamCheckpoint, writeStreamCheckpoint, type StreamState } from './checkpoint.js';
import { checkStreamable, loadBootstrap, openStreamSession, readBootstrap, saveBootstrap } from './open.js';
import { ProgressiveEval, summarize, type ProgressiveReport } from './progressive.js';
import { decodeSamples, type Reject } from './samples.js';
import type { Pusher } from './push.js';

export const STREAM_LOG = 'stream_log.jsonl';
export const PROGRESSIVE_JSON = 'progressive.json';

export interface StreamTrainOptions {
  out: string;
  stream: EventStream;
  /** Stream of joined samples (default STREAMS.samples, "lr:samples", where the joiner writes); bad records go to `<samples>:dead`. */
  samples?: string;
  group?: string;
  consumer?: string;
  /** Stop once the stream gave nothing for this long (ms); null = run until `stop` aborts. */
  untilIdleMs?: number | null;
  /** Samples fitting the features on a fresh run (default 2000). */
  bootstrap?: number;
  /** Mini-batch size (default the config's train.batch_size). */
  batch?: number;
  /** Commit a checkpoint every this many records (default 20 batches) and at the end. */
  checkpointEvery?: number;
  /** Progressive-metric window (samples per task and slice value; default 10 000). */
  window?: number;
  sliceColumns?: string[];
  admission?: Partial<AdmissionOptions>;
  /** Progress line every this many records (default 10 batches). */
  logEvery?: number;
  /** Keep trained_ids.jsonl (every trained sample id, per checkpoint). */
  ledger?: boolean;
  /** Train on the first this many records only, then predict only (a frozen baseline scored by the same progressive metrics). */
  trainUntil?: number;
  /** Stop after this many records in this process (benchmarks); default unlimited. */
  maxRecords?: number;
  pusher?: Pusher | null;
  stop?: AbortSignal;
  log?: (line: string) => void;
  command?: string;
}

export interface StreamSummary {
  state: StreamState;
  report: ProgressiveReport;
  bounded: BoundedStats;
  resumedFrom: string | null;
  /** Records consumed and seconds spent in this process. */
  records: number;
  seconds: number;
  /** Of `seconds`, the time spent waiting on empty reads. */
  idleSeconds: number;
  reseeks: number;
}

const DEFAULT_ADMISSION: AdmissionOptions = { capacity: 100_000, admitAfter: 2, ttlSteps: 0 };

export async function trainStream(cfgIn: TrainConfig, o: StreamTrainOptions): Promise<StreamSummary> {
  const cfg = cfgIn;
  checkStreamable(cfg);
  const log = o.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const samplesStream = o.samples ?? STREAMS.samples, group = o.group ?? 'trainer', consumer = o.consumer ?? `trainer-${process.pid}`;
  const dead = `${samplesStream}:dead`;
  const B = o.batch ?? cfg.train.batch_size;
  const admission: AdmissionOptions = { ...DEFAULT_ADMISSION, ...o.admission };
  const window = o.window ?? 10_000;
  const options = { batch: B, capacity: admission.capacity, admitAfter: admission.admitAfter, ttlSteps: admission.ttlSteps, window, samples: samplesStream, group, ...(o.trainUntil !== undefined ? { trainUntil: o.trainUntil } : {}) };
  const es = o.stream;
  const lock = lockRunDir(o.out, o.command ?? process.argv.slice(1).join(' '), log);
  try {
    await es.ensureGroup(samplesStream, group, '0');
    let boot = loadBootstrap(o.out);
    if (!boot) {
      await es.setGroupOffset(samplesStream, group, '0');
      boot = await readBootstrap(es, samplesStream, group, consumer, o.bootstrap ?? 2000, o.untilIdleMs ?? null, log);
      saveBootstrap(o.out, boot);
    }
    const s = await openStreamSession(cfg, o.out, boot, log);
    if (s.extendBatch) throw new Error('train --stream: two_tower hard negatives are not supported when streaming');
    writeFileAtomic(join(o.out, 'config.json'), JSON.stringify({ ...cfg, baseDir: undefined, stream: options }, null, 2));
    const bounded = new BoundedTables(s.asm, admission); // before the graph: it sizes the table inputs
    const step = await TrainStep.create(s.build, { optimizer: denseOptimizer(cfg.optimizer), clipNorm: cfg.optimizer.clip_norm, seed: cfg.seed, substitute: s.asm.substitute, optimizerThread: cfg.train.optimizer_thread });
    try {
      const progressive = new ProgressiveEval(cfg.tasks, o.sliceColumns ?? ['scenario', 'country', 'day'], window);
      const model = { step, asm: s.asm, bounded, progressive };
      const restored = restoreStreamCheckpoint(o.out, model, !!o.ledger, log, options); // refuses other options
      const st = restored?.state ?? initialState(options);
      if (restored) {
        s.weighting.history.push(...st.lossHistory); s.weighting.l0 = st.l0;
        log(`resumed from ${restored.name}: ${st.records.toLocaleString('en-US')} records consumed, ${st.samples.toLocaleString('en-US')} trained, offset ${st.offset}`);
      }
      await es.setGroupOffset(samplesStream, group, st.offset);
      return await loop(s, o, model, st, { samplesStream, group, consumer, dead, B, log, resumedFrom: restored?.name ?? null });
    } finally {
      await step.dispose();
    }
  } finally {
    lock.release();
  }
}

interface LoopCtx { samplesStream: string; group: string; consumer: string; dead: string; B: number; log: (s: string) => void; resumedFrom: string | null }

async function loop(s: Session, o: StreamTrainOptions, m: { step: TrainStep; asm: Session['asm']; bounded: BoundedTables; progressive: ProgressiveEval }, st0: StreamState, c: LoopCtx): Promise<StreamSummary> {
  const { cfg, asm } = s;
  const tasks = cfg.tasks;
  const es = o.stream;
  let st = st0;
  const ckptEvery = o.checkpointEvery ?? 20 * c.B, logEvery = o.logEvery ?? 10 * c.B;
  const idleMs = o.untilIdleMs ?? null;
  const retries = () => (es as { retries?: number }).retries ?? 0;
  let idsSince: string[] = [];
  let sinceCkpt = 0, sinceLog = 0, idle = 0, idleTotal = 0, reseeks = 0, consumed = 0;
  const t0 = performance.now();
  let tLog = t0, recLog = 0;
  const logPath = join(o.out, STREAM_LOG);
  const checkpoint = () => {
    st = { ...st, lossHistory: s.weighting.history, l0: s.weighting.l0 };
    const name = writeStreamCheckpoint(o.out, m, st, idsSince, !!o.ledger);
    writeFileAtomic(join(o.out, PROGRESSIVE_JSON), JSON.stringify(m.progressive.report(), null, 1));
    idsSince = []; sinceCkpt = 0;
    return name;
  };
  o.pusher?.begin(s, o.out);
  while (!o.stop?.aborted && (o.maxRecords === undefined || consumed < o.maxRecords)) {
    const r0 = retries(), tr = Date.now();
    let recs: StreamRecord[] = await es.read(c.samplesStream, c.group, c.consumer, { count: c.B, blockMs: 200 });
    if (retries() !== r0) { // a retried read may have lost the reply of an earlier attempt: re-seek, read again
      await es.setGroupOffset(c.samplesStream, c.group, st.offset);
      reseeks++;
      c.log(`stream: the broker call was retried; re-seeked the group to ${st.offset}`);
      continue;
    }
    if (recs.length === 0) {
      idle += Date.now() - tr; idleTotal += Date.now() - tr;
      if (idleMs !== null && idle >= idleMs) break;
      if (o.pusher?.due(0)) await o.pusher.push(m.step.store, m.bounded, st, c.log);
      continue;
    }
    idle = 0;
    if (o.maxRecords !== undefined && consumed + recs.length > o.maxRecords) recs = recs.slice(0, o.maxRecords - consumed);
    const d = decodeSamples(recs);
    const bad = labelRejects(d.table, tasks, d.streamIds);
    const rejects: Reject[] = [...d.rejects, ...bad.rejects.map((x) => ({ ...x, kind: 'label' as const, body: recs.find((r) => r.id === x.id)?.body ?? '' }))];
    for (const x of rejects) st.rejectedBy[x.kind] = (st.rejectedBy[x.kind] ?? 0) + 1;
    const table = bad.keep ? takeRows(d.table, bad.keep) : d.table;
    const ids = bad.keep ? Array.from(bad.keep, (i) => d.sampleIds[i]!) : d.sampleIds;
    if (rejects.length) await es.append(c.dead, rejects.map((x) => JSON.stringify({ id: x.id, stream: c.samplesStream, kind: x.kind, reason: x.reason, body: x.body })));
    const frozen = o.trainUntil !== undefined && st.records >= o.trainUntil;
    if (table.numRows > 0) { if (frozen) await predictBatch(s, m, table); else await trainBatch(s, m, table); }
    const trained = frozen ? [] : ids;
    for (const [k, v] of d.unknown) st.unknownFields[k] = (st.unknownFields[k] ?? 0) + v;
    st = { ...st, offset: recs[recs.length - 1]!.id, records: st.records + recs.length, samples: st.samples + table.numRows, rejected: st.rejected + rejects.length,
      steps: st.steps + (table.numRows > 0 && !frozen ? 1 : 0), idsHash: addIdsHash(st.idsHash, trained) };
    if (o.ledger) idsSince.push(...trained);
    await es.ack(c.samplesStream, c.group, recs.map((r) => r.id));
    consumed += recs.length; sinceCkpt += recs.length; sinceLog += recs.length;
    if (sinceCkpt >= ckptEvery) checkpoint();
    if (o.pusher?.due(table.numRows)) await o.pusher.push(m.step.store, m.bounded, st, c.log);
    if (sinceLog >= logEvery) {
      const now = performance.now(), rate = (st.records - recLog) / Math.max(1e-9, (now - tLog) / 1000);
      progress(o, c, m, st, rate, logPath);
      tLog = now; recLog = st.records; sinceLog = 0;
    }
  }
  if (sinceCkpt > 0) checkpoint();
  if (o.pusher) await o.pusher.push(m.step.store, m.bounded, st, c.log);
  const seconds = (performance.now() - t0) / 1000, busy = Math.max(1e-9, seconds - idleTotal / 1000);
  progress(o, c, m, st, consumed / busy, logPath);
  c.log(`stream: stopped after ${consumed.toLocaleString('en-US')} record(s) in ${seconds.toFixed(1)} s, ${(idleTotal / 1000).toFixed(1)} s of it waiting for records (${Math.round(consumed / busy).toLocaleString('en-US')} records/s while busy); offset ${st.offset}`);
  return { state: st, report: m.progressive.report(), bounded: m.bounded.stats(), resumedFrom: c.resumedFrom, records: consumed, seconds, idleSeconds: idleTotal / 1000, reseeks };
}

function progress(o: StreamTrainOptions, c: LoopCtx, m: { bounded: BoundedTables; progressive: ProgressiveEval }, st: StreamState, rate: number, logPath: string): void {
  const rep = m.progressive.report(), b = m.bounded.stats();
  c.log(`stream: ${st.records.toLocaleString('en-US')} records (${st.samples.toLocaleString('en-US')} trained, ${st.rejected} rejected) | ${Math.round(rate).toLocaleString('en-US')}/s | ${summarize(rep)} | rows ${b.used.toLocaleString('en-US')}/${b.capacity.toLocaleString('en-US')} admitted ${b.admitted.toLocaleString('en-US')} evicted ${b.evicted.toLocaleString('en-US')} expired ${b.expired.toLocaleString('en-US')} | offset ${st.offset}`);
  appendLog(logPath, { kind: 'progress', at: new Date().toISOString(), records: st.records, samples: st.samples, rejected: st.rejected, rejected_by: st.rejectedBy, steps: st.steps, offset: st.offset, rate, tables: b, metrics: Object.fromEntries(Object.entries(rep.tasks).map(([t, x]) => [t, x.all])), rss: process.memoryUsage().rss });
}

/** Rows whose labels the tasks cannot use (e.g. a binary label of 3): rejected with the reason, never a stopped trainer. */
function labelRejects(t: Table, tasks: TrainConfig['tasks'], ids: string[]): { keep: Int32Array | null; rejects: { id: string; reason: string }[] } {
  const cols = tasks.map((x) => taskColumns(t, x));
  const rejects: { id: string; reason: string }[] = [];
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) {
    let why: string | null = null;
    for (let k = 0; k < tasks.length && !why; k++) why = labelProblem(tasks[k]!, cols[k]!, i);
    if (why) rejects.push({ id: ids[i]!, reason: why }); else keep.push(i);
  }
  return { keep: rejects.length ? Int32Array.from(keep) : null, rejects };
}

const evaluators = new WeakMap<TrainStep, Promise<Evaluator>>();

/** Score a batch with the current model and add it to the progressive metrics, without training (frozen). */
async function predictBatch(s: Session, m: { step: TrainStep; asm: Session['asm']; bounded: BoundedTables; progressive: ProgressiveEval }, table: Table): Promise<void> {
  let ev = evaluators.get(m.step);
  if (!ev) { ev = Evaluator.create(s.build, m.step.store, { substitute: s.asm.substitute }); evaluators.set(m.step, ev); }
  const fb = transform(s.fitted, table);
  m.bounded.remap(fb, false);
  const out = await (await ev).run(s.asm.feeds(fb));
  const hl = hostLabels(table, s.cfg.tasks);
  const preds: Record<string, ArrayLike<number>> = {};
  for (const t of s.cfg.tasks) { const o = out[predOutput(t.name)]; if (o) preds[t.name] = o.data as Float32Array; }
  m.progressive.add(table, preds, hl.metricLabel);
}

async function trainBatch(s: Session, m: { step: TrainStep; asm: Session['asm']; bounded: BoundedTables; progressive: ProgressiveEval }, table: Table): Promise<void> {
  const { cfg, asm } = s;
  const tasks = cfg.tasks;
  const fb = transform(s.fitted, table);
  m.bounded.remap(fb, true);
  const hl = hostLabels(table, tasks);
  const feeds = { ...asm.feeds(fb), ...labelFeeds(hl, tasks), ...s.weighting.feeds(0) };
  let taskLosses: number[] = [];
  const r = await m.step.run(feeds, cfg.optimizer.lr, (r) => {
    taskLosses = tasks.map((t) => r.outputs[lossOutput(t.name)]!.data[0] as number);
    if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
      const input = asm.findNonFinite(feeds);
      throw new Error(`NaN guard (stream): loss ${r.loss}, grad_norm ${r.gradNorm}; task losses ${taskLosses.join(', ')}${input ? `; input: ${input}` : ''}`);
    }
    const embGrad = r.inputGrads.emb ? (r.inputGrads.emb.data as Float32Array) : new Float32Array(0);
    asm.backward(fb, embGrad, 1, r.inputGrads); // inputGrads: sequence-block rows (models/seq/)
  });
  s.weighting.observeStep(taskLosses);
  m.bounded.tick();
  const preds: Record<string, ArrayLike<number>> = {};
  for (const t of tasks) { const out = r.outputs[predOutput(t.name)]; if (out) preds[t.name] = out.data as Float32Array; }
  m.progressive.add(table, preds, hl.metricLabel);
}
