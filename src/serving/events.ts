// POST /events: what happened, applied to the stores ranking reads.
//   impressions  one record per impression and what followed it (click, watchS, follow, gift — the
//                RealtimeEvent schema): the real-time counters and sequences (the training feature
//                code, src/serving/realtime) and the profiles (watch seconds added, a follow sets followed)
//   follows      follows / unfollows outside an impression (profiles)
//   rooms        a room starting (room_id, streamer_id, category_id, start_ts, …), ending (end_ts) or a
//                viewer-count update (room_viewers): the live-room index
//   users        profile fields (country, user_age, …): the profile store
// Every record is validated first (400 naming the field, nothing applied); a store that is down → 503
// naming it (the client retries; counters must not silently lose events).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MemoryLiveIndex, RoomUpdateSchema, type RoomProfile } from './funnel/live-index.js';
import { FollowSchema, ProfileStoreUnavailableError, UserProfileSchema, type ProfileStore } from './profile/types.js';
import { RealtimeStoreUnavailableError, type RealtimeStore } from './realtime/index.js';
import { RealtimeEventSchema } from './realtime/types.js';
import { eventsBodySchema } from './schemas.js';
import type { ServerMetrics } from './server-metrics.js';
import type { EventPublisher } from './event-publisher.js';
import { behaviorOf, type BehaviorStore } from './behaviors.js';

export class EventsInputError extends Error {
  override readonly name = 'EventsInputError';
}

function parseList<T>(schema: z.ZodType<T>, list: unknown[] | undefined, field: string): T[] {
  return (list ?? []).map((x, i) => {
    const r = schema.safeParse(x);
    if (!r.success) throw new EventsInputError(r.error.issues.map((is) => `${field}[${i}]${is.path.map((p) => `.${String(p)}`).join('')}: ${is.message}`).join('; '));
    return r.data;
  });
}

export interface EventsDeps {
  live: MemoryLiveIndex;
  profiles: ProfileStore;
  realtime: () => RealtimeStore;
  metrics: ServerMetrics;
  maxEvents: number;
  /** Long behaviour sequences: entered impressions are appended to the users' behaviour logs. */
  behaviors?: BehaviorStore | null;
  /** serve --event-stream: outcomes of records with `impression_id` become label events. */
  publisher?: EventPublisher | null;
  now?: () => number;
}

interface EventsBody { impressions?: unknown[]; follows?: unknown[]; rooms?: unknown[]; users?: unknown[] }

export function registerEvents(app: FastifyInstance, d: EventsDeps): void {
  app.post<{ Body: EventsBody }>('/events', { schema: { body: eventsBodySchema(d.maxEvents) } }, async (req, reply) => {
    const b = req.body;
    let impressions, follows, rooms, users, changedRooms: RoomProfile[];
    try {
      impressions = parseList(RealtimeEventSchema, b.impressions, 'impressions');
      follows = parseList(FollowSchema, b.follows, 'follows');
      rooms = parseList(RoomUpdateSchema, b.rooms, 'rooms');
      users = parseList(UserProfileSchema, b.users, 'users');
      changedRooms = d.live.upsert(rooms); // validates new rooms' required fields before changing anything
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
    const down: string[] = [];
    const guard = async (store: string, p: Promise<void>): Promise<void> => {
      try { await p; } catch (e) {
        if (e instanceof RealtimeStoreUnavailableError || e instanceof ProfileStoreUnavailableError) { down.push(`${store}: ${e.message}`); return; }
        throw e;
      }
    };
    const behaviors = d.behaviors ? impressions.map((e) => behaviorOf(e)).filter((b) => b !== null) : [];
    await Promise.all([
      guard('realtime', d.realtime().applyEvents(impressions)),
      ...(d.behaviors && behaviors.length ? [d.behaviors.append(behaviors).catch((e: Error) => { down.push(`behaviors: ${e.message}`); })] : []),
      guard('profile', (async () => {
        await d.profiles.upsertUsers(users);
        await d.profiles.applyImpressions(impressions);
        await d.profiles.applyFollows(follows);
        await d.profiles.saveRooms(changedRooms);
      })()),
    ]);
    if (down.length) return reply.code(503).send({ error: `events not (fully) stored; retry: ${down.join('; ')}` });
    d.publisher?.outcomes(impressions, d.now ? d.now() : Date.now() / 1000);
    const accepted = { impressions: impressions.length, follows: follows.length, rooms: rooms.length, users: users.length };
    for (const [kind, n] of Object.entries(accepted)) if (n) d.metrics.events.inc({ kind }, n);
    return { accepted };
  });
}
