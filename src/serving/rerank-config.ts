// The `rerank:` section of the fusion config (and its per-scenario overrides): MMR λ, output size,
// scattering (max run per streamer / category) and non-organic slots (ads, commerce) with a min gap.
import { z } from 'zod';

const posInt = z.number().int().min(1);

export const RerankSection = z.strictObject({
  /** How many items the re-ranker returns. Default 20. */
  size: posInt.max(1000).optional(),
  /** MMR trade-off: 1 = pure score order, 0 = pure diversity. Default 1. */
  lambda: z.number().min(0).max(1).optional(),
  /** At most this many consecutive items of one streamer / one category (absent = no limit). */
  max_run: z.strictObject({ streamer: posInt.optional(), category: posInt.optional() }).optional(),
  /** Non-organic items (kind ≠ organic) appear only at these 0-based positions, per kind. */
  slots: z.strictObject({
    min_gap: z.number().int().min(0).optional(),
    positions: z.record(z.string().min(1), z.array(z.number().int().min(0)).max(100)).optional(),
  }).optional(),
  /** Backtracking budget (search steps) for the scattering constraints. Default 20 000. */
  search_budget: posInt.max(10_000_000).optional(),
});
export type RerankRaw = z.infer<typeof RerankSection>;

export interface RerankParams {
  size: number;
  lambda: number;
  maxRun: { streamer: number; category: number };
  /** Minimum number of organic items between two non-organic items (including across a page boundary). */
  minGap: number;
  /** position → kind allowed there (positions are unique across kinds). */
  slots: Map<number, string>;
  searchBudget: number;
}

export const DEFAULT_RERANK: Readonly<Omit<RerankParams, 'slots'>> = {
  size: 20, lambda: 1, maxRun: { streamer: Infinity, category: Infinity }, minGap: 0, searchBudget: 20_000,
};

/** Defaults ← file section ← scenario override (each field replaces; `slots.positions` replaces whole). */
export function resolveRerank(base: RerankRaw, over: Partial<RerankRaw> | undefined, where: string, problems: string[]): RerankParams {
  const m = { ...base, ...(over ?? {}) };
  const maxRun = { ...base.max_run, ...(over?.max_run ?? {}) };
  const slotsRaw = { ...base.slots, ...(over?.slots ?? {}) };
  const slots = new Map<number, string>();
  for (const [kind, positions] of Object.entries(slotsRaw.positions ?? {})) {
    if (kind === 'organic') { problems.push(`${where}.slots.positions.organic: organic items fill every other position; list only non-organic kinds`); continue; }
    for (const p of positions) {
      const other = slots.get(p);
      if (other !== undefined) problems.push(`${where}.slots.positions.${kind}: position ${p} is already a "${other}" slot`);
      else slots.set(p, kind);
    }
  }
  const minGap = slotsRaw.min_gap ?? DEFAULT_RERANK.minGap;
  const sorted = [...slots.keys()].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] - sorted[i - 1] - 1 < minGap) {
      problems.push(`${where}.slots: positions ${sorted[i - 1]} and ${sorted[i]} are closer than min_gap ${minGap} (the later slot could never be filled)`);
    }
  }
  return {
    size: m.size ?? DEFAULT_RERANK.size,
    lambda: m.lambda ?? DEFAULT_RERANK.lambda,
    maxRun: { streamer: maxRun.streamer ?? Infinity, category: maxRun.category ?? Infinity },
    minGap,
    slots,
    searchBudget: m.search_budget ?? DEFAULT_RERANK.searchBudget,
  };
}
