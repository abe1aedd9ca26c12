// Request snapshots (docs/world.md §13): for sampled logged impressions, every room live at that
// moment described exactly as the world would have logged it at position 0 — the candidate sets
// that recall, coarse and fine ranking are evaluated on (issue 18). No draw of the world's own
// random streams is taken, so the world is byte-identical with or without snapshots.
import { Rng } from '../../util/rng.js';
import { makeTable, type Column, type Table } from '../table.js';
import { CATEGORIES, COUNTRIES } from './params.js';
import { AGES, DEVICES, GENDERS, describeRoom, emptyRoomView, type Viewing, type WorldState } from './describe.js';
import { emptyTruth, type TruthInput } from './truth.js';
import type { LiveIndex } from './exposure.js';
import { SCENARIOS } from './schema.js';

export interface RequestOptions {
  /** Requests are sampled from impressions with index in [from·N, to·N) (fractions, default 0 and 1). */
  from?: number;
  to?: number;
  /** Number of requests (a uniform sample of the eligible impressions; fewer if fewer are eligible). */
  count: number;
  /** At most this many live rooms per request (a uniform sample that keeps the logged room); default all. */
  candidates?: number;
  /** Only impressions whose effective_view label is 1 make requests (recall evaluation). */
  onlyEffectiveView?: boolean;
  /** Seed of the sampling (its own stream: the world's draws are untouched). Default 1. */
  seed?: number;
}

const NUM = ['request_id', 'impression_id', 'logged', 'ts', 'hour', 'scenario_id', 'position', 'user_id', 'country_id', 'user_activity',
  'room_id', 'streamer_id', 'category_id', 'streamer_followers', 'room_viewers', 'room_live_s', 'user_follow_count', 'hist_followed',
  'hist_streamer_watch_s', 'hist_category_watch_s', 'hist_total_watch_s',
  'p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order', 'e_watch_s', 'watch_mu'] as const;
const STR = ['scenario', 'country', 'user_age', 'user_gender', 'user_device', 'room_country', 'seq_streamer_ids', 'seq_category_ids'] as const;
type NumCol = (typeof NUM)[number]; type StrCol = (typeof STR)[number];
/** Column order of the snapshot table (ids first, then the impression layout, then the truth). */
const ORDER = ['request_id', 'impression_id', 'logged', 'ts', 'hour', 'scenario', 'scenario_id', 'position', 'user_id', 'country', 'country_id',
  'user_age', 'user_gender', 'user_device', 'user_activity', 'room_id', 'streamer_id', 'category_id', 'room_country', 'streamer_followers',
  'room_viewers', 'room_live_s', 'user_follow_count', 'hist_followed', 'hist_streamer_watch_s', 'hist_category_watch_s', 'hist_total_watch_s',
  'seq_streamer_ids', 'seq_category_ids', 'p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order', 'e_watch_s', 'watch_mu'];

interface Snapshot { impression: number; num: Record<NumCol, number[]>; str: Record<StrCol, string[]> }

export function checkRequestOptions(o: RequestOptions, what = 'world: requests'): Required<RequestOptions> {
  const from = o.from ?? 0, to = o.to ?? 1;
  if (!(from >= 0 && to <= 1 && from < to)) throw new Error(`${what}: from/to must satisfy 0 <= from < to <= 1, got ${from}, ${to}`);
  if (!Number.isInteger(o.count) || o.count < 1) throw new Error(`${what}.count: expected an integer >= 1, got ${o.count}`);
  const candidates = o.candidates ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(candidates) || candidates < 1) throw new Error(`${what}.candidates: expected an integer >= 1, got ${o.candidates}`);
  return { from, to, count: o.count, candidates, onlyEffectiveView: o.onlyEffectiveView ?? false, seed: o.seed ?? 1 };
}

/** Reservoir sample of eligible impressions; a kept impression's candidate rows are built at once. */
export class RequestSampler {
  private readonly o: Required<RequestOptions>;
  private readonly rng: Rng;
  private readonly lo: number; private readonly hi: number;
  private readonly kept: Snapshot[] = [];
  private seen = 0;
  private readonly x: TruthInput = { scenario: 0, position: 0, country: 0, category: 0, affinity: 0, followed: 0, streamerWatchS: 0, followers: 0, viewers: 0, sameCountry: 0, activityZ: 0, seqHits: 0, hour: 0, style: 0, quality: 0 };
  private readonly tr = emptyTruth();
  private readonly rv = emptyRoomView();

  constructor(opts: RequestOptions, n: number, private readonly w: WorldState, private readonly live: LiveIndex, private readonly startTs: number) {
    this.o = checkRequestOptions(opts);
    this.rng = new Rng(`liverank-requests-${this.o.seed}`);
    this.lo = Math.floor(this.o.from * n); this.hi = Math.floor(this.o.to * n);
  }

  /** Called for every impression after its labels are drawn and before the history learns them. */
  offer(i: number, ev: boolean, v: Viewing, loggedRoom: number): void {
    if (i < this.lo || i >= this.hi || (this.o.onlyEffectiveView && !ev)) return;
    this.seen++;
    if (this.kept.length < this.o.count) { this.kept.push(this.snapshot(i, v, loggedRoom)); return; }
    const j = this.rng.int(this.seen);
    if (j < this.o.count) this.kept[j] = this.snapshot(i, v, loggedRoom);
  }

  /** The snapshot table: requests in time order, request_id 0.. in that order. */
  table(): Table {
    const ks = [...this.kept].sort((a, b) => a.impression - b.impression);
    const rows = ks.reduce((s, k) => s + k.num.room_id.length, 0);
    const cols: Record<string, Column> = {};
    for (const name of NUM) {
      const out = name.startsWith('p_') || name.startsWith('e_') || name === 'watch_mu' || name === 'user_activity' || name.startsWith('hist_') && name !== 'hist_followed' ? new Float64Array(rows) : new Int32Array(rows);
      let at = 0;
      ks.forEach((k, rid) => { const src = k.num[name]; for (let j = 0; j < src.length; j++) out[at++] = name === 'request_id' ? rid : src[j]!; });
      cols[name] = out;
    }
    for (const name of STR) cols[name] = ks.flatMap((k) => k.str[name]);
    return makeTable(Object.fromEntries(ORDER.map((n) => [n, cols[n]!])));
  }

  private candidates(loggedRoom: number): number[] {
    const all: number[] = [];
    const of = this.live.liveRoomOf;
    for (let s = 0; s < of.length; s++) if (of[s]! >= 0 && of[s] !== loggedRoom) all.push(of[s]!);
    const want = Math.min(all.length, this.o.candidates - 1);
    for (let j = 0; j < want && want < all.length; j++) { // partial Fisher–Yates
      const m = j + this.rng.int(all.length - j); const tmp = all[j]!; all[j] = all[m]!; all[m] = tmp;
    }
    const rooms = all.slice(0, want); rooms.push(loggedRoom);
    return rooms.sort((a, b) => a - b);
  }

  private snapshot(i: number, v: Viewing, loggedRoom: number): Snapshot {
    const { users, st, se, hist } = this.w;
    const num = Object.fromEntries(NUM.map((n) => [n, [] as number[]])) as Record<NumCol, number[]>;
    const str = Object.fromEntries(STR.map((n) => [n, [] as string[]])) as Record<StrCol, string[]>;
    const codes = COUNTRIES.map((c) => c.code);
    const seqS = hist.seqStreamers(v.u), seqC = hist.seqCategories(v.u);
    for (const room of this.candidates(loggedRoom)) {
      describeRoom(this.w, v, room, 0, this.x, this.tr, this.rv);
      const { s, c, viewers, followed, sw } = this.rv; const tr = this.tr;
      const vals: Record<NumCol, number> = {
        request_id: 0, impression_id: i, logged: room === loggedRoom ? 1 : 0, ts: this.startTs + v.t, hour: v.hour, scenario_id: v.g, position: 0,
        user_id: users.extId[v.u]!, country_id: v.k, user_activity: Math.fround(users.activity[v.u]!),
        room_id: room, streamer_id: st.extId[s]!, category_id: c, streamer_followers: st.followers[s]!, room_viewers: viewers,
        room_live_s: v.t - se.start[room]!, user_follow_count: hist.followCount[v.u]!, hist_followed: followed,
        hist_streamer_watch_s: Math.fround(sw), hist_category_watch_s: Math.fround(hist.catWatch[v.u * CATEGORIES.length + c]!),
        hist_total_watch_s: Math.fround(hist.totalWatch[v.u]!),
        p_click: tr.pClick, p_effective_view: tr.pEv, p_follow: tr.pFollow, p_gift: tr.pGift, p_order: tr.pOrder, e_watch_s: tr.eWatch, watch_mu: tr.watchMu,
      };
      for (const n of NUM) num[n].push(vals[n]);
      str.scenario.push(SCENARIOS[v.g]!); str.country.push(codes[v.k]!);
      str.user_age.push(AGES[users.age[v.u]!]!); str.user_gender.push(GENDERS[users.gender[v.u]!]!); str.user_device.push(DEVICES[users.device[v.u]!]!);
      str.room_country.push(codes[st.country[s]!]!); str.seq_streamer_ids.push(seqS); str.seq_category_ids.push(seqC);
    }
    return { impression: i, num, str };
  }
}
