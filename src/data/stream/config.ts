// The streaming config file (`--world <cfg>`, examples/stream*.yaml): which world to replay, the
// delay model, the join's windows and lateness, the stream names. A training config whose `data`
// section is `source: world` is accepted too (its world settings are used, defaults elsewhere).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { WorldOptions } from '../world/generate.js';
import { DelayModelSchema } from './delays.js';
import { JoinConfigSchema } from './join.js';
import { STREAMS } from './names.js';

const WorldSection = z.object({
  impressions: z.number().int().min(1000).default(100_000),
  seed: z.number().int().default(1),
  days: z.number().int().min(1).default(1),
  start_ts: z.number().int().optional(),
  live_rooms_per_million_per_day: z.number().positive().optional(),
  users_per_impression: z.number().positive().max(1).optional(),
  heterogeneity: z.enum(['none', 'multi_scenario']).optional(),
  /** The drifting world (docs/world.md "Drift"): true or its options. */
  drift: z.union([z.boolean(), z.record(z.string(), z.number())]).optional(),
}).strict();

export const StreamConfigSchema = z.object({
  world: WorldSection.default(WorldSection.parse({})),
  delays: DelayModelSchema.default(DelayModelSchema.parse({})),
  join: JoinConfigSchema.default(JoinConfigSchema.parse({})),
  streams: z.object({
    events: z.string().min(1).default(STREAMS.events),
    samples: z.string().min(1).default(STREAMS.samples),
    dead: z.string().min(1).default(STREAMS.dead),
    /** Late labels; default "<events>:late". */
    late: z.string().min(1).optional(),
  }).strict().default({ events: STREAMS.events, samples: STREAMS.samples, dead: STREAMS.dead }),
  /** Put the world's true probabilities on impression events (oracle metrics downstream). */
  truth: z.boolean().default(true),
}).strict();
export type StreamConfig = z.output<typeof StreamConfigSchema>;

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Parses a config object (a stream config, or a training config with data.source = world). */
export function parseStreamConfig(raw: unknown, where = 'stream config'): StreamConfig {
  let input = raw ?? {};
  const d = (input as { data?: Record<string, unknown> }).data;
  if (d && typeof d === 'object') {
    if (d.source !== 'world') throw new Error(`${where}: a training config must have data.source: world to be replayed (got ${JSON.stringify(d.source)})`);
    const pick = (k: string) => (d[k] === undefined ? {} : { [k]: d[k] });
    input = { world: { ...pick('impressions'), ...(d.world_seed !== undefined ? { seed: d.world_seed } : {}), ...pick('days'), ...pick('live_rooms_per_million_per_day'), ...pick('users_per_impression'), ...pick('heterogeneity'), ...pick('drift') } };
  }
  const r = StreamConfigSchema.safeParse(input);
  if (!r.success) throw new Error(`${where}: ${issues(r.error)}`);
  return r.data;
}

export function loadStreamConfig(path: string): StreamConfig {
  let raw: unknown;
  try { raw = parseYaml(readFileSync(path, 'utf8')); } catch (e) { throw new Error(`${path}: cannot read YAML: ${(e as Error).message}`); }
  return parseStreamConfig(raw, path);
}

export function worldOptionsOfStream(c: StreamConfig): WorldOptions {
  const w = c.world;
  return {
    impressions: w.impressions, seed: w.seed, days: w.days,
    ...(w.start_ts !== undefined ? { startTs: w.start_ts } : {}),
    ...(w.live_rooms_per_million_per_day !== undefined ? { liveRoomsPerMillionPerDay: w.live_rooms_per_million_per_day } : {}),
    ...(w.users_per_impression !== undefined ? { usersPerImpression: w.users_per_impression } : {}),
    ...(w.heterogeneity !== undefined ? { heterogeneity: w.heterogeneity } : {}),
    ...(w.drift !== undefined && w.drift !== false ? { drift: w.drift as WorldOptions['drift'] } : {}),
  };
}
