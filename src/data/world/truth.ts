// The ground-truth label model: from an impression's observable inputs plus the user's and
// streamer's latent factors, the exact probabilities every label is drawn with.
import { CATEGORIES, COUNTRIES, EFFECTS as E, EXAM_POWER, LONG_TERM, POPULATION, SCENARIO_SPECS, STANDARDISE as Z } from './params.js';
import { logNormalTail, sigmoid } from './mathx.js';
import { SCENARIOS } from './schema.js';
import type { Rng } from '../../util/rng.js';

export interface TruthInput {
  scenario: number; // 0 home, 1 slide, 2 outside
  position: number;
  country: number; // user's country index
  category: number;
  /** a(u, c): latent taste affinity. */
  affinity: number;
  followed: number; // 0/1
  streamerWatchS: number; // hist_streamer_watch_s
  followers: number;
  viewers: number;
  sameCountry: number; // 0/1
  activityZ: number; // latent standard-normal activity of the user
  seqHits: number; // occurrences of the category in the recent sequence
  hour: number; // 0..23
  style: number; // streamer latent r_s
  quality: number; // streamer latent q_s
  /** Long histories only (docs/world.md §15): lt(u, s) = [dormant category] + [dormant streamer]; absent = 0. */
  longTerm?: number;
}

export interface TruthOutput {
  pClick: number; // NaN on slide
  pEnter: number; // pClick on home/outside, 1 on slide
  watchMu: number; watchSigma: number; threshold: number;
  pEvGivenEnter: number;
  lFollow: number; lGift: number; lOrder: number; // logits given entry and no effective view
  pEv: number; pFollow: number; pGift: number; pOrder: number;
  eWatch: number;
}

export function emptyTruth(): TruthOutput {
  return { pClick: 0, pEnter: 0, watchMu: 0, watchSigma: 0, threshold: 0, pEvGivenEnter: 0, lFollow: 0, lGift: 0, lOrder: 0, pEv: 0, pFollow: 0, pGift: 0, pOrder: 0, eWatch: 0 };
}

export function examination(position: number): number {
  return Math.pow(1 + position, -EXAM_POWER);
}

/** Evening indicator: cos(2 pi (hour - 21) / 24), +1 at 21 h, -1 at 9 h. */
export function hourCurve(hour: number): number {
  return Math.cos((2 * Math.PI * (hour - 21)) / 24);
}

/** Mixture over the effective-view outcome: P(y) = q sigma(l + k) + (1 - q) sigma(l). */
function mix(q: number, l: number, k: number): number {
  return q * sigmoid(l + k) + (1 - q) * sigmoid(l);
}

export function computeTruth(x: TruthInput, out: TruthOutput): TruthOutput {
  const sc = SCENARIO_SPECS[SCENARIOS[x.scenario]!];
  const k = COUNTRIES[x.country]!;
  const cat = CATEGORIES[x.category]!;
  const H = Math.min(Math.log1p(x.streamerWatchS / 60), POPULATION.historyCap);
  const lf = (Math.log1p(x.followers) - Z.logFollowersMean) / Z.logFollowersSd;
  const lv = (Math.log1p(x.viewers) - Z.logViewersMean) / Z.logViewersSd;
  const hit = Math.min(x.seqHits, POPULATION.seqHitCap) / POPULATION.seqHitCap;
  const hr = hourCurve(x.hour);
  const a = x.affinity; const F = x.followed; const act = x.activityZ;
  const lt = x.longTerm ?? 0; // 0 outside long-history worlds: every sum below is then unchanged bit for bit

  if (sc.positional) {
    const c = E.click;
    const l = sc.click0 + k.click + c.taste * a + c.followed * F + c.streamerWatch * H + c.followers * lf
      + c.viewers * lv + c.sameCountry * x.sameCountry + c.activity * act + c.seqHit * hit + c.hour * hr + c.quality * x.quality + LONG_TERM.click * lt;
    out.pClick = examination(x.position) * sigmoid(l);
    out.pEnter = out.pClick;
  } else {
    out.pClick = NaN;
    out.pEnter = 1;
  }
  const w = E.watch;
  out.watchMu = sc.watch0 + k.watch + cat.watch + sc.watchGain * (w.taste * a + w.followed * F + w.streamerWatch * H
    + w.viewers * lv + w.activity * act + w.seqHit * hit + w.style * x.style + w.hour * hr + LONG_TERM.watch * lt);
  out.watchSigma = sc.watchSigma;
  out.threshold = sc.threshold;
  out.pEvGivenEnter = logNormalTail(sc.threshold, out.watchMu, sc.watchSigma);

  const f = E.follow;
  out.lFollow = sc.follow0 + k.follow + f.taste * a + f.followed * F + f.streamerWatch * H + f.viewers * lv
    + f.followers * lf + f.activity * act + LONG_TERM.follow * lt;
  const g = E.gift;
  out.lGift = sc.gift0 + k.gift + cat.gift + g.taste * a + g.followed * F + g.streamerWatch * H + g.viewers * lv
    + g.activity * act + g.style * x.style + g.hour * hr + LONG_TERM.gift * lt;
  const o = E.order;
  out.lOrder = sc.order0 + k.order + cat.order + o.taste * a + o.followed * F + o.streamerWatch * H + o.followers * lf
    + o.activity * act + LONG_TERM.order * lt;

  const q = out.pEvGivenEnter; const pe = out.pEnter;
  out.pEv = pe * q;
  out.pFollow = pe * mix(q, out.lFollow, f.effectiveView);
  out.pGift = pe * mix(q, out.lGift, g.effectiveView);
  out.pOrder = pe * mix(q, out.lOrder, o.effectiveView);
  out.eWatch = pe * Math.exp(out.watchMu + (sc.watchSigma * sc.watchSigma) / 2);
  return out;
}

export interface LabelDraw { entered: number; watch: number; ev: number; follow: number; gift: number; order: number }

export function emptyLabels(): LabelDraw {
  return { entered: 0, watch: 0, ev: 0, follow: 0, gift: 0, order: 0 };
}

/**
 * Draws one impression's labels from its truth: enter ~ Bernoulli(pEnter) (the click on home/outside,
 * always on slide); if entered, watch = exp(watchMu + watchSigma z) (stored as float32), ev = watch >=
 * threshold, then follow/gift/order ~ Bernoulli(sigmoid(logit + k * ev)). Not entered: all zero.
 * The random draws happen in this order, so the same Rng state gives the same labels. `enterU`, when
 * given, is the uniform of the enter draw (the biased log couples click and click_at_top through it).
 */
export function drawLabels(t: TruthOutput, rng: Rng, out: LabelDraw, enterU?: number): LabelDraw {
  out.entered = t.pEnter >= 1 ? 1 : (enterU ?? rng.next()) < t.pEnter ? 1 : 0;
  if (!out.entered) { out.watch = 0; out.ev = 0; out.follow = 0; out.gift = 0; out.order = 0; return out; }
  out.watch = Math.fround(Math.exp(t.watchMu + t.watchSigma * rng.normal()));
  out.ev = out.watch >= t.threshold ? 1 : 0;
  out.follow = rng.next() < sigmoid(t.lFollow + out.ev * E.follow.effectiveView) ? 1 : 0;
  out.gift = rng.next() < sigmoid(t.lGift + out.ev * E.gift.effectiveView) ? 1 : 0;
  out.order = rng.next() < sigmoid(t.lOrder + out.ev * E.order.effectiveView) ? 1 : 0;
  return out;
}
