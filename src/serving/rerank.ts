// Re-ranking (spec §13): only-live re-check → non-organic slots → MMR over categories under
// scattering rules (at most k consecutive items per streamer / per category). Deterministic: the same
// input always gives the same output (ties: higher score, then earlier input index).
//
// 1. Only-live: `isLive(item)` is asked once per item; items it rejects are dropped ("not_live").
// 2. Slots: a non-organic item (kind ≠ "organic") may appear only at a slot position of its kind; a slot
//    is filled with the best remaining item of that kind when at least `minGap` organic items separate it
//    from the previous non-organic one (`sinceLastNonOrganic` carries the count over from the previous
//    page). Otherwise the slot holds an organic item. Items of a kind with no slot are dropped ("no_slot").
// 3. Organic positions: MMR, argmax λ·rel(i) − (1−λ)·max_{j placed} sim(i,j), rel = min-max normalised
//    score, sim = 1 for the same category else 0. λ = 1 is pure score order.
//    The run rules are hard constraints: a backtracking search (MMR preference order, pruned by a
//    counting bound, at most `searchBudget` steps) finds a list that breaks no rule whenever one exists.
//    When none exists (or the budget runs out) the list is filled greedily — the best candidate that
//    breaks no rule, else the best candidate — and every breaking position is listed in `violations`;
//    the list is never shortened for it. Each (position, rule) broken is one entry.
import type { RerankParams } from './rerank-config.js';

export interface RerankItem {
  id: string;
  score: number;
  streamer: string;
  category: string;
  /** "organic" (default), or a slot kind such as "ad" / "commerce". */
  kind?: string;
}

export interface RerankOptions {
  isLive?: (item: RerankItem) => boolean;
  /** Organic items shown since the last non-organic one (previous page). Default: no previous item. */
  sinceLastNonOrganic?: number;
}

export type Rule = 'streamer_run' | 'category_run';
export interface RerankResult {
  items: RerankItem[];
  dropped: { id: string; reason: 'not_live' | 'no_slot' }[];
  violations: { position: number; id: string; rule: Rule }[];
  /** 'ok': the organic positions break no rule (fixed slot items next to each other still may, see
   *  `violations`); 'infeasible': proved impossible; 'budget': search stopped before finding one. */
  search: 'ok' | 'infeasible' | 'budget';
}

export class RerankInputError extends Error {
  constructor(message: string) { super(message); this.name = 'RerankInputError'; }
}

interface Cand { item: RerankItem; idx: number; rel: number }

function validate(items: readonly RerankItem[]): void {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (!it || typeof it.id !== 'string' || !it.id) throw new RerankInputError(`items[${i}].id: expected a non-empty string`);
    if (seen.has(it.id)) throw new RerankInputError(`items[${i}].id: "${it.id}" appears twice`);
    seen.add(it.id);
    if (typeof it.score !== 'number' || !Number.isFinite(it.score)) throw new RerankInputError(`items[${i}].score: expected a finite number, got ${String(it.score)}`);
    if (typeof it.streamer !== 'string') throw new RerankInputError(`items[${i}].streamer: expected a string`);
    if (typeof it.category !== 'string') throw new RerankInputError(`items[${i}].category: expected a string`);
  });
}

const byScore = (a: Cand, b: Cand) => b.item.score - a.item.score || a.idx - b.idx;

/** Run length of `key` through position `pos` if `item` were placed there (fixed items after count too). */
function runAt(seq: (Cand | null)[], pos: number, value: string, key: 'streamer' | 'category'): number {
  let n = 1;
  for (let j = pos - 1; j >= 0 && seq[j] && seq[j]!.item[key] === value; j--) n++;
  for (let j = pos + 1; j < seq.length && seq[j] && seq[j]!.item[key] === value; j++) n++;
  return n;
}

function breaks(seq: (Cand | null)[], pos: number, c: Cand, p: RerankParams): Rule | null {
  if (runAt(seq, pos, c.item.streamer, 'streamer') > p.maxRun.streamer) return 'streamer_run';
  if (runAt(seq, pos, c.item.category, 'category') > p.maxRun.category) return 'category_run';
  return null;
}

/** Candidates in MMR preference order given the items placed before `pos`. */
function mmrOrder(pool: Cand[], seq: (Cand | null)[], pos: number, lambda: number): Cand[] {
  if (lambda >= 1) return pool; // pool is kept in score order
  const cats = new Set<string>();
  for (let j = 0; j < pos; j++) if (seq[j]) cats.add(seq[j]!.item.category);
  const val = (c: Cand) => lambda * c.rel - (1 - lambda) * (cats.has(c.item.category) ? 1 : 0);
  return [...pool].sort((a, b) => val(b) - val(a) || byScore(a, b));
}

/** Necessary condition: can `need` organic positions still be filled from `pool` under one run rule? */
function boundOk(pool: Cand[], need: number, fixedAfter: number, key: 'streamer' | 'category', k: number): boolean {
  if (!Number.isFinite(k) || pool.length === 0) return pool.length >= need;
  const counts = new Map<string, number>();
  let top = 0;
  for (const c of pool) {
    const n = (counts.get(c.item[key]) ?? 0) + 1;
    counts.set(c.item[key], n);
    if (n > top) top = n;
  }
  const others = pool.length - top;
  return others + Math.min(top, k * (others + fixedAfter + 1)) >= need;
}

export function rerank(input: readonly RerankItem[], p: RerankParams, opts: RerankOptions = {}): RerankResult {
  if (!Array.isArray(input)) throw new RerankInputError('items: expected an array');
  validate(input);
  const dropped: RerankResult['dropped'] = [];
  const slotKinds = new Set(p.slots.values());
  const organic: Cand[] = [];
  const byKind = new Map<string, Cand[]>();
  input.forEach((item, idx) => {
    const kind = item.kind ?? 'organic';
    if (opts.isLive && !opts.isLive(item)) { dropped.push({ id: item.id, reason: 'not_live' }); return; }
    if (kind !== 'organic' && !slotKinds.has(kind)) { dropped.push({ id: item.id, reason: 'no_slot' }); return; }
    const c = { item, idx, rel: 0 };
    if (kind === 'organic') organic.push(c);
    else (byKind.get(kind) ?? byKind.set(kind, []).get(kind)!).push(c);
  });
  organic.sort(byScore);
  for (const list of byKind.values()) list.sort(byScore);
  if (organic.length) {
    const hi = organic[0].item.score, lo = organic[organic.length - 1].item.score;
    for (const c of organic) c.rel = hi > lo ? (c.item.score - lo) / (hi - lo) : 1;
  }

  // Skeleton: fixed non-organic items, null = an organic position.
  const seq: (Cand | null)[] = [];
  let gap = opts.sinceLastNonOrganic ?? Infinity;
  let organicLeft = organic.length;
  for (let pos = 0; pos < p.size; pos++) {
    const kind = p.slots.get(pos);
    const list = kind === undefined ? undefined : byKind.get(kind);
    if (list?.length && gap >= p.minGap) { seq.push(list.shift()!); gap = 0; continue; }
    if (organicLeft === 0) break;
    organicLeft--; gap++;
    seq.push(null);
  }
  const open = seq.map((c, i) => (c ? -1 : i)).filter((i) => i >= 0);
  const fixedAfter = open.map((pos) => seq.slice(pos + 1).filter((c) => c).length);

  // Exact search over the organic positions.
  let steps = 0, outOfBudget = false;
  const dfs = (k: number, pool: Cand[]): boolean => {
    if (k === open.length) return true;
    const need = open.length - k;
    if (!boundOk(pool, need, fixedAfter[k], 'streamer', p.maxRun.streamer) || !boundOk(pool, need, fixedAfter[k], 'category', p.maxRun.category)) return false;
    const pos = open[k];
    for (const c of mmrOrder(pool, seq, pos, p.lambda)) {
      if (++steps > p.searchBudget) { outOfBudget = true; return false; }
      if (breaks(seq, pos, c, p)) continue;
      seq[pos] = c;
      if (dfs(k + 1, pool.filter((x) => x !== c))) return true;
      seq[pos] = null;
      if (outOfBudget) return false;
    }
    return false;
  };
  const found = dfs(0, organic);
  const violations: RerankResult['violations'] = [];
  if (!found) {
    for (const pos of open) seq[pos] = null;
    let pool = organic;
    for (const pos of open) {
      const order = mmrOrder(pool, seq, pos, p.lambda);
      const c = order.find((x) => !breaks(seq, pos, x, p)) ?? order[0];
      seq[pos] = c;
      pool = pool.filter((x) => x !== c);
    }
  }
  // Report every position that breaks a rule (also fixed slot items placed next to each other).
  seq.forEach((c, pos) => {
    const prefix = [...seq.slice(0, pos), null];
    if (runAt(prefix, pos, c!.item.streamer, 'streamer') > p.maxRun.streamer) violations.push({ position: pos, id: c!.item.id, rule: 'streamer_run' });
    if (runAt(prefix, pos, c!.item.category, 'category') > p.maxRun.category) violations.push({ position: pos, id: c!.item.id, rule: 'category_run' });
  });
  return {
    items: seq.map((c) => c!.item),
    dropped,
    violations,
    search: found ? 'ok' : outOfBudget ? 'budget' : 'infeasible',
  };
}
