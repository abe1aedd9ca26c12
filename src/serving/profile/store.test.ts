// The profile stores against the world: a snapshot of the first half of a world's log, then the
// second half replayed row by row through applyImpressions — before each row, the lookup equals the
// row's history columns wherever the log already showed the key (the prior history of a never-shown
// pair is the world's latent and unknown to serving). In-process and Redis (127.0.0.1:6379) agree
// exactly. Plus follows, upserts and Redis unreachable as a typed error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateWorld } from '../../data/world/generate.js';
import { sliceTable, type Column } from '../../data/table.js';
import { MemoryProfileStore } from './memory.js';
import { RedisProfileStore } from './redis.js';
import { snapshotFromWorld } from './snapshot.js';
import { ProfileStoreUnavailableError, type ProfileStore } from './types.js';

const w = generateWorld({ impressions: 6000, seed: 3, usersPerImpression: 0.02, liveRoomsPerMillionPerDay: 20000 });
const half = 3000;
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: sliceTable(w.impressions, 0, half) });
const prefix = `lr:test:${process.pid}:${Date.now()}:pf:`;
const opened: RedisProfileStore[] = [];
after(async () => { for (const s of opened) { await s.clear(); await s.close(); } });

const C = (n: string): Column => w.impressions.columns[n]!;
const close = (a: number, b: number) => Math.abs(a - b) <= 2e-6 * Math.max(1, Math.abs(b));

async function replay(store: ProfileStore): Promise<number[][]> {
  await store.loadUsers(snap.users.values());
  // keys the snapshot's log showed: their state is known from then on (a key first shown later has an unknown prior)
  const seenPair = new Set<string>(), seenCat = new Set<string>(), seenUser = new Set<number>();
  for (let i = 0; i < half; i++) { seenPair.add(`${C('user_id')[i]}:${C('streamer_id')[i]}`); seenCat.add(`${C('user_id')[i]}:${C('category_id')[i]}`); seenUser.add(C('user_id')[i] as number); }
  const out: number[][] = [];
  let checked = 0;
  for (let i = half; i < w.impressions.numRows; i++) {
    const u = C('user_id')[i] as number, s = C('streamer_id')[i] as number, c = C('category_id')[i] as number;
    const r = await store.lookup(u, [{ streamer: s, category: c }, { streamer: -1, category: -1 }]);
    out.push([r.hist_followed[0]!, r.hist_streamer_watch_s[0]!, r.hist_category_watch_s[0]!, Number(r.user?.hist_total_watch_s ?? NaN), Number(r.user?.user_follow_count ?? NaN)]);
    assert.ok(r.user, `row ${i}: user ${u} is in the users table`);
    assert.equal(r.user.country, (w.users.columns.country as string[])[w.users.columns.user_id!.indexOf(u as never)]);
    assert.equal(r.hist_streamer_watch_s[1], 0, 'an unseen pair has no watch');
    if (seenPair.has(`${u}:${s}`)) {
      assert.equal(r.hist_followed[0], C('hist_followed')[i], `row ${i}: hist_followed`);
      assert.ok(close(r.hist_streamer_watch_s[0]!, C('hist_streamer_watch_s')[i] as number), `row ${i}: hist_streamer_watch_s ${r.hist_streamer_watch_s[0]} vs ${C('hist_streamer_watch_s')[i]}`);
      checked++;
    }
    if (seenCat.has(`${u}:${c}`)) {
      assert.ok(close(r.hist_category_watch_s[0]!, C('hist_category_watch_s')[i] as number), `row ${i}: hist_category_watch_s`);
    }
    if (seenUser.has(u)) {
      assert.ok(close(Number(r.user.hist_total_watch_s), C('hist_total_watch_s')[i] as number), `row ${i}: hist_total_watch_s`);
      assert.equal(r.user.user_follow_count, C('user_follow_count')[i], `row ${i}: user_follow_count`);
    }
    await store.applyImpressions([{ user: u, streamer: s, category: c, watchS: C('watch_s')[i] as number, follow: C('follow')[i] as number }]);
  }
  assert.ok(checked > 200, `enough rows with a known pair (${checked})`);
  return out;
}

test('profile stores: snapshot + /events replay equals the world\'s history columns; Redis equals in-process exactly', async () => {
  const mem = await replay(new MemoryProfileStore());
  const red = await RedisProfileStore.connect({ prefix });
  opened.push(red);
  const got = await replay(red);
  assert.equal(got.length, mem.length);
  for (let i = 0; i < got.length; i++) got[i]!.forEach((v, j) => assert.ok(Object.is(v, mem[i]![j]), `row ${i} col ${j}: redis ${v} vs memory ${mem[i]![j]}`));
});

test('profile stores: follows, unfollows, upserts; followed streamers listed', async () => {
  const red = await RedisProfileStore.connect({ prefix: `${prefix}f:` });
  opened.push(red);
  for (const store of [new MemoryProfileStore(), red] as ProfileStore[]) {
    assert.equal((await store.lookup(42, [])).user, null, 'unknown user');
    await store.upsertUsers([{ user_id: 42, country: 'BR', user_age: '25-34', user_activity: 3.5 }]);
    await store.applyFollows([{ user: 42, streamer: 7, followed: true }, { user: 42, streamer: 8, followed: true }, { user: 42, streamer: 7, followed: true }]);
    await store.applyImpressions([{ user: 42, streamer: 9, category: 2, watchS: 12.5, follow: 1 }, { user: 42, streamer: 9, category: 2, watchS: 0.25 }]);
    let r = await store.lookup(42, [{ streamer: 7, category: 2 }, { streamer: 9, category: 2 }, { streamer: 10, category: 3 }]);
    assert.deepEqual(r.user, { country: 'BR', user_age: '25-34', user_activity: 3.5, user_follow_count: 3, hist_total_watch_s: 12.75 });
    assert.deepEqual([...r.hist_followed], [1, 1, 0]);
    assert.deepEqual([...r.hist_streamer_watch_s], [0, 12.75, 0]);
    assert.deepEqual([...r.hist_category_watch_s], [12.75, 12.75, 0]);
    assert.deepEqual((await store.followedStreamers(42)).sort(), ['7', '8', '9']);
    await store.applyFollows([{ user: 42, streamer: 8, followed: false }, { user: 42, streamer: 11, followed: false }]);
    r = await store.lookup(42, [{ streamer: 8, category: 2 }]);
    assert.equal(r.user!.user_follow_count, 2);
    assert.deepEqual([...r.hist_followed], [0]);
  }
});

test('redis profile store: unreachable → ProfileStoreUnavailableError', async () => {
  await assert.rejects(RedisProfileStore.connect({ port: 1, connectTimeoutMs: 200 }), ProfileStoreUnavailableError);
});

test('profile stores: room profiles saved and loaded back (a restarted instance rebuilds its live index)', async () => {
  const red = await RedisProfileStore.connect({ prefix: `${prefix}r:` });
  opened.push(red);
  const rooms = snap.rooms.slice(0, 2500);
  for (const store of [new MemoryProfileStore(), red] as ProfileStore[]) {
    assert.deepEqual(await store.loadRooms(), []);
    await store.saveRooms(rooms);
    await store.saveRooms([{ ...rooms[0]!, end_ts: 5, room_viewers: 7 }]);
    const back = (await store.loadRooms()).sort((a, b) => Number(a.room_id) - Number(b.room_id));
    assert.equal(back.length, rooms.length);
    assert.deepEqual(back[0], { ...rooms[0]!, end_ts: 5, room_viewers: 7 });
    assert.deepEqual(back.slice(1), [...rooms.slice(1)].sort((a, b) => Number(a.room_id) - Number(b.room_id)));
  }
});
