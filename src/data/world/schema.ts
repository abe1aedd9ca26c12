// Column schema of the synthetic live-stream world (see docs/world.md for the generative model).
// The impressions table carries everything a ranker may see (FEATURE columns), the drawn labels
// (LABEL columns) and the ground truth the labels were drawn from (TRUTH columns: never features).
// Numbers are typed arrays (NaN = missing); strings are (string|null)[].
import { makeTable, type Table } from '../table.js';

export type ColumnType = 'int32' | 'uint8' | 'float32' | 'float64' | 'string';
export type ColumnRole = 'key' | 'context' | 'user' | 'room' | 'history' | 'label' | 'truth';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  role: ColumnRole;
  meaning: string;
}

export const SCENARIOS = ['home', 'slide', 'outside'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SEQ_SEPARATOR = '|';

export const IMPRESSION_COLUMNS: readonly ColumnSpec[] = [
  // keys and context
  { name: 'impression_id', type: 'int32', role: 'key', meaning: 'row number; rows are in time order' },
  { name: 'ts', type: 'int32', role: 'context', meaning: 'unix seconds of the impression (world starts 2024-01-01T00:00:00Z by default)' },
  { name: 'hour', type: 'uint8', role: 'context', meaning: 'hour of day 0-23 of ts (the world has one time zone, UTC)' },
  { name: 'scenario', type: 'string', role: 'context', meaning: "'home' (clickable cards, inside flow) | 'slide' (swipe feed, no click, inside flow) | 'outside' (cards inserted in another feed, outside flow)" },
  { name: 'scenario_id', type: 'uint8', role: 'context', meaning: '0 home, 1 slide, 2 outside (same information as scenario)' },
  { name: 'position', type: 'uint8', role: 'context', meaning: 'slot 0-19 in the feed (home/outside); always 0 on slide (one room a screen)' },
  // user (static profile joined in)
  { name: 'user_id', type: 'int32', role: 'user', meaning: 'user id 0..numUsers-1' },
  { name: 'country', type: 'string', role: 'user', meaning: "user's country code (ID BR US PH VN MX TH SA): the country slice" },
  { name: 'country_id', type: 'uint8', role: 'user', meaning: 'index of country in meta.countries (same information as country)' },
  { name: 'user_age', type: 'string', role: 'user', meaning: "age bucket '18-24' | '25-34' | '35-44' | '45+'" },
  { name: 'user_gender', type: 'string', role: 'user', meaning: "'f' | 'm' | 'u' (unknown)" },
  { name: 'user_device', type: 'string', role: 'user', meaning: "'android' | 'ios'" },
  { name: 'user_activity', type: 'float32', role: 'user', meaning: "user's average daily impressions over the past 30 days (heavy-tailed, median about 9)" },
  // room / streamer
  { name: 'room_id', type: 'int32', role: 'room', meaning: 'live session id (one streamer going live once); rows of the rooms side table' },
  { name: 'streamer_id', type: 'int32', role: 'room', meaning: 'streamer id (a streamer may have several sessions over the days)' },
  { name: 'category_id', type: 'uint8', role: 'room', meaning: 'room category 0-19 (names in meta.categories)' },
  { name: 'room_country', type: 'string', role: 'room', meaning: "streamer's country code" },
  { name: 'streamer_followers', type: 'int32', role: 'room', meaning: 'follower count of the streamer (log-normal, heavy-tailed)' },
  { name: 'room_viewers', type: 'int32', role: 'room', meaning: 'real-time concurrent viewers of the room at ts' },
  { name: 'room_live_s', type: 'int32', role: 'room', meaning: 'seconds since the session went live' },
  // real-time history, as of just before this impression (prior latent history + earlier world events)
  { name: 'user_follow_count', type: 'int32', role: 'history', meaning: 'number of streamers the user follows now' },
  { name: 'hist_followed', type: 'uint8', role: 'history', meaning: '1 if the user follows this streamer now' },
  { name: 'hist_streamer_watch_s', type: 'float32', role: 'history', meaning: "user's total past watch seconds with this streamer" },
  { name: 'hist_category_watch_s', type: 'float32', role: 'history', meaning: "user's total past watch seconds in this room's category" },
  { name: 'hist_total_watch_s', type: 'float32', role: 'history', meaning: "user's total past watch seconds (all categories)" },
  { name: 'seq_streamer_ids', type: 'string', role: 'history', meaning: "last <=20 effectively viewed streamer ids, most recent first, '|'-joined ('' = none)" },
  { name: 'seq_category_ids', type: 'string', role: 'history', meaning: "category ids aligned with seq_streamer_ids, '|'-joined" },
  // labels
  { name: 'click', type: 'float32', role: 'label', meaning: '1/0 the user clicked the card (home, outside); NaN on slide (no click exists)' },
  { name: 'watch_s', type: 'float32', role: 'label', meaning: 'seconds watched; 0 when not clicked (home/outside); on slide every impression is watched (>0)' },
  { name: 'effective_view', type: 'uint8', role: 'label', meaning: '1 iff watch_s >= threshold of the scenario (home 30 s, slide 10 s, outside 20 s)' },
  { name: 'follow', type: 'uint8', role: 'label', meaning: '1 iff the user followed the streamer during this view' },
  { name: 'gift', type: 'uint8', role: 'label', meaning: '1 iff the user sent a gift during this view' },
  { name: 'order', type: 'uint8', role: 'label', meaning: '1 iff the user placed an order during this view' },
  // ground truth (exposure space: probability given the impression, before any click)
  { name: 'p_click', type: 'float64', role: 'truth', meaning: 'true P(click); NaN on slide' },
  { name: 'p_effective_view', type: 'float64', role: 'truth', meaning: 'true P(effective_view) (exact: log-normal tail times P(enter))' },
  { name: 'p_follow', type: 'float64', role: 'truth', meaning: 'true P(follow)' },
  { name: 'p_gift', type: 'float64', role: 'truth', meaning: 'true P(gift)' },
  { name: 'p_order', type: 'float64', role: 'truth', meaning: 'true P(order)' },
  { name: 'e_watch_s', type: 'float64', role: 'truth', meaning: 'true E[watch_s] on the exposure space (0-watch of non-clicks included)' },
  { name: 'watch_mu', type: 'float64', role: 'truth', meaning: 'log-normal mu of watch_s given the room was entered; sigma is meta.scenarios[s].watchSigma' },
];

export const USER_COLUMNS: readonly ColumnSpec[] = [
  { name: 'user_id', type: 'int32', role: 'key', meaning: 'user id' },
  { name: 'country', type: 'string', role: 'user', meaning: 'country code' },
  { name: 'country_id', type: 'uint8', role: 'user', meaning: 'country index' },
  { name: 'user_age', type: 'string', role: 'user', meaning: 'age bucket' },
  { name: 'user_gender', type: 'string', role: 'user', meaning: 'gender' },
  { name: 'user_device', type: 'string', role: 'user', meaning: 'device' },
  { name: 'user_activity', type: 'float32', role: 'user', meaning: 'average daily impressions (the latent activity rate)' },
  { name: 'outside_propensity', type: 'float32', role: 'truth', meaning: "probability that one of the user's impressions is outside-flow" },
  { name: 'prior_follow_count', type: 'int32', role: 'history', meaning: 'follows before the world starts' },
  { name: 'latent_taste_0', type: 'float32', role: 'truth', meaning: 'latent taste vector theta_u (rank 3)' },
  { name: 'latent_taste_1', type: 'float32', role: 'truth', meaning: 'latent taste vector theta_u' },
  { name: 'latent_taste_2', type: 'float32', role: 'truth', meaning: 'latent taste vector theta_u' },
  { name: 'n_impressions', type: 'int32', role: 'history', meaning: 'impressions of this user in the world' },
];

export const ROOM_COLUMNS: readonly ColumnSpec[] = [
  { name: 'room_id', type: 'int32', role: 'key', meaning: 'live session id' },
  { name: 'streamer_id', type: 'int32', role: 'room', meaning: 'streamer id' },
  { name: 'category_id', type: 'uint8', role: 'room', meaning: 'category index' },
  { name: 'room_country', type: 'string', role: 'room', meaning: "streamer's country code" },
  { name: 'streamer_followers', type: 'int32', role: 'room', meaning: 'follower count' },
  { name: 'start_ts', type: 'int32', role: 'room', meaning: 'session start (unix s, inclusive)' },
  { name: 'end_ts', type: 'int32', role: 'room', meaning: 'session end (unix s, exclusive)' },
  { name: 'base_viewers', type: 'float32', role: 'truth', meaning: 'viewer scale of the session (room_viewers = base x session shape x daily curve)' },
  { name: 'latent_style', type: 'float32', role: 'truth', meaning: 'streamer style r_s: + gifting, - watch time' },
  { name: 'latent_quality', type: 'float32', role: 'truth', meaning: 'streamer quality residual q_s (click)' },
  { name: 'n_impressions', type: 'int32', role: 'history', meaning: 'impressions of this room in the world' },
];

/**
 * Counterfactual truth written beside every impression when the logging policy is biased
 * (docs/world.md §12); absent from today's world. Role 'truth': never model inputs, never training
 * labels (click_at_top is the label of the *counterfactual*: what the user would do at the top).
 */
export const BIASED_LOG_COLUMNS: readonly ColumnSpec[] = [
  { name: 'p_click_relevance', type: 'float64', role: 'truth', meaning: 'true position-free P(click) = sigma(l_click): the click probability at examination 1 (the top); NaN on slide' },
  { name: 'click_at_top', type: 'float32', role: 'truth', meaning: 'counterfactual label: 1/0 whether the user would have clicked the card at the top (drawn from p_click_relevance, coupled so click = 1 implies click_at_top = 1); NaN on slide' },
  { name: 'p_examine', type: 'float64', role: 'truth', meaning: 'true examination probability e(position) of the logged position (p_click = p_examine * p_click_relevance); 1 on slide' },
];

/** The impression columns of a world generated with this logging policy. */
export function impressionColumnsOf(loggingPolicy: 'random' | 'biased' | undefined): readonly ColumnSpec[] {
  return loggingPolicy === 'biased' ? [...IMPRESSION_COLUMNS, ...BIASED_LOG_COLUMNS] : IMPRESSION_COLUMNS;
}

/**
 * The columns to read from a world file: every impression column, plus the counterfactual ones as
 * optional (a biased world's file has them, today's does not).
 */
export function worldFileColumns(): { spec: ColumnSpec; required: boolean }[] {
  return [...IMPRESSION_COLUMNS.map((spec) => ({ spec, required: true })), ...BIASED_LOG_COLUMNS.map((spec) => ({ spec, required: false }))];
}

/**
 * A world file read with `worldFileColumns()`: when the file had no counterfactual columns (the
 * reader filled them with missing values; p_examine is never missing in a biased world) they are
 * dropped, so the table looks like today's world.
 */
export function dropAbsentCounterfactual(t: Table): Table {
  const pe = t.columns.p_examine as ArrayLike<number> | undefined;
  if (!pe) return t;
  for (let i = 0; i < t.numRows; i++) if (!Number.isNaN(pe[i]!)) return t;
  if (t.numRows === 0) return t;
  const keep = Object.fromEntries(Object.entries(t.columns).filter(([k]) => !BIASED_LOG_COLUMNS.some((c) => c.name === k)));
  return makeTable(keep);
}

const byRole = (role: ColumnRole) => IMPRESSION_COLUMNS.filter((c) => c.role === role).map((c) => c.name);
/** Columns a ranker may use as inputs (everything except labels and truth). */
export const FEATURE_COLUMNS: readonly string[] = IMPRESSION_COLUMNS
  .filter((c) => c.role !== 'label' && c.role !== 'truth' && c.role !== 'key').map((c) => c.name);
export const LABEL_COLUMNS: readonly string[] = byRole('label');
/** Ground truth: for oracle metrics only, never model inputs (the biased log's counterfactual columns included). */
export const TRUTH_COLUMNS: readonly string[] = [...byRole('truth'), ...BIASED_LOG_COLUMNS.map((c) => c.name)];
/** Binary label -> its true-probability column. */
export const TRUE_PROB_OF: Readonly<Record<string, string>> = {
  click: 'p_click', effective_view: 'p_effective_view', follow: 'p_follow', gift: 'p_gift', order: 'p_order',
};
