// What `liverank init` makes of each profiled column, with the reason it prints:
//   label source                           → not a feature
//   always missing / one value             → dropped
//   unix seconds (or ISO dates)            → rows ordered by it for split_by: time (+ hour / weekday features for seconds)
//   integer codes: ≤ 64 distinct values and ≤ 10 % of the rows → id with a fitted vocabulary
//   other numbers                          → dense (log1p, standardize when skewed positive; else standardize)
//                                            plus a bucketized twin (10 quantiles) for non-linear effects
//   text, ≤ 10 000 distinct in the sample  → id with a fitted vocabulary
//   text with more distinct values         → hashed id (buckets ≥ 4 × distinct seen, a power of 2)
//   text unique on every row (≥ 1000 rows) → dropped (a row identifier: it would only memorise rows)
import type { ColumnProfile } from './profile.js';

export const MAX_INT_CODES = 64;
export const MAX_VOCAB = 10_000;
export const SKEW_LIMIT = 1;

export type Decision =
  | { kind: 'drop'; reason: string }
  | { kind: 'label'; reason: string }
  | { kind: 'time'; unit: 'seconds' | 'millis' | 'iso'; reason: string }
  | { kind: 'id_vocab'; minCount: number; reason: string }
  | { kind: 'id_hash'; buckets: number; reason: string }
  | { kind: 'dense'; log1p: boolean; twin: boolean; missingIndicator: boolean; reason: string };

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 0)} %`;
const TIME_NAME = /(^|_)(ts|time|timestamp|date|datetime|event_time|created_at|dt)($|_)/i;

/** min_count of fitted vocabularies: 5 on big samples, less on tiny files (so a fixture keeps its values). */
export const vocabMinCount = (rows: number): number => (rows >= 20_000 ? 5 : rows >= 2_000 ? 2 : 1);

export function decideColumn(p: ColumnProfile, rows: number): Decision {
  const present = p.present;
  if (present === 0) return { kind: 'drop', reason: 'always missing in the sample' };
  const missRate = p.missing / p.n;
  const miss = p.missing ? `, ${pct(missRate)} missing` : '';
  if (p.distinct === 1 && !p.overflow) return { kind: 'drop', reason: `one value (${JSON.stringify(p.top(1)[0]![0])}) on every row${miss}` };
  if (p.allInteger && p.epochSeconds === present && (TIME_NAME.test(p.name) || p.distinct > 0.5 * present)) {
    return { kind: 'time', unit: 'seconds', reason: `unix seconds (${new Date(p.min * 1000).toISOString().slice(0, 10)} … ${new Date(p.max * 1000).toISOString().slice(0, 10)}): split by time; hour-of-day and day-of-week features` };
  }
  if (p.allInteger && p.epochMillis === present && (TIME_NAME.test(p.name) || p.distinct > 0.5 * present)) {
    return { kind: 'time', unit: 'millis', reason: 'unix milliseconds: split by time (time features need seconds: not used as a feature)' };
  }
  if (!p.allNumeric && p.isoDates === present) return { kind: 'time', unit: 'iso', reason: 'ISO dates: split by time (text dates are not a feature)' };
  if (p.allNumeric) {
    if (p.allInteger && p.distinct <= Math.min(MAX_INT_CODES, Math.max(3, present / 10)) && !p.overflow) {
      return { kind: 'id_vocab', minCount: vocabMinCount(rows), reason: `integers with ${p.distinct} distinct values (≤ ${MAX_INT_CODES} and ≤ 10 % of the rows): codes → id (vocabulary)${miss}` };
    }
    const skew = p.skewness;
    const log1p = p.min >= 0 && skew > SKEW_LIMIT;
    return {
      kind: 'dense', log1p, twin: true, missingIndicator: p.missing > 0,
      reason: `numeric, ${p.overflow ? `> ${p.distinct}` : p.distinct} distinct, skew ${skew.toFixed(1)}${log1p ? ` > ${SKEW_LIMIT} and ≥ 0 → log1p` : ''}, range [${fmt(p.min)}, ${fmt(p.max)}]${p.zeros ? `, ${pct(p.zeros / present)} zeros` : ''}${miss}; + 10-quantile bucketized twin`,
    };
  }
  const nonNum = present - p.numeric;
  const mixed = p.numeric > 0 ? ` (${pct(nonNum / present)} of the values are not numbers)` : '';
  if (!p.overflow && p.distinct === present && rows >= 1000) return { kind: 'drop', reason: `text unique on every row (${p.distinct} values): a row identifier` };
  if (!p.overflow && p.distinct <= MAX_VOCAB) return { kind: 'id_vocab', minCount: vocabMinCount(rows), reason: `text with ${p.distinct} distinct values → id (vocabulary)${mixed}${miss}` };
  const buckets = 2 ** Math.min(24, Math.max(10, Math.ceil(Math.log2(4 * p.distinct))));
  return { kind: 'id_hash', buckets, reason: `text with ${p.overflow ? `> ${p.distinct}` : p.distinct} distinct values in ${rows} rows → hashed id, ${buckets} buckets${mixed}${miss}` };
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : String(Math.round(x * 1000) / 1000);
}
