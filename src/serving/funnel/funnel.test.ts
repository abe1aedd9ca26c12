// The funnel through fastify.inject on a tiny trained run and a world snapshot: POST /rank without
// candidates returns live rooms only, ordered, with stage timings; coarse and recall stages plug in
// by interface, and a late stage degrades (fallback list / recall order / feature defaults) instead
// of failing; POST /events validates and changes what ranking reads; fused order for given
// candidates, and the atomic model + fusion reload refusing a bad config or a missing model.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../../train/trainer.js';
import { generateWorld } from '../../data/world/generate.js';
import { tinyServeConfig } from '../fine-ranker.fixtures.js';
import { buildService, type Service, type ServiceDeps } from '../server.js';
import { MemoryProfileStore } from '../profile/memory.js';
import { applySnapshot, snapshotFromWorld } from '../profile/snapshot.js';
import type { CoarseScorer, RankContext, RecallCandidate, Recaller, RecallSource } from './types.js';
import { QuotaRecaller } from '../recall/recaller.js';
import { FollowedLiveSource } from '../recall/followed-live.js';
import { ProfileFollows } from './follows.js';
import { PopularLiveRecaller } from './popular-recall.js';
import type { MemoryLiveIndex } from './live-index.js';

/** The popular-live recaller as one RecallSource of a QuotaRecaller. */
class PopularLiveRecallSource implements RecallSource {
  readonly name = 'popular_live';
  private readonly r: PopularLiveRecaller;
  constructor(live: MemoryLiveIndex) { this.r = new PopularLiveRecaller(live); }
  async retrieve(ctx: RankContext, k: number): Promise<RecallCandidate[]> { return (await this.r.retrieve(ctx, k)).candidates; }
}

const run = mkdtempSync(join(tmpdir(), 'lr-funnel-'));
await train(tinyServeConfig(), { out: run, verbose: false });
const w = generateWorld({ impressions: 4000, seed: 11, liveRoomsPerMillionPerDay: 200_000 });
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: w.impressions });
const TS = snap.lastTs;
const USER = (w.impressions.columns.user_id as Int32Array)[w.impressions.numRows - 1]!;
const TOKEN = 'test-token-0123456789abcdef';
const services: Service[] = [];
after(async () => { for (const v of services) await v.close(); });

async function service(o: Record<string, unknown> = {}, deps: ServiceDeps = {}, dir = run): Promise<Service> {
  const v = await buildService({ run: dir, admin_token: TOKEN, workers: 1, ...o }, deps);
  services.push(v);
  await applySnapshot(snap, v);
  return v;
}
const post = (v: Service, url: string, body: unknown) => v.app.inject({ method: 'POST', url, payload: body as object });
const never = <T>(): Promise<T> => new Promise<T>(() => {});
type Item = { room_id: number; streamer_id: number; category_id: number; score: number; scores: Record<string, number>; sources: string[] };

test('funnel: live rooms only, ordered by the fine ranker, with counts and stage timings', async () => {
  const v = await service();
  const live = new Set(v.live.liveProfiles(TS).map((r) => r.room_id));
  assert.ok(live.size > 40, `enough live rooms (${live.size})`);
  const r = await post(v, '/rank', { user: USER, scenario: 'home', ts: TS, debug: true });
  assert.equal(r.statusCode, 200, r.body);
  const j = r.json();
  assert.equal(j.degraded, false);
  assert.equal(j.items.length, 20);
  assert.equal(new Set(j.items.map((x: Item) => x.room_id)).size, 20, 'no room twice');
  for (const it of j.items as Item[]) {
    assert.ok(live.has(it.room_id), `room ${it.room_id} is live at ${TS}`);
    assert.deepEqual(it.sources, ['popular_live']);
    assert.equal(it.score, it.scores.click, 'without a fusion config: the first task');
  }
  for (let i = 1; i < j.items.length; i++) assert.ok(j.items[i - 1].score >= j.items[i].score, 'score order (no re-rank rules configured)');
  assert.equal(j.counts.recalled, Math.min(500, live.size));
  assert.equal(j.counts.fine, Math.min(100, live.size));
  for (const k of ['profile_ms', 'recall_ms', 'pairs_ms', 'features_ms', 'featurize_ms', 'infer_ms', 'fusion_ms', 'rerank_ms', 'total_ms']) assert.ok(j.timings[k] >= 0, k);
  assert.equal(j.graph, 'request', 'one user\'s candidates: the request model (the user\'s sequence once)');
  // an ended room leaves the results; the next request sees it (POST /events rooms)
  const gone = j.items[0].room_id;
  assert.equal((await post(v, '/events', { rooms: [{ room_id: gone, end_ts: TS - 1 }] })).statusCode, 200);
  const r2 = (await post(v, '/rank', { user: USER, scenario: 'home', ts: TS, size: 5 })).json();
  assert.equal(r2.items.length, 5);
  assert.ok(!r2.items.some((x: Item) => x.room_id === gone));
  const m = (await v.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(m, /liverank_rank_stage_duration_seconds_count\{stage="recall"\} 2/);
  assert.match(m, /liverank_events_total\{kind="rooms"\} 1/);
});

test('funnel: a coarse scorer picks the fine candidates; a late recall or coarse stage falls back, a late store degrades', async () => {
  const byFollowers: CoarseScorer = { score: async (_ctx, rows) => Float64Array.from(rows, (r) => Number(r.streamer_followers ?? 0)) };
  const v = await service({ funnel: { coarse_k: 10 } }, { coarse: byFollowers });
  const top10 = [...v.live.liveProfiles(TS)].sort((a, b) => (b.streamer_followers ?? 0) - (a.streamer_followers ?? 0)).slice(0, 10).map((r) => r.room_id);
  const j = (await post(v, '/rank', { user: USER, scenario: 'home', ts: TS, debug: true })).json();
  assert.equal(j.counts.fine, 10);
  assert.deepEqual(j.items.map((x: Item) => x.room_id).sort(), [...top10].sort());

  const hangs: Recaller = { retrieve: () => never() };
  const lateCoarse: CoarseScorer = { score: () => never() };
  class SlowProfiles extends MemoryProfileStore {
    override async lookup(...a: Parameters<MemoryProfileStore['lookup']>) { await new Promise((r) => setTimeout(r, 200)); return super.lookup(...a); }
  }
  const d = await service({ funnel: { coarse_k: 10 }, timeouts_ms: { recall: 20, coarse: 20, profile: 20 } }, { recaller: hangs, coarse: lateCoarse, profiles: new SlowProfiles() });
  const t0 = Date.now();
  const r = await post(d, '/rank', { user: USER, scenario: 'slide', ts: TS, debug: true });
  assert.equal(r.statusCode, 200, r.body);
  const k = r.json();
  assert.ok(Date.now() - t0 < 2000);
  assert.deepEqual(k.fallbacks.sort(), ['coarse', 'recall']);
  assert.equal(k.degraded, true);
  assert.deepEqual(k.degraded_stores, ['profile']);
  assert.equal(k.items.length, 10);
  assert.deepEqual(k.items[0].sources, ['popular_live']);
  const m = (await d.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(m, /liverank_fallbacks_total\{stage="recall"\} 1/);
  assert.match(m, /liverank_fallbacks_total\{stage="coarse"\} 1/);
  assert.match(m, /liverank_degraded_total\{store="profile"\} 1/);
  assert.match(m, /liverank_degraded\{store="profile"\} 1/);
});

test('POST /events: each bad record → 400 naming the field, nothing applied; good ones change the profiles', async () => {
  const v = await service();
  const ev = { user: USER, room: 1, streamer: 77, category: 3, scenario: 'home', ts: TS, click: 1, watchS: 95, follow: 1 };
  const cases: [unknown, RegExp][] = [
    [{}, /body must NOT have fewer than 1 properties/],
    [{ impressions: [ev, { ...ev, ts: 'soon' }] }, /^impressions\[1\]\.ts: /],
    [{ impressions: [{ ...ev, extra: 1 }] }, /^impressions\[0\]: Unrecognized key/],
    [{ rooms: [{ room_id: 999999, streamer_id: 1, category_id: 2 }] }, /^rooms\[0\]\.start_ts: required for a room not seen before/],
    [{ follows: [{ user: USER }] }, /^follows\[0\]\.streamer: /],
    [{ users: [{ user_id: 5, user_activity: -1 }] }, /^users\[0\]\.user_activity: /],
    [{ clicks: [] }, /must NOT have additional properties/],
  ];
  for (const [body, want] of cases) {
    const r = await post(v, '/events', body);
    assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
    assert.match(r.json().error, want);
  }
  const before = await v.profiles.lookup(USER, [{ streamer: 77, category: 3 }]);
  const many = await post(v, '/events', { impressions: Array.from({ length: 10_001 }, () => ev) });
  assert.equal(many.statusCode, 400);
  assert.match(many.json().error, /impressions must NOT have more than 10000 items/);
  assert.deepEqual(await v.profiles.lookup(USER, [{ streamer: 77, category: 3 }]), before, 'refused batches change nothing');
  const ok = await post(v, '/events', { impressions: [ev], users: [{ user_id: USER, user_device: 'ios' }], rooms: [{ room_id: 999999, streamer_id: 77, category_id: 3, start_ts: TS - 60, room_viewers: 10 ** 6 }] });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json().accepted, { impressions: 1, follows: 0, rooms: 1, users: 1 });
  const after = await v.profiles.lookup(USER, [{ streamer: 77, category: 3 }]);
  assert.equal(after.hist_followed[0], 1);
  assert.equal(after.hist_streamer_watch_s[0], before.hist_streamer_watch_s[0]! + 95);
  assert.equal(after.user!.user_device, 'ios');
  const top = (await post(v, '/rank', { user: USER, scenario: 'home', ts: TS, size: 50 })).json();
  assert.ok(top.items.some((x: Item) => x.room_id === 999999), 'the new room (most viewers) is recalled and ranked');
  // another instance on the same profile store starts with the rooms this one learned
  const other = await buildService({ run, workers: 1 }, { profiles: v.profiles });
  services.push(other);
  assert.deepEqual(other.live.get(999999), v.live.get(999999));
  assert.equal(other.live.size, v.live.size);
});

test('given candidates + fusion config: fused, re-ranked order; reload swaps model and fusion together or refuses both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-funnel-reload-'));
  cpSync(run, dir, { recursive: true });
  const fpath = join(dir, 'fusion.yaml');
  writeFileSync(fpath, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: 1 } } }\nrerank: { size: 3 }\n');
  const v = await service({ fusion_config: fpath, fusion_watch: false }, {}, dir);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const cands = v.live.liveProfiles(TS).slice(0, 8).map((r) => v.live.profile(r.room_id, TS)!);
  const body = { user: USER, scenario: 'home', ts: TS, context: { country: 'BR', seq_streamer_ids: '' }, candidates: cands };
  const j = (await post(v, '/rank', body)).json();
  assert.equal(j.items.length, 3);
  const fused = cands.map((_, i) => j.scores.click[i] * (1 + Math.max(0, j.scores.watch_time[i])));
  const want = fused.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 3).map((x) => x[1]);
  assert.deepEqual(j.items.map((x: { index: number }) => x.index), want);
  for (const it of j.items) assert.ok(Math.abs(it.score - fused[it.index]!) < 1e-9);

  // a fusion file reading a task the model lacks: the reload is refused, nothing changes
  writeFileSync(fpath, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { gift: { weight: 1 } } }\nrerank: { size: 2 }\n');
  let r = await v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(r.statusCode, 422, r.body);
  assert.match(r.json().error, /reload refused, still serving .*fusion\.yaml: reads task\(s\) gift that the model does not output/);
  assert.equal((await post(v, '/rank', body)).json().items.length, 3);
  // a missing model file: refused, the old model and fusion keep serving
  writeFileSync(fpath, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: 2 } } }\nrerank: { size: 2 }\n');
  const sha = v.ranker().model.sha256;
  rmSync(join(dir, 'model.onnx'));
  r = await v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(r.statusCode, 422);
  assert.match(r.json().error, /model\.onnx: model file missing/);
  assert.equal(v.ranker().model.sha256, sha);
  assert.equal((await post(v, '/rank', body)).json().items.length, 3);
  cpSync(join(run, 'model.onnx'), join(dir, 'model.onnx'));
  r = await v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().fusion_changed, true);
  assert.equal((await post(v, '/rank', body)).json().items.length, 2);

  // with the file watch on, a valid edit applies by itself
  const f2 = join(dir, 'fusion2.yaml');
  writeFileSync(f2, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: 1 } } }\nrerank: { size: 4 }\n');
  const h = await service({ fusion_config: f2 }, {}, dir);
  assert.equal((await post(h, '/rank', body)).json().items.length, 4);
  writeFileSync(f2, 'version: 1\nfusion: { form: multiplicative, gate: { task: click }, terms: { watch_time: { weight: 1 } } }\nrerank: { size: 5 }\n');
  const t0 = Date.now();
  while ((await post(h, '/rank', body)).json().items.length !== 5) {
    assert.ok(Date.now() - t0 < 3000, 'the watched fusion file is applied within 3 s');
    await new Promise((res) => setTimeout(res, 50));
  }
});

test('funnel with the recall stack: followed-and-live through the profile store\'s follows and the live index (StreamerLiveIndex)', async () => {
  const v = await service({}, {
    recaller: async ({ live, profiles }) => new QuotaRecaller([
      { source: new FollowedLiveSource(new ProfileFollows(profiles), live, 'weight'), quota: 0.5 },
      { source: new PopularLiveRecallSource(live), quota: 0.5 },
    ], live, 50),
  });
  const rooms = v.live.liveProfiles(TS).slice(-3); // least popular: popularity would not find them
  await post(v, '/events', { follows: rooms.map((r) => ({ user: 424242, streamer: r.streamer_id })) });
  const j = (await post(v, '/rank', { user: 424242, scenario: 'home', ts: TS, size: 100, debug: true })).json();
  assert.equal(j.counts.per_source.followed_live, 3, JSON.stringify(j.counts));
  const followed = j.items.filter((x: Item) => x.sources.includes('followed_live')).map((x: Item) => x.room_id).sort();
  assert.deepEqual(followed, rooms.map((r) => r.room_id).sort());
});
