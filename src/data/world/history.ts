// Per-user real-time history: user x streamer (followed, watch seconds), user x category watch
// seconds, total watch, and the recent effective-view sequence. Seeded from a latent "prior"
// history (before the world starts), then updated by the world's own events in time order.
import type { Rng } from '../../util/rng.js';
import { AliasTable, PairMap, filled, poisson } from './mathx.js';
import { POPULATION as P } from './params.js';
import { NC, NK, type Streamers, type Users } from './population.js';
import { SEQ_SEPARATOR } from './schema.js';

export class History {
  /** (user, streamer) -> slot in the pair arrays. */
  private readonly slotOf: PairMap;
  private pairWatch: Float64Array;
  private pairFollowed: Uint8Array;
  private used = 0;
  readonly catWatch: Float64Array;
  readonly totalWatch: Float64Array;
  readonly follows: (number[] | undefined)[];
  readonly followCount: Int32Array;
  readonly seqS: Int32Array;
  readonly seqC: Uint8Array;
  readonly seqN: Uint8Array;
  private readonly seqStrS: (string | undefined)[];
  private readonly seqStrC: (string | undefined)[];

  /** streamerExt maps internal streamer indices to the public ids written in seq_streamer_ids. */
  constructor(readonly nUsers: number, private readonly streamerExt: Int32Array, readonly seqLen: number, capacity = 1024) {
    this.slotOf = new PairMap(capacity);
    this.pairWatch = new Float64Array(capacity);
    this.pairFollowed = new Uint8Array(capacity);
    this.catWatch = new Float64Array(nUsers * NC);
    this.totalWatch = new Float64Array(nUsers);
    this.follows = filled<number[] | undefined>(nUsers, undefined);
    this.followCount = new Int32Array(nUsers);
    this.seqS = new Int32Array(nUsers * seqLen);
    this.seqC = new Uint8Array(nUsers * seqLen);
    this.seqN = new Uint8Array(nUsers);
    this.seqStrS = filled<string | undefined>(nUsers, '');
    this.seqStrC = filled<string | undefined>(nUsers, '');
  }

  /** Slot of (u, s), or -1. */
  slot(u: number, s: number): number {
    return this.slotOf.get(u, s);
  }

  private ensureSlot(u: number, s: number): number {
    const v = this.slotOf.get(u, s);
    if (v >= 0) return v;
    if (this.used === this.pairWatch.length) {
      const w = new Float64Array(this.used * 2); w.set(this.pairWatch); this.pairWatch = w;
      const f = new Uint8Array(this.used * 2); f.set(this.pairFollowed); this.pairFollowed = f;
    }
    const slot = this.used++;
    this.slotOf.set(u, s, slot);
    return slot;
  }

  streamerWatch(slot: number): number { return slot < 0 ? 0 : this.pairWatch[slot]!; }
  followed(slot: number): number { return slot < 0 ? 0 : this.pairFollowed[slot]!; }

  addWatch(u: number, s: number, c: number, seconds: number): void {
    const slot = this.ensureSlot(u, s);
    this.pairWatch[slot] = this.pairWatch[slot]! + seconds;
    this.catWatch[u * NC + c] = this.catWatch[u * NC + c]! + seconds;
    this.totalWatch[u] = this.totalWatch[u]! + seconds;
  }

  follow(u: number, s: number): void {
    const slot = this.ensureSlot(u, s);
    if (this.pairFollowed[slot]) return;
    this.pairFollowed[slot] = 1;
    (this.follows[u] ??= []).push(s);
    this.followCount[u] = this.followCount[u]! + 1;
  }

  /** Put (s, c) at the front of u's recent sequence. */
  pushSeq(u: number, s: number, c: number): void {
    const L = this.seqLen; const base = u * L;
    const n = this.seqN[u]!;
    const keep = Math.min(n, L - 1);
    for (let i = keep; i > 0; i--) { this.seqS[base + i] = this.seqS[base + i - 1]!; this.seqC[base + i] = this.seqC[base + i - 1]!; }
    this.seqS[base] = s; this.seqC[base] = c;
    this.seqN[u] = keep + 1;
    // Update the joined strings incrementally: prepend the new id, drop the oldest when full.
    this.seqStrS[u] = prepend(this.seqStrS[u], this.streamerExt[s]!, n, L);
    this.seqStrC[u] = prepend(this.seqStrC[u], c, n, L);
  }

  /** Drop the cached joined sequences (they are rebuilt on first use): makes bulk seeding cheap. */
  clearSeqStrings(): void {
    this.seqStrS.fill(undefined); this.seqStrC.fill(undefined);
  }

  /** Occurrences of category c in u's recent sequence. */
  seqHits(u: number, c: number): number {
    const base = u * this.seqLen; const n = this.seqN[u]!;
    let h = 0;
    for (let i = 0; i < n; i++) if (this.seqC[base + i] === c) h++;
    return h;
  }

  seqStreamers(u: number): string {
    let s = this.seqStrS[u];
    if (s === undefined) {
      const base = u * this.seqLen; const parts: number[] = [];
      for (let i = 0; i < this.seqN[u]!; i++) parts.push(this.streamerExt[this.seqS[base + i]!]!);
      s = parts.join(SEQ_SEPARATOR); this.seqStrS[u] = s;
    }
    return s;
  }

  seqCategories(u: number): string {
    let s = this.seqStrC[u];
    if (s === undefined) {
      const base = u * this.seqLen; const parts: number[] = [];
      for (let i = 0; i < this.seqN[u]!; i++) parts.push(this.seqC[base + i]!);
      s = parts.join(SEQ_SEPARATOR); this.seqStrC[u] = s;
    }
    return s;
  }
}

function prepend(old: string | undefined, id: number, n: number, L: number): string | undefined {
  if (old === undefined) return undefined; // rebuilt lazily
  if (n === 0) return String(id);
  let rest = old;
  if (n >= L) { const cut = old.lastIndexOf(SEQ_SEPARATOR); rest = cut < 0 ? '' : old.slice(0, cut); }
  return rest === '' ? String(id) : `${id}${SEQ_SEPARATOR}${rest}`;
}

/** Streamer pickers used for the prior history: per (category, country) and per category, weight sqrt(followers). */
export class StreamerPicker {
  private readonly byCatCountry: (AliasTable | null)[] = [];
  private readonly byCat: (AliasTable | null)[] = [];
  private readonly membersCK: Int32Array[] = [];
  private readonly membersC: Int32Array[] = [];

  constructor(st: Streamers) {
    const lists: number[][] = Array.from({ length: NC * NK }, () => []);
    for (let s = 0; s < st.n; s++) lists[st.category[s]! * NK + st.country[s]!]!.push(s);
    for (let c = 0; c < NC; c++) {
      const all: number[] = [];
      for (let k = 0; k < NK; k++) {
        const m = lists[c * NK + k]!;
        all.push(...m);
        this.membersCK.push(Int32Array.from(m));
        this.byCatCountry.push(m.length ? new AliasTable(m.map((s) => Math.sqrt(st.followers[s]!))) : null);
      }
      this.membersC.push(Int32Array.from(all));
      this.byCat.push(all.length ? new AliasTable(all.map((s) => Math.sqrt(st.followers[s]!))) : null);
    }
  }

  pick(rng: Rng, c: number, k: number, sameCountry: boolean): number {
    const ck = this.byCatCountry[c * NK + k];
    if (sameCountry && ck) return this.membersCK[c * NK + k]![ck.sample(rng)]!;
    const a = this.byCat[c];
    return a ? this.membersC[c]![a.sample(rng)]! : -1;
  }
}

function pickCategory(users: Users, u: number, rng: Rng): number {
  const x = rng.next(); const base = u * NC;
  for (let c = 0; c < NC - 1; c++) if (x < users.catCdf[base + c]!) return c;
  return NC - 1;
}

/**
 * Prior history (the latent process before the world starts), with rel = exp(1.3 z_act) (median 1):
 * follows ~ Poisson(1.5 sqrt(rel)), other watched streamers ~ Poisson(3 sqrt(rel)), watch seconds
 * log-normal (followed: median 900 s; others: 120 s), generic category watch ~ 1800 rel^0.7 split by the user's exposure
 * distribution with Gamma(k = priorCategoryNoiseShape) noise, and a recent sequence of up to seqLen items.
 */
export function seedPriorHistory(h: History, users: Users, st: Streamers, rng: Rng): Int32Array {
  const picker = new StreamerPicker(st);
  const priorFollows = new Int32Array(users.n);
  // Gamma(k, 1/k) noise (mean 1) on each category's share of the prior watch; k = 8 keeps the log
  // noise at sd ≈ 0.36, so past category watch is an informative (not exact) proxy of taste.
  const K = P.priorCategoryNoiseShape;
  const gamK = () => { let p = 1; for (let j = 0; j < K; j++) p *= 1 - rng.next(); return -Math.log(p) / K; };
  const parts = new Float64Array(NC);
  h.clearSeqStrings();
  for (let u = 0; u < users.n; u++) {
    const rel = users.activity[u]! / users.activityScale; // exp(1.3 z): median 1
    const k = users.country[u]!;
    const nf = Math.min(200, poisson(rng, 1.5 * Math.sqrt(rel)));
    const known: number[] = [];
    for (let i = 0; i < nf; i++) {
      const c = pickCategory(users, u, rng);
      const s = picker.pick(rng, c, k, rng.next() < P.pSameCountry);
      if (s < 0) continue;
      if (h.followed(h.slot(u, s))) continue;
      h.follow(u, s);
      h.addWatch(u, s, c, Math.round(900 * Math.exp(rng.normal())));
      known.push(s);
    }
    priorFollows[u] = h.followCount[u]!;
    const nw = Math.min(300, poisson(rng, 3 * Math.sqrt(rel)));
    for (let i = 0; i < nw; i++) {
      const c = pickCategory(users, u, rng);
      const s = picker.pick(rng, c, k, rng.next() < P.pSameCountry);
      if (s < 0) continue;
      h.addWatch(u, s, c, Math.round(120 * Math.exp(rng.normal())));
      known.push(s);
    }
    const generic = 1800 * Math.pow(rel, 0.7) * Math.exp(0.3 * rng.normal());
    const base = u * NC;
    let prev = 0; let tot = 0;
    for (let c = 0; c < NC; c++) {
      const pc = users.catCdf[base + c]! - prev; prev = users.catCdf[base + c]!;
      parts[c] = pc * gamK(); tot += parts[c]!;
    }
    for (let c = 0; c < NC; c++) {
      const sec = Math.round((generic * parts[c]!) / tot);
      h.catWatch[base + c] = h.catWatch[base + c]! + sec;
      h.totalWatch[u] = h.totalWatch[u]! + sec;
    }
    const ns = Math.min(h.seqLen, poisson(rng, 2 * Math.sqrt(users.activity[u]!)));
    for (let i = 0; i < ns; i++) {
      if (known.length && rng.next() < 0.4) {
        const s = known[rng.int(known.length)]!;
        h.pushSeq(u, s, st.category[s]!);
      } else {
        const c = pickCategory(users, u, rng);
        const s = picker.pick(rng, c, k, rng.next() < P.pSameCountry);
        if (s >= 0) h.pushSeq(u, s, c);
      }
    }
  }
  return priorFollows;
}
