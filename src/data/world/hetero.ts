// The heterogeneous truth (option `multi_scenario`, docs/world.md §10): the same inputs and label
// model as truth.ts, but every task's coefficient vector depends on the scenario (and, for the
// small countries, on the country), and home and outside have their own examination curves.
// Probabilities stay exact: only the linear predictors change.
import { CATEGORIES, COUNTRIES, EFFECTS as E, NUM_POSITIONS, POPULATION, SCENARIO_SPECS, STANDARDISE as Z } from './params.js';
import { logNormalTail, sigmoid } from './mathx.js';
import { SCENARIOS } from './schema.js';
import { hourCurve, type TruthInput, type TruthOutput } from './truth.js';
import { DRIVERS, HETERO_TASKS, HETEROGENEITY_KINDS, MULTI_SCENARIO, type ExamCurve, type Heterogeneity, type HeteroSpec } from './hetero-params.js';

const ND = DRIVERS.length;
const NS = SCENARIOS.length;
const NK = COUNTRIES.length;
const T = { click: 0, watch: 1, follow: 2, gift: 3, order: 4 } as const;

/** A spec resolved into flat arrays: coef[((task · NS + scenario) · NK + country) · ND + driver]. */
export interface HeteroModel {
  kind: Heterogeneity;
  spec: HeteroSpec;
  coef: Float64Array;
  /** intercept[(task · NS + scenario) · NK + country]: the scenario's intercept + the country's level change. */
  intercept: Float64Array;
  /** exam[scenario · NUM_POSITIONS + position] (1 on slide). */
  exam: Float64Array;
  /** Scratch: the drivers of the current impression. */
  d: Float64Array;
}

export function examCurve(c: ExamCurve, position: number): number {
  return c.floor + (1 - c.floor) * Math.pow(1 + position, -c.power) * Math.pow(c.decay, position);
}

/** Checks a heterogeneity name (errors name the option and the choices). */
export function parseHeterogeneity(v: unknown, what = 'heterogeneity'): Heterogeneity {
  if (v === undefined) return 'none';
  if (typeof v === 'string' && (HETEROGENEITY_KINDS as readonly string[]).includes(v)) return v as Heterogeneity;
  throw new Error(`${what}: expected one of ${HETEROGENEITY_KINDS.join(', ')}, got ${JSON.stringify(v)}`);
}

/** The resolved model of a heterogeneity option, or null for `none` (the default world's truth.ts). */
export function heteroModel(kind: Heterogeneity, spec: HeteroSpec = MULTI_SCENARIO): HeteroModel | null {
  if (kind === 'none') return null;
  const coef = new Float64Array(HETERO_TASKS.length * NS * NK * ND);
  const intercept = new Float64Array(HETERO_TASKS.length * NS * NK);
  for (const code of [...Object.keys(spec.countryDelta), ...Object.keys(spec.countryLevel)]) {
    if (!COUNTRIES.some((k) => k.code === code)) throw new Error(`heterogeneity: unknown country "${code}" in countryDelta / countryLevel`);
  }
  HETERO_TASKS.forEach((task, t) => {
    SCENARIOS.forEach((sc, s) => {
      const base = spec.coef[task][sc] ?? {};
      COUNTRIES.forEach((k, ki) => {
        const delta = spec.countryDelta[k.code]?.[task] ?? {};
        DRIVERS.forEach((dr, j) => { coef[((t * NS + s) * NK + ki) * ND + j] = (base[dr] ?? 0) + (delta[dr] ?? 0); });
        intercept[(t * NS + s) * NK + ki] = spec.intercepts[sc][`${task}0`] + (spec.countryLevel[k.code]?.[task] ?? 0);
      });
    });
  });
  const exam = new Float64Array(NS * NUM_POSITIONS).fill(1);
  for (const sc of ['home', 'outside'] as const) {
    const s = SCENARIOS.indexOf(sc);
    for (let p = 0; p < NUM_POSITIONS; p++) exam[s * NUM_POSITIONS + p] = examCurve(spec.exam[sc], p);
  }
  return { kind, spec, coef, intercept, exam, d: new Float64Array(ND) };
}

function dot(m: HeteroModel, task: number, s: number, k: number): number {
  const off = ((task * NS + s) * NK + k) * ND;
  let v = 0;
  for (let j = 0; j < ND; j++) v += m.coef[off + j]! * m.d[j]!;
  return v;
}

function mix(q: number, l: number, k: number): number {
  return q * sigmoid(l + k) + (1 - q) * sigmoid(l);
}

/** computeTruth of the heterogeneous world: same outputs, per-scenario / per-country coefficients. */
export function computeTruthHetero(x: TruthInput, out: TruthOutput, m: HeteroModel): TruthOutput {
  const s = x.scenario; const k = x.country;
  const sc = SCENARIO_SPECS[SCENARIOS[s]!];
  const kk = COUNTRIES[k]!;
  const cat = CATEGORIES[x.category]!;
  const d = m.d;
  d[0] = x.affinity;
  d[1] = x.followed;
  d[2] = Math.min(Math.log1p(x.streamerWatchS / 60), POPULATION.historyCap);
  d[3] = (Math.log1p(x.followers) - Z.logFollowersMean) / Z.logFollowersSd;
  d[4] = (Math.log1p(x.viewers) - Z.logViewersMean) / Z.logViewersSd;
  d[5] = x.sameCountry;
  d[6] = x.activityZ;
  d[7] = Math.min(x.seqHits, POPULATION.seqHitCap) / POPULATION.seqHitCap;
  d[8] = hourCurve(x.hour);
  d[9] = x.quality;
  d[10] = x.style;
  const b = (task: number) => m.intercept[(task * NS + s) * NK + k]!;

  if (sc.positional) {
    out.pClick = m.exam[s * NUM_POSITIONS + x.position]! * sigmoid(b(T.click) + kk.click + dot(m, T.click, s, k));
    out.pEnter = out.pClick;
  } else {
    out.pClick = NaN;
    out.pEnter = 1;
  }
  out.watchMu = b(T.watch) + kk.watch + cat.watch + dot(m, T.watch, s, k);
  out.watchSigma = sc.watchSigma;
  out.threshold = sc.threshold;
  out.pEvGivenEnter = logNormalTail(sc.threshold, out.watchMu, sc.watchSigma);
  out.lFollow = b(T.follow) + kk.follow + dot(m, T.follow, s, k);
  out.lGift = b(T.gift) + kk.gift + cat.gift + dot(m, T.gift, s, k);
  out.lOrder = b(T.order) + kk.order + cat.order + dot(m, T.order, s, k);

  const q = out.pEvGivenEnter; const pe = out.pEnter;
  out.pEv = pe * q;
  out.pFollow = pe * mix(q, out.lFollow, E.follow.effectiveView);
  out.pGift = pe * mix(q, out.lGift, E.gift.effectiveView);
  out.pOrder = pe * mix(q, out.lOrder, E.order.effectiveView);
  out.eWatch = pe * Math.exp(out.watchMu + (sc.watchSigma * sc.watchSigma) / 2);
  return out;
}
