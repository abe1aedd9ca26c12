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
  /** Scenarios with the same followerAlpha share one set of trees. */
  private readonly groupOf: Int32Array;
  private readonly trees: Fenwick[][]; // [group][tree]
  private readonly tree0: Int32Array; // (category, country) tree of each session
  private readonly tree1: Int32Array; // (category, any) tree of each session
  private readonly slots: Int32Array; // 3 slots per session
  private readonly owner: Int32Array[]; // [tree][slot] -> session
  private readonly weights: Float64Array; // [group * nSessions + r]
  private readonly catPopCum: Float64Array;
  private readonly cand: number[] = [];
  liveCount = 0;

  constructor(private readonly se: Sessions, st: Streamers) {
    this.liveRoomOf = new Int32Array(st.n).fill(-1);
    const sizes = new Int32Array(NTREE);
    this.slots = new Int32Array(se.n * 3);
    this.tree0 = new Int32Array(se.n); this.tree1 = new Int32Array(se.n);
    for (let r = 0; r < se.n; r++) {
      const s = se.streamer[r]!; const c = st.category[s]!;
      this.tree0[r] = c * NKA + st.country[s]!; this.tree1[r] = c * NKA + NK;
      this.slots[r * 3] = sizes[this.tree0[r]!]!++;
      this.slots[r * 3 + 1] = sizes[this.tree1[r]!]!++;
      this.slots[r * 3 + 2] = sizes[GLOBAL]!++;
    }
    this.owner = Array.from(sizes, (n) => new Int32Array(n));
    for (let r = 0; r < se.n; r++) {
      this.owner[this.tree0[r]!]![this.slots[r * 3]!] = r;
      this.owner[this.tree1[r]!]![this.slots[r * 3 + 1]!] = r;
      this.owner[GLOBAL]![this.slots[r * 3 + 2]!] = r;
    }
    const alphas = [...new Set(SCENARIOS.map((n) => SCENARIO_SPECS[n].followerAlpha))];
    this.groupOf = Int32Array.from(SCENARIOS, (n) => alphas.indexOf(SCENARIO_SPECS[n].followerAlpha));
    this.trees = alphas.map(() => Array.from(sizes, (n) => new Fenwick(Math.max(1, n))));
    this.weights = new Float64Array(alphas.length * se.n);
    alphas.forEach((alpha, g) => {
      for (let r = 0; r < se.n; r++) {
        this.weights[g * se.n + r] = Math.max(1, Math.round(1000 * Math.pow(st.followers[se.streamer[r]!]!, alpha)));
      }
    });
    this.catPopCum = new Float64Array(NC);
    let acc = 0; const tot = CATEGORIES.reduce((s, c) => s + c.pop, 0);
    CATEGORIES.forEach((c, i) => { acc += c.pop / tot; this.catPopCum[i] = acc; });
  }

  private update(r: number, on: boolean): void {
    const t0 = this.tree0[r]!; const t1 = this.tree1[r]!;
    for (let g = 0; g < this.trees.length; g++) {
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

  private draw(trees: Fenwick[], t: number, rng: Rng): number {
    const slot = trees[t]!.sample(rng);
    return slot < 0 ? -1 : this.owner[t]![slot]!;
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
        if (fl) for (let i = 0; i < fl.length; i++) { const r = this.liveRoomOf[fl[i]!]!; if (r >= 0) cand.push(r); }
      } else {
        const base = u * h.seqLen;
        for (let i = 0; i < h.seqN[u]!; i++) { const r = this.liveRoomOf[h.seqS[base + i]!]!; if (r >= 0) cand.push(r); }
      }
      if (cand.length) return cand[rng.int(cand.length)]!;
    }
    let c = NC - 1;
    const x = rng.next();
    if (rng.next() < P.pPersonalCategory) {
      const base = u * NC;
      for (let i = 0; i < NC - 1; i++) if (x < users.catCdf[base + i]!) { c = i; break; }
    } else {
      for (let i = 0; i < NC - 1; i++) if (x < this.catPopCum[i]!) { c = i; break; }
    }
    const trees = this.trees[this.groupOf[g]!]!;
    let r = -1;
    if (rng.next() < P.pSameCountry) r = this.draw(trees, c * NKA + users.country[u]!, rng);
    if (r < 0) r = this.draw(trees, c * NKA + NK, rng);
    if (r < 0) r = this.draw(trees, GLOBAL, rng);
    if (r < 0) throw new Error('world: no live room at this time (the world has too few streamers for its size)');
    return r;
  }
}
