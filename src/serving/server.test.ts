// The HTTP service core through fastify.inject, on a tiny run trained here: scores, limits, bad
// input (4xx with a message, the server keeps serving), metrics, and the token-guarded reload that
// refuses a corrupt model and keeps the old one serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { openSession } from '../train/session.js';
import { sliceTable } from '../data/table.js';
import { sha256, SIDECAR_EXT } from '../util/checksum.js';
import { tableRows, tinyServeConfig } from './fine-ranker.fixtures.js';
import { buildService, type Service } from './server.js';

const run = mkdtempSync(join(tmpdir(), 'lr-serve-http-'));
const cfg = tinyServeConfig();
await train(cfg, { out: run, verbose: false });
const s = await openSession(cfg, run, () => {}, true);
const rows = tableRows(sliceTable(s.splits.test, 0, 40));
const TOKEN = 'test-token-0123456789abcdef';
const services: Service[] = [];
after(async () => { for (const v of services) await v.close(); });

async function service(o: Record<string, unknown> = {}, dir = run): Promise<Service> {
  const v = await buildService({ run: dir, admin_token: TOKEN, workers: 1, ...o });
  services.push(v);
  return v;
}
const rank = (v: Service, body: unknown) => v.app.inject({ method: 'POST', url: '/rank', payload: body as object });

test('POST /rank: one score per candidate and task; debug adds stage timings; context merges into rows', async () => {
  const v = await service();
  const direct = await v.ranker().score(rows);
  const r = await rank(v, { candidates: rows });
  assert.equal(r.statusCode, 200, r.body);
  const j = r.json();
  assert.deepEqual(j.tasks, ['click', 'watch_time']);
  assert.equal(j.model, v.ranker().model.sha256);
  assert.deepEqual(j.scores.click, Array.from(direct.preds.click!));
  assert.equal(j.timings, undefined);
  // user context + scenario given once, candidates carry only room columns
  const { user_id, country, scenario, ...room } = rows[0]!;
  const d = (await rank(v, { scenario, context: { user_id, country }, candidates: [room, room], debug: true })).json();
  assert.equal(d.scores.click[0], j.scores.click[0]);
  for (const k of ['featurize_ms', 'infer_ms', 'total_ms']) assert.ok(d.timings[k] >= 0, `timings.${k}`);
});

test('POST /rank: an unknown scenario or country → 400 naming the value and the trained vocabulary; the process keeps serving', async () => {
  const v = await service();
  const a = await rank(v, { scenario: 'mars', candidates: rows.slice(0, 5) });
  assert.equal(a.statusCode, 400, a.body);
  assert.match(a.json().error, /^body\/scenario: unknown scenario "mars"; the model was trained on "home", "slide", "outside"$/);
  const b = await rank(v, { context: { country: 'XX' }, candidates: rows.slice(0, 5) });
  assert.equal(b.statusCode, 400, b.body);
  assert.match(b.json().error, /^body\/context\/country: unknown country "XX"; the model was trained on .*"BR"/);
  const c = await rank(v, { candidates: [rows[0], { ...rows[1], country: 'ZZ' }] });
  assert.equal(c.statusCode, 400);
  assert.match(c.json().error, /body\/candidates\/1\/country: unknown country "ZZ"/);
  const f = await rank(v, { user: 1, scenario: 'venus' });
  assert.equal(f.statusCode, 400, 'the funnel too');
  assert.equal((await rank(v, { scenario: 'home', candidates: rows.slice(0, 5) })).statusCode, 200);
  assert.deepEqual((await v.app.inject({ method: 'GET', url: '/health' })).json().vocab.scenario, ['home', 'slide', 'outside']);
});

test('bad input: 4xx with a message, and the server keeps serving', async () => {
  const v = await service({ body_limit_bytes: 64 * 1024 });
  const bad = await v.app.inject({ method: 'POST', url: '/rank', headers: { 'content-type': 'application/json' }, payload: '{"candidates": [' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /JSON/i);
  const big = await v.app.inject({ method: 'POST', url: '/rank', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ candidates: rows, pad: 'x'.repeat(70 * 1024) }) });
  assert.equal(big.statusCode, 413);
  assert.match(big.json().error, /too large/i);
  const big10k = await (await service()).app.inject({ method: 'POST', url: '/rank', payload: { candidates: Array.from({ length: 10_000 }, () => rows[0]) } });
  assert.equal(big10k.statusCode, 413, '10 000 full rows exceed the default 4 MiB body limit');
  const many = await (await service()).app.inject({ method: 'POST', url: '/rank', payload: { candidates: Array.from({ length: 10_000 }, () => ({ user_id: 1 })) } });
  assert.equal(many.statusCode, 400);
  assert.match(many.json().error, /candidates must NOT have more than 2000 items/);
  const cases: [unknown, RegExp][] = [
    [{ candidates: [] }, /candidates must NOT have fewer than 1 items/],
    [{}, /body\/user: required when no candidates are given/],
    [{ user: 3 }, /body\/scenario: required when no candidates are given/],
    [{ candidates: [{ ...rows[0], user_id: { a: 1 } }] }, /candidates\/0\/user_id must be string,number,boolean,null/],
    [{ candidates: [{ user_id: 1 }] }, /no candidate row carries column\(s\) category_id, country, room_viewers, scenario, seq_streamer_ids, streamer_followers, streamer_id, ts \(the model/],
    [{ candidates: rows.slice(0, 2), extra: 1 }, /must NOT have additional properties/],
    [{ candidates: [{ ...rows[0], room_viewers: 'lots' }] }, /room_viewers/],
  ];
  for (const [body, want] of cases) {
    const r = await rank(v, body);
    assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} (${JSON.stringify(body).length} bytes) → ${r.body}`);
    assert.match(r.json().error, want);
  }
  assert.equal((await v.app.inject({ method: 'GET', url: '/nope' })).statusCode, 404);
  assert.equal((await rank(v, { candidates: rows.slice(0, 3) })).statusCode, 200, 'still serving');
});

test('POST /rank: over rank_timeout_ms → 503 with a message, counted; the next request is served', async () => {
  const v = await service({ rank_timeout_ms: 1 });
  const many = Array.from({ length: 2000 }, (_, i) => ({ ...rows[i % rows.length]! }));
  const r = await rank(v, { candidates: many });
  assert.equal(r.statusCode, 503, r.body);
  assert.match(r.json().error, /fine ranking of 2000 candidates exceeded rank_timeout_ms 1 ms/);
  assert.match((await v.app.inject({ method: 'GET', url: '/metrics' })).body, /liverank_rank_timeouts_total 1/);
  const ok = await service({ rank_timeout_ms: 60_000 });
  assert.equal((await rank(ok, { candidates: many })).statusCode, 200);
});

test('start-up: a missing model file or bad options are refused naming what is wrong', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-serve-missing-'));
  cpSync(run, dir, { recursive: true });
  rmSync(join(dir, 'model.onnx'));
  await assert.rejects(buildService({ run: dir }), new RegExp(`${dir}/model\\.onnx: model file missing`));
  await assert.rejects(buildService({ run, max_candidates: 0 }), /max_candidates/);
  await assert.rejects(buildService({ run, admin_token: 'short' }), /admin_token/);
});

test('POST /admin/reload: token required; a corrupt .onnx is refused and the old model keeps serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-serve-reload-'));
  cpSync(run, dir, { recursive: true });
  const v = await service({}, dir);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const before = v.ranker().model.sha256;
  const want = (await rank(v, { candidates: rows })).json().scores;
  assert.equal((await v.app.inject({ method: 'POST', url: '/admin/reload' })).statusCode, 401);
  assert.equal((await v.app.inject({ method: 'POST', url: '/admin/reload', headers: { authorization: 'Bearer wrong-token-0123456789ab' } })).statusCode, 401);
  const noToken = await buildService({ run: dir, workers: 1 });
  services.push(noToken);
  assert.equal((await noToken.app.inject({ method: 'POST', url: '/admin/reload', headers: auth })).statusCode, 403);

  const good = readFileSync(join(dir, 'model.onnx'));
  // damaged bytes, sidecar unchanged: the checksum refuses it
  const damaged = Buffer.from(good); damaged[damaged.length >> 1]! ^= 0xff;
  writeFileSync(join(dir, 'model.onnx'), damaged);
  let r = await v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(r.statusCode, 422, r.body);
  assert.match(r.json().error, /reload refused, still serving .*model\.onnx.*sha256/);
  // garbage with a matching sidecar: ORT refuses it
  const junk = Buffer.from('not an onnx model');
  writeFileSync(join(dir, 'model.onnx'), junk);
  writeFileSync(join(dir, 'model.onnx' + SIDECAR_EXT), `${sha256(junk)}  model.onnx\n`);
  r = await v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth });
  assert.equal(r.statusCode, 422, r.body);
  assert.equal(v.ranker().model.sha256, before);
  assert.deepEqual((await rank(v, { candidates: rows })).json().scores, want, 'the old model still serves');

  writeFileSync(join(dir, 'model.onnx'), good);
  writeFileSync(join(dir, 'model.onnx' + SIDECAR_EXT), `${sha256(good)}  model.onnx\n`);
  const [ok, during] = await Promise.all([v.app.inject({ method: 'POST', url: '/admin/reload', headers: auth }), rank(v, { candidates: rows })]);
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().status, 'reloaded');
  assert.equal(during.statusCode, 200, 'a request during the reload is served');
  assert.deepEqual((await rank(v, { candidates: rows })).json().scores, want);
  const m = (await v.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(m, /liverank_model_reloads_total\{result="refused"\} 2/);
  assert.match(m, /liverank_model_reloads_total\{result="ok"\} 1/);
});

test('GET /health and GET /metrics: the model served, request counts and latency per route', async () => {
  const v = await service();
  const h = await v.app.inject({ method: 'GET', url: '/health' });
  assert.equal(h.statusCode, 200);
  assert.equal(h.json().model.sha256, v.ranker().model.sha256);
  await rank(v, { candidates: rows.slice(0, 4) });
  await rank(v, { candidates: rows.slice(0, 4) });
  await rank(v, { candidates: [] });
  const m = await v.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(m.headers['content-type'] as string, /^text\/plain/);
  assert.match(m.body, /liverank_http_requests_total\{route="\/rank",method="POST",status="200"\} 2/);
  assert.match(m.body, /liverank_http_requests_total\{route="\/rank",method="POST",status="400"\} 1/);
  assert.match(m.body, /liverank_http_request_duration_seconds_count\{route="\/rank",method="POST"\} 3/);
  assert.match(m.body, /liverank_rank_candidates_total 8/);
  assert.match(m.body, new RegExp(`liverank_model_info\\{run="${run}",sha256="${v.ranker().model.sha256}"\\} 1`));
});
