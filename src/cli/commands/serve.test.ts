// `liverank serve`: a run directory without an exported model stops it before any port opens,
// naming the file; a served run answers /health over a real socket and closes on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { generateWorld } from '../../data/world/generate.js';
import { summarizeWorld } from '../../data/world/stats.js';
import { writeWorld } from '../../data/world/write.js';
import { train } from '../../train/trainer.js';
import { tinyServeConfig } from '../../serving/fine-ranker.fixtures.js';

const bin = join(process.cwd(), 'bin', 'liverank.mjs');

test('liverank serve: a run without model.json exits 1 naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-serve-cli-'));
  const r = await promisify(execFile)(process.execPath, [bin, 'serve', '--run', dir, '--port', '0']).then(() => null, (e: { code: number; stderr: string }) => e);
  assert.ok(r, 'exits non-zero');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${dir}/model\\.json: missing; export the run first`));
});

test('liverank serve: listens, answers /health, closes on SIGTERM', async () => {
  const run = mkdtempSync(join(tmpdir(), 'lr-serve-cli-run-'));
  await train(tinyServeConfig(), { out: run, verbose: false });
  const child = spawn(process.execPath, [bin, 'serve', '--run', run, '--port', '0', '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LIVERANK_ADMIN_TOKEN: '' } });
  let err = '';
  child.stderr.on('data', (d) => { err += String(d); });
  try {
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(err)) {
      if (child.exitCode !== null) assert.fail(`serve exited: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(err)![0];
    const h = await (await fetch(`${url}/health`)).json() as { status: string; model: { tasks: string[] } };
    assert.equal(h.status, 'ok');
    assert.deepEqual(h.model.tasks, ['click', 'watch_time']);
    assert.match(err, /admin routes disabled/);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('liverank serve --profiles DIR: profiles, live rooms and counters from a written world; the funnel answers over a real socket', async () => {
  const run = mkdtempSync(join(tmpdir(), 'lr-serve-cli-run-'));
  await train(tinyServeConfig(), { out: run, verbose: false });
  const dir = mkdtempSync(join(tmpdir(), 'lr-serve-cli-world-'));
  const world = generateWorld({ impressions: 4000, seed: 11, liveRoomsPerMillionPerDay: 200_000 });
  await writeWorld(join(dir, 'world.parquet'), world, summarizeWorld(world));
  const user = (world.impressions.columns.user_id as Int32Array)[100]!;
  const child = spawn(process.execPath, [bin, 'serve', '--run', run, '--profiles', dir, '--port', '0', '--workers', '1', '--warm-hours', '2'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LIVERANK_ADMIN_TOKEN: '' } });
  let err = '';
  child.stderr.on('data', (d) => { err += String(d); });
  try {
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(err)) {
      if (child.exitCode !== null) assert.fail(`serve exited: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(err, /snapshot at 2024-01-01T22:59:\d\d\.000Z: \d+ users, \d+ rooms/);
    assert.match(err, /stores loaded \(in-process\): .* \((\d+) live now\)/);
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(err)![0];
    const r = await fetch(`${url}/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, scenario: 'home', size: 7 }) });
    const j = await r.json() as { items: { room_id: number }[]; degraded: boolean };
    assert.equal(r.status, 200, JSON.stringify(j));
    assert.equal(j.items.length, 7);
    assert.equal(j.degraded, false);
    const h = await (await fetch(`${url}/health`)).json() as { stores: { live_rooms: number }; now: number };
    assert.ok(h.stores.live_rooms > 7);
    assert.ok(Math.abs(h.now - (Date.UTC(2024, 0, 1, 23) / 1000)) < 120, 'the clock runs from the clock start');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
