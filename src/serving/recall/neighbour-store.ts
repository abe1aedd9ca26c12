// The item-CF neighbour table: the file `liverank recall build-cf` writes, and the stores that
// serve it (in-process Map; Redis with the same interface in neighbour-store-redis.ts).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Id } from '../funnel/types.js';
import { toId } from './ids.js';
import type { Neighbour } from './item-sim.js';

export interface NeighbourStore {
  /** Neighbours of each item (same order; [] for an unknown item), best first. */
  neighbours(items: readonly Id[]): Promise<(readonly Neighbour[])[]>;
}

export class MemoryNeighbourStore implements NeighbourStore {
  constructor(private readonly table: ReadonlyMap<Id, readonly Neighbour[]>) {}
  get size(): number { return this.table.size; }
  async neighbours(items: readonly Id[]): Promise<(readonly Neighbour[])[]> {
    return items.map((i) => this.table.get(i) ?? []);
  }
}

const NeighbourFile = z.object({
  kind: z.literal('liverank.item_cf'),
  version: z.literal(1),
  /** The similarity options (item-sim.ts). */
  options: z.record(z.string(), z.unknown()),
  /** Where the interactions came from, e.g. { impressions: [0, 1700000), ts: [...] , rule: 'effective_view = 1' }. */
  window: z.record(z.string(), z.unknown()),
  interactions: z.number().int().min(0),
  /** item -> [[neighbour, sim], …] best first. */
  neighbours: z.record(z.string(), z.array(z.tuple([z.union([z.number(), z.string()]), z.number()]))),
  /** item -> interaction count in the window (the popularity baseline). */
  popularity: z.record(z.string(), z.number().min(0)),
});

export interface NeighbourTable {
  options: Record<string, unknown>;
  window: Record<string, unknown>;
  interactions: number;
  neighbours: Map<Id, Neighbour[]>;
  popularity: Map<Id, number>;
}

export function writeNeighbourTable(path: string, t: NeighbourTable): void {
  mkdirSync(dirname(path), { recursive: true });
  const neighbours: Record<string, [Id, number][]> = {};
  for (const [k, list] of t.neighbours) neighbours[String(k)] = list.map((n) => [n.item, Number(n.sim.toPrecision(7))]);
  const popularity: Record<string, number> = {};
  for (const [k, c] of t.popularity) popularity[String(k)] = c;
  writeFileSync(path, `${JSON.stringify({ kind: 'liverank.item_cf', version: 1, options: t.options, window: t.window, interactions: t.interactions, neighbours, popularity })}\n`);
}

export function readNeighbourTable(path: string): NeighbourTable {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new Error(`${path}: cannot read the item-CF neighbour table (${(e as Error).message}); build it with liverank recall build-cf`); }
  const r = NeighbourFile.safeParse(raw);
  if (!r.success) throw new Error(`${path}: not an item-CF neighbour table: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const f = r.data;
  const neighbours = new Map<Id, Neighbour[]>();
  for (const [k, list] of Object.entries(f.neighbours)) neighbours.set(toId(k), list.map(([item, sim]) => ({ item: toId(item), sim })));
  const popularity = new Map<Id, number>();
  for (const [k, c] of Object.entries(f.popularity)) popularity.set(toId(k), c);
  return { options: f.options, window: f.window, interactions: f.interactions, neighbours, popularity };
}
