// Exposure policy: which live room an impression shows. Keeps the set of live rooms in Fenwick
// trees per (category, country) so a room can be drawn in O(log n) with weight followers^alpha.
import type { Rng } from '../../util/rng.js';
import { Fenwick } from './mathx.js';
import { CATEGORIES, POPULATION as P, SCENARIO_SPECS } from './params.js';
import { NC, NK, type Sessions, type Streamers, type Users } from './population.js';
import type { History } from './history.js';
import { SCENARIOS } from './schema.js';

const NKA = NK + 1; // countries + "any"
const NTREE = NC * NKA + 1;
const GLOBAL = NC * NKA;

export class LiveIndex {
  /** Live session of each streamer, or -1. */
  readonly liveRoomOf: Int32Array;
  private readonly trees: Fenwick[][]; // [scenario][tree]
  private readonly slots: Int32Array; // 3 slots per session
  private readonly owner: Int32Array[]; // [tree][slot] -> session
  private readonly weights: Float64Array; // [scenario * nSessions + r]
  private readonly catPopCum: Float64Array;
  private readonly cand: number[] = [];
  liveCount = 0;

  constructor(private readonly se: Sessions, private readonly st: Streamers) {
    this.liveRoomOf = new Int32Array(st.n).fill(-1);
    const sizes = new Int32Array(NTREE);
    this.slots = new Int32Array(se.n * 3);
    for (let r = 0; r < se.n; r++) {
      const s = se.streamer[r]!; const c = st.category[s]!; const k = st.country[s]!;
      const ts = [c * NKA + k, c * NKA + NK, GLOBAL];
      for (let j = 0; j < 3; j++) this.slots[r * 3 + j] = sizes[ts[j]!]!++;
    }
    this.owner = Array.from(sizes, (n) => new Int32Array(n));
    for (let r = 0; r < se.n; r++) {
      const s = se.streamer[r]!; const c = st.category[s]!; const k = st.country[s]!;
      const ts = [c * NKA + k, c * NKA + NK, GLOBAL];
      for (let j = 0; j < 3; j++) this.owner[ts[j]!]![this.slots[r * 3 + j]!] = r;
    }
    this.trees = SCENARIOS.map(() => Array.from(sizes, (n) => new Fenwick(Math.max(1, n))));
    this.weights = new Float64Array(SCENARIOS.length * se.n);
    SCENARIOS.forEach((name, g) => {
      const alpha = SCENARIO_SPECS[name].followerAlpha;
      for (let r = 0; r < se.n; r++) {
        this.weights[g * se.n + r] = Math.max(1, Math.round(1000 * Math.pow(st.followers[se.streamer[r]!]!, alpha)));
      }
    });
    this.catPopCum = new Float64Array(NC);
    let acc = 0; const tot = CATEGORIES.reduce((s, c) => s + c.pop, 0);
    CATEGORIES.forEach((c, i) => { acc += c.pop / tot; this.catPopCum[i] = acc; });
  }

  private update(r: number, on: boolean): void {
    const s = this.se.streamer[r]!; const c = this.st.category[s]!; const k = this.st.country[s]!;
    const t0 = c * NKA + k; const t1 = c * NKA + NK;
    for (let g = 0; g < SCENARIOS.length; g++) {
      const w = on ? this.weights[g * this.se.n + r]! : 0;
      const tg = this.trees[g]!;
      tg[t0]!.set(this.slots[r * 3]!, w);
      tg[t1]!.set(this.slots[r * 3 + 1]!, w);
      tg[GLOBAL]!.set(this.slots[r * 3 + 2]!, w);
    }
  }

  activate(r: number): void {
    this.update(r, true);
    this.liveRoomOf[this.se.streamer[r]!] = r;
    this.liveCount++;
  }

  deactivate(r: number): void {
    this.update(r, false);
    const s = this.se.streamer[r]!;
    if (this.liveRoomOf[s] === r) this.liveRoomOf[s] = -1;
    this.liveCount--;
  }

  /**
   * Choose the room for an impression of user u in scenario g: a live followed streamer
   * (pFollowedPath), a live recently watched streamer (pRecentPath), else a category (personal
   * with prob pPersonalCategory, else by popularity), a country (the user's with prob
   * pSameCountry, else any), and a room with weight followers^alpha. Returns a live room id.
   */
  choose(u: number, g: number, users: Users, h: History, rng: Rng): number {
    const spec = SCENARIO_SPECS[SCENARIOS[g]!];
    const path = rng.next();
    if (path < spec.pFollowedPath + spec.pRecentPath) {
      const cand = this.cand; cand.length = 0;
      if (path < spec.pFollowedPath) {
        const fl = h.follows[u];
        if (fl) for (const s of fl) if (this.liveRoomOf[s]! >= 0) cand.push(this.liveRoomOf[s]!);
      } else {
        const base = u * h.seqLen;
        for (let i = 0; i < h.seqN[u]!; i++) { const r = this.liveRoomOf[h.seqS[base + i]!]!; if (r >= 0) cand.push(r); }
      }
      if (cand.length) return cand[rng.int(cand.length)]!;
    }
    let c: number;
    const x = rng.next();
    if (rng.next() < P.pPersonalCategory) {
      const base = u * NC; c = NC - 1;
      for (let i = 0; i < NC - 1; i++) if (x < users.catCdf[base + i]!) { c = i; break; }
    } else {
      c = NC - 1;
      for (let i = 0; i < NC - 1; i++) if (x < this.catPopCum[i]!) { c = i; break; }
    }
    const trees = this.trees[g]!;
    if (rng.next() < P.pSameCountry) {
      const t = c * NKA + users.country[u]!;
      const slot = trees[t]!.sample(rng);
      if (slot >= 0) return this.owner[t]![slot]!;
    }
    for (const t of [c * NKA + NK, GLOBAL]) {
      const slot = trees[t]!.sample(rng);
      if (slot >= 0) return this.owner[t]![slot]!;
    }
    throw new Error('world: no live room at this time (the world has too few streamers for its size)');
  }
}
