// Every constant of the synthetic world's generative model, in one place (docs/world.md explains
// each one). Changing a number here changes the world; the tests pin the resulting statistics.
import type { Scenario } from './schema.js';

export interface CountrySpec {
  code: string;
  /** Target share of impressions. */
  share: number;
  /** Additive logit / log-scale shifts of each task's base rate. */
  click: number; watch: number; follow: number; gift: number; order: number;
}

// Impression shares 38/22/14/10/7/5/3/1 %. Gifting is high in SA, VN, US; ordering in TH, VN, ID.
export const COUNTRIES: readonly CountrySpec[] = [
  { code: 'ID', share: 0.38, click: 0.0, watch: 0.0, follow: 0.0, gift: 0.1, order: 0.5 },
  { code: 'BR', share: 0.22, click: 0.15, watch: 0.1, follow: 0.2, gift: -0.2, order: -0.4 },
  { code: 'US', share: 0.14, click: -0.15, watch: -0.1, follow: -0.2, gift: 0.4, order: 0.0 },
  { code: 'PH', share: 0.10, click: 0.2, watch: 0.05, follow: 0.1, gift: -0.1, order: 0.3 },
  { code: 'VN', share: 0.07, click: 0.05, watch: 0.0, follow: 0.0, gift: 0.5, order: 0.6 },
  { code: 'MX', share: 0.05, click: 0.1, watch: 0.1, follow: 0.2, gift: -0.3, order: -0.3 },
  { code: 'TH', share: 0.03, click: 0.0, watch: -0.05, follow: 0.0, gift: 0.1, order: 0.9 },
  { code: 'SA', share: 0.01, click: -0.1, watch: 0.15, follow: -0.1, gift: 1.2, order: -0.6 },
];

/**
 * Designed country x category taste shifts (added to a fixed random N(0, countryTasteSd^2) part):
 * the cultural differences the spec asks for, e.g. shopping in ID/TH/VN, music and sports in BR/MX,
 * PC gaming in the US, chat and PK battles in SA.
 */
export const COUNTRY_TASTE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  ID: { shop_beauty: 0.6, shop_fashion: 0.5, gaming_mobile: 0.5, shop_food: 0.4 },
  BR: { music: 0.6, dance: 0.5, sports: 0.6, comedy: 0.3 },
  US: { gaming_pc: 0.6, esports: 0.5, talent: 0.3, education: 0.3 },
  PH: { chat: 0.4, music: 0.5, shop_fashion: 0.3, dance: 0.3 },
  VN: { shop_beauty: 0.5, gaming_mobile: 0.4, pk_battle: 0.5, cooking: 0.3 },
  MX: { music: 0.5, sports: 0.5, comedy: 0.4, chat: 0.3 },
  TH: { shop_food: 0.5, cooking: 0.5, shop_beauty: 0.4, pets: 0.3 },
  SA: { chat: 0.7, pk_battle: 0.7, talent: 0.4, travel: 0.3 },
};

/** The structural latents (country taste noise, category factors) come from this fixed seed, so
 *  every world seed shares one taste structure and the calibrated rates hold for every seed. */
export const STRUCTURE_SEED = 'liverank-world-structure-v1';

export interface CategorySpec {
  name: string;
  /** Relative popularity (share of streamers and of non-personalised exposure). */
  pop: number;
  /** Additive shifts: log watch seconds, gift logit, order logit. */
  watch: number; gift: number; order: number;
}

// Conflicts by design: gift-heavy categories (pk_battle, dance, chat) watch shorter, long-watch
// categories (gaming, asmr) gift less; orders happen almost only in shopping categories.
export const CATEGORIES: readonly CategorySpec[] = [
  { name: 'chat', pop: 1.5, watch: -0.1, gift: 0.6, order: -3.0 },
  { name: 'music', pop: 1.2, watch: 0.1, gift: 0.5, order: -3.0 },
  { name: 'dance', pop: 1.0, watch: -0.2, gift: 0.7, order: -3.0 },
  { name: 'pk_battle', pop: 0.8, watch: -0.3, gift: 1.0, order: -3.0 },
  { name: 'gaming_mobile', pop: 1.3, watch: 0.5, gift: -0.3, order: -3.0 },
  { name: 'gaming_pc', pop: 0.7, watch: 0.6, gift: -0.4, order: -3.0 },
  { name: 'esports', pop: 0.5, watch: 0.5, gift: -0.2, order: -3.0 },
  { name: 'shop_beauty', pop: 0.9, watch: -0.4, gift: -0.8, order: 1.6 },
  { name: 'shop_fashion', pop: 0.9, watch: -0.4, gift: -0.8, order: 1.5 },
  { name: 'shop_electronics', pop: 0.5, watch: -0.2, gift: -0.9, order: 1.3 },
  { name: 'shop_food', pop: 0.6, watch: -0.3, gift: -0.6, order: 1.4 },
  { name: 'cooking', pop: 0.5, watch: 0.2, gift: -0.4, order: -0.5 },
  { name: 'outdoor', pop: 0.4, watch: 0.3, gift: 0.0, order: -2.0 },
  { name: 'sports', pop: 0.6, watch: 0.4, gift: -0.2, order: -2.0 },
  { name: 'education', pop: 0.3, watch: 0.4, gift: -0.6, order: -1.0 },
  { name: 'talent', pop: 0.6, watch: 0.0, gift: 0.5, order: -3.0 },
  { name: 'comedy', pop: 0.6, watch: 0.1, gift: 0.2, order: -3.0 },
  { name: 'pets', pop: 0.4, watch: 0.0, gift: 0.1, order: -1.5 },
  { name: 'travel', pop: 0.3, watch: 0.2, gift: -0.2, order: -1.5 },
  { name: 'asmr', pop: 0.3, watch: 0.5, gift: 0.2, order: -3.0 },
];

export interface ScenarioSpec {
  name: Scenario;
  /** Effective-view threshold in seconds. */
  threshold: number;
  /** Log-normal sigma of watch seconds given the room was entered. */
  watchSigma: number;
  /** Intercepts: click logit (home/outside), log watch, follow/gift/order logits given entry. */
  click0: number; watch0: number; follow0: number; gift0: number; order0: number;
  /** Multiplier of the watch-time signal (slide needs a wider spread for the same AUC). */
  watchGain: number;
  /** Whether position (examination) matters: home/outside yes, slide no. */
  positional: boolean;
  /** Exposure policy: P(show a live followed streamer), P(show a recently watched streamer). */
  pFollowedPath: number; pRecentPath: number;
  /** Exposure weight of a room within a category = followers^alpha. */
  followerAlpha: number;
}

export const SCENARIO_SPECS: Readonly<Record<Scenario, ScenarioSpec>> = {
  home: {
    name: 'home', threshold: 30, watchSigma: 1.5, click0: -3.16, watch0: 2.87, follow0: -4.25, gift0: -5.76, order0: -5.46,
    watchGain: 0.7, positional: true, pFollowedPath: 0.12, pRecentPath: 0.06, followerAlpha: 0.3,
  },
  slide: {
    name: 'slide', threshold: 10, watchSigma: 1.7, click0: 0, watch0: 0.35, follow0: -6.03, gift0: -7.2, order0: -7.72,
    watchGain: 1.39, positional: false, pFollowedPath: 0.06, pRecentPath: 0.06, followerAlpha: 0.3,
  },
  outside: {
    name: 'outside', threshold: 20, watchSigma: 1.7, click0: -4.24, watch0: 1.38, follow0: -3.78, gift0: -6.04, order0: -5.82,
    watchGain: 0.6, positional: true, pFollowedPath: 0.03, pRecentPath: 0.02, followerAlpha: 0.7,
  },
};

/** Scenario shares of impressions: home 35 %, slide 45 %, outside 20 %. */
export const SCENARIO_SHARES: Readonly<Record<Scenario, number>> = { home: 0.35, slide: 0.45, outside: 0.2 };

/** Effect sizes (per unit of the standardised inputs defined in truth.ts). */
export const EFFECTS = {
  click: { taste: 0.6, followed: 1.0, streamerWatch: 0.15, followers: 0.2, viewers: 0.2, sameCountry: 0.25, activity: 0.1, seqHit: 0.3, hour: 0.1, quality: 0.8 },
  watch: { taste: 0.5, followed: 0.5, streamerWatch: 0.2, viewers: 0.15, activity: 0.15, seqHit: 0.2, style: -0.35, hour: 0.1 },
  follow: { taste: 0.6, followed: -6.0, streamerWatch: 0.3, viewers: 0.3, followers: -0.2, activity: 0.2, effectiveView: 1.5 },
  gift: { taste: 0.4, followed: 1.0, streamerWatch: 0.4, viewers: 0.2, activity: 0.3, style: 0.7, hour: 0.3, effectiveView: 1.2 },
  order: { taste: 0.5, followed: 0.6, streamerWatch: 0.3, followers: 0.3, activity: 0.1, effectiveView: 0.8 },
} as const;

/** Long histories (option long_history, docs/world.md §15): per unit of lt(u, s) = [dormant category] +
 *  [dormant streamer], added to the click / follow / gift / order logits and (× the scenario's watch gain) to μ. */
export const LONG_TERM = { click: 1.0, watch: 0.5, follow: 0.3, gift: 0.3, order: 0.3 } as const;

/** Examination probability by position (home/outside): (1 + pos)^-examPower. */
export const EXAM_POWER = 0.4;
export const NUM_POSITIONS = 20;
/** P(position = k) proportional to positionDecay^k on home/outside. */
export const POSITION_DECAY = 0.9;

/** Standardisation constants of the dense inputs (fixed, so the truth is a closed formula). */
export const STANDARDISE = {
  logFollowersMean: 6.5, logFollowersSd: 1.8,
  logViewersMean: 2.5, logViewersSd: 1.5,
  /** z_act = ln(user_activity / meta.activityScale) / logActivitySd is standard normal. */
  logActivitySd: 1.3,
};

/** Population and exposure constants. */
export const POPULATION = {
  usersPerImpression: 0.05,
  /** Sets the streamer count: 10.5k gives ~12k rooms live on average at impression times per 1 M impressions a day
   *  (impressions and sessions both peak in the evening). */
  liveRoomsPerMillionPerDay: 10500,
  tasteRank: 3,
  countryTasteSd: 0.35,
  categoryFactorSd: 0.55,
  /** θ_u = ageTaste[age] + genderTaste[gender] + individualTasteSd·ε: variances 0.36 + 0.25 + 0.12. */
  ageTasteSd: 0.6,
  genderTasteSd: 0.5,
  individualTasteSd: 0.35,
  styleSd: 0.5,
  qualitySd: 0.2,
  sessionMedianHours: 3.5, sessionSigma: 0.45, sessionMinHours: 0.5, sessionMaxHours: 10,
  /** Exposure: P(personalised category choice), its taste temperature, P(same-country room). */
  pPersonalCategory: 0.65, categoryTasteTemp: 1.0, pSameCountry: 0.8,
  /** Outside-flow propensity = sigmoid(b + outsideActivitySlope * z_activity). */
  outsideActivitySlope: 0.8,
  seqLen: 20,
  seqHitCap: 4,
  /** Shape k of the Gamma(k, 1/k) noise on the prior per-category watch shares (2 → log sd 0.75; 8 → 0.36). */
  priorCategoryNoiseShape: 8,
  /** H = min(log1p(hist_streamer_watch_s / 60), historyCap). */
  historyCap: 6,
};
