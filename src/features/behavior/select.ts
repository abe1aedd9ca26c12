// Which behaviours a row sees: the user's behaviours strictly before the row's time, the most recent
// `within` of them (older ones are truncated and counted), and of those either the most recent
// `maxLen` (a plain sequence) or, with a SIM-style hard search, the most recent `maxLen` whose
// category (or streamer) equals the candidate's. One pure function for training and serving.
import type { BehaviorLog } from './log.js';
import { emptyUserBehaviors, userBehaviors, type BehaviorSource, type UserBehaviors } from './live.js';

export type SearchBy = 'category' | 'streamer';

export interface SelectSpec {
  /** Most behaviours returned (the sequence length L). */
  maxLen: number;
  /** Most recent visible behaviours considered (the configured maximum history); ≥ maxLen. */
  within: number;
  /** Hard search: keep only behaviours whose category / streamer equals `key`. */
  search?: SearchBy;
}

/** What one selection saw (the feature report sums these). */
export interface SelectResult {
  /** Selected behaviours, written to out[0..n) as log row indices, most recent first. */
  n: number;
  /** Behaviours of the user strictly before ts. */
  visible: number;
  /** Visible behaviours beyond `within` (ignored: the history was truncated). */
  truncated: number;
  /** Without search: behaviours within `within` but beyond maxLen; with search: matches beyond maxLen. */
  dropped: number;
}

/** First row of user u's segment with ts ≥ t (binary search): the end of what a row at t sees. */
export function visibleEnd(log: BehaviorLog, u: number, t: number): number {
  let lo = log.offsets[u]!, hi = log.offsets[u + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log.ts[mid]! < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

const scratch: UserBehaviors = emptyUserBehaviors();

/** First index in [ub.start, ub.end) with ts ≥ t: the end of what a row at t sees. */
export function endBefore(ub: UserBehaviors, t: number): number {
  let lo = ub.start, hi = ub.end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ub.ts[mid]! < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The selection within one user's behaviours `ub` (indices into ub's arrays, most recent first). */
export function selectIn(ub: UserBehaviors, t: number, spec: SelectSpec, key: number, out: Int32Array, res: SelectResult): SelectResult {
  res.n = 0; res.visible = 0; res.truncated = 0; res.dropped = 0;
  if (!Number.isFinite(t)) return res;
  const start = ub.start;
  const end = endBefore(ub, t);
  res.visible = end - start;
  const from = Math.max(start, end - spec.within);
  res.truncated = from - start;
  const L = spec.maxLen;
  if (!spec.search) {
    const n = Math.min(L, end - from);
    for (let j = 0; j < n; j++) out[j] = end - 1 - j;
    res.n = n;
    res.dropped = end - from - n;
    return res;
  }
  if (!Number.isFinite(key)) return res;
  const arr = spec.search === 'category' ? ub.category : ub.streamer;
  let n = 0, matches = 0;
  for (let i = end - 1; i >= from; i--) {
    if (arr[i] !== key) continue;
    matches++;
    if (n < L) out[n++] = i;
  }
  res.n = n;
  res.dropped = matches - n;
  return res;
}

/**
 * Selects the behaviours a row (user `u`, time `t`, candidate `key`) sees into `out` (length ≥ maxLen),
 * as indices into the user's arrays (`userBehaviors`; for a frozen log: rows of the log).
 * An unknown user, a missing time or (with search) a missing key (NaN) selects nothing.
 */
export function selectBehaviors(src: BehaviorSource, u: number, t: number, spec: SelectSpec, key: number, out: Int32Array, res: SelectResult): SelectResult {
  if (!userBehaviors(src, u, scratch)) { res.n = 0; res.visible = 0; res.truncated = 0; res.dropped = 0; return res; }
  return selectIn(scratch, t, spec, key, out, res);
}

/** Time-since bucket of a behaviour at `behTs` seen at `t`: ⌊log2(1 + minutes)⌋, capped at `cap`. */
export function timeSinceBucket(t: number, behTs: number, cap = 19): number {
  const minutes = Math.max(0, t - behTs) / 60;
  return Math.min(cap, Math.floor(Math.log2(1 + minutes)));
}

/**
 * The documented long-history slice (docs/sequences.md): 1 when the candidate's category appears in
 * the user's last `within` behaviours before t but not in the last `recent` ones — the rows where a
 * model reading only the recent behaviours cannot see the user's past with this category.
 */
export function inLongSlice(src: BehaviorSource, u: number, t: number, category: number, recent = 20, within = 1000): boolean {
  if (!Number.isFinite(t) || !userBehaviors(src, u, scratch)) return false;
  const ub = scratch;
  const end = endBefore(ub, t);
  const from = Math.max(ub.start, end - within);
  const cut = Math.max(from, end - recent);
  for (let i = end - 1; i >= cut; i--) if (ub.category[i] === category) return false;
  for (let i = cut - 1; i >= from; i--) if (ub.category[i] === category) return true;
  return false;
}

/** inLongSlice for every row of columns (user, time, candidate category). */
export function longSliceColumn(log: BehaviorSource, users: ArrayLike<number>, ts: ArrayLike<number>, categories: ArrayLike<number>, recent = 20, within = 1000): Uint8Array {
  const out = new Uint8Array(users.length);
  for (let i = 0; i < users.length; i++) out[i] = inLongSlice(log, users[i]!, ts[i]!, categories[i]!, recent, within) ? 1 : 0;
  return out;
}

/**
 * Hard search for many candidates of one (user, time) — a serving request: the visible window is
 * scanned once into per-key lists (most recent first, ≤ maxLen each, plus the match count), then each
 * candidate's selection is a lookup. Gives exactly selectBehaviors' result for every key.
 */
export class SearchIndex {
  private readonly lists = new Map<number, { idx: number[]; matches: number }>();
  private user = NaN;
  private time = NaN;
  private visible = 0;
  private truncated = 0;
  /** The indexed user's arrays (select's indices point into them). */
  readonly ub: UserBehaviors = emptyUserBehaviors();

  constructor(private readonly src: BehaviorSource, private readonly spec: SelectSpec) {
    if (!spec.search) throw new Error('SearchIndex: the spec has no search');
  }

  /** Forget the indexed (user, time) (the log may have grown). */
  reset(): void { this.user = NaN; this.time = NaN; this.lists.clear(); }

  /** True when the index holds (u, t). */
  has(u: number, t: number): boolean { return u === this.user && t === this.time; }

  /** Indexes (u, t); false (and nothing indexed) for an unknown user or a missing time. */
  build(u: number, t: number): boolean {
    const lists = this.lists, ub = this.ub;
    lists.clear();
    this.user = NaN; this.time = NaN;
    if (!Number.isFinite(t) || !userBehaviors(this.src, u, ub)) return false;
    this.user = u; this.time = t;
    const end = endBefore(ub, t);
    const from = Math.max(ub.start, end - this.spec.within);
    this.visible = end - ub.start; this.truncated = from - ub.start;
    const arr = this.spec.search === 'category' ? ub.category : ub.streamer;
    for (let i = end - 1; i >= from; i--) {
      const k = arr[i]!;
      let l = lists.get(k);
      if (!l) { l = { idx: [], matches: 0 }; lists.set(k, l); }
      l.matches++;
      if (l.idx.length < this.spec.maxLen) l.idx.push(i);
    }
    return true;
  }

  select(key: number, out: Int32Array, res: SelectResult): SelectResult {
    res.visible = this.visible; res.truncated = this.truncated;
    const l = Number.isFinite(key) ? this.lists.get(key) : undefined;
    if (!l) { res.n = 0; res.dropped = 0; return res; }
    for (let j = 0; j < l.idx.length; j++) out[j] = l.idx[j]!;
    res.n = l.idx.length; res.dropped = l.matches - l.idx.length;
    return res;
  }
}
