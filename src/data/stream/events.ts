// The event schema on the events stream (docs/streaming.md "Events"). One JSON object per record.
// Every event has `type`, a unique `event_id` and `ts` (event time: unix seconds, fractions
// allowed). Label events name the impression they belong to and carry its `impression_ts` (the
// client knows when the card was shown), so a label whose impression the joiner no longer holds
// can still be classified (late vs unknown). Objects are strict: an unknown field is an error.
import { z } from 'zod';
import { IMPRESSION_COLUMNS } from '../world/schema.js';

const id = z.union([z.string().min(1).max(200), z.number().int().nonnegative()]);
const ts = z.number().finite().nonnegative();
const cell = z.union([z.number(), z.string(), z.null()]);

/** Column names an impression's `features` / `truth` may carry (the world's table schema). */
const FEATURE_NAMES = new Set(IMPRESSION_COLUMNS.filter((c) => c.role !== 'label' && c.role !== 'truth').map((c) => c.name));
const TRUTH_NAMES = new Set(IMPRESSION_COLUMNS.filter((c) => c.role === 'truth').map((c) => c.name));

const namedRecord = (names: Set<string>, what: string) => z.record(z.string(), cell).superRefine((r, ctx) => {
  for (const k of Object.keys(r)) if (!names.has(k)) ctx.addIssue({ code: 'custom', message: `unknown ${what} column "${k}"` });
});

export const ImpressionEvent = z.object({
  type: z.literal('impression'),
  event_id: id,
  ts,
  request_id: id,
  impression_id: id,
  user_id: id,
  room_id: id,
  streamer_id: id,
  scenario: z.string().min(1),
  country: z.string().min(1),
  /** The row's features as served (world column names; null = missing). */
  features: namedRecord(FEATURE_NAMES, 'feature'),
  /** Simulator only: the world's true probabilities, passed through to the sample for oracle metrics. Never a model input. */
  truth: namedRecord(TRUTH_NAMES, 'truth').optional(),
}).strict();

const labelBase = {
  event_id: id,
  ts,
  impression_id: id,
  impression_ts: ts,
  user_id: id,
};

export const ClickEvent = z.object({ type: z.literal('click'), ...labelBase }).strict();
export const WatchEndEvent = z.object({ type: z.literal('watch_end'), ...labelBase, watch_s: z.number().finite().nonnegative() }).strict();
export const FollowEvent = z.object({ type: z.literal('follow'), ...labelBase }).strict();
export const GiftEvent = z.object({ type: z.literal('gift'), ...labelBase, value: z.number().finite().nonnegative() }).strict();
export const OrderEvent = z.object({ type: z.literal('order'), ...labelBase, value: z.number().finite().nonnegative() }).strict();
/** Advances event time when a producer is idle or done (the simulator sends one at the end). */
export const HeartbeatEvent = z.object({ type: z.literal('heartbeat'), event_id: id, ts }).strict();

export const StreamEvent = z.discriminatedUnion('type', [ImpressionEvent, ClickEvent, WatchEndEvent, FollowEvent, GiftEvent, OrderEvent, HeartbeatEvent]);
export type StreamEvent = z.infer<typeof StreamEvent>;
export type ImpressionEvent = z.infer<typeof ImpressionEvent>;
export type LabelEvent = Exclude<StreamEvent, ImpressionEvent | { type: 'heartbeat' }>;
export type LabelEventType = LabelEvent['type'];
export const LABEL_EVENT_TYPES: readonly LabelEventType[] = ['click', 'watch_end', 'follow', 'gift', 'order'];

/** Attribution tasks: each label event type feeds one task (watch_end fills watch_s and effective_view). */
export const TASK_OF: Readonly<Record<LabelEventType, JoinTask>> = {
  click: 'click', watch_end: 'watch', follow: 'follow', gift: 'gift', order: 'order',
};
export const JOIN_TASKS = ['click', 'watch', 'follow', 'gift', 'order'] as const;
export type JoinTask = (typeof JOIN_TASKS)[number];

export type ParseResult = { ok: true; event: StreamEvent } | { ok: false; reason: string };

/** Parses one record body; never throws: a bad body gives the reason (for the dead-letter stream). */
export function parseEvent(body: string): ParseResult {
  let raw: unknown;
  try { raw = JSON.parse(body); } catch (e) { return { ok: false, reason: `bad JSON: ${(e as Error).message}` }; }
  const r = StreamEvent.safeParse(raw);
  if (r.success) return { ok: true, event: r.data };
  return { ok: false, reason: `invalid event: ${formatIssues(r.error)}` };
}

function formatIssues(e: z.ZodError): string {
  return e.issues.slice(0, 4).map((i) => {
    const path = i.path.length ? i.path.join('.') : '(root)';
    return `${path}: ${i.message}`;
  }).join('; ');
}
