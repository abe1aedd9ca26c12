// Item-to-item similarity over streamers from user–streamer interactions (effective views):
//
// Swing (Yang et al. 2020, as in models-and-methods.md §13), summed over unordered user pairs:
//   sim(i, j) = Σ_{ {u,v} ⊆ U_i ∩ U_j, u ≠ v }  w_u · w_v / (α + |I_u ∩ I_v|),   w_u = |I_u|^(−β)
// (β = user_weight_pow, 0.5 in the paper's user weighting; 0 = unweighted). Two users who share
// many items are weak evidence for any one pair of them; a pair of items co-viewed by users with
// little else in common is strong evidence.
//
// Co-occurrence cosine: sim(i, j) = |U_i ∩ U_j| / sqrt(|U_i| · |U_j|).
//
// U_i = users who interacted with i, I_u = items of u (distinct). Heavy users are capped to their
// most recent max_items_per_user items and popular items to their max_users_per_item most recent
// users (the usual bounds on the quadratic pair loops). The result keeps each item's top_k
// neighbours (ties by item id), similarity > 0.
import { z } from 'zod';
import type { Id } from '../funnel/types.js';
import { cmpId } from './followed-live.js';

export const ItemSimOptions = z.strictObject({
  method: z.enum(['swing', 'cosine']).default('swing'),
  /** Swing's smoothing α in 1/(α + |I_u ∩ I_v|). */
  alpha: z.number().positive().default(1),
  /** Swing's user weight w_u = |I_u|^(−β). */
  user_weight_pow: z.number().min(0).max(2).default(0.5),
  top_k: z.number().int().min(1).max(1000).default(200),
  max_items_per_user: z.number().int().min(2).max(10_000).default(100),
  max_users_per_item: z.number().int().min(2).max(100_000).default(500),
});
export type ItemSimOptions = z.infer<typeof ItemSimOptions>;

export interface Neighbour { item: Id; sim: number }

/** One interaction, in time order (later = more recent). */
export interface Interaction { user: Id; item: Id }

/** Distinct items per user and users per item (dense indices), capped to the most recent. */
function incidence(events: Iterable<Interaction>, o: ItemSimOptions) {
  const userIdx = new Map<Id, number>(); const itemIdx = new Map<Id, number>(); const items: Id[] = [];
  const lastSeen: Map<number, number>[] = []; // per user: item -> last event index
  let t = 0;
  for (const e of events) {
    let u = userIdx.get(e.user);
    if (u === undefined) { u = userIdx.size; userIdx.set(e.user, u); lastSeen.push(new Map()); }
    let i = itemIdx.get(e.item);
    if (i === undefined) { i = items.length; itemIdx.set(e.item, i); items.push(e.item); }
    lastSeen[u]!.set(i, t++);
  }
  const itemUsers: { u: number; t: number }[][] = items.map(() => []);
  for (let u = 0; u < lastSeen.length; u++) {
    const recent = [...lastSeen[u]!].sort((a, b) => b[1] - a[1]).slice(0, o.max_items_per_user);
    for (const [i, ti] of recent) itemUsers[i]!.push({ u, t: ti });
  }
  const U = itemUsers.map((l) => Int32Array.from(l.sort((a, b) => b.t - a.t).slice(0, o.max_users_per_item).map((x) => x.u)).sort());
  const userItems: number[][] = lastSeen.map(() => []);
  U.forEach((users, i) => { for (const u of users) userItems[u]!.push(i); });
  const I = userItems.map((l) => Int32Array.from(l).sort());
  return { items, U, I };
}

function intersect(a: Int32Array, b: Int32Array, out: number[]): number {
  out.length = 0;
  let x = 0; let y = 0;
  while (x < a.length && y < b.length) {
    if (a[x]! < b[y]!) x++; else if (a[x]! > b[y]!) y++; else { out.push(a[x]!); x++; y++; }
  }
  return out.length;
}

/** Top-k neighbours of every item (items with no positive similarity get an empty list). */
export function itemSimilarity(events: Iterable<Interaction>, options: Partial<ItemSimOptions> = {}): Map<Id, Neighbour[]> {
  const o = ItemSimOptions.parse(options);
  const { items, U, I } = incidence(events, o);
  const acc: Map<number, number>[] = items.map(() => new Map());
  const add = (i: number, j: number, w: number) => { const m = acc[i]!; m.set(j, (m.get(j) ?? 0) + w); };
  if (o.method === 'cosine') {
    for (const its of I) {
      for (let a = 0; a < its.length; a++) for (let b = a + 1; b < its.length; b++) { add(its[a]!, its[b]!, 1); add(its[b]!, its[a]!, 1); }
    }
    acc.forEach((m, i) => { for (const [j, c] of m) m.set(j, c / Math.sqrt(U[i]!.length * U[j]!.length)); });
  } else {
    const w = I.map((its) => (its.length ? Math.pow(its.length, -o.user_weight_pow) : 0));
    const common = new Map<number, number>(); const inter: number[] = [];
    for (let u = 0; u < I.length; u++) {
      // Users v > u sharing at least two items with u (only they add to some pair i ≠ j).
      common.clear();
      for (const i of I[u]!) for (const v of U[i]!) if (v > u) common.set(v, (common.get(v) ?? 0) + 1);
      for (const [v, c] of common) {
        if (c < 2) continue;
        const n = intersect(I[u]!, I[v]!, inter);
        const s = (w[u]! * w[v]!) / (o.alpha + n);
        for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) { add(inter[a]!, inter[b]!, s); add(inter[b]!, inter[a]!, s); }
      }
    }
  }
  const out = new Map<Id, Neighbour[]>();
  acc.forEach((m, i) => {
    const list = [...m].filter(([, s]) => s > 0).map(([j, s]) => ({ item: items[j]!, sim: s }));
    list.sort((a, b) => b.sim - a.sim || cmpId(a.item, b.item));
    out.set(items[i]!, list.slice(0, o.top_k));
  });
  return out;
}
