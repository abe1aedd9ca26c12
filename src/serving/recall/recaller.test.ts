import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import { quotaSlots, parseRecallConfig } from './config.js';
import { FollowedLiveSource, MemoryFollowStore } from './followed-live.js';
import { ItemCfSource } from './item-cf.js';
import { SessionLiveIndex } from './live-index.js';
import { MemoryNeighbourStore } from './neighbour-store.js';
import { PopularitySource } from './popularity.js';
import { QuotaRecaller, mergeWithQuotas } from './recaller.js';

// Streamer s (1..9) runs room 100 + s over [1000, 2000), except streamer 5 (offline at 1500: [0, 1000))
// and streamer 6 (two sessions: room 106 over [0, 1000), room 206 over [1200, 3000)).
function liveIndex(): SessionLiveIndex {
  const idx = new SessionLiveIndex();
  for (let s = 1; s <= 9; s++) {
    if (s === 5) { idx.add({ room: 105, streamer: 5, category: 5 % 3, start: 0, end: 1000 }); continue; }
    if (s === 6) { idx.add({ room: 106, streamer: 6, category: 0, start: 0, end: 1000 }); idx.add({ room: 206, streamer: 6, category: 0, start: 1200, end: 3000 }); continue; }
    idx.add({ room: 100 + s, streamer: s, category: s % 3, start: 1000, end: 2000, profile: { streamer_followers: 10 * s } });
  }
  return idx;
}
const ctx = (row: RankContext['row'] = {}, ts = 1500): RankContext => ({ user: 7, scenario: 'home', country: 'US', ts, row });
const cand = (room: number, source: string, score = 1): RecallCandidate => ({ room, streamer: room % 100, category: 0, score, source });
class Fixed implements RecallSource {
  calls: number[] = [];
  constructor(readonly name: string, private readonly list: RecallCandidate[], private readonly delayMs = 0, private readonly fail = false) {}
  async retrieve(_: RankContext, k: number): Promise<RecallCandidate[]> {
    this.calls.push(k);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.fail) throw new Error('boom');
    return this.list.slice(0, k);
  }
}

test('live index: start inclusive, end exclusive; liveRooms, the live room of a streamer, profile', () => {
  const idx = liveIndex();
  assert.equal(idx.isLive(101, 1000), true);
  assert.equal(idx.isLive(101, 2000), false);
  assert.equal(idx.isLive(105, 1500), false);
  assert.deepEqual([...idx.liveRooms(1500)].sort(), [101, 102, 103, 104, 107, 108, 109, 206]);
  assert.deepEqual([...idx.liveRooms(999)].sort(), [105, 106]);
  assert.equal(idx.liveRoomOfStreamer(6, 500), 106);
  assert.equal(idx.liveRoomOfStreamer(6, 1100), undefined);
  assert.equal(idx.liveRoomOfStreamer(6, 2500), 206);
  assert.equal(idx.liveRoomOfStreamer(42, 1500), undefined);
  assert.deepEqual(idx.profile(103, 1500), { room_id: 103, streamer_id: 3, category_id: 0, streamer_followers: 30, room_live_s: 500 });
  assert.equal(idx.profile(103, 2500), undefined);
  assert.throws(() => idx.add({ room: 101, streamer: 1, category: 0, start: 0, end: 1 }), /room 101 added twice/);
  assert.throws(() => idx.add({ room: 1, streamer: 1, category: 0, start: 5, end: 5 }), /start < end/);
});

test('quota slots: largest remainder, summing to the total', () => {
  assert.deepEqual([...quotaSlots([{ name: 'a', quota: 1 }, { name: 'b', quota: 1 }, { name: 'c', quota: 1 }], 10)], [['a', 4], ['b', 3], ['c', 3]]);
  assert.deepEqual([...quotaSlots([{ name: 'a', quota: 0.5 }, { name: 'b', quota: 0.3 }, { name: 'c', quota: 0.2 }], 7)], [['a', 4], ['b', 2], ['c', 1]]);
});

test('merge: each source fills its quota with new rooms, duplicates keep the first source and list all, dead rooms are dropped, leftovers fill round-robin', () => {
  const live = new Set([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]);
  const a = [cand(1, 'a', 9), cand(2, 'a', 8), cand(9, 'a', 7), cand(3, 'a', 6), cand(4, 'a', 5)]; // 9 is not live
  const b = [cand(2, 'b'), cand(5, 'b'), cand(6, 'b'), cand(7, 'b'), cand(8, 'b')];
  const c = [cand(10, 'c'), cand(1, 'c')];
  const slots = new Map([['a', 2], ['b', 2], ['c', 2]]);
  const r = mergeWithQuotas(['a', 'b', 'c'], [a, b, c], slots, 8, (room) => live.has(room as number));
  // phase 1: a → 1, 2; b → 5, 6 (2 already taken); c → 10 (1 taken, list ends); phase 2 fills 3 slots: a → 3, b → 7, a → 4.
  assert.deepEqual(r.candidates.map((x) => x.room), [1, 2, 5, 6, 10, 3, 7, 4]);
  assert.deepEqual(r.perSource, { a: 4, b: 3, c: 1 });
  assert.equal(r.notLive, 1);
  const byRoom = new Map(r.candidates.map((x) => [x.room, x]));
  assert.deepEqual(byRoom.get(2)!.sources, ['a', 'b']);
  assert.equal(byRoom.get(2)!.score, 8, 'the first source keeps its score');
  assert.deepEqual(byRoom.get(1)!.sources, ['a', 'c']);
  assert.deepEqual(byRoom.get(5)!.sources, ['b']);
  assert.equal(new Set(r.candidates.map((x) => x.room)).size, r.candidates.length, 'no duplicates');
  const small = mergeWithQuotas(['a', 'b', 'c'], [a, b, c], slots, 3, (room) => live.has(room as number));
  assert.deepEqual(small.candidates.map((x) => x.room), [1, 2, 5]);
});

test('QuotaRecaller: only live rooms at ctx.ts, overfetch, a failing or slow source does not fail the request', async () => {
  const idx = liveIndex();
  const a = new Fixed('a', [cand(101, 'a'), cand(105, 'a'), cand(102, 'a')]); // 105 is offline at 1500
  const slow = new Fixed('slow', [cand(103, 'slow')], 200);
  const bad = new Fixed('bad', [cand(104, 'bad')], 0, true);
  const rec = new QuotaRecaller([{ source: a, quota: 2, overfetch: 2 }, { source: slow, quota: 1 }, { source: bad, quota: 1 }], idx, 30);
  const r = await rec.retrieve(ctx(), 4);
  assert.deepEqual(r.candidates.map((x) => x.room), [101, 102]);
  assert.deepEqual(a.calls, [4], 'asked for slots 2 × overfetch 2');
  assert.match(r.failed.slow!, /timed out after 30 ms/);
  assert.match(r.failed.bad!, /boom/);
  assert.equal(r.notLive, 1);
  const later = await rec.retrieve(ctx({}, 2500), 4);
  assert.deepEqual(later.candidates, [], 'nothing of a is live at 2500');
});

test('QuotaRecaller: when overlap leaves the merge short, sources with a full list are asked once more for the total', async () => {
  const idx = liveIndex();
  const rooms = [101, 102, 103, 104, 107, 108, 109, 206].map((r) => cand(r, 'x'));
  const a = new Fixed('a', rooms); const b = new Fixed('b', rooms); const c = new Fixed('c', rooms.slice(0, 1));
  const rec = new QuotaRecaller([{ source: a, quota: 1, overfetch: 1 }, { source: b, quota: 1, overfetch: 1 }, { source: c, quota: 1, overfetch: 1 }], idx, 1000);
  const r = await rec.retrieve(ctx(), 6);
  assert.deepEqual(a.calls, [2, 6]); assert.deepEqual(b.calls, [2, 6]);
  assert.deepEqual(c.calls, [2], 'c returned fewer than asked: it has no more');
  assert.deepEqual(r.candidates.map((x) => x.room), [101, 102, 103, 104, 107, 108]);
  // A refill that fails keeps the first list.
  let calls = 0;
  const flaky: RecallSource = { name: 'flaky', retrieve: async (_c, k) => { if (calls++ > 0) throw new Error('down'); return rooms.slice(0, k); } };
  const r2 = await new QuotaRecaller([{ source: flaky, quota: 1, overfetch: 1 }, { source: new Fixed('e', rooms.slice(0, 1)), quota: 1, overfetch: 1 }], idx, 1000).retrieve(ctx(), 6);
  assert.deepEqual(r2.candidates.map((x) => x.room), [101, 102, 103]);
  assert.deepEqual(r2.failed, {});
  const full = await new QuotaRecaller([{ source: new Fixed('d', rooms), quota: 1, overfetch: 2 }], idx, 1000).retrieve(ctx(), 3);
  assert.equal(full.candidates.length, 3);
});

test('item-CF: Σ sim × weight × decay^position over the last N seeds, only live, best first', async () => {
  const idx = liveIndex();
  const store = new MemoryNeighbourStore(new Map([
    [1, [{ item: 3, sim: 0.4 }, { item: 4, sim: 0.2 }]],
    [2, [{ item: 3, sim: 0.2 }, { item: 5, sim: 1.8 }, { item: 7, sim: 0.1 }]],
    [9, [{ item: 8, sim: 5 }]],
  ]));
  const cfg = parseRecallConfig({ sources: [{ name: 'item_cf', quota: 1 }], item_cf: { neighbours: 'x', last_n: 2, position_decay: 0.5, weights: { view: 2 } } }).item_cf!;
  const src = new ItemCfSource(store, idx, cfg);
  // seq "1|2|9": seeds 1 (weight 2), 2 (weight 1); 9 is beyond last_n.
  const got = await src.retrieve(ctx({ seq_streamer_ids: '1|2|9' }), 10);
  // 3: 0.4·2 + 0.2·1 = 1.0; 5: 1.8 but offline; 4: 0.2·2 = 0.4; 7: 0.1.
  assert.deepEqual(got.map((x) => [x.room, x.streamer, Number(x.score.toFixed(12))]), [[103, 3, 1], [104, 4, 0.4], [107, 7, 0.1]]);
  assert.equal((await src.retrieve(ctx({ seq_streamer_ids: '' }), 10)).length, 0);
  assert.equal((await src.retrieve(ctx({ seq_streamer_ids: '1|2' }), 1)).length, 1);
  // Followed streamers as seeds with their own weight.
  const follows = new MemoryFollowStore(); follows.follow(7, 9, 0);
  const withF = new ItemCfSource(store, idx, { ...cfg, weights: { view: 2, follow: 0.5 } }, follows);
  const f = await withF.retrieve(ctx({ seq_streamer_ids: '1' }), 10);
  assert.deepEqual(f.map((x) => [x.streamer, x.score]), [[8, 2.5], [3, 0.8], [4, 0.4]]);
});

test('followed-live: followed streamers live now, by weight; popularity: by count, live only', async () => {
  const idx = liveIndex();
  const follows = new MemoryFollowStore();
  follows.follow(7, 5, 10, 100); // offline
  follows.follow(7, 2, 20, 5);
  follows.follow(7, 6, 30, 50);
  follows.follow(8, 1, 30, 50);
  const src = new FollowedLiveSource(follows, idx);
  assert.deepEqual((await src.retrieve(ctx(), 10)).map((x) => x.room), [206, 102]);
  follows.addWeight(7, 2, 100);
  assert.deepEqual((await src.retrieve(ctx(), 1)).map((x) => x.room), [102]);
  const recent = new FollowedLiveSource(follows, idx, 'recent');
  assert.deepEqual((await recent.retrieve(ctx(), 10)).map((x) => x.room), [206, 102]);
  follows.unfollow(7, 6);
  assert.deepEqual((await src.retrieve(ctx(), 10)).map((x) => x.room), [102]);
  const pop = new PopularitySource(new Map([[5, 100], [3, 50], [9, 50], [1, 10]]), idx);
  assert.deepEqual((await pop.retrieve(ctx(), 3)).map((x) => x.room), [103, 109, 101]);
});

test('config: errors name the field', () => {
  assert.throws(() => parseRecallConfig({ sources: [] }, 'r.yaml'), /r\.yaml: sources/);
  assert.throws(() => parseRecallConfig({ sources: [{ name: 'two_tower', quota: 1 }] }, 'r.yaml'), /two_tower section/);
  assert.throws(() => parseRecallConfig({ sources: [{ name: 'nope', quota: 1 }] }, 'r.yaml'), /sources\.0\.name/);
  assert.throws(() => parseRecallConfig({ sources: [{ name: 'followed_live', quota: -1 }] }, 'r.yaml'), /sources\.0\.quota/);
  assert.throws(() => parseRecallConfig({ sources: [{ name: 'followed_live', quota: 1 }, { name: 'followed_live', quota: 1 }] }, 'r.yaml'), /listed twice/);
});
