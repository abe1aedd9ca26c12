// The constants of the world's heterogeneity option `multi_scenario` (docs/world.md §10): each
// scenario has its own coefficient vector per task, the three smallest countries change some
// coefficients, and home and outside have different examination curves. The default world
// (`none`) does not read this file. Changing a number here changes the heterogeneous world; the
// tests check that docs/world.md states the same numbers.
import type { Scenario } from './schema.js';

export const HETEROGENEITY_KINDS = ['none', 'multi_scenario'] as const;
export type Heterogeneity = (typeof HETEROGENEITY_KINDS)[number];

/** The inputs of every logit, in the order of docs/world.md §4 (a, F, H, lf, lv, same, z, hit, hr, q, r). */
export const DRIVERS = ['taste', 'followed', 'streamerWatch', 'followers', 'viewers', 'sameCountry', 'activity', 'seqHit', 'hour', 'quality', 'style'] as const;
export type Driver = (typeof DRIVERS)[number];
/** Short names used in docs/world.md's tables. */
export const DRIVER_SYMBOLS: Readonly<Record<Driver, string>> = {
  taste: 'a', followed: 'F', streamerWatch: 'H', followers: 'lf', viewers: 'lv', sameCountry: 'same', activity: 'z',
  seqHit: 'hit', hour: 'hr', quality: 'q', style: 'r',
};

/** The five linear predictors: click logit, log-watch mean μ, and the follow / gift / order logits given entry. */
export const HETERO_TASKS = ['click', 'watch', 'follow', 'gift', 'order'] as const;
export type HeteroTask = (typeof HETERO_TASKS)[number];

export type Coefs = Readonly<Partial<Record<Driver, number>>>;

/** Examination probability at position k: floor + (1 − floor)·(1 + k)^−power·decay^k (1 at the top). */
export interface ExamCurve { floor: number; power: number; decay: number }

export interface HeteroSpec {
  /** Per-scenario intercepts (replace SCENARIO_SPECS' click0 … order0; calibrated to the same targets). */
  intercepts: Readonly<Record<Scenario, { click0: number; watch0: number; follow0: number; gift0: number; order0: number }>>;
  /** coef[task][scenario]: the coefficient vector (missing drivers are 0; slide has no click). */
  coef: Readonly<Record<HeteroTask, Readonly<Partial<Record<Scenario, Coefs>>>>>;
  /** countryDelta[country][task]: added to that task's coefficients in every scenario. */
  countryDelta: Readonly<Record<string, Readonly<Partial<Record<HeteroTask, Coefs>>>>>;
  /**
   * countryLevel[country][task]: added to that task's intercept in every scenario, fitted so the
   * country's mean rates stay those of the same world without its countryDelta (the changes alter
   * how a country ranks, not how often it clicks, watches or buys).
   */
  countryLevel: Readonly<Record<string, Readonly<Partial<Record<HeteroTask, number>>>>>;
  /** Examination curves of the positional scenarios (slide shows one room a screen: e = 1). */
  exam: Readonly<Record<'home' | 'outside', ExamCurve>>;
}

/**
 * Home is driven by taste and follows, slide by streamer quality and live viewers (small streamers
 * do better there), outside flow by follower count and same-country streamers; MX users care
 * little for their tastes and follow crowds, TH users follow their tastes (and buy from small shops
 * in them) and prefer TH streamers, SA users click small same-country streamers and gift with the
 * crowd (viewers, style) rather than out of loyalty or taste.
 */
export const MULTI_SCENARIO: HeteroSpec = {
  intercepts: {
    home: { click0: -4.14, watch0: 1.77, follow0: -4.92, gift0: -7.07, order0: -6.28 },
    slide: { click0: 0, watch0: 1.22, follow0: -5.47, gift0: -7.12, order0: -7.35 },
    outside: { click0: -5.51, watch0: 0.43, follow0: -5.13, gift0: -7.09, order0: -6.78 },
  },
  coef: {
    click: {
      home: { taste: 1.2, followed: 1.8, streamerWatch: 0.3, followers: -0.2, activity: 0.1, seqHit: 0.5, hour: 0.1, quality: 0.4 },
      outside: { taste: 0.2, followed: 0.4, streamerWatch: 0.1, followers: 0.9, viewers: 0.2, sameCountry: 1.2, activity: 0.1, seqHit: 0.1, hour: 0.1, quality: 0.4 },
    },
    watch: {
      home: { taste: 0.6, followed: 0.6, streamerWatch: 0.2, activity: 0.1, seqHit: 0.25, hour: 0.07, style: -0.25 },
      slide: { taste: 0.25, followed: 0.2, streamerWatch: 0.1, followers: -0.3, viewers: 0.8, activity: 0.2, seqHit: 0.1, hour: 0.14, quality: 2.5, style: -0.5 },
      outside: { taste: 0.15, followed: 0.15, streamerWatch: 0.1, followers: 0.4, viewers: 0.1, sameCountry: 0.5, activity: 0.1, seqHit: 0.1, hour: 0.06, style: -0.2 },
    },
    follow: {
      home: { taste: 0.8, followed: -6, streamerWatch: 0.3, followers: -0.2, viewers: 0.1, activity: 0.2 },
      slide: { taste: 0.3, followed: -6, streamerWatch: 0.2, followers: -0.6, viewers: 0.6, activity: 0.2, quality: 1.5 },
      outside: { taste: 0.3, followed: -6, streamerWatch: 0.2, followers: 0.3, viewers: 0.2, sameCountry: 0.8, activity: 0.2 },
    },
    gift: {
      home: { taste: 0.7, followed: 1.4, streamerWatch: 0.5, activity: 0.3, hour: 0.3, style: 0.7 },
      slide: { taste: 0.2, followed: 0.6, streamerWatch: 0.3, viewers: 0.7, activity: 0.3, hour: 0.3, quality: 1.0, style: 0.9 },
      outside: { taste: 0.2, followed: 0.6, streamerWatch: 0.3, followers: 0.5, viewers: 0.2, sameCountry: 0.6, activity: 0.3, hour: 0.3, style: 0.5 },
    },
    order: {
      home: { taste: 0.8, followed: 0.8, streamerWatch: 0.3, activity: 0.1 },
      slide: { taste: 0.3, followed: 0.4, streamerWatch: 0.2, followers: 0.1, viewers: 0.5, activity: 0.1, quality: 1.0 },
      outside: { taste: 0.3, followed: 0.4, streamerWatch: 0.2, followers: 0.7, sameCountry: 0.6, activity: 0.1 },
    },
  },
  countryDelta: {
    MX: { click: { taste: -0.8, viewers: 0.8 }, watch: { taste: -0.4, viewers: 0.5 } },
    TH: { click: { taste: 0.8, sameCountry: 0.8 }, watch: { taste: 0.5 }, gift: { taste: -0.5 }, order: { taste: 0.8, streamerWatch: 0.4, followers: -0.8 } },
    SA: { click: { followers: -0.8, sameCountry: 1.0 }, watch: { viewers: 0.5, style: 0.4 }, gift: { taste: -0.5, followed: -0.8, viewers: 1.0, style: 0.8 } },
  },
  countryLevel: {
    MX: { click: 0.58, watch: 0.01, follow: 0.19, gift: 0.04, order: 0.11 },
    TH: { click: -2.07, watch: -1.15, follow: -0.06, gift: 0.74, order: -1.91 },
    SA: { click: -0.44, watch: -0.1, follow: 0.04, gift: -0.45, order: 0.04 },
  },
  exam: {
    home: { floor: 0, power: 0.2, decay: 1 },
    outside: { floor: 0.1, power: 0, decay: 0.75 },
  },
};
