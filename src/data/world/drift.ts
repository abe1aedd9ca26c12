// The drifting world (docs/world.md "Drift"): over the days, each category's appeal moves (a seeded
// daily random walk plus rise-and-fall trends of a few categories) and new streamers are born each
// day with no prior history, so the true probabilities change day by day and a model fitted on day 1
// goes stale. Off by default: without `drift` the world is byte-identical to before.
//
// Truth: the appeal shift δ_c(t) is added to the user's taste affinity a(u, c) wherever the truth
// reads it (click, watch, follow, gift and order all move together, by their taste coefficients).
//   δ_c(t) = walk_c(t) + Σ trends: A_c · exp(−(t/DAY − peak_c)² / (2 width²))
//   walk_c(d) = Σ_{j<d} N(0, walkSd²) at day starts, linear in between (walk_c(0) = 0)
// New streamers: ⌈newStreamersPerDay · n⌉ are born on each day d ≥ 1 (their category drawn with
// weight pop_c · exp(δ_c(d)), so rising categories attract supply); they have no prior history, no
// session before their birth day, fewer followers (log-followers mean − newFollowerShift) and fresh
// public ids (n, n+1, …: never seen before their birth).
import { Rng } from '../../util/rng.js';
import { AliasTable } from './mathx.js';
import { CATEGORIES, COUNTRIES, POPULATION as P, STANDARDISE } from './params.js';
import { DAY, type Sessions, type Streamers } from './population.js';

export interface DriftOptions {
  /** sd of each category's daily appeal step (taste units; click logit moves by 0.6 × this). Default 0.5. */
  walkSd?: number;
  /** Categories given a rise-and-fall trend. Default 4. */
  trends?: number;
  /** Peak height of a trend: A ~ U(0.5, 1) × this. Default 1.5. */
  trendAmplitude?: number;
  /** sd in days of a trend's bell. Default 0.8. */
  trendWidthDays?: number;
  /** New streamers born each day (from day 2 on), as a fraction of the initial streamers. Default 0.08. */
  newStreamersPerDay?: number;
  /** New streamers' log-followers mean is the population's minus this. Default 2. */
  newFollowerShift?: number;
}

export type DriftOption = boolean | DriftOptions;

export interface DriftMeta {
  options: Required<DriftOptions>;
  /** appeal[c][d]: δ_c at the start of day d (d = 0..days), trends included. */
  appeal: number[][];
  /** The walk part only, walk[c][d]. */
  walk: number[][];
  trends: { category: string; amplitude: number; peakDay: number; widthDays: number }[];
  newStreamers: { perDay: number[]; first: number; count: number; followerShift: number };
}

export const DRIFT_DEFAULTS: Required<DriftOptions> = {
  walkSd: 0.5, trends: 4, trendAmplitude: 1.5, trendWidthDays: 0.8, newStreamersPerDay: 0.08, newFollowerShift: 2,
};

/** Checks a drift option (errors name the field). */
export function parseDrift(v: unknown, what = 'drift'): Required<DriftOptions> | null {
  if (v === undefined || v === false || v === null) return null;
  if (v === true) return { ...DRIFT_DEFAULTS };
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected true/false or an object of drift options, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const out = { ...DRIFT_DEFAULTS };
  for (const [k, x] of Object.entries(o)) {
    if (!(k in DRIFT_DEFAULTS)) throw new Error(`${what}.${k}: unknown option; known: ${Object.keys(DRIFT_DEFAULTS).join(', ')}`);
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`${what}.${k}: expected a finite number >= 0, got ${JSON.stringify(x)}`);
    if (k === 'trends' && (!Number.isInteger(x) || x > CATEGORIES.length)) throw new Error(`${what}.trends: expected an integer in 0..${CATEGORIES.length}, got ${x}`);
    if (k === 'trendWidthDays' && x === 0) throw new Error(`${what}.trendWidthDays: must be > 0`);
    if (k === 'newStreamersPerDay' && x > 1) throw new Error(`${what}.newStreamersPerDay: expected at most 1 (a fraction of the initial streamers), got ${x}`);
    (out as Record<string, number>)[k] = x;
  }
  return out;
}

const NC = CATEGORIES.length;

export class DriftModel {
  /** All streamers: the initial ones, then the newborn (indices n0 …). */
  readonly streamers: Streamers;
  /** The initial streamers only (the prior history knows no newborn). */
  readonly priorStreamers: Streamers;
  /** Birth time (seconds from world start) of each streamer (0 for the initial ones). */
  readonly birth: Int32Array;
  readonly meta: DriftMeta;
  private readonly walk: Float64Array; // NC × (days + 1)
  private readonly tr: { c: number; a: number; peak: number; w: number }[];

  constructor(o: Required<DriftOptions>, seed: number, readonly days: number, st0: Streamers) {
    const rng = new Rng(`liverank-world-drift:${seed}`);
    this.walk = new Float64Array(NC * (days + 1));
    for (let c = 0; c < NC; c++) {
      for (let d = 1; d <= days; d++) this.walk[c * (days + 1) + d] = this.walk[c * (days + 1) + d - 1]! + o.walkSd * rng.normal();
    }
    const pick = rng.permutation(NC);
    this.tr = Array.from({ length: o.trends }, (_, i) => ({
      c: pick[i]!, a: o.trendAmplitude * (0.5 + 0.5 * rng.next()), peak: days > 1 ? 1 + rng.next() * (days - 1) : 0.5, w: o.trendWidthDays,
    }));
    // Newborn streamers, days 1 … days−1.
    const n0 = st0.n;
    const perDay: number[] = [0];
    for (let d = 1; d < days; d++) perDay.push(Math.ceil(o.newStreamersPerDay * n0));
    const m = perDay.reduce((s, x) => s + x, 0);
    const n = n0 + m;
    const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (k: number) => T): T => { const b = make(n); b.set(a); return b; };
    const st: Streamers = {
      n, extId: grow(st0.extId, (k) => new Int32Array(k)), country: grow(st0.country, (k) => new Uint8Array(k)),
      category: grow(st0.category, (k) => new Uint8Array(k)), followers: grow(st0.followers, (k) => new Int32Array(k)),
      style: grow(st0.style, (k) => new Float64Array(k)), quality: grow(st0.quality, (k) => new Float64Array(k)),
    };
    this.birth = new Int32Array(n);
    const kAlias = new AliasTable(COUNTRIES.map((c) => c.share));
    let s = n0;
    for (let d = 1; d < days; d++) {
      const cAlias = new AliasTable(CATEGORIES.map((c, ci) => c.pop * Math.exp(this.shiftAt(ci, d * DAY))));
      for (let i = 0; i < perDay[d]!; i++, s++) {
        st.extId[s] = s; // public ids n0 … n−1: the initial streamers' ids are a permutation of 0 … n0−1
        st.country[s] = kAlias.sample(rng);
        st.category[s] = cAlias.sample(rng);
        const logF = STANDARDISE.logFollowersMean - o.newFollowerShift + STANDARDISE.logFollowersSd * rng.normal();
        st.followers[s] = Math.max(1, Math.min(2e9, Math.round(Math.exp(logF))));
        st.style[s] = rng.normal(0, P.styleSd);
        st.quality[s] = rng.normal(0, P.qualitySd);
        this.birth[s] = d * DAY;
      }
    }
    this.streamers = st;
    this.priorStreamers = st0;
    const cats = CATEGORIES.map((c) => c.name);
    this.meta = {
      options: o,
      appeal: cats.map((_, c) => Array.from({ length: days + 1 }, (_, d) => round4(this.shiftAt(c, d * DAY)))),
      walk: cats.map((_, c) => Array.from({ length: days + 1 }, (_, d) => round4(this.walk[c * (days + 1) + d]!))),
      trends: this.tr.map((t) => ({ category: cats[t.c]!, amplitude: round4(t.a), peakDay: round4(t.peak), widthDays: t.w })),
      newStreamers: { perDay, first: n0, count: m, followerShift: o.newFollowerShift },
    };
  }

  /** δ_c(t): the appeal shift of category c at t seconds from the world start. */
  shiftAt(c: number, t: number): number {
    const x = Math.min(Math.max(t / DAY, 0), this.days);
    const d = Math.min(Math.floor(x), this.days - 1);
    const f = x - d;
    const base = c * (this.days + 1);
    let v = (1 - f) * this.walk[base + d]! + f * this.walk[base + d + 1]!;
    for (const tr of this.tr) if (tr.c === c) v += tr.a * Math.exp(-((x - tr.peak) ** 2) / (2 * tr.w * tr.w));
    return v;
  }

  /** The sessions without those that start before their streamer's birth. */
  sessions(se: Sessions): Sessions {
    const keep: number[] = [];
    for (let r = 0; r < se.n; r++) if (se.start[r]! >= this.birth[se.streamer[r]!]!) keep.push(r);
    if (keep.length === se.n) return se;
    const pick = <T extends Int32Array | Float64Array>(a: T, make: (k: number) => T): T => { const b = make(keep.length); keep.forEach((r, i) => { b[i] = a[r]!; }); return b; };
    return {
      n: keep.length, streamer: pick(se.streamer, (k) => new Int32Array(k)), start: pick(se.start, (k) => new Int32Array(k)), end: pick(se.end, (k) => new Int32Array(k)),
      baseViewers: pick(se.baseViewers, (k) => new Float64Array(k)), wavePeriod: pick(se.wavePeriod, (k) => new Float64Array(k)), wavePhase: pick(se.wavePhase, (k) => new Float64Array(k)),
    };
  }
}

function round4(x: number): number { return Math.round(x * 1e4) / 1e4; }

/** The drift model of a world option, or null when drift is off. */
export function driftModel(v: unknown, seed: number, days: number, st0: Streamers): DriftModel | null {
  const o = parseDrift(v, 'world: drift');
  return o ? new DriftModel(o, seed, days, st0) : null;
}
