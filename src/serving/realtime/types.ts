// The real-time feature store behind serving (docs/serving.md, "Real-time features").
// One interface, two implementations: MemoryRealtimeStore (in-process, the embedded default) and
// RedisRealtimeStore (ioredis). Both turn events into counter events with the SAME code training
// uses (src/features/counters: counterEvents, CounterEngine keys, readCounterValuesAsync), so
// featuresFor returns exactly the `counter__<feature>` values the offline replay would produce.
import { z } from 'zod';
import type { Column } from '../../data/table.js';

const Id = z.union([z.number().finite(), z.string().min(1)]);

/**
 * One logged impression and what followed it (the row the training log holds). The per-action
 * kinds (click, watch, follow, gift) are folded into one record per impression by the caller.
 * Ids must have the same type (number or string) as the training columns: keys hash the value.
 */
export const RealtimeEventSchema = z.object({
  user: Id,
  room: Id,
  streamer: Id,
  category: Id,
  scenario: z.string().min(1),
  /** Unix seconds of the impression. */
  ts: z.number().finite(),
  /** 1/0; absent = no click exists (slide): counters skip the missing value like training does. */
  click: z.number().finite().optional(),
  watchS: z.number().finite().nonnegative().optional(),
  follow: z.number().finite().optional(),
  gift: z.number().finite().optional(),
  /** The `impression_id` /rank returned (serve --event-stream): the outcomes are published as label events. */
  impression_id: Id.optional(),
}).strict();
export type RealtimeEvent = z.infer<typeof RealtimeEventSchema>;

export const CandidateSchema = z.object({ room: Id, streamer: Id, category: Id }).strict();
export type Candidate = z.infer<typeof CandidateSchema>;

/** The values for a request: one row per candidate, columns named as in training. */
export interface RealtimeFeatures {
  numRows: number;
  /** `counter__<feature>` (raw count / sum / mean) and the sequence columns. */
  columns: Record<string, Column>;
}

export interface RealtimeStore {
  /** Records events. Counter events become visible to reads at times strictly after their (delayed) time. */
  applyEvents(events: readonly RealtimeEvent[]): Promise<void>;
  /** Counter and sequence features of (user, candidate) rows at time ts. */
  featuresFor(user: string | number, candidates: readonly Candidate[], ts: number): Promise<RealtimeFeatures>;
  /** Loads a user's recent sequence (most recent first) from a profile snapshot. */
  seedSequence(user: string | number, streamers: readonly (string | number)[], categories: readonly (string | number)[]): Promise<void>;
  close(): Promise<void>;
}

/** The store cannot be reached: the service answers in degraded mode (feature defaults). */
export class RealtimeStoreUnavailableError extends Error {
  override readonly name = 'RealtimeStoreUnavailableError';
  constructor(message: string, override readonly cause?: unknown) { super(message); }
}

/** Bad events / candidates / config: a 4xx, never a crash. */
export class RealtimeInputError extends Error {
  override readonly name = 'RealtimeInputError';
}

export function parseEvents(events: unknown): RealtimeEvent[] {
  if (!Array.isArray(events)) throw new RealtimeInputError('events: expected an array');
  return events.map((e, i) => {
    const r = RealtimeEventSchema.safeParse(e);
    if (!r.success) throw new RealtimeInputError(`events[${i}]: ${issues(r.error)}`);
    return r.data;
  });
}

export function parseCandidates(c: unknown): Candidate[] {
  if (!Array.isArray(c)) throw new RealtimeInputError('candidates: expected an array');
  return c.map((x, i) => {
    const r = CandidateSchema.safeParse(x);
    if (!r.success) throw new RealtimeInputError(`candidates[${i}]: ${issues(r.error)}`);
    return r.data;
  });
}

export function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
