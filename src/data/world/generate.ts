// generateWorld: the seeded synthetic live-stream world (docs/world.md). One pass over the
// impressions in time order: pick the user, scenario, position and a live room, read the
// real-time history, compute the true probabilities, draw the labels, update the history.
import { Rng } from '../../util/rng.js';
import { makeTable, type Table } from '../table.js';
import { AliasTable } from './mathx.js';
import { CATEGORIES, COUNTRIES, NUM_POSITIONS, POPULATION as P, POSITION_DECAY, SCENARIO_SHARES, SCENARIO_SPECS, STANDARDISE } from './params.js';
import { DAY, makeLatent, makeSessions, makeStreamers, makeUsers, streamerCount, TimeOfDaySampler } from './population.js';
import { History, seedPriorHistory } from './history.js';
import { LiveIndex } from './exposure.js';
import { computeTruth, drawLabels, emptyLabels, emptyTruth, examination, type TruthInput } from './truth.js';
import { computeTruthHetero, heteroModel, parseHeterogeneity } from './hetero.js';
import type { Heterogeneity, HeteroSpec } from './hetero-params.js';
import { SCENARIOS } from './schema.js';
import { BIASED_LOG, BiasedLogger, logit, parseLoggingNoise, parseLoggingPolicy, type LoggingPolicy } from './biased-log.js';
import { buildRoomsTable, buildUsersTable } from './sidetables.js';
import { AGES, DEVICES, GENDERS, describeRoom, emptyRoomView, type Viewing, type WorldState } from './describe.js';
import { RequestSampler, type RequestOptions } from './requests.js';
import { longHistoryFor, type LongHistoryOptions } from './long-history.js';
import type { BehaviorLog } from '../../features/behavior/log.js';
import { driftModel, type DriftMeta, type DriftOption } from './drift.js';

export interface WorldOptions {
  /** Number of impressions (default 1 000 000). Users, streamers and live rooms scale with it. */
  impressions?: number;
  seed?: number;
  /** Simulated days (default 1). */
  days?: number;
  /** Unix seconds of the world's start (default 2024-01-01T00:00:00Z). */
  startTs?: number;
  /**
   * Rooms live at a time per million impressions a day (default 10 500: ~12k live in a 1 M world).
   * Fewer rooms means fewer streamers with more impressions each, so per-streamer effects become
   * learnable from the data (the demo uses 4 000 over 3 days).
   */
  liveRoomsPerMillionPerDay?: number;
  /** Users per impression (default 0.05: 50k users in a 1 M world, ~20 impressions each). */
  usersPerImpression?: number;
  /**
   * 'none' (default): every scenario and country only shifts each task's level (docs/world.md §4).
   * 'multi_scenario': per-scenario coefficient vectors, per-country changes in MX/TH/SA and
   * per-scenario examination curves (docs/world.md §10). Population, exposure and random draws
   * are the same; only the true probabilities (and so the labels) change.
   */
  heterogeneity?: Heterogeneity;
  /**
   * 'random' (default): positions are drawn independently of the room (docs/world.md §2).
   * 'biased': the logging policy orders each request's cards by a noisy estimate of relevance and
   * the counterfactual truth (p_click_relevance, click_at_top, p_examine) is written beside every
   * impression (docs/world.md §12). Combines with any heterogeneity.
   */
  loggingPolicy?: LoggingPolicy;
  /** Biased policy only: sd of its per-proposal error on the click logit (default 0.5, docs/world.md §12). */
  loggingNoise?: number;
  /** Biased policy only: sd of its persistent per-streamer error on the click logit (default 1.0, docs/world.md §12). */
  loggingStreamerNoise?: number;
  /**
   * Write the counterfactual truth (p_click_relevance, click_at_top, p_examine) under the default
   * random policy too (the biased policy always writes it): click_at_top is drawn conditionally on
   * the logged click (1 when clicked, else with probability (p_rel − p_click) / (1 − p_click) from
   * the extra stream), so every other column stays byte-identical to the world without it.
   */
  counterfactualTruth?: boolean;
  /**
   * Request snapshots (docs/world.md §13): for a sample of logged impressions, every room live at
   * that moment as the world would have logged it at position 0, with its truth (`world.requests`).
   * Takes none of the world's random draws: every other output is byte-identical.
   */
  requests?: RequestOptions;
  /**
   * Drift over the days (docs/world.md "Drift", src/data/world/drift.ts): category appeal moves
   * (seeded random walk + rise-and-fall trends) and new streamers are born each day. Off by default.
   */
  drift?: DriftOption;
  /**
   * Long behaviour histories (docs/world.md §15, src/data/world/long-history.ts): a per-user log of up
   * to max_len past behaviours (World.behaviors) whose old part reveals dormant interests that raise
   * the truth. Off by default (the world is then unchanged); `true` = the defaults.
   */
  longHistory?: LongHistoryOptions | boolean;
  /** Called every ~5 % with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface WorldMeta {
  options: { impressions: number; seed: number; days: number; startTs: number; liveRoomsPerMillionPerDay: number; usersPerImpression: number; heterogeneity?: Heterogeneity; loggingPolicy?: LoggingPolicy; loggingNoise?: number; loggingStreamerNoise?: number; counterfactualTruth?: boolean };
  /** The coefficients of a heterogeneous world (absent in the default world, whose meta is unchanged). */
  heterogeneity?: HeteroSpec;
  /** The biased logging policy and its exact examination curves (absent in today's world). */
  loggingPolicy?: BiasedLogMeta;
  /** The drift schedule (absent without drift). */
  drift?: DriftMeta;
  /** Long histories: options, effects and realised sizes (absent without long_history). */
  longHistory?: ReturnType<import('./long-history.js').LongHistory['meta']>;
  sizes: { users: number; streamers: number; rooms: number; avgLiveRooms: number; seqLen: number };
  countries: string[];
  categories: string[];
  scenarios: Record<string, { share: number; threshold: number; watchSigma: number; positional: boolean }>;
  /** user_activity = activityScale * exp(logActivitySd * z_act). */
  activityScale: number;
  logActivitySd: number;
  /** Latent taste structure: a(u,c) = countryTaste[country][c] + sum_d latent_taste_d(u) * categoryFactor[c][d]. */
  latent: { countryTaste: number[][]; categoryFactor: number[][]; ageTaste: number[][]; genderTaste: number[][] };
  generationMs: number;
  /** Wall time of the phases: population + prior history, impression times, the impression loop, side tables. */
  phaseMs: { population: number; times: number; impressions: number; tables: number };
}

export interface BiasedLogMeta {
  kind: 'biased';
  noise: number; streamerNoise: number; requestSize: number; scrollDecay: number; poolSize: number;
  /** e_s(k), k = 0..19, of each positional scenario: p_click = examination[s][position] · p_click_relevance. */
  examination: Record<string, number[]>;
}

export interface World {
  impressions: Table;
  users: Table;
  rooms: Table;
  meta: WorldMeta;
  /** Request snapshots, when `requests` was given (src/data/world/requests.ts). */
  requests?: Table;
  /** The per-user behaviour log, when `longHistory` was given (src/features/behavior/log.ts). */
  behaviors?: BehaviorLog;
}

export const DEFAULT_START_TS = 1704067200;

export function generateWorld(opts: WorldOptions = {}): World {
  const t0 = Date.now();
  const N = opts.impressions ?? 1_000_000;
  const seed = opts.seed ?? 1;
  const days = opts.days ?? 1;
  const startTs = opts.startTs ?? DEFAULT_START_TS;
  if (!Number.isInteger(N) || N < 1000) throw new Error(`world: impressions must be an integer >= 1000, got ${N}`);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new Error(`world: days must be an integer in 1..366, got ${days}`);
  if (!Number.isFinite(seed)) throw new Error(`world: seed must be a number, got ${seed}`);
  if (!Number.isInteger(startTs) || startTs < 0 || startTs + days * DAY > 2147483647) throw new Error(`world: startTs ${startTs} out of range`);
  const heterogeneity = parseHeterogeneity(opts.heterogeneity, 'world: heterogeneity');
  const hetero = heteroModel(heterogeneity);
  const loggingPolicy = parseLoggingPolicy(opts.loggingPolicy, 'world: loggingPolicy');
  const biased = loggingPolicy === 'biased';
  const loggingNoise = parseLoggingNoise(opts.loggingNoise, loggingPolicy, 'world: loggingNoise');
  const loggingStreamerNoise = parseLoggingNoise(opts.loggingStreamerNoise, loggingPolicy, 'world: loggingStreamerNoise', BIASED_LOG.streamerNoise);
  const examAt = (g: number, pos: number) => (hetero ? hetero.exam[g * NUM_POSITIONS + pos]! : examination(pos));

  const root = new Rng(seed);
  const rUsers = root.fork(); const rStreamers = root.fork(); const rSessions = root.fork();
  const rPrior = root.fork(); const rTime = root.fork(); const rImp = root.fork(); const rExpo = root.fork(); const rLabel = root.fork();
  // Biased log only (forked after the others, so today's streams are unchanged): the policy's noise,
  // request and scroll draws; the uniform coupling click and click_at_top.
  const rPolicy = root.fork(); const rCf = root.fork();

  const usersPerImpression = opts.usersPerImpression ?? P.usersPerImpression;
  if (!(usersPerImpression > 0 && usersPerImpression <= 1)) throw new Error(`world: usersPerImpression must be in (0, 1], got ${usersPerImpression}`);
  const nUsers = Math.max(100, Math.round(usersPerImpression * N));
  const latent = makeLatent();
  const users = makeUsers(nUsers, N / days, latent, rUsers);
  const liveRooms = opts.liveRoomsPerMillionPerDay ?? P.liveRoomsPerMillionPerDay;
  if (!(liveRooms > 0)) throw new Error(`world: liveRoomsPerMillionPerDay must be > 0, got ${liveRooms}`);
  const st0 = makeStreamers(streamerCount(N, days, liveRooms), rStreamers);
  const drift = driftModel(opts.drift, seed, days, st0);
  const st = drift ? drift.streamers : st0;
  const se = drift ? drift.sessions(makeSessions(st, days, rSessions)) : makeSessions(st, days, rSessions);
  const hist = new History(nUsers, st.extId, P.seqLen, Math.max(1024, nUsers * 8));
  const policy = biased ? new BiasedLogger(nUsers, st.n, SCENARIOS.length, loggingNoise, loggingStreamerNoise, rPolicy) : null;
  const priorFollows = seedPriorHistory(hist, users, drift ? drift.priorStreamers : st, rPrior);
  const live = new LiveIndex(se, st);
  const long = longHistoryFor(opts, users, st, hist, N, root, startTs);

  // Impression times (sorted), users, scenarios, positions.
  const tSetup = Date.now();
  const times = new Float64Array(N);
  const timeSampler = new TimeOfDaySampler(21);
  for (let i = 0; i < N; i++) times[i] = timeSampler.draw(rTime, rTime.int(days));
  times.sort();
  const userAlias = new AliasTable(users.activity);
  const posAlias = new AliasTable(Array.from({ length: NUM_POSITIONS }, (_, k) => Math.pow(POSITION_DECAY, k)));
  const homeGivenInside = SCENARIO_SHARES.home / (SCENARIO_SHARES.home + SCENARIO_SHARES.slide);

  const col = {
    impression_id: new Int32Array(N), ts: new Int32Array(N), hour: new Uint8Array(N),
    scenario: [] as (string | null)[], scenario_id: new Uint8Array(N), position: new Uint8Array(N),
    user_id: new Int32Array(N), country: [] as (string | null)[], country_id: new Uint8Array(N),
    user_age: [] as (string | null)[], user_gender: [] as (string | null)[], user_device: [] as (string | null)[],
    user_activity: new Float32Array(N),
    room_id: new Int32Array(N), streamer_id: new Int32Array(N), category_id: new Uint8Array(N),
    room_country: [] as (string | null)[], streamer_followers: new Int32Array(N), room_viewers: new Int32Array(N),
    room_live_s: new Int32Array(N),
    user_follow_count: new Int32Array(N), hist_followed: new Uint8Array(N), hist_streamer_watch_s: new Float32Array(N),
    hist_category_watch_s: new Float32Array(N), hist_total_watch_s: new Float32Array(N),
    seq_streamer_ids: [] as (string | null)[], seq_category_ids: [] as (string | null)[],
    click: new Float32Array(N), watch_s: new Float32Array(N), effective_view: new Uint8Array(N),
    follow: new Uint8Array(N), gift: new Uint8Array(N), order: new Uint8Array(N),
    p_click: new Float64Array(N), p_effective_view: new Float64Array(N), p_follow: new Float64Array(N),
    p_gift: new Float64Array(N), p_order: new Float64Array(N), e_watch_s: new Float64Array(N), watch_mu: new Float64Array(N),
  };
  const withCf = biased || opts.counterfactualTruth === true;
  const cf = withCf ? { p_click_relevance: new Float64Array(N), click_at_top: new Float32Array(N), p_examine: new Float64Array(N) } : null;
  const codes = COUNTRIES.map((c) => c.code);
  const userImps = new Int32Array(nUsers); const roomImps = new Int32Array(se.n);
  const endOrder = Array.from({ length: se.n }, (_, i) => i).sort((a, b) => se.end[a]! - se.end[b]! || a - b);
  let nextStart = 0; let nextEnd = 0; let liveSum = 0;
  const x: TruthInput = {
    scenario: 0, position: 0, country: 0, category: 0, affinity: 0, followed: 0, streamerWatchS: 0, followers: 0,
    viewers: 0, sameCountry: 0, activityZ: 0, seqHits: 0, hour: 0, style: 0, quality: 0,
  };
  const tr = emptyTruth();
  const rv = emptyRoomView();
  const state: WorldState = { users, st, se, hist, hetero, ...(drift ? { drift } : {}), ...(long ? { long } : {}) };
  const sampler = opts.requests ? new RequestSampler(opts.requests, N, state, live, startTs) : null;
  const progressEvery = Math.max(1, Math.floor(N / 20));
  const lab = emptyLabels();

  const tLoop = Date.now();
  for (let i = 0; i < N; i++) {
    const t = Math.floor(times[i]!);
    while (nextStart < se.n && se.start[nextStart]! <= t) live.activate(nextStart++);
    while (nextEnd < se.n && se.end[endOrder[nextEnd]!]! <= t) live.deactivate(endOrder[nextEnd++]!);
    liveSum += live.liveCount;

    const u = userAlias.sample(rImp);
    const g = rImp.next() < users.outsideProp[u]! ? 2 : rImp.next() < homeGivenInside ? 0 : 1;
    const spec = SCENARIO_SPECS[SCENARIOS[g]!];
    const k = users.country[u]!;
    const hour = Math.floor((t % DAY) / 3600);
    let pos = 0;
    const view: Viewing = { u, g, k, hour, t };
    /** The truth inputs of room r shown at position p (no random draws). */
    const describe = (room: number, p: number) => describeRoom(state, view, room, p, x, tr, rv);
    let pRel = NaN;
    if (policy && spec.positional) {
      // Biased log: candidates are proposed until one is logged at its rank in the request.
      for (let tries = 0; ; tries++) {
        if (tries >= BIASED_LOG.maxProposals) throw new Error(`world: the biased logging policy logged no card in ${tries} proposals (impression ${i})`);
        describe(live.choose(u, g, users, hist, rExpo), 0);
        pRel = tr.pClick; // examination 1 at position 0
        const rank = policy.rank(u, g, policy.score(logit(pRel), rv.s, rPolicy), rPolicy);
        if (policy.logged(rank, rPolicy)) { pos = rank; break; }
      }
      x.position = pos;
      if (hetero) computeTruthHetero(x, tr, hetero); else computeTruth(x, tr);
    } else {
      pos = spec.positional ? posAlias.sample(rImp) : 0;
      const room = long ? long.choose(u, live.liveRoomOf, () => live.choose(u, g, users, hist, rExpo)) : live.choose(u, g, users, hist, rExpo);
      if (withCf && spec.positional) { describe(room, 0); pRel = tr.pClick; } // the click probability at the top (no random draws)
      describe(room, pos);
    }

    const { r, s, c, viewers, followed, sw } = rv;
    col.impression_id[i] = i; col.ts[i] = startTs + t; col.hour[i] = hour;
    col.scenario.push(SCENARIOS[g]!); col.scenario_id[i] = g; col.position[i] = pos;
    col.user_id[i] = users.extId[u]!; col.country.push(codes[k]!); col.country_id[i] = k;
    col.user_age.push(AGES[users.age[u]!]!); col.user_gender.push(GENDERS[users.gender[u]!]!); col.user_device.push(DEVICES[users.device[u]!]!);
    col.user_activity[i] = users.activity[u]!;
    col.room_id[i] = r; col.streamer_id[i] = st.extId[s]!; col.category_id[i] = c; col.room_country.push(codes[st.country[s]!]!);
    col.streamer_followers[i] = st.followers[s]!; col.room_viewers[i] = viewers; col.room_live_s[i] = t - se.start[r]!;
    col.user_follow_count[i] = hist.followCount[u]!; col.hist_followed[i] = followed; col.hist_streamer_watch_s[i] = sw;
    col.hist_category_watch_s[i] = hist.catWatch[u * CATEGORIES.length + c]!; col.hist_total_watch_s[i] = hist.totalWatch[u]!;
    col.seq_streamer_ids.push(hist.seqStreamers(u)); col.seq_category_ids.push(hist.seqCategories(u));
    col.p_click[i] = tr.pClick; col.p_effective_view[i] = tr.pEv; col.p_follow[i] = tr.pFollow;
    col.p_gift[i] = tr.pGift; col.p_order[i] = tr.pOrder; col.e_watch_s[i] = tr.eWatch; col.watch_mu[i] = tr.watchMu;

    // Labels: enter (click, or always on slide) -> watch seconds -> effective view -> follow/gift/order.
    if (cf && !biased) {
      // Random policy: the logged labels exactly as without the option; click_at_top coupled to the click.
      drawLabels(tr, rLabel, lab);
      if (spec.positional) {
        cf.p_click_relevance[i] = pRel; cf.p_examine[i] = examAt(g, pos);
        cf.click_at_top[i] = lab.entered || rCf.next() * (1 - tr.pClick) < pRel - tr.pClick ? 1 : 0;
      } else {
        cf.p_click_relevance[i] = NaN; cf.click_at_top[i] = NaN; cf.p_examine[i] = 1;
      }
    } else if (cf) {
      if (spec.positional) {
        // One uniform: click_at_top = [U < p_rel], click = [U < e(pos)·p_rel], so click implies click_at_top.
        const U = rCf.next();
        cf.p_click_relevance[i] = pRel; cf.click_at_top[i] = U < pRel ? 1 : 0; cf.p_examine[i] = examAt(g, pos);
        drawLabels(tr, rLabel, lab, U);
      } else {
        cf.p_click_relevance[i] = NaN; cf.click_at_top[i] = NaN; cf.p_examine[i] = 1;
        drawLabels(tr, rLabel, lab);
      }
    } else drawLabels(tr, rLabel, lab);
    col.click[i] = spec.positional ? lab.entered : NaN;
    col.watch_s[i] = lab.watch; col.effective_view[i] = lab.ev;
    col.follow[i] = lab.follow; col.gift[i] = lab.gift; col.order[i] = lab.order;
    sampler?.offer(i, lab.ev === 1, view, r);
    long?.afterRow(i, u, startTs + t, s, c, lab, x.longTerm);
    if (lab.entered) {
      hist.addWatch(u, s, c, lab.watch);
      if (lab.follow) hist.follow(u, s);
      if (lab.ev) hist.pushSeq(u, s, c);
    }
    userImps[u] = userImps[u]! + 1; roomImps[r] = roomImps[r]! + 1;
    if (opts.onProgress && (i + 1) % progressEvery === 0) opts.onProgress(i + 1, N);
  }

  const tTables = Date.now();
  const impressions = makeTable({ ...(cf ? { ...col, ...cf } : col), ...(long ? long.columns() : {}) });
  const meta: WorldMeta = {
    options: { impressions: N, seed, days, startTs, liveRoomsPerMillionPerDay: liveRooms, usersPerImpression, ...(hetero ? { heterogeneity } : {}), ...(biased ? { loggingPolicy, loggingNoise, loggingStreamerNoise } : {}), ...(withCf && !biased ? { counterfactualTruth: true } : {}) },
    ...(hetero ? { heterogeneity: hetero.spec } : {}),
    ...(biased ? { loggingPolicy: biasedLogMeta(loggingNoise, loggingStreamerNoise, examAt) } : {}),
    ...(drift ? { drift: drift.meta } : {}),
    ...(long ? { longHistory: long.meta() } : {}),
    sizes: { users: nUsers, streamers: st.n, rooms: se.n, avgLiveRooms: Math.round(liveSum / N), seqLen: P.seqLen },
    countries: codes,
    categories: CATEGORIES.map((c) => c.name),
    scenarios: Object.fromEntries(SCENARIOS.map((n) => [n, {
      share: SCENARIO_SHARES[n], threshold: SCENARIO_SPECS[n].threshold, watchSigma: SCENARIO_SPECS[n].watchSigma, positional: SCENARIO_SPECS[n].positional,
    }])),
    activityScale: users.activityScale,
    logActivitySd: STANDARDISE.logActivitySd,
    latent: {
      countryTaste: codes.map((_, k) => Array.from(latent.countryTaste.subarray(k * CATEGORIES.length, (k + 1) * CATEGORIES.length))),
      categoryFactor: CATEGORIES.map((_, c) => Array.from(latent.catFactor.subarray(c * P.tasteRank, (c + 1) * P.tasteRank))),
      ageTaste: [0, 1, 2, 3].map((a) => Array.from(latent.ageTaste.subarray(a * P.tasteRank, (a + 1) * P.tasteRank))),
      genderTaste: [0, 1, 2].map((g) => Array.from(latent.genderTaste.subarray(g * P.tasteRank, (g + 1) * P.tasteRank))),
    },
    generationMs: 0,
    phaseMs: { population: tSetup - t0, times: tLoop - tSetup, impressions: tTables - tLoop, tables: 0 },
  };
  const world: World = {
    impressions,
    users: buildUsersTable(users, priorFollows, userImps),
    rooms: buildRoomsTable(se, st, startTs, roomImps),
    meta,
    ...(sampler ? { requests: sampler.table() } : {}),
    ...(long ? { behaviors: long.freeze() } : {}),
  };
  meta.generationMs = Date.now() - t0;
  meta.phaseMs.tables = Date.now() - tTables;
  return world;
}


function biasedLogMeta(noise: number, streamerNoise: number, examAt: (g: number, pos: number) => number): BiasedLogMeta {
  const examination: Record<string, number[]> = {};
  SCENARIOS.forEach((name, g) => {
    if (SCENARIO_SPECS[name].positional) examination[name] = Array.from({ length: NUM_POSITIONS }, (_, p) => examAt(g, p));
  });
  return { kind: 'biased', noise, streamerNoise, requestSize: BIASED_LOG.requestSize, scrollDecay: BIASED_LOG.scrollDecay, poolSize: BIASED_LOG.poolSize, examination };
}
