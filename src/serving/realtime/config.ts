// Real-time store options (zod; errors name the field). Column names default to the world's log
// columns (docs/world.md), which is what the counter specs of examples/world-features.yaml key on.
import { z } from 'zod';
import { RealtimeInputError, issues } from './types.js';

export const RealtimeConfigSchema = z.object({
  columns: z.object({
    user: z.string().min(1).default('user_id'),
    room: z.string().min(1).default('room_id'),
    streamer: z.string().min(1).default('streamer_id'),
    category: z.string().min(1).default('category_id'),
    scenario: z.string().min(1).default('scenario'),
    click: z.string().min(1).default('click'),
    watchS: z.string().min(1).default('watch_s'),
    follow: z.string().min(1).default('follow'),
    gift: z.string().min(1).default('gift'),
    seqStreamers: z.string().min(1).default('seq_streamer_ids'),
    seqCategories: z.string().min(1).default('seq_category_ids'),
  }).strict().prefault({}),
  sequence: z.object({
    /** Items kept, most recent first. */
    maxLen: z.number().int().positive().max(1000).default(20),
    /** Watch seconds that make a view effective, per scenario (the world's thresholds). */
    effectiveViewSeconds: z.record(z.string(), z.number().nonnegative()).default({ home: 30, slide: 10, outside: 20 }),
    separator: z.string().min(1).default('|'),
  }).strict().prefault({}),
}).strict();
export type RealtimeConfig = z.infer<typeof RealtimeConfigSchema>;

export function parseRealtimeConfig(raw: unknown = {}): RealtimeConfig {
  const r = RealtimeConfigSchema.safeParse(raw);
  if (!r.success) throw new RealtimeInputError(`realtime config: ${issues(r.error)}`);
  return r.data;
}
