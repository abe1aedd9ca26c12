// Builds the item-CF neighbour table (and the popularity counts) from an impression/watch log in
// time order: rows [lo, hi) whose interaction rule holds — an effective view (label = 1), or watch
// seconds ≥ min_watch_s — become (user, streamer) interactions.
import { z } from 'zod';
import type { Table } from '../../data/table.js';
import type { Id } from '../funnel/types.js';
import { toId } from './ids.js';
import { itemSimilarity, ItemSimOptions, type Interaction } from './item-sim.js';
import type { NeighbourTable } from './neighbour-store.js';

export const CfBuildOptions = z.strictObject({
  similarity: ItemSimOptions.prefault({}),
  /** What counts as an interaction: an effective view, or a watch of at least min_watch_s seconds. */
  interaction: z.enum(['effective_view', 'watch']).default('effective_view'),
  min_watch_s: z.number().min(0).default(10),
  columns: z.strictObject({
    user: z.string().min(1).default('user_id'),
    item: z.string().min(1).default('streamer_id'),
    effective_view: z.string().min(1).default('effective_view'),
    watch_s: z.string().min(1).default('watch_s'),
    ts: z.string().min(1).default('ts'),
  }).prefault({}),
});
export type CfBuildOptions = z.infer<typeof CfBuildOptions>;

export function parseCfBuildOptions(raw: unknown, where = 'item-CF build options'): CfBuildOptions {
  const r = CfBuildOptions.safeParse(raw ?? {});
  if (!r.success) throw new Error(`${where}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

function col(t: Table, name: string, option: string): ArrayLike<unknown> {
  const c = t.columns[name];
  if (!c) throw new Error(`item-CF build: column "${name}" (${option}) is not in the log (columns: ${Object.keys(t.columns).join(', ')})`);
  return c;
}

/** The interactions of log rows [lo, hi) in row (time) order. */
export function logInteractions(t: Table, lo: number, hi: number, o: CfBuildOptions): Interaction[] {
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && 0 <= lo && lo <= hi && hi <= t.numRows)) {
    throw new Error(`item-CF build: row window [${lo}, ${hi}) is not within the log's ${t.numRows} rows`);
  }
  const u = col(t, o.columns.user, 'columns.user'); const it = col(t, o.columns.item, 'columns.item');
  const flag = o.interaction === 'effective_view' ? col(t, o.columns.effective_view, 'columns.effective_view') : col(t, o.columns.watch_s, 'columns.watch_s');
  const out: Interaction[] = [];
  for (let i = lo; i < hi; i++) {
    const v = Number(flag[i]);
    const ok = o.interaction === 'effective_view' ? v === 1 : v >= o.min_watch_s;
    if (ok) out.push({ user: toId(u[i]), item: toId(it[i]) });
  }
  return out;
}

export function buildNeighbourTable(t: Table, lo: number, hi: number, o: CfBuildOptions, extraWindow: Record<string, unknown> = {}): NeighbourTable {
  const events = logInteractions(t, lo, hi, o);
  const popularity = new Map<Id, number>();
  for (const e of events) popularity.set(e.item, (popularity.get(e.item) ?? 0) + 1);
  const ts = t.columns[o.columns.ts];
  const window: Record<string, unknown> = {
    rows: [lo, hi], rule: o.interaction === 'effective_view' ? `${o.columns.effective_view} = 1` : `${o.columns.watch_s} >= ${o.min_watch_s}`, ...extraWindow,
  };
  if (ts && hi > lo) { window.ts_first = Number(ts[lo]); window.ts_last = Number(ts[hi - 1]); }
  return { options: { ...o.similarity, interaction: o.interaction, ...(o.interaction === 'watch' ? { min_watch_s: o.min_watch_s } : {}) }, window, interactions: events.length, neighbours: itemSimilarity(events, o.similarity), popularity };
}
