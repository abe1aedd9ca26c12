import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../../data/table.js';
import type { RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import { evaluateRecall, requestViews, SnapshotFollows, formatRecallReport } from './eval.js';
import { SessionLiveIndex } from './live-index.js';
import { QuotaRecaller } from './recaller.js';

// Three requests over rooms 1..4 (streamer = room + 10), live over [0, 100).
// r0: user 7, target 2, p = [.4 .3 .2 .1]; r1: user 7, target 4, p = [.1 .1 .1 .7]; r2: user 8, target 1, p = [.25 .25 .25 .25], follows streamer 13.
const rows = [
  [0, 1, 0, 0.4], [0, 2, 1, 0.3], [0, 3, 0, 0.2], [0, 4, 0, 0.1],
  [1, 1, 0, 0.1], [1, 2, 0, 0.1], [1, 3, 0, 0.1], [1, 4, 1, 0.7],
  [2, 1, 1, 0.25], [2, 2, 0, 0.25], [2, 3, 0, 0.25], [2, 4, 0, 0.25],
];
const user = [7, 7, 8];
const T = makeTable({
  request_id: Int32Array.from(rows, (r) => r[0]!), impression_id: Int32Array.from(rows, (r) => 100 + r[0]!), logged: Int32Array.from(rows, (r) => r[2]!),
  ts: Int32Array.from(rows, (r) => 10 + r[0]!), scenario: rows.map((r) => (r[0] === 2 ? 'slide' : 'home')), country: rows.map(() => 'US'), user_id: Int32Array.from(rows, (r) => user[r[0]!]!),
  room_id: Int32Array.from(rows, (r) => r[1]!), streamer_id: Int32Array.from(rows, (r) => r[1]! + 10),
  hist_followed: Int32Array.from(rows, (r) => (r[0] === 2 && r[1] === 3 ? 1 : 0)), hist_streamer_watch_s: Float64Array.from(rows, () => 5),
  p_effective_view: Float64Array.from(rows, (r) => r[3]!), seq_streamer_ids: rows.map((r) => (r[0] === 0 ? '12|11' : '')),
});
const live = new SessionLiveIndex([1, 2, 3, 4].map((r) => ({ room: r, streamer: r + 10, category: 0, start: 0, end: 100 })));
const fixed = (name: string, rooms: number[]): RecallSource => ({
  name, retrieve: async (_: RankContext, k: number) => rooms.slice(0, k).map((room): RecallCandidate => ({ room, streamer: room + 10, category: 0, score: 1, source: name })),
});

test('request views: request-level row, target, follows from hist_followed', () => {
  const v = [...requestViews(T)];
  assert.equal(v.length, 3);
  assert.equal(v[0]!.target, 2);
  assert.deepEqual(v[0]!.ctx.row, { ts: 10, scenario: 'home', country: 'US', user_id: 7, seq_streamer_ids: '12|11' });
  assert.deepEqual(v[2]!.follows, [{ streamer: 13, weight: 5 }]);
  assert.equal(v[1]!.ctx.user, 7);
});

test('recall@K per request and per user, true-probability mass, oracle, union', async () => {
  const follows = new SnapshotFollows();
  const a = fixed('a', [1, 2, 3, 4]); const b = fixed('b', [4, 3]);
  const union = new QuotaRecaller([{ source: b, quota: 1, overfetch: 1 }, { source: a, quota: 1, overfetch: 1 }], live, 1000);
  const r = await evaluateRecall(T, new Map([['a', a], ['b', b]]), union, live, follows, [1, 2]);
  assert.equal(r.requests, 3); assert.equal(r.users, 2); assert.equal(r.liveMismatch, 0);
  // a: @1 hits r2 only; @2 hits r0, r2. b: @1 hits r1; @2 hits r1.
  assert.deepEqual(r.results.a!.recall, { 1: 1 / 3, 2: 2 / 3 });
  assert.deepEqual(r.results.b!.recall, { 1: 1 / 3, 2: 1 / 3 });
  // per user: a@2: user 7 hits 1 of 2, user 8 1 of 1 → (0.5 + 1) / 2.
  assert.equal(r.results.a!.userRecall[2], 0.75);
  // mass a@1: (.4 + .1 + .25) / 3.
  assert.ok(Math.abs(r.results.a!.mass[1]! - 0.75 / 3) < 1e-12);
  // oracle ranks by p: r0 top is room 1 (target 2 at rank 1), r1 top is 4 (hit), r2 all tied (strictly larger: 0 → hit).
  assert.deepEqual(r.results.oracle!.recall, { 1: 2 / 3, 2: 1 });
  assert.ok(Math.abs(r.results.oracle!.mass[1]! - (0.4 + 0.7 + 0.25) / 3) < 1e-12);
  // union @2: b's 4, then a's 1 → hits r1, r2.
  assert.deepEqual(r.results.union!.recall, { 1: 1 / 3, 2: 2 / 3 });
  assert.match(formatRecallReport(r), /\| oracle +\| +0\.6667 \|/);
  assert.deepEqual(Object.keys(r.byScenario), ['home', 'slide']);
  assert.equal(r.byScenario.home!.requests, 2);
  // a: @1 hits only r2 (slide); @2 hits r0 (home) and r2 (slide).
  assert.deepEqual(r.byScenario.home!.recall.a, { 1: 0, 2: 0.5 });
  assert.deepEqual(r.byScenario.slide!.recall.a, { 1: 1, 2: 1 });
});
