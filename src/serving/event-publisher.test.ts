// serve --event-stream: the rooms /rank returns become impression events with the rows the fine
// ranker scored, the outcomes posted to /events with their impression_id become label events, and
// the delayed-label joiner turns them into training samples (what train --stream consumes). A broker
// that fails costs events (counted in /health), never a request.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { generateWorld } from '../data/world/generate.js';
import { tinyServeConfig } from './fine-ranker.fixtures.js';
import { buildService, type Service } from './server.js';
import { applySnapshot, snapshotFromWorld } from './profile/snapshot.js';
import { MemoryEventStream } from '../data/stream/memory.js';
import { Joiner } from '../data/stream/join.js';
import { parseEvent } from '../data/stream/events.js';
import type { EventStream } from '../data/stream/types.js';

const run = mkdtempSync(join(tmpdir(), 'lr-publish-'));
await train(tinyServeConfig(), { out: run, verbose: false });
const w = generateWorld({ impressions: 4000, seed: 11, liveRoomsPerMillionPerDay: 200_000 });
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: w.impressions });
const TS = snap.lastTs;
const USER = (w.impressions.columns.user_id as Int32Array)[w.impressions.numRows - 1]!;
const services: Service[] = [];
after(async () => { for (const v of services) await v.close(); });

async function service(es: EventStream): Promise<Service> {
  const v = await buildService({ run, workers: 1, clock_offset_s: TS + 5 - Date.now() / 1000, event_stream: { stream: 'ev' } }, { eventStream: es });
  services.push(v);
  await applySnapshot(snap, v);
  return v;
}
const post = (v: Service, url: string, body: unknown) => v.app.inject({ method: 'POST', url, payload: body as object });

async function readAll(es: MemoryEventStream, stream: string, n: number): Promise<string[]> {
  for (let i = 0; i < 200 && (await es.length(stream)) < n; i++) await new Promise((r) => setTimeout(r, 10));
  await es.ensureGroup(stream, 'check', '0');
  return (await es.read(stream, 'check', 'c', { count: 10_000 })).map((r) => r.body);
}

test('served impressions + posted outcomes → events → the joiner\'s samples carry the served features and the outcomes', async () => {
  const es = new MemoryEventStream();
  const v = await service(es);
  const r = await post(v, '/rank', { user: USER, scenario: 'home', ts: TS });
  assert.equal(r.statusCode, 200, r.body);
  const j = r.json() as { request_id: string; items: { room_id: number; streamer_id: number; impression_id: string }[] };
  assert.match(j.request_id, /^[a-z0-9]+-1$/);
  assert.equal(j.items.length, 20);
  j.items.forEach((it, i) => assert.equal(it.impression_id, `${j.request_id}:${i}`));

  const a = j.items[0]!, b = j.items[1]!;
  const rec = (it: typeof a, extra: object) => ({ user: USER, room: it.room_id, streamer: it.streamer_id, category: 1, scenario: 'home', ts: TS, impression_id: it.impression_id, ...extra });
  const e = await post(v, '/events', { impressions: [rec(a, { click: 1, watchS: 40 }), rec(b, { click: 0, watchS: 2 }), { user: USER, room: a.room_id, streamer: a.streamer_id, category: 1, scenario: 'home', ts: TS, click: 1 }] });
  assert.equal(e.statusCode, 200, e.body);

  // 20 impressions + click and watch_end of a + watch_end of b (b's click 0 is no event; the record without impression_id is not ours)
  const bodies = await readAll(es, 'ev', 23);
  assert.equal(bodies.length, 23);
  const events = bodies.map((x) => parseEvent(x));
  assert.ok(events.every((x) => x.ok), JSON.stringify(events.find((x) => !x.ok)));
  const types = events.map((x) => (x.ok ? x.event.type : ''));
  assert.equal(types.filter((t) => t === 'impression').length, 20);
  assert.deepEqual(types.slice(20).sort(), ['click', 'watch_end', 'watch_end']);

  const joiner = new Joiner();
  const samples = [];
  for (const body of bodies) samples.push(...joiner.processBody(body).samples);
  samples.push(...joiner.processBody(JSON.stringify({ type: 'heartbeat', event_id: 'hb', ts: TS + 100_000 })).samples);
  assert.equal(samples.length, 20, 'one sample per served impression once the windows closed');
  const sa = samples.find((s) => s.sample_id === a.impression_id)!, sb = samples.find((s) => s.sample_id === b.impression_id)!;
  assert.equal(sa.click, 1); assert.equal(sa.watch_s, 40); assert.equal(sa.effective_view, 1);
  assert.equal(sb.click, 0); assert.equal(sb.watch_s, 2); assert.equal(sb.effective_view, 0);
  const other = samples.filter((s) => s !== sa && s !== sb);
  assert.ok(other.every((s) => s.click === 0 && s.watch_s === 0), 'no outcome posted → negatives');
  // the served features ride along: the room's follower count as the live index had it, and the slot
  const room = v.live.get(a.room_id)!;
  assert.equal(sa.streamer_followers, room.streamer_followers);
  assert.equal(sa.position, 0); assert.equal(sb.position, 1);
  assert.equal(sa.user_id, USER);
});

test('a failing broker: /rank and /events still answer 200; the lost events are counted in /health', async () => {
  const es = new MemoryEventStream();
  es.append = async () => { throw new Error('broker down'); };
  const v = await service(es);
  const r = await post(v, '/rank', { user: USER, scenario: 'home', ts: TS });
  assert.equal(r.statusCode, 200, r.body);
  await new Promise((res) => setTimeout(res, 60));
  const h = (await v.app.inject({ method: 'GET', url: '/health' })).json() as { event_stream: { published: number; dropped: number; last_error: string } };
  assert.equal(h.event_stream.published, 0);
  assert.equal(h.event_stream.dropped, 20);
  assert.match(h.event_stream.last_error, /broker down/);
});
