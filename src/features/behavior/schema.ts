// zod shape of a `sequence` feature's `behaviors` block: the sequence is read from the per-user
// behaviour log (src/features/behavior/log.ts) instead of a joined string column. docs/features.md.
import { z } from 'zod';

export const BEHAVIOR_FIELDS = ['streamer', 'category', 'action', 'watch_bucket', 'time_bucket'] as const;
export type BehaviorField = (typeof BEHAVIOR_FIELDS)[number];

export const BehaviorsSpec = z.strictObject({
  /** Which side information of each selected behaviour becomes the id sequence. */
  field: z.enum(BEHAVIOR_FIELDS),
  /**
   * The configured maximum history: only the user's most recent `within` behaviours before the row's
   * time are read (older ones are truncated and counted in the feature report). Default 1000.
   */
  within: z.number().int().min(1).max(100_000).default(1000),
  /** Unix-seconds column of the row (default: defaults.time_column); behaviours strictly before it are visible. */
  time_column: z.string().min(1).optional(),
  /**
   * SIM-style hard search: keep only behaviours whose category (or streamer) equals the candidate's
   * value in `column` (e.g. category_id), most recent first, at most max_len of them.
   */
  search: z.strictObject({ by: z.enum(['category', 'streamer']), column: z.string().min(1) }).optional(),
  /**
   * File of the log (writeBehaviorLog), read once per process when the transform context gives no
   * log (`ctx.behaviors`). Relative paths are relative to the working directory.
   */
  log: z.string().min(1).optional(),
});
export type BehaviorsSpec = z.output<typeof BehaviorsSpec>;
