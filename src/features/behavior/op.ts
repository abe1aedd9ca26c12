// The `sequence` feature with a `behaviors` block: for every row (user column, time column, and the
// candidate's category / streamer when searching), the behaviours selected by selectBehaviors
// become ids [B·max_len] + mask like any sequence (one side field per feature; features over the
// same log and selection have identical masks). Counts of what was truncated are kept for the report.
import { resolve } from 'node:path';
import type { BatchColumns } from '../batch.js';
import type { SequenceDef } from '../config.js';
import type { MultiIds } from '../fitted.js';
import type { KeyFn } from '../ops-ids.js';
import { prefixed } from '../ops-ids.js';
import { NumCache } from '../numcache.js';
import type { Vocab } from '../vocab.js';
import type { KeyBuffer } from '../encode.js';
import type { CityVersion } from '../cityhash/index.js';
import { readBehaviorLog, type BehaviorLog } from './log.js';
import { emptyUserBehaviors, userBehaviors, type BehaviorSource } from './live.js';
import { SearchIndex, selectIn, timeSinceBucket, type SelectResult, type SelectSpec } from './select.js';
import type { BehaviorsSpec } from './schema.js';

/** What the selections of one or more batches saw (summed by the feature report). */
export interface BehaviorStats {
  rows: number;
  /** Rows that selected nothing (any reason). */
  emptyRows: number;
  /** Rows whose user is not in the log (not an integer in 0..users−1), or whose time is missing. */
  unknownUsers: number;
  /** Searching rows whose candidate value (category / streamer) is missing. */
  missingKeys: number;
  /** Rows with more visible behaviours than `within`, and the behaviours cut off that way. */
  truncatedRows: number;
  truncatedBehaviors: number;
  /** Rows with more candidates than max_len (recent ones beyond max_len, or search matches beyond it), and how many. */
  overflowRows: number;
  overflowBehaviors: number;
}

export function emptyBehaviorStats(): BehaviorStats {
  return { rows: 0, emptyRows: 0, unknownUsers: 0, missingKeys: 0, truncatedRows: 0, truncatedBehaviors: 0, overflowRows: 0, overflowBehaviors: 0 };
}

export function addBehaviorStats(a: BehaviorStats, b: BehaviorStats): BehaviorStats {
  for (const k of Object.keys(a) as (keyof BehaviorStats)[]) a[k] += b[k];
  return a;
}

const logs = new Map<string, BehaviorLog>();
/** The log of a `behaviors.log` file, read once per process (absolute path as key). */
export function logFromFile(path: string): BehaviorLog {
  const abs = resolve(path);
  let l = logs.get(abs);
  if (!l) { l = readBehaviorLog(abs); logs.set(abs, l); }
  return l;
}

export type BehaviorDef = SequenceDef & { behaviors: BehaviorsSpec };

export class BehaviorSeqOp {
  private readonly kb: KeyBuffer;
  private readonly prefix: number;
  private readonly cache = new NumCache(16);
  private readonly idx: Int32Array;
  private readonly res: SelectResult = { n: 0, visible: 0, truncated: 0, dropped: 0 };
  private readonly spec: SelectSpec;
  readonly timeColumn: string;
  /** Stats of the last run, and summed over every run. */
  last: BehaviorStats = emptyBehaviorStats();
  readonly total: BehaviorStats = emptyBehaviorStats();
  /** Raw values of the last run ([B·max_len], for the report's key statistics). */
  private lastValues = new Float64Array(0);
  /** Hard search over rows sharing one (user, time) (a serving request): one scan per group. */
  private index: SearchIndex | null = null;
  private indexLog: BehaviorSource | null = null;
  private readonly ub = emptyUserBehaviors();

  constructor(readonly f: BehaviorDef, private readonly vocab: Vocab | null, version: CityVersion, defaultTimeColumn: string) {
    ({ kb: this.kb, prefix: this.prefix } = prefixed(f.tag, version));
    const b = f.behaviors;
    this.spec = { maxLen: f.max_len, within: Math.max(b.within, f.max_len), ...(b.search ? { search: b.search.by } : {}) };
    this.idx = new Int32Array(f.max_len);
    this.timeColumn = b.time_column ?? defaultTimeColumn;
  }

  alloc(n: number): MultiIds {
    const L = this.f.max_len;
    return { ids: new Int32Array(n * L), mask: new Uint8Array(n * L), lengths: new Int32Array(n), maxLen: L };
  }

  /** The log: the context's, else the configured file's; an error naming the feature otherwise. */
  logOf(given: BehaviorSource | undefined): BehaviorSource {
    if (given) return given;
    if (this.f.behaviors.log) return logFromFile(this.f.behaviors.log);
    throw new Error(`feature "${this.f.name}": sequence.behaviors needs a behaviour log: give it in the transform context (ctx.behaviors) or set behaviors.log to a log file (writeBehaviorLog)`);
  }

  run(bc: BatchColumns, out: MultiIds, given?: BehaviorSource): void {
    const log = this.logOf(given);
    const n = bc.numRows, L = this.f.max_len, b = this.f.behaviors;
    out.ids.fill(0, 0, n * L); out.mask.fill(0, 0, n * L);
    const users = bc.numeric(this.f.column, this.f.name);
    const ts = bc.numeric(this.timeColumn, this.f.name);
    const keys = b.search ? bc.numeric(b.search.column, this.f.name) : null;
    if (this.lastValues.length < n * L) this.lastValues = new Float64Array(n * L);
    const vals = this.lastValues;
    const st = this.last = emptyBehaviorStats();
    this.index?.reset(); // a new batch: the log's users may have new behaviours
    const idx = this.idx, res = this.res, field = b.field, ub = this.ub;
    for (let i = 0; i < n; i++) {
      st.rows++;
      const u = users[i]!, t = ts[i]!;
      if (!keys && i > 0 && users[i - 1] === u && ts[i - 1] === t && Number.isFinite(t)) { // the candidates of one request: the previous row's selection
        this.repeatRow(i, out, st);
        continue;
      }
      if (!Number.isFinite(t) || !userBehaviors(log, u, ub)) { st.unknownUsers++; st.emptyRows++; out.lengths[i] = 0; res.n = -1; continue; }
      const key = keys ? keys[i]! : NaN;
      if (keys && !Number.isFinite(key)) st.missingKeys++;
      if (keys && i + 1 < n && users[i + 1] === u && ts[i + 1] === t) { // a group of candidates of one user and time
        if (!this.index || this.indexLog !== log) { this.index = new SearchIndex(log, this.spec); this.indexLog = log; }
        if (!this.index.has(u, t)) this.index.build(u, t);
      }
      if (keys && this.index && this.indexLog === log && this.index.has(u, t)) this.index.select(key, idx, res);
      else selectIn(ub, t, this.spec, key, idx, res);
      if (res.truncated > 0) { st.truncatedRows++; st.truncatedBehaviors += res.truncated; }
      if (res.dropped > 0) { st.overflowRows++; st.overflowBehaviors += res.dropped; }
      if (res.n === 0) st.emptyRows++;
      const base = i * L;
      for (let j = 0; j < res.n; j++) {
        const r = idx[j]!;
        const v = field === 'streamer' ? ub.streamer[r]! : field === 'category' ? ub.category[r]!
          : field === 'action' ? ub.action[r]! : field === 'watch_bucket' ? ub.watchBucket[r]! : timeSinceBucket(t, ub.ts[r]!);
        vals[base + j] = v;
        out.ids[base + j] = this.idOf(v);
        out.mask[base + j] = 1;
      }
      out.lengths[i] = res.n;
    }
    addBehaviorStats(this.total, st);
  }

  /** Row i selects what row i − 1 did (same user and time, no search): copy its ids, mask, values and counts. */
  private repeatRow(i: number, out: MultiIds, st: BehaviorStats): void {
    const L = this.f.max_len, n = out.lengths[i - 1]!, res = this.res, from = (i - 1) * L, to = i * L;
    out.ids.copyWithin(to, from, from + n);
    out.mask.copyWithin(to, from, from + n);
    this.lastValues.copyWithin(to, from, from + n);
    out.lengths[i] = n;
    if (res.n < 0) { st.unknownUsers++; st.emptyRows++; return; } // the previous row's user was unknown (n = −1 marks it)
    if (res.truncated > 0) { st.truncatedRows++; st.truncatedBehaviors += res.truncated; }
    if (res.dropped > 0) { st.overflowRows++; st.overflowBehaviors += res.dropped; }
    if (n === 0) st.emptyRows++;
  }

  private idOf(v: number): number {
    let id = this.cache.get(v);
    if (id >= 0) return id;
    if (this.vocab) id = this.vocab.idOfNumber(v);
    else { this.kb.reset(this.prefix); this.kb.integer(v); id = this.kb.bucket(this.f.hash_buckets!); }
    this.cache.set(v, id);
    return id;
  }

  /** Keys (row, hi, lo) of every element of the last run (`out` its output), for the report. */
  eachKey(out: MultiIds, fn: KeyFn): void {
    const L = out.maxLen;
    for (let i = 0; i < out.lengths.length; i++) {
      for (let j = 0; j < out.lengths[i]!; j++) {
        this.kb.reset(this.prefix); this.kb.integer(this.lastValues[i * L + j]!);
        const h = this.kb.hash(); fn(i, h[0]!, h[1]!);
      }
    }
  }
}
