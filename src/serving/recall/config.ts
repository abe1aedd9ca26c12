// The recall config (examples/recall.yaml): the merged list's size, the sources in priority order
// with their quotas, and each source's own section. zod; every error names the field.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const SOURCE_NAMES = ['two_tower', 'item_cf', 'followed_live', 'popularity'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

const SourceEntry = z.strictObject({
  name: z.enum(SOURCE_NAMES),
  /** Relative share of `total` (normalised over the enabled sources). */
  quota: z.number().positive(),
  /** Ask the source for quota × overfetch rooms so de-duplication still fills the quota. */
  overfetch: z.number().min(1).max(20).default(1.5),
});

export const TwoTowerSection = z.strictObject({
  /** Helper A's export: a directory with user_tower/ (model.onnx + model.json + features.json), items.f32, items.json. */
  dir: z.string().min(1),
  /** HNSW graph degree / build and search beam widths (usearch). */
  connectivity: z.number().int().min(2).max(256).default(32),
  expansion_add: z.number().int().min(1).max(4096).default(256),
  expansion_search: z.number().int().min(1).max(4096).default(256),
  /** First ANN fetch = k × this (most streamers are offline); doubled until k live rooms or every item. */
  live_overfetch: z.number().min(1).max(100).default(4),
  /** ann | live_exact (exact scores of the live streamers) | auto (live_exact when the ANN fetch ≥ auto_ratio × live rooms). */
  search: z.enum(['ann', 'live_exact', 'auto']).default('ann'),
  auto_ratio: z.number().positive().max(100).default(0.5),
});

export const ItemCfSection = z.strictObject({
  /** The neighbour table written by `liverank recall build-cf`. */
  neighbours: z.string().min(1),
  /** Seeds: the user's last N effectively viewed streamers (seq column, most recent first). */
  last_n: z.number().int().min(1).max(200).default(20),
  /** Weight of the seed at sequence position p (0 = most recent): position_decay^p. */
  position_decay: z.number().min(0).max(1).default(0.85),
  /** Action weights: a recent effective view, a followed streamer (when a follow provider is given). */
  weights: z.strictObject({ view: z.number().min(0).default(1), follow: z.number().min(0).default(0.5) }).prefault({}),
  /** Followed streamers used as seeds (at most). */
  follow_seeds: z.number().int().min(0).max(500).default(20),
  /** The sequence column in the request row and its separator. */
  seq_column: z.string().min(1).default('seq_streamer_ids'),
  separator: z.string().min(1).default('|'),
  /** Leave the seeds themselves out (they are recalled by other sources anyway). */
  exclude_seeds: z.boolean().default(false),
  /** Serve the neighbours from Redis (neighbour-store-redis.ts) instead of in-process; publish = write the file's table at start-up. */
  redis: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(6379),
    prefix: z.string().min(1).default('lr:cf:'),
    publish: z.boolean().default(true),
  }).optional(),
});

export const FollowedSection = z.strictObject({
  /** Order followed live rooms by this weight of the follow (e.g. the user's watch seconds), else by recency. */
  order: z.enum(['weight', 'recent']).default('weight'),
});

export const PopularitySection = z.strictObject({
  /** Popularity counts: the `popularity` table of the item-CF neighbour file (effective views per streamer in its window). */
  from: z.string().min(1).optional(),
});

export const RecallConfigSchema = z.strictObject({
  /** Rooms the merged recall returns (at most). */
  total: z.number().int().min(1).max(20_000).default(500),
  /** Sources in priority order: a room found by several keeps the first source's score. */
  sources: z.array(SourceEntry).min(1),
  /** Per-source timeout: a slower or failing source contributes nothing (the request is served by the others). */
  source_timeout_ms: z.number().positive().max(60_000).default(50),
  two_tower: TwoTowerSection.optional(),
  item_cf: ItemCfSection.optional(),
  followed_live: FollowedSection.prefault({}),
  popularity: PopularitySection.prefault({}),
});
export type RecallConfig = z.infer<typeof RecallConfigSchema>;
export type TwoTowerConfig = z.infer<typeof TwoTowerSection>;
export type ItemCfConfig = z.infer<typeof ItemCfSection>;

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates a parsed config; relative paths resolve against `baseDir`. */
export function parseRecallConfig(raw: unknown, where = 'recall config', baseDir = '.'): RecallConfig {
  const r = RecallConfigSchema.safeParse(raw ?? {});
  if (!r.success) throw new Error(`${where}: ${issues(r.error)}`);
  const cfg = r.data;
  const seen = new Set<string>();
  for (const [i, s] of cfg.sources.entries()) {
    if (seen.has(s.name)) throw new Error(`${where}: sources[${i}].name: "${s.name}" listed twice`);
    seen.add(s.name);
    if (s.name === 'two_tower' && !cfg.two_tower) throw new Error(`${where}: sources[${i}]: two_tower is listed but the two_tower section (dir) is missing`);
    if (s.name === 'item_cf' && !cfg.item_cf) throw new Error(`${where}: sources[${i}]: item_cf is listed but the item_cf section (neighbours) is missing`);
    if (s.name === 'popularity' && !cfg.popularity.from && !cfg.item_cf) {
      throw new Error(`${where}: sources[${i}]: popularity needs popularity.from or an item_cf.neighbours file (its popularity table)`);
    }
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (cfg.two_tower) cfg.two_tower.dir = abs(cfg.two_tower.dir);
  if (cfg.item_cf) cfg.item_cf.neighbours = abs(cfg.item_cf.neighbours);
  if (cfg.popularity.from) cfg.popularity.from = abs(cfg.popularity.from);
  return cfg;
}

export function loadRecallConfig(path: string): RecallConfig {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`${path}: ${(e as Error).message}`); }
  let raw: unknown;
  try { raw = parseYaml(text); } catch (e) { throw new Error(`${path}: not YAML (${(e as Error).message})`); }
  return parseRecallConfig(raw, path, dirname(path));
}

/** Slots per source: total × quota / Σ quota, rounded by largest remainder so they sum to total. */
export function quotaSlots(sources: readonly { name: string; quota: number }[], total: number): Map<string, number> {
  const sum = sources.reduce((s, x) => s + x.quota, 0);
  const exact = sources.map((s) => (total * s.quota) / sum);
  const slots = exact.map(Math.floor);
  let left = total - slots.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) { if (left <= 0) break; slots[i]!++; left--; }
  return new Map(sources.map((s, i) => [s.name, slots[i]!]));
}
