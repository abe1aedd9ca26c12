// Latent population of the world: users (country, activity, tastes), streamers (country,
// category, followers, style), and live sessions (rooms) that start and end over the days.
import { Rng } from '../../util/rng.js';
import { CATEGORIES, COUNTRIES, COUNTRY_TASTE, POPULATION as P, SCENARIO_SHARES, STANDARDISE, STRUCTURE_SEED } from './params.js';
import { AliasTable, sigmoid } from './mathx.js';

export const NC = CATEGORIES.length;
export const NK = COUNTRIES.length;
export const DAY = 86400;

export interface Users {
  n: number;
  /** Public user_id of internal index u. Internally users are ordered by activity (descending) so the
   *  heavy users that make most impressions sit close together in memory; the public ids are a random
   *  permutation, so ids carry no information. */
  extId: Int32Array;
  country: Uint8Array;
  age: Uint8Array; gender: Uint8Array; device: Uint8Array;
  /** Latent standard-normal activity z; user_activity = activityScale * exp(logActivitySd * z). */
  activityZ: Float64Array;
  activity: Float64Array;
  activityScale: number;
  /** P(an impression of the user is outside-flow). */
  outsideProp: Float64Array;
  taste: Float64Array; // n * rank
  /** Affinity a(u, c) = countryTaste[k_u, c] + taste_u . catFactor_c, n * NC. */
  affinity: Float64Array;
  /** Cumulative personalised category distribution used by exposure, n * NC. */
  catCdf: Float64Array;
}

export interface Latent {
  countryTaste: Float64Array; // NK * NC
  catFactor: Float64Array; // NC * rank
  /** Demographic part of the user taste θ_u: by age bucket (4 × rank) and gender (3 × rank). */
  ageTaste: Float64Array;
  genderTaste: Float64Array;
}

export interface Streamers {
  n: number;
  /** Public streamer_id of internal index s (internally ordered by followers, descending). */
  extId: Int32Array;
  country: Uint8Array;
  category: Uint8Array;
  followers: Int32Array;
  style: Float64Array;
  quality: Float64Array;
}

/** Live sessions ("rooms"), sorted by start time; room_id = index. Times in seconds from world start. */
export interface Sessions {
  n: number;
  streamer: Int32Array;
  start: Int32Array;
  end: Int32Array;
  baseViewers: Float64Array;
  wavePeriod: Float64Array;
  wavePhase: Float64Array;
}

/** The taste structure shared by every world: designed country shifts + fixed-seed noise, category factors. */
export function makeLatent(): Latent {
  const rng = new Rng(STRUCTURE_SEED);
  const r = P.tasteRank;
  const countryTaste = new Float64Array(NK * NC);
  for (let i = 0; i < countryTaste.length; i++) countryTaste[i] = rng.normal(0, P.countryTasteSd);
  COUNTRIES.forEach((k, ki) => {
    for (const [name, v] of Object.entries(COUNTRY_TASTE[k.code] ?? {})) {
      const c = CATEGORIES.findIndex((x) => x.name === name);
      if (c < 0) throw new Error(`COUNTRY_TASTE: unknown category "${name}"`);
      countryTaste[ki * NC + c] = countryTaste[ki * NC + c]! + v;
    }
  });
  const catFactor = new Float64Array(NC * r);
  for (let i = 0; i < catFactor.length; i++) catFactor[i] = rng.normal(0, P.categoryFactorSd);
  const ageTaste = new Float64Array(4 * r), genderTaste = new Float64Array(3 * r);
  for (let i = 0; i < ageTaste.length; i++) ageTaste[i] = rng.normal(0, P.ageTasteSd);
  for (let i = 0; i < genderTaste.length; i++) genderTaste[i] = rng.normal(0, P.genderTasteSd);
  return { countryTaste, catFactor, ageTaste, genderTaste };
}

function pickCumulative(u: number, cum: ArrayLike<number>): number {
  for (let i = 0; i < cum.length; i++) if (u < cum[i]!) return i;
  return cum.length - 1;
}

export function makeUsers(n: number, impressionsPerDay: number, latent: Latent, rng: Rng): Users {
  const r = P.tasteRank;
  const activityZ = new Float64Array(n);
  const w = new Float64Array(n);
  let wsum = 0;
  for (let u = 0; u < n; u++) activityZ[u] = rng.normal();
  activityZ.sort().reverse();
  for (let u = 0; u < n; u++) { w[u] = Math.exp(STANDARDISE.logActivitySd * activityZ[u]!); wsum += w[u]!; }
  const extId = rng.permutation(n);
  const activityScale = impressionsPerDay / wsum;
  const activity = new Float64Array(n);
  for (let u = 0; u < n; u++) activity[u] = activityScale * w[u]!;
  // Countries: walk users in random order and cut the cumulative activity at the target shares,
  // so each country's expected impression share equals its target.
  const country = new Uint8Array(n);
  const cum: number[] = []; let acc = 0;
  for (const c of COUNTRIES) { acc += c.share; cum.push(acc); }
  const order = rng.permutation(n);
  let run = 0;
  for (let i = 0; i < n; i++) {
    const u = order[i]!;
    const mid = (run + w[u]! / 2) / wsum;
    country[u] = pickCumulative(mid * acc, cum);
    run += w[u]!;
  }
  const age = new Uint8Array(n); const gender = new Uint8Array(n); const device = new Uint8Array(n);
  const ageCum = [0.35, 0.7, 0.88, 1]; const genCum = [0.45, 0.95, 1];
  for (let u = 0; u < n; u++) {
    age[u] = pickCumulative(rng.next(), ageCum);
    gender[u] = pickCumulative(rng.next(), genCum);
    const iosShare = COUNTRIES[country[u]!]!.code === 'US' || COUNTRIES[country[u]!]!.code === 'SA' ? 0.55 : 0.2;
    device[u] = rng.next() < iosShare ? 1 : 0;
  }
  // Outside-flow propensity rises with activity; the intercept is solved so outside = 20 % of impressions.
  const slope = P.outsideActivitySlope;
  const share = (b: number) => { let s = 0; for (let u = 0; u < n; u++) s += w[u]! * sigmoid(b + slope * activityZ[u]!); return s / wsum; };
  let lo = -10; let hi = 10;
  for (let it = 0; it < 60; it++) { const mid = (lo + hi) / 2; if (share(mid) < SCENARIO_SHARES.outside) lo = mid; else hi = mid; }
  const b = (lo + hi) / 2;
  const outsideProp = new Float64Array(n);
  for (let u = 0; u < n; u++) outsideProp[u] = sigmoid(b + slope * activityZ[u]!);
  // Tastes: θ_u = age part + gender part + individual part (demographics predict taste; the
  // individual part is what only the user's own history can tell).
  const taste = new Float64Array(n * r);
  for (let u = 0; u < n; u++) {
    for (let d = 0; d < r; d++) {
      taste[u * r + d] = latent.ageTaste[age[u]! * r + d]! + latent.genderTaste[gender[u]! * r + d]! + P.individualTasteSd * rng.normal();
    }
  }
  const affinity = new Float64Array(n * NC);
  const catCdf = new Float64Array(n * NC);
  for (let u = 0; u < n; u++) {
    const k = country[u]!;
    let tot = 0;
    for (let c = 0; c < NC; c++) {
      let a = latent.countryTaste[k * NC + c]!;
      for (let d = 0; d < r; d++) a += taste[u * r + d]! * latent.catFactor[c * r + d]!;
      affinity[u * NC + c] = a;
      tot += CATEGORIES[c]!.pop * Math.exp(P.categoryTasteTemp * a);
      catCdf[u * NC + c] = tot;
    }
    for (let c = 0; c < NC; c++) catCdf[u * NC + c] = catCdf[u * NC + c]! / tot;
  }
  return { n, extId, country, age, gender, device, activityZ, activity, activityScale, outsideProp, taste, affinity, catCdf };
}

export function makeStreamers(n: number, rng: Rng): Streamers {
  const country = new Uint8Array(n); const category = new Uint8Array(n);
  const followers = new Int32Array(n); const style = new Float64Array(n); const quality = new Float64Array(n);
  const kAlias = new AliasTable(COUNTRIES.map((c) => c.share));
  const cAlias = new AliasTable(CATEGORIES.map((c) => c.pop));
  const logF = new Float64Array(n);
  for (let s = 0; s < n; s++) logF[s] = STANDARDISE.logFollowersMean + STANDARDISE.logFollowersSd * rng.normal();
  logF.sort().reverse();
  const extId = rng.permutation(n);
  for (let s = 0; s < n; s++) {
    country[s] = kAlias.sample(rng);
    category[s] = cAlias.sample(rng);
    followers[s] = Math.max(1, Math.min(2e9, Math.round(Math.exp(logF[s]!))));
    style[s] = rng.normal(0, P.styleSd);
    quality[s] = rng.normal(0, P.qualitySd);
  }
  return { n, extId, country, category, followers, style, quality };
}

/** Probability that a streamer goes live on a given day (bigger streamers stream more often). */
export function liveProbability(followers: number): number {
  return 0.55 + 0.4 * sigmoid((Math.log(1 + followers) - STANDARDISE.logFollowersMean) / STANDARDISE.logFollowersSd);
}

/** Number of streamers that gives the target average concurrency (mean live prob ~0.75). */
export function streamerCount(impressions: number, days: number, liveRoomsPerMillionPerDay = P.liveRoomsPerMillionPerDay): number {
  const live = liveRoomsPerMillionPerDay * (impressions / days) / 1e6;
  const meanHours = P.sessionMedianHours * Math.exp((P.sessionSigma * P.sessionSigma) / 2);
  return Math.max(50, Math.round((live * 24) / (0.75 * meanHours)));
}

/** Time-of-day intensity (unnormalised, max 1.35): viewers peak at 21 h, streamers start around 19 h. */
export function dayCurve(hour: number, peak: number): number {
  return 0.35 + (1 + Math.cos((2 * Math.PI * (hour - peak)) / 24)) / 2;
}

/** A time in [day*DAY, (day+1)*DAY) drawn from dayCurve(., peak). */
export function drawTimeOfDay(rng: Rng, day: number, peak: number): number {
  for (;;) {
    const t = rng.next() * DAY;
    if (rng.next() * 1.35 < dayCurve(t / 3600, peak)) return day * DAY + t;
  }
}

/** Draws times of day from dayCurve(., peak), piecewise constant per minute (alias over 1440 bins). */
export class TimeOfDaySampler {
  private readonly alias: AliasTable;
  constructor(peak: number) {
    this.alias = new AliasTable(Array.from({ length: 1440 }, (_, m) => dayCurve((m + 0.5) / 60, peak)));
  }
  /** Seconds from world start, within the given day. */
  draw(rng: Rng, day: number): number {
    return day * DAY + 60 * (this.alias.sample(rng) + rng.next());
  }
}

export function makeSessions(st: Streamers, days: number, rng: Rng): Sessions {
  const streamer: number[] = []; const start: number[] = []; const end: number[] = [];
  const horizon = days * DAY;
  const starts: number[] = [];
  for (let s = 0; s < st.n; s++) {
    const p = liveProbability(st.followers[s]!);
    starts.length = 0;
    for (let d = -1; d < days; d++) if (rng.next() < p) starts.push(Math.floor(drawTimeOfDay(rng, d, 19)));
    starts.sort((a, b) => a - b);
    for (let i = 0; i < starts.length; i++) {
      const hours = Math.min(P.sessionMaxHours, Math.max(P.sessionMinHours, Math.exp(Math.log(P.sessionMedianHours) + P.sessionSigma * rng.normal())));
      let e = starts[i]! + Math.round(hours * 3600);
      if (i + 1 < starts.length) e = Math.min(e, starts[i + 1]! - 600);
      const b = Math.max(0, starts[i]!);
      if (e <= 0 || b >= horizon || e - b < 300) continue;
      streamer.push(s); start.push(b); end.push(Math.min(e, horizon));
    }
  }
  const n = streamer.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => start[a]! - start[b]! || streamer[a]! - streamer[b]!);
  const out: Sessions = {
    n, streamer: new Int32Array(n), start: new Int32Array(n), end: new Int32Array(n),
    baseViewers: new Float64Array(n), wavePeriod: new Float64Array(n), wavePhase: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    out.streamer[i] = streamer[j]!; out.start[i] = start[j]!; out.end[i] = end[j]!;
    const f = st.followers[streamer[j]!]!;
    out.baseViewers[i] = 1 + 0.02 * Math.pow(f, 0.85) * Math.exp(0.6 * rng.normal());
    out.wavePeriod[i] = 1200 + 2400 * rng.next();
    out.wavePhase[i] = 2 * Math.PI * rng.next();
  }
  return out;
}

/** Real-time concurrent viewers of session r at time t (seconds from world start). */
export function viewersAt(se: Sessions, r: number, t: number): number {
  const s0 = se.start[r]!; const e0 = se.end[r]!;
  const p = (t - s0) / (e0 - s0);
  const shape = 0.3 + 0.7 * Math.sqrt(Math.sin(Math.PI * Math.min(1, Math.max(0, p))));
  const hour = (t % DAY) / 3600;
  const daily = 0.45 + 0.4 * (dayCurve(hour, 21) - 0.35);
  const wave = 1 + 0.3 * Math.sin((2 * Math.PI * t) / se.wavePeriod[r]! + se.wavePhase[r]!);
  return Math.round(se.baseViewers[r]! * shape * daily * wave);
}
