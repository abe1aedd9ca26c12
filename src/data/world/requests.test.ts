// Request snapshots: the world is unchanged by them; the logged room's snapshot row is the logged
// impression's row; every candidate is live at the request's time; sampling and limits as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashWorld } from './fixtures/hash.js';
import { generateWorld, type World } from './generate.js';
import { isStringColumn, type Column } from '../table.js';

const base = { impressions: 20_000, seed: 3, days: 2, heterogeneity: 'multi_scenario' as const };
const col = (w: World, t: 'impressions' | 'requests' | 'rooms', n: string): Column => (w[t]!.columns[n] as Column);

test('snapshots take none of the world\'s draws: the world is byte-identical with and without them', () => {
  const plain = generateWorld(base);
  const withReq = generateWorld({ ...base, requests: { from: 0.5, count: 40, candidates: 50 } });
  assert.equal(hashWorld(withReq), hashWorld(plain));
  assert.equal(plain.requests, undefined);
});

test('the logged room\'s row equals the logged impression (features; truth where position 0 was logged); candidates are live', () => {
  const w = generateWorld({ ...base, requests: { from: 0.6, to: 0.9, count: 30, seed: 2 } });
  const rq = w.requests!;
  const rid = col(w, 'requests', 'request_id'), logged = col(w, 'requests', 'logged'), imp = col(w, 'requests', 'impression_id');
  const ts = col(w, 'requests', 'ts'), room = col(w, 'requests', 'room_id');
  const N = w.impressions.numRows;
  let requests = 0, lastImp = -1;
  const start = col(w, 'rooms', 'start_ts'), end = col(w, 'rooms', 'end_ts');
  for (let i = 0; i < rq.numRows; i++) {
    if (i === 0 || rid[i] !== rid[i - 1]) {
      requests++;
      assert.ok((imp[i] as number) > lastImp, 'requests in time order'); lastImp = imp[i] as number;
      assert.ok((imp[i] as number) >= Math.floor(0.6 * N) && (imp[i] as number) < Math.floor(0.9 * N));
    }
    const r = room[i] as number;
    assert.ok((start[r] as number) <= (ts[i] as number) && (ts[i] as number) < (end[r] as number), `room ${r} live at ${ts[i]}`);
    if (logged[i] !== 1) continue;
    const j = imp[i] as number;
    for (const name of ['ts', 'hour', 'scenario', 'user_id', 'country', 'user_age', 'user_gender', 'user_device', 'user_activity', 'room_id', 'streamer_id',
      'category_id', 'room_country', 'streamer_followers', 'room_viewers', 'room_live_s', 'user_follow_count', 'hist_followed',
      'hist_streamer_watch_s', 'hist_category_watch_s', 'hist_total_watch_s', 'seq_streamer_ids', 'seq_category_ids']) {
      assert.equal(col(w, 'requests', name)[i], col(w, 'impressions', name)[j], `${name} of request ${rid[i]}`);
    }
    if (col(w, 'impressions', 'position')[j] === 0) {
      for (const p of ['p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order', 'e_watch_s']) {
        assert.equal(col(w, 'requests', p)[i], col(w, 'impressions', p)[j], `${p} of request ${rid[i]}`);
      }
    }
  }
  assert.equal(requests, 30);
  assert.equal((logged as Int32Array).reduce((s, v) => s + v, 0), 30, 'one logged row per request');
  assert.ok(rq.numRows > 30 * 100, `all live rooms (${rq.numRows / 30} a request)`);
  for (const c of Object.values(rq.columns)) assert.equal(c.length, rq.numRows);
  assert.ok(isStringColumn(rq.columns.scenario!));
});

test('candidates limit, onlyEffectiveView, deterministic sampling, option errors', () => {
  const o = { from: 0.5, count: 25, candidates: 40, onlyEffectiveView: true, seed: 9 };
  const a = generateWorld({ ...base, requests: o }), b = generateWorld({ ...base, requests: o });
  const rq = a.requests!;
  assert.equal(rq.numRows, 25 * 40);
  assert.deepEqual(rq.columns.room_id, b.requests!.columns.room_id);
  const imp = rq.columns.impression_id as Int32Array, logged = rq.columns.logged as Int32Array;
  const ev = a.impressions.columns.effective_view as Uint8Array;
  for (let i = 0; i < rq.numRows; i++) if (logged[i] === 1) assert.equal(ev[imp[i]!], 1);
  const other = generateWorld({ ...base, requests: { ...o, seed: 10 } });
  assert.notDeepEqual(other.requests!.columns.impression_id, rq.columns.impression_id);
  assert.throws(() => generateWorld({ ...base, requests: { count: 0 } }), /requests\.count: expected an integer >= 1/);
  assert.throws(() => generateWorld({ ...base, requests: { count: 5, from: 0.9, to: 0.5 } }), /from\/to must satisfy/);
});
