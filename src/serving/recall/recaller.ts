// The merged recall: every source asked in parallel (each with its own timeout), its list cut to
// its quota of slots, de-duplicated by room (a room found by several sources keeps the first
// source in priority order — its score — and lists every source in `sources`), the only-live
// filter re-checked on every room, and unused slots (a source that returned fewer, failed or timed
// out) filled round-robin from the other sources' remaining candidates; when still short, the
// sources whose list was full are asked once more for `total` rooms each.
import type { Id, LiveRoomIndex, RankContext, RecallCandidate, Recaller, RecallSource } from '../funnel/types.js';
import { quotaSlots } from './config.js';

export interface SourceQuota {
  source: RecallSource;
  /** Relative share of the total. */
  quota: number;
  /** Ask for slots × overfetch rooms (≥ 1). */
  overfetch?: number;
}

export interface RecallResult {
  candidates: RecallCandidate[];
  /** Rooms each source contributed (by `source`, the first finder). */
  perSource: Record<string, number>;
  /** Sources that failed or timed out, with the reason. */
  failed: Record<string, string>;
  /** Rooms a source returned that were not live at ctx.ts (dropped). */
  notLive: number;
}

export class QuotaRecaller implements Recaller {
  constructor(
    private readonly sources: readonly SourceQuota[],
    private readonly live: LiveRoomIndex,
    private readonly timeoutMs = 50,
  ) {
    if (!sources.length) throw new Error('recaller: no sources');
    const names = new Set<string>();
    for (const s of sources) {
      if (names.has(s.source.name)) throw new Error(`recaller: source "${s.source.name}" given twice`);
      names.add(s.source.name);
      if (!(s.quota > 0)) throw new Error(`recaller: source "${s.source.name}": quota must be > 0, got ${s.quota}`);
    }
  }

  get sourceNames(): string[] { return this.sources.map((s) => s.source.name); }

  async retrieve(ctx: RankContext, total: number, signal?: AbortSignal): Promise<RecallResult> {
    if (!(Number.isInteger(total) && total >= 1)) throw new Error(`recaller: total must be an integer ≥ 1, got ${total}`);
    const slots = quotaSlots(this.sources.map((s) => ({ name: s.source.name, quota: s.quota })), total);
    const failed: Record<string, string> = {};
    const asked = this.sources.map((s) => Math.max(1, Math.ceil(slots.get(s.source.name)! * (s.overfetch ?? 1.5))));
    const ask = (i: number, k: number) => {
      const s = this.sources[i]!;
      return withTimeout(s.source.retrieve(ctx, k, signal), this.timeoutMs, s.source.name, signal).catch((e: unknown) => {
        failed[s.source.name] = (e as Error).message;
        return [] as RecallCandidate[];
      });
    };
    const names = this.sources.map((s) => s.source.name);
    const isLive = (room: Id) => this.live.isLive(room, ctx.ts);
    let lists = await Promise.all(asked.map((k, i) => ask(i, k)));
    let merged = mergeWithQuotas(names, lists, slots, total, isLive);
    if (merged.candidates.length < total) {
      // Short (overlap between sources, a source with few rooms): ask the sources whose list was
      // full for `total` rooms each, once, and merge again (same quotas, so the result only grows).
      const more = asked.map((k, i) => lists[i]!.length >= k && k < total && !failed[names[i]!]);
      if (more.some(Boolean)) {
        // A refill that fails or times out keeps the source's first list (never fewer rooms).
        lists = await Promise.all(lists.map((l, i) => (more[i]
          ? withTimeout(this.sources[i]!.source.retrieve(ctx, total, signal), this.timeoutMs, names[i]!, signal).catch(() => l)
          : Promise.resolve(l))));
        merged = mergeWithQuotas(names, lists, slots, total, isLive);
      }
    }
    return { ...merged, failed };
  }
}

/**
 * The merge itself (pure): lists[i] belongs to names[i] (priority order), each sorted best first.
 * Phase 1 takes each source's own new rooms up to its slots; phase 2 fills the rest round-robin.
 */
export function mergeWithQuotas(
  names: readonly string[], lists: readonly RecallCandidate[][], slots: ReadonlyMap<string, number>, total: number,
  isLive: (room: Id) => boolean,
): { candidates: RecallCandidate[]; perSource: Record<string, number>; notLive: number } {
  const kept = new Map<Id, RecallCandidate>();
  const perSource: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  let notLive = 0;
  const dead = new Set<Id>();
  const cursor = names.map(() => 0);
  const take = (i: number): boolean => {
    const list = lists[i]!;
    while (cursor[i]! < list.length) {
      const c = list[cursor[i]!++]!;
      if (kept.has(c.room)) continue;
      if (dead.has(c.room) || !isLive(c.room)) { if (!dead.has(c.room)) { dead.add(c.room); notLive++; } continue; }
      kept.set(c.room, { ...c, source: names[i]!, sources: [names[i]!] });
      perSource[names[i]!]!++;
      return true;
    }
    return false;
  };
  for (let i = 0; i < names.length && kept.size < total; i++) {
    const want = Math.min(slots.get(names[i]!) ?? 0, total - kept.size);
    for (let n = 0; n < want && take(i); n++);
  }
  for (let progress = true; kept.size < total && progress;) {
    progress = false;
    for (let i = 0; i < names.length && kept.size < total; i++) if (take(i)) progress = true;
  }
  // Every source that returned a kept room is recorded (after the kept source).
  for (let i = 0; i < names.length; i++) {
    for (const c of lists[i]!) {
      const k = kept.get(c.room);
      if (k && !k.sources!.includes(names[i]!)) k.sources!.push(names[i]!);
    }
  }
  return { candidates: [...kept.values()], perSource, notLive };
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) { reject(new Error(`${name}: aborted`)); return; }
    const timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
    const onAbort = () => { clearTimeout(timer); reject(new Error(`${name}: aborted`)); };
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); resolve(v); },
      (e: unknown) => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); reject(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
