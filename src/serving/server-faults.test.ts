// Faults under load, over a real socket: the service runs its real-time and profile stores on a Redis
// server this test starts (its own redis-server child on a free port), a loop of POST /rank requests
// runs while Redis is killed and restarted on the same port — every answer stays 200 (degraded: true
// while Redis is down, non-degraded again once it is back), no 5xx. And an atomic model + fusion
// reload under load: every request of the loop is answered 200.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { generateWorld } from '../data/world/generate.js';
import { Redis } from 'ioredis';
import { tinyServeConfig } from './fine-ranker.fixtures.js';
import { buildService, type Service } from './server.js';
import { applySnapshot, snapshotFromWorld } from './profile/snapshot.js';
import { OwnRedis, freePort } from '../data/stream/redis-server.fixture.js';

const run = mkdtempSync(join(tmpdir(), 'lr-faults-'));
await train(tinyServeConfig(), { out: run, verbose: false });
const w = generateWorld({ impressions: 4000, seed: 11, liveRoomsPerMillionPerDay: 200_000 });
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: w.impressions });
const TS = snap.lastTs;
const users = Array.from(new Set(w.impressions.columns.user_id as Int32Array)).slice(0, 50);
const TOKEN = 'test-token-0123456789abcdef';
const cleanup: (() => Promise<unknown> | void)[] = [];
after(async () => { for (const c of cleanup.reverse()) await c(); });

interface Answer { t: number; ms: number; status: number; degraded?: boolean; stores?: string[]; items?: number }

/** `workers` concurrent request loops until stop() — every answer recorded. */
function load(url: string, body: (i: number) => unknown, workers = 4) {
  const answers: Answer[] = [];
  let running = true, i = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const n = i++;
      const t0 = Date.now();
      const r = await fetch(`${url}/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(n)) });
      const j = await r.json() as { degraded?: boolean; degraded_stores?: string[]; items?: unknown[] };
      answers.push({ t: Date.now(), ms: Date.now() - t0, status: r.status, degraded: j.degraded, stores: j.degraded_stores, items: j.items?.length });
    }
  });
  return { answers, stop: async () => { running = false; await Promise.all(loops); } };
}

async function listen(v: Service): Promise<string> {
  return v.app.listen({ host: '127.0.0.1', port: 0 });
}

test('Redis killed mid-load → 200 degraded answers (defaults), recovery when it returns on the same port; no 5xx', async () => {
  const redis = new OwnRedis(await freePort(), { persist: false }); // a cache: comes back empty
  const port = redis.port;
  await redis.start();
  cleanup.push(() => redis.kill());
  const v = await buildService({ run, workers: 1, redis: { port, prefix: `lr:faults:${process.pid}:`, command_timeout_ms: 200 }, timeouts_ms: { profile: 150, features: 250 } });
  cleanup.push(() => v.close());
  await applySnapshot(snap, v);
  const url = await listen(v);
  // the world's sessions end with the world: requests at its last second (reads at one time: the stores assume monotone read times)
  const ld = load(url, (n) => ({ user: users[n % users.length], scenario: 'home', ts: TS, size: 10 }));
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(1000);
  const killedAt = Date.now();
  await redis.kill();
  await wait(1500);
  const restartedAt = Date.now();
  await redis.start();
  // recovery: the clients reconnect (backoff ≤ 2 s); wait for 20 non-degraded answers in a row
  const t0 = Date.now();
  for (;;) {
    const tail = ld.answers.slice(-20);
    if (tail.length === 20 && tail.every((a) => a.t > restartedAt && a.degraded === false)) break;
    assert.ok(Date.now() - t0 < 15_000, `no recovery within 15 s of the restart (last: ${JSON.stringify(ld.answers.at(-1))})`);
    await wait(50);
  }
  const recoveredIn = Date.now() - restartedAt;
  await ld.stop();
  const a = ld.answers;
  const by = (f: (x: Answer) => boolean) => a.filter(f).length;
  const fiveXX = by((x) => x.status >= 500), non200 = by((x) => x.status !== 200);
  const before = a.filter((x) => x.t < killedAt), down = a.filter((x) => x.t > killedAt + 300 && x.t < restartedAt);
  console.log(`# faults: ${a.length} answers, ${fiveXX} 5xx, ${non200} non-200; before kill ${before.length} (degraded ${before.filter((x) => x.degraded).length}), while down ${down.length} (degraded ${down.filter((x) => x.degraded).length}, realtime ${down.filter((x) => x.stores?.includes('realtime')).length}, profile ${down.filter((x) => x.stores?.includes('profile')).length}) recovered ${recoveredIn} ms after the restart`);
  assert.equal(fiveXX, 0, 'no 5xx');
  assert.equal(non200, 0, 'every answer 200');
  assert.deepEqual(a.filter((x) => x.items !== 10), [], 'every answer has its 10 rooms');
  assert.ok(before.length > 5 && before.every((x) => x.degraded === false), 'healthy before the kill');
  assert.ok(down.length > 5, `answers kept coming while Redis was down (${down.length})`);
  assert.ok(down.every((x) => x.degraded === true), 'every answer while Redis is down is degraded');
  assert.ok(down.every((x) => x.stores?.includes('realtime') && x.stores.includes('profile')), 'both stores flagged');
  const m = await (await fetch(`${url}/metrics`)).text();
  assert.deepEqual((await (await fetch(`${url}/health`)).json() as { stores: { degraded_since: object } }).stores.degraded_since, {}, 'health: no store degraded now');
  assert.match(m, /liverank_degraded_total\{store="realtime"\} [1-9]/);
  assert.match(m, /liverank_degraded_total\{store="profile"\} [1-9]/);
  assert.match(m, /liverank_degraded\{store="realtime"\} 0/, m.split('\n').filter((l) => l.startsWith('liverank_degraded')).join('\n'));
  // writes while Redis is down are refused with 503 (not silently lost); after recovery accepted
  const ev = { impressions: [{ user: users[0], room: 1, streamer: 2, category: 3, scenario: 'home', ts: TS, watchS: 5 }] };
  const ok = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ev) });
  assert.equal(ok.status, 200);
  await redis.kill();
  await fetch(`${url}/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: users[0], scenario: 'home', ts: TS }) });
  const h = await (await fetch(`${url}/health`)).json() as { status: string; stores: { degraded_since: Record<string, string> } };
  assert.equal(h.status, 'ok');
  assert.deepEqual(Object.keys(h.stores.degraded_since).sort(), ['profile', 'realtime'], 'health names the degraded stores');
  const refused = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ev) });
  assert.equal(refused.status, 503);
  assert.match((await refused.json() as { error: string }).error, /events not \(fully\) stored; retry: .*profile: redis profile applyImpressions failed/);
});

test('Redis hanging (CLIENT PAUSE) mid-load → the stage budgets answer in time with defaults (degraded), no 5xx; normal again after', async () => {
  const redis = new OwnRedis(await freePort(), { persist: false });
  const port = redis.port;
  await redis.start();
  cleanup.push(() => redis.kill());
  const v = await buildService({ run, workers: 1, redis: { port, prefix: `lr:faults:${process.pid}:p:` }, timeouts_ms: { profile: 100, features: 100 } });
  cleanup.push(() => v.close());
  await applySnapshot(snap, v);
  const url = await listen(v);
  const admin = new Redis({ port, lazyConnect: true });
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const ld = load(url, (n) => ({ user: users[n % users.length], scenario: 'home', ts: TS, size: 10 }));
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await wait(800);
  const pausedAt = Date.now();
  await admin.call('CLIENT', 'PAUSE', '2000', 'ALL');
  await wait(2600);
  await ld.stop();
  const a = ld.answers;
  const during = a.filter((x) => x.t > pausedAt + 400 && x.t < pausedAt + 1900), after = a.slice(-10);
  const worst = Math.max(...during.map((x) => x.ms));
  console.log(`# pause: ${a.length} answers, ${a.filter((x) => x.status !== 200).length} non-200; during the 2 s pause ${during.length} (degraded ${during.filter((x) => x.degraded).length}, slowest ${worst} ms); last 10 degraded ${after.filter((x) => x.degraded).length}`);
  assert.deepEqual(a.filter((x) => x.status !== 200), [], 'every answer 200');
  assert.ok(during.length >= 4, `answers kept coming during the pause (${during.length})`);
  assert.ok(during.every((x) => x.degraded === true), 'answers during the pause are degraded');
  assert.ok(worst < 1500, `a hanging store costs its budget, not the pause (slowest ${worst} ms)`);
  assert.ok(after.every((x) => x.degraded === false), 'normal again after the pause');
  const m = await (await fetch(`${url}/metrics`)).text();
  assert.match(m, /liverank_stage_timeouts_total\{stage="profile"\} [1-9]/);
});

test('atomic model + fusion reload under load: every request answered 200', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-faults-reload-'));
  const fpath = join(dir, 'fusion.yaml');
  writeFileSync(fpath, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: 1 } } }\nrerank: { size: 8, max_run: { category: 2 } }\n');
  const v = await buildService({ run, workers: 2, admin_token: TOKEN, fusion_config: fpath, fusion_watch: false });
  cleanup.push(() => v.close());
  await applySnapshot(snap, v);
  const url = await listen(v);
  const ld = load(url, (n) => (n % 2 ? { user: users[n % users.length], scenario: 'slide', ts: TS } : { scenario: 'home', context: { country: 'BR', user_id: users[0]!, ts: TS, seq_streamer_ids: '' }, candidates: v.live.liveProfiles(TS).slice(0, 30).map((r) => v.live.profile(r.room_id, TS)!) }));
  const shas: string[] = [];
  for (let k = 0; k < 3; k++) {
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(fpath, `version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: ${k + 2} } } }\nrerank: { size: ${8 + k} }\n`);
    const r = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    shas.push((JSON.parse(text) as { sha256: string }).sha256);
  }
  await new Promise((r) => setTimeout(r, 300));
  await ld.stop();
  const a = ld.answers;
  console.log(`# reload under load: ${a.length} requests, ${a.filter((x) => x.status !== 200).length} non-200, 3 reloads`);
  assert.ok(a.length > 30, `load ran (${a.length})`);
  assert.deepEqual(a.filter((x) => x.status !== 200), [], 'no dropped or failed request');
  assert.equal(v.fusion()!.defaults.rerank.size, 10, 'the last fusion config serves');
});
