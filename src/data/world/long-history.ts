// Long behaviour histories (world option `long_history`, docs/world.md §15): every user gets a log of
// up to max_len past behaviours (streamer, category, action, watch bucket, time) spanning prior_days
// before the world starts, then every entered impression of the world is appended. Each user has
// "dormant" long-term interests (categories, and streamers in them) that fill the OLD part of the
// prior log but never its last recent_days, and they raise the truth's click / watch / follow / gift /
// order logits: the long tail of the history carries signal that the last 20 behaviours miss.
import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import { BehaviorLogBuilder, watchBucket, type BehaviorLog } from '../../features/behavior/log.js';
import { CATEGORIES, LONG_TERM, POPULATION as P } from './params.js';
import { DAY, NC, type Streamers, type Users } from './population.js';
import { poisson } from './mathx.js';
import { StreamerPicker, type History } from './history.js';
import type { LabelDraw } from './truth.js';

export const LongHistoryOptions = z.strictObject({
  /** Most prior behaviours per user (and the history length features read). */
  max_len: z.number().int().min(20).max(100_000).default(1000),
  /** Mean prior behaviours of a median-activity user (× sqrt(activity / median)), capped at max_len. */
  prior_mean: z.number().min(0).max(100_000).default(300),
  /** The prior log spans this many days before the world starts. */
  prior_days: z.number().min(1).max(3650).default(180),
  /** Dormant interests appear only in prior behaviours older than this many days. */
  recent_days: z.number().min(0).max(3650).default(30),
  /** Dormant (long-term) categories per user, drawn ∝ pop · exp(−a(u, c)): things the user no longer watches. */
  dormant_categories: z.number().int().min(0).max(NC).default(2),
  /** Dormant streamers per user, in the dormant categories. */
  dormant_streamers: z.number().int().min(0).max(50).default(3),
  /** Share of the old prior behaviours that are dormant interests (half of them a dormant streamer). */
  dormant_share: z.number().min(0).max(1).default(0.4),
  /** P(an impression shows a live dormant streamer of the user, when one is live): the recommender's long-term memory. */
  expose_dormant: z.number().min(0).max(1).default(0.05),
}).refine((o) => o.recent_days < o.prior_days, { message: 'recent_days must be smaller than prior_days', path: ['recent_days'] });
export type LongHistoryOptions = z.input<typeof LongHistoryOptions>;
export type LongHistorySpec = z.output<typeof LongHistoryOptions>;

/** Validates the option; errors name the field (`world: long_history.max_len: …`). */
export function parseLongHistory(raw: unknown, where = 'world: long_history'): LongHistorySpec | null {
  if (raw === undefined || raw === null || raw === false) return null;
  const r = LongHistoryOptions.safeParse(raw === true ? {} : raw);
  if (!r.success) throw new Error(r.error.issues.map((i) => `${where}${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
  return r.data;
}

/** Action id of an entered impression (ACTIONS): ev + 2·(order ? 3 : gift ? 2 : follow ? 1 : 0). */
export function actionOf(l: LabelDraw): number {
  return (l.ev ? 1 : 0) + 2 * (l.order ? 3 : l.gift ? 2 : l.follow ? 1 : 0);
}

export interface LongHistoryStats { priorBehaviors: number; worldBehaviors: number; meanPriorLen: number; usersAtMax: number; dormantPriorShare: number }

export class LongHistory {
  readonly log: BehaviorLogBuilder;
  /** Dormant categories (NC bitmask per user is overkill: NC = 20 fits a 32-bit mask). */
  readonly catMask: Int32Array;
  /** Dormant streamers (internal ids), `dormant_streamers` per user, −1 = none. */
  readonly dormantS: Int32Array;
  /** long_term value of every impression row (truth column). */
  rowLt: Uint8Array;
  private priorCount = 0;
  private dormantCount = 0;
  private usersAtMax = 0;
  private readonly cand: number[] = [];

  constructor(readonly spec: LongHistorySpec, private readonly users: Users, private readonly st: Streamers, impressions: number, private readonly rng: Rng) {
    this.log = new BehaviorLogBuilder(users.n);
    this.catMask = new Int32Array(users.n);
    this.dormantS = new Int32Array(users.n * spec.dormant_streamers).fill(-1);
    this.rowLt = new Uint8Array(impressions);
  }

  /** lt(u, s, c) = [c is a dormant category of u] + [s is a dormant streamer of u] ∈ {0, 1, 2}. */
  longTerm(u: number, s: number, c: number): number {
    let lt = (this.catMask[u]! >>> c) & 1;
    const k = this.spec.dormant_streamers, base = u * k;
    for (let j = 0; j < k; j++) if (this.dormantS[base + j] === s) { lt++; break; }
    return lt;
  }

  /** Draws the dormant interests and the prior log, then reseeds the 20-long recent sequence from it. */
  seedPrior(hist: History, rng: Rng, startTs: number): void {
    const { users, st, spec } = this;
    const picker = new StreamerPicker(st);
    const w = new Float64Array(NC);
    const times: number[] = [];
    const K = spec.dormant_streamers;
    const oldBefore = startTs - spec.recent_days * DAY;
    const span = spec.prior_days * DAY;
    hist.clearSeqStrings();
    for (let u = 0; u < users.n; u++) {
      const k = users.country[u]!;
      // dormant categories ∝ pop · exp(−a(u, c)), without replacement
      for (let c = 0; c < NC; c++) w[c] = CATEGORIES[c]!.pop * Math.exp(-users.affinity[u * NC + c]!);
      const cats: number[] = [];
      for (let j = 0; j < spec.dormant_categories; j++) {
        let tot = 0; for (let c = 0; c < NC; c++) tot += w[c]!;
        let x = rng.next() * tot, c = 0;
        for (; c < NC - 1; c++) { x -= w[c]!; if (x < 0) break; }
        cats.push(c); w[c] = 0;
        this.catMask[u] = this.catMask[u]! | (1 << c);
      }
      let ns = 0;
      for (let j = 0; j < K && cats.length; j++) {
        const s = picker.pick(rng, cats[rng.int(cats.length)]!, k, rng.next() < P.pSameCountry);
        if (s >= 0 && !this.dormantS.subarray(u * K, u * K + ns).includes(s)) this.dormantS[u * K + ns++] = s;
      }
      // prior behaviours: times uniform over the prior span, oldest first
      const rel = users.activity[u]! / users.activityScale;
      const n = Math.min(spec.max_len, poisson(rng, spec.prior_mean * Math.sqrt(rel)));
      if (n === spec.max_len) this.usersAtMax++;
      times.length = 0;
      for (let i = 0; i < n; i++) times.push(startTs - 1 - Math.floor(rng.next() * span));
      times.sort((a, b) => a - b);
      hist.seqN[u] = 0;
      for (let i = 0; i < n; i++) {
        const t = times[i]!;
        let s = -1, c = 0;
        if (t < oldBefore && cats.length && rng.next() < spec.dormant_share) {
          if (ns > 0 && rng.next() < 0.5) { s = this.dormantS[u * K + rng.int(ns)]!; c = st.category[s]!; }
          else { c = cats[rng.int(cats.length)]!; s = picker.pick(rng, c, k, rng.next() < P.pSameCountry); }
          this.dormantCount++;
        } else {
          const x = rng.next(); c = NC - 1;
          for (let j = 0; j < NC - 1; j++) if (x < users.catCdf[u * NC + j]!) { c = j; break; }
          s = picker.pick(rng, c, k, rng.next() < P.pSameCountry);
        }
        if (s < 0) continue;
        // action: view 35 %, effective view 55 %, effective view + follow / gift 4 % each, + order 2 %
        const a = rng.next();
        const action = a < 0.35 ? 0 : a < 0.9 ? 1 : a < 0.94 ? 3 : a < 0.98 ? 5 : 7;
        const sec = action === 0 ? Math.exp(Math.log(6) + 0.6 * rng.normal()) : Math.exp(Math.log(120) + rng.normal());
        this.log.push(u, t, s, c, action, watchBucket(sec));
        this.priorCount++;
        if (action & 1) hist.pushSeq(u, s, c); // the recent sequence = the last effective views of the log
      }
    }
  }

  /** With prob expose_dormant, a live room of one of u's dormant streamers (−1: none chosen). */
  chooseDormant(u: number, liveRoomOf: Int32Array, rng: Rng): number {
    if (rng.next() >= this.spec.expose_dormant) return -1;
    const K = this.spec.dormant_streamers, cand = this.cand;
    cand.length = 0;
    for (let j = 0; j < K; j++) {
      const s = this.dormantS[u * K + j]!;
      if (s >= 0 && liveRoomOf[s]! >= 0) cand.push(liveRoomOf[s]!);
    }
    return cand.length ? cand[rng.int(cand.length)]! : -1;
  }

  /** The room of an impression: a dormant streamer's live room (see chooseDormant), else `fallback()`. */
  choose(u: number, liveRoomOf: Int32Array, fallback: () => number): number {
    const r = this.chooseDormant(u, liveRoomOf, this.rng);
    return r >= 0 ? r : fallback();
  }

  /** After row i's labels: keeps its lt (truth column) and appends an entered impression to u's log. */
  afterRow(i: number, u: number, ts: number, s: number, c: number, l: LabelDraw, lt: number | undefined): void {
    this.rowLt[i] = lt ?? 0;
    if (l.entered) this.log.push(u, ts, s, c, actionOf(l), watchBucket(l.watch));
  }

  /** Extra impression columns: `long_term` (truth: lt of the row). */
  columns(): { long_term: Uint8Array } {
    return { long_term: this.rowLt };
  }

  meta(): { options: LongHistorySpec; effects: typeof LONG_TERM; stats: LongHistoryStats } {
    return { options: this.spec, effects: LONG_TERM, stats: this.stats() };
  }

  freeze(): BehaviorLog {
    return this.log.freeze(this.users.extId, this.st.extId);
  }

  stats(): LongHistoryStats {
    return {
      priorBehaviors: this.priorCount, worldBehaviors: this.log.size - this.priorCount,
      meanPriorLen: this.priorCount / this.users.n, usersAtMax: this.usersAtMax,
      dormantPriorShare: this.priorCount ? this.dormantCount / this.priorCount : 0,
    };
  }

  /** The users' dormant interests in public ids (for tests and analyses). */
  dormantOf(u: number): { categories: number[]; streamers: number[] } {
    const categories: number[] = [];
    for (let c = 0; c < NC; c++) if ((this.catMask[u]! >>> c) & 1) categories.push(c);
    const K = this.spec.dormant_streamers;
    const streamers = Array.from(this.dormantS.subarray(u * K, u * K + K)).filter((s) => s >= 0).map((s) => this.st.extId[s]!);
    return { categories, streamers };
  }
}

/**
 * The generator's hook: null without `longHistory` (no random draws taken: the world is unchanged);
 * else the dormant interests and prior log are drawn from a stream forked off `root` now, and the
 * 20-long recent sequence of `hist` is reseeded from the prior log's last effective views.
 */
export function longHistoryFor(
  opts: { longHistory?: LongHistoryOptions | boolean; loggingPolicy?: string; heterogeneity?: string; drift?: unknown },
  users: Users, st: Streamers, hist: History, impressions: number, root: Rng, startTs: number,
): LongHistory | null {
  const spec = parseLongHistory(opts.longHistory);
  if (!spec) return null;
  if (opts.loggingPolicy === 'biased') throw new Error('world: long_history is not combined with logging_policy biased yet');
  if (opts.heterogeneity && opts.heterogeneity !== 'none') throw new Error('world: long_history is not combined with heterogeneity yet (the heterogeneous truth has no long-term term)');
  if (opts.drift) throw new Error('world: long_history is not combined with drift yet');
  const rPrior = root.fork(); const rExpose = root.fork();
  const lh = new LongHistory(spec, users, st, impressions, rExpose);
  lh.seedPrior(hist, rPrior, startTs);
  return lh;
}
