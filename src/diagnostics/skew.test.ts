// `diagnose skew` on served logs of a real service (in-process stores): a world snapshot up to row
// 3000 loaded, then 250 logged impressions replayed in time order — the room's logged viewer count
// sent first (POST /events rooms), the funnel's row for (user, logged room, ts) fine-ranked through
// POST /rank (served log on), then the impression sent to POST /events. Three services: no
// injection → no feature named and scores equal; `cityhash-v102` → exactly the hashed features
// named; `counter-window-1h` → exactly the 24 h counter features named (world join).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { parseTrainConfig } from '../train/config.js';
import { worldOptionsOf } from '../train/world-options.js';
import { generateWorld } from '../data/world/generate.js';
import { isStringColumn, sliceTable } from '../data/table.js';
import { buildService } from '../serving/server.js';
import { applySnapshot, snapshotFromWorld } from '../serving/profile/snapshot.js';
import type { SkewInjection } from '../serving/served-log-inject.js';
import { DAY_COUNTER_FEATURES, HASHED_FEATURES, skewRunConfig } from './skew.fixtures.js';
import { diagnoseSkew } from './skew-run.js';
import { analyzeSkew, categoricalPsi, numericPsi } from './skew.js';

const dir = mkdtempSync(join(tmpdir(), 'lr-skew-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = join(dir, 'run');
const cfgPath = join(dir, 'world.yaml');
writeFileSync(cfgPath, JSON.stringify(skewRunConfig())); // JSON is YAML
const cfg = parseTrainConfig(skewRunConfig(), dir, 'skew test config');
await train(cfg, { out: run, verbose: false, hooks: null });
if (cfg.data.source !== 'world') throw new Error('world config expected');
const w = generateWorld(worldOptionsOf(cfg.data));
const CUT = 3000, END = 3250;
const snap = snapshotFromWorld({ users: w.users, rooms: w.rooms, impressions: sliceTable(w.impressions, 0, CUT) }, { warmSeconds: 1e9 });
const at = (n: string, i: number) => { const c = w.impressions.columns[n]!; const x = c[i]!; return isStringColumn(c) ? x : Number.isNaN(x as number) ? null : x; };

/** Serves the replayed tail with the served log on; returns the log's path. */
async function serveTail(name: string, inject?: SkewInjection): Promise<string> {
  const path = join(dir, `${name}.jsonl`);
  const v = await buildService({ run, workers: 1, served_log: { path }, ...(inject ? { inject_skew: inject } : {}) });
  try {
    await applySnapshot(snap, v);
    for (let i = CUT; i < END; i++) {
      const user = at('user_id', i) as number, ts = at('ts', i) as number, room = at('room_id', i) as number;
      const up = await v.app.inject({ method: 'POST', url: '/events', payload: { rooms: [{ room_id: room, room_viewers: at('room_viewers', i) }] } });
      assert.equal(up.statusCode, 200, up.body);
      const { rows } = await v.funnel.assemble({ user, scenario: at('scenario', i) as string, ts, context: { position: at('position', i) } }, [room]);
      const res = await v.app.inject({ method: 'POST', url: '/rank', payload: { candidates: rows } });
      assert.equal(res.statusCode, 200, res.body);
      const ev: Record<string, unknown> = { user, room, streamer: at('streamer_id', i), category: at('category_id', i), scenario: at('scenario', i), ts, watchS: at('watch_s', i), follow: at('follow', i), gift: at('gift', i) };
      if (at('click', i) !== null) ev.click = at('click', i);
      const e = await v.app.inject({ method: 'POST', url: '/events', payload: { impressions: [ev] } });
      assert.equal(e.statusCode, 200, e.body);
    }
    const h = JSON.parse((await v.app.inject({ method: 'GET', url: '/health' })).body) as { served_log: { records: number } };
    assert.ok(h.served_log, '/health shows the served log');
  } finally {
    await v.close(); // flushes the log
  }
  return path;
}

test('served log: one JSON line per fine-ranked candidate with ids, row, encoded features and scores', async () => {
  const path = await serveTail('plain');
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, END - CUT);
  const r = lines[0]!;
  for (const k of ['request_id', 'ts', 'user', 'room', 'scenario', 'country', 'model', 'row', 'enc', 'dense', 'scores']) assert.ok(k in r, `field ${k}`);
  assert.equal(r.user, at('user_id', CUT)); assert.equal(r.room, at('room_id', CUT)); assert.equal(r.ts, at('ts', CUT));
  const enc = r.enc as Record<string, unknown>, row = r.row as Record<string, unknown>;
  assert.equal(typeof enc.user_id, 'number'); assert.ok(Array.isArray(enc.seq_streamers)); assert.equal(typeof r.dense, 'string');
  assert.ok('counter__uc_watch_24h' in row && 'seq_streamer_ids' in row);
  assert.equal(new Set(lines.map((l) => l.request_id)).size, lines.length, 'one request per candidate here');

  const rep = (await diagnoseSkew({ served: path, run, config: cfgPath })).report;
  console.log(`# no injection (world join): ${rep.rows} rows; max |Δ| click ${rep.scores[0]!.max}; differing ${JSON.stringify(rep.differing_features)} columns ${JSON.stringify(rep.differing_columns)}`);
  assert.equal(rep.rows, END - CUT, 'every served row joined its logged impression');
  assert.deepEqual(rep.differing_features, []);
  assert.deepEqual(rep.differing_columns, []);
  for (const s of rep.scores) assert.ok(s.max <= 1e-6, `${s.task}: max |Δ| ${s.max}`);
  for (const f of rep.features) assert.ok(f.agreement === 1 && f.psi === 0, `${f.name}: agreement ${f.agreement}, PSI ${f.psi}`);
  assert.ok(rep.auc.some((a) => a.task === 'click' && a.slice === 'all' && Number.isFinite(a.online) && Math.abs(a.delta) < 1e-9), 'online = offline AUC');
  const rows = (await diagnoseSkew({ served: path, run })).report;
  assert.deepEqual(rows.differing_features, [], 'rows mode too');
});

test('injected CityHash v1.0.2 in serving: diagnose skew names exactly the hashed features', async () => {
  const path = await serveTail('cityhash', 'cityhash-v102');
  for (const config of [cfgPath, undefined]) {
    const rep = (await diagnoseSkew({ served: path, run, config })).report;
    console.log(`# cityhash-v102 (${config ? 'world join' : 'rows'}): differing ${JSON.stringify(rep.differing_features)}; click |Δ| p50 ${rep.scores[0]!.p50.toExponential(2)} max ${rep.scores[0]!.max.toExponential(2)}`);
    assert.deepEqual([...rep.differing_features].sort(), [...HASHED_FEATURES].sort());
    assert.deepEqual(rep.differing_columns, [], 'the raw rows agree: only the encoding differs');
    assert.ok(rep.scores[0]!.p50 > 1e-5, 'scores differ');
  }
  // the command: table, JSON file, --fail-on-skew → exit 3; bad flags exit non-zero naming them
  const bin = fileURLToPath(new URL('../../bin/liverank.mjs', import.meta.url));
  const cli = (...a: string[]) => spawnSync(process.execPath, [bin, 'diagnose', 'skew', ...a], { encoding: 'utf8' });
  const out = join(dir, 'skew.json');
  const r = cli('--served', path, '--run', run, '--out', out, '--fail-on-skew');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /SKEW: 4 feature\(s\) differ .*user_id, streamer_id, seq_streamers, user_x_category/);
  assert.match(r.stdout, /user_x_category\s+ids\s+0\.\d+\s+[\d.]+\s+DIFFERS/);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { mode: string; differing_features: string[]; joined: number };
  assert.equal(j.mode, 'rows'); assert.equal(j.joined, END - CUT); assert.equal(j.differing_features.length, 4);
  const badFlag = cli('--served', path, '--run', run, '--limit', '0');
  assert.notEqual(badFlag.status, 0); assert.match(badFlag.stderr, /--limit: expected an integer >= 1/);
  const noLog = cli('--served', join(dir, 'nope.jsonl'), '--run', run);
  assert.notEqual(noLog.status, 0); assert.match(noLog.stderr, /nope\.jsonl: served log not found/);
});

test('injected 1 h counter window for the 24 h counters: diagnose skew (world join) names exactly them', async () => {
  const path = await serveTail('window', 'counter-window-1h');
  const rep = (await diagnoseSkew({ served: path, run, config: cfgPath })).report;
  const f = (n: string) => rep.features.find((x) => x.name === n)!;
  console.log(`# counter-window-1h: differing ${JSON.stringify(rep.differing_features)} (${DAY_COUNTER_FEATURES.map((n) => `${n} agree ${f(n).agreement.toFixed(3)} PSI ${f(n).psi.toFixed(3)}`).join(', ')}); columns ${JSON.stringify(rep.differing_columns)}`);
  assert.deepEqual([...rep.differing_features].sort(), [...DAY_COUNTER_FEATURES].sort());
  assert.deepEqual([...rep.differing_columns].sort(), DAY_COUNTER_FEATURES.map((n) => `counter__${n}`).sort());
  // the logged raw rows carry the skewed values: recomputing from them alone cannot see it
  const rows = (await diagnoseSkew({ served: path, run })).report;
  assert.deepEqual(rows.differing_features, []);
});

test('analyzeSkew thresholds, PSI and bad input', () => {
  assert.equal(categoricalPsi([1, 2, 3, 3], [1, 2, 3, 3]), 0);
  assert.ok(categoricalPsi([1, 1, 1, 2], [2, 2, 2, 1]) > 0.5);
  assert.equal(numericPsi([0.1, 0.5, 0.9], [0.1, 0.5, 0.9]), 0);
  assert.ok(numericPsi(Array.from({ length: 100 }, (_, i) => i / 100 + 0.5), Array.from({ length: 100 }, (_, i) => i / 100)) > 1);
  const pair = (a: number, b: number) => ({ served: { row: { x: a }, enc: { f: a }, scores: { t: 0.5 } }, offline: { row: { x: b }, enc: { f: b }, scores: { t: 0.5 } }, slice: {} });
  const pairs = [...Array.from({ length: 99 }, (_, i) => pair(i, i)), pair(5, 6)];
  const feat = [{ name: 'f', output: 'ids' as const, columns: ['x'] }];
  assert.deepEqual(analyzeSkew(pairs, feat, ['x'], ['t']).differing_features, [], '1 % disagreeing is within the default');
  assert.deepEqual(analyzeSkew(pairs, feat, ['x'], ['t'], { maxMismatch: 0.005 }).differing_features, ['f']);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, 'not json\n{"x":1}\n');
  return assert.rejects(diagnoseSkew({ served: bad, run }), /no served records \(2 line\(s\), 2 bad\)/);
});
