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
export const FEATURE_NAMES = new Set(IMPRESSION_COLUMNS.filter((c) => c.role !== 'label' && c.role !== 'truth').map((c) => c.name));
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
  if (fastValid(raw)) return { ok: true, event: raw as StreamEvent };
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

// The hot path: a hand-written check that accepts only what the zod schema accepts (anything it
// is unsure about goes to zod, which also words the error). ~5× faster on impressions.
const isId = (v: unknown) => (typeof v === 'string' && v.length >= 1 && v.length <= 200) || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
const isTs = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isNonNeg = isTs;
const isCell = (v: unknown) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const LABEL_KEYS = ['type', 'event_id', 'ts', 'impression_id', 'impression_ts', 'user_id'];
const EXTRA: Record<string, string | undefined> = { click: undefined, follow: undefined, watch_end: 'watch_s', gift: 'value', order: 'value' };
const IMP_KEYS = new Set(['type', 'event_id', 'ts', 'request_id', 'impression_id', 'user_id', 'room_id', 'streamer_id', 'scenario', 'country', 'features', 'truth']);

function cells(o: unknown, names: Set<string>): boolean {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.getPrototypeOf(o) !== Object.prototype) return false;
  for (const k in o) if (!names.has(k) || !isCell((o as Record<string, unknown>)[k])) return false;
  return true;
}

export function fastValid(raw: unknown): boolean {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return false;
  const o = raw as Record<string, unknown>;
  const t = o.type;
  if (t === 'impression') {
    for (const k in o) if (!IMP_KEYS.has(k)) return false;
    return isId(o.event_id) && isTs(o.ts) && isId(o.request_id) && isId(o.impression_id) && isId(o.user_id) && isId(o.room_id)
      && isId(o.streamer_id) && typeof o.scenario === 'string' && o.scenario.length > 0 && typeof o.country === 'string' && o.country.length > 0
      && cells(o.features, FEATURE_NAMES) && (o.truth === undefined || cells(o.truth, TRUTH_NAMES));
  }
  if (typeof t !== 'string' || !(t in EXTRA)) return false;
  const extra = EXTRA[t];
  let n = 0;
  for (const k in o) { n++; if (!LABEL_KEYS.includes(k) && k !== extra) return false; }
  if (n !== LABEL_KEYS.length + (extra ? 1 : 0)) return false;
  return isId(o.event_id) && isTs(o.ts) && isId(o.impression_id) && isTs(o.impression_ts) && isId(o.user_id) && (extra === undefined || isNonNeg(o[extra]));
}
