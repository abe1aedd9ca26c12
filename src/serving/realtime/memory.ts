// In-process real-time store (the embedded default): the features' MemoryCounterStore (the rings
// training replays through) and a capped sequence per user.
import { CounterEngine, MemoryCounterStore, asAsync, counterEvents, readCounterValuesAsync, counterColumn, type AsyncCounterStore, type FeatureConfig } from '../../features/index.js';
import { candidatesTable, eventsTable, seqKey, sequencePushes } from './codec.js';
import { parseRealtimeConfig, type RealtimeConfig } from './config.js';
import { PendingEvents } from './pending.js';
import { RealtimeInputError, parseCandidates, parseEvents, type Candidate, type RealtimeEvent, type RealtimeFeatures, type RealtimeStore } from './types.js';

export class MemoryRealtimeStore implements RealtimeStore {
  readonly engine: CounterEngine;
  readonly cfg: RealtimeConfig;
  readonly counters: MemoryCounterStore;
  private readonly async: AsyncCounterStore;
  private readonly pending = new PendingEvents();
  private readonly seqs = new Map<string, { s: string[]; c: string[] }>();

  constructor(features: FeatureConfig, options: unknown = {}) {
    this.cfg = parseRealtimeConfig(options);
    this.engine = new CounterEngine(features);
    this.counters = new MemoryCounterStore(this.engine.counters);
    this.async = asAsync(this.counters);
  }

  async applyEvents(events: readonly RealtimeEvent[]): Promise<void> {
    const evs = parseEvents(events);
    if (evs.length === 0) return;
    const pushes = sequencePushes(this.cfg, evs);
    this.pending.push(counterEvents(this.engine, eventsTable(this.cfg, this.engine, evs)));
    for (const p of pushes) this.push(seqKey(p.user), String(p.streamer), String(p.category));
  }

  private push(k: string, s: string, c: string): void {
    let q = this.seqs.get(k);
    if (!q) { q = { s: [], c: [] }; this.seqs.set(k, q); }
    q.s.unshift(s); q.c.unshift(c);
    const L = this.cfg.sequence.maxLen;
    if (q.s.length > L) { q.s.length = L; q.c.length = L; }
  }

  async seedSequence(user: string | number, streamers: readonly (string | number)[], categories: readonly (string | number)[]): Promise<void> {
    if (streamers.length !== categories.length) throw new RealtimeInputError(`seedSequence: ${streamers.length} streamers but ${categories.length} categories`);
    const L = this.cfg.sequence.maxLen;
    this.seqs.set(seqKey(user), { s: streamers.slice(0, L).map(String), c: categories.slice(0, L).map(String) });
  }

  async featuresFor(user: string | number, candidates: readonly Candidate[], ts: number): Promise<RealtimeFeatures> {
    const cands = parseCandidates(candidates);
    if (!Number.isFinite(ts)) throw new RealtimeInputError(`ts: expected unix seconds, got ${ts}`);
    for (const e of this.pending.takeBefore(ts)) this.counters.add(e.counter, e.key, e.ts, e.value);
    const table = candidatesTable(this.cfg, this.engine, user, cands, ts);
    const vals = await readCounterValuesAsync(this.engine, table, this.async, ts);
    const q = this.seqs.get(seqKey(user));
    return buildFeatures(this.cfg, cands.length, vals, q ? q.s.join(this.cfg.sequence.separator) : '', q ? q.c.join(this.cfg.sequence.separator) : '');
  }

  async close(): Promise<void> { /* nothing held */ }
}

export function buildFeatures(cfg: RealtimeConfig, n: number, vals: Record<string, Float64Array>, seqS: string, seqC: string): RealtimeFeatures {
  const columns: RealtimeFeatures['columns'] = {};
  for (const [name, v] of Object.entries(vals)) columns[counterColumn(name)] = v;
  columns[cfg.columns.seqStreamers] = new Array<string>(n).fill(seqS);
  columns[cfg.columns.seqCategories] = new Array<string>(n).fill(seqC);
  return { numRows: n, columns };
}
