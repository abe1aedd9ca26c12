// liverank simulate / join as child processes: a tiny world through the in-process stream and
// through Redis (127.0.0.1:6379, must be up), the join's report, bad arguments.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parseSpeed } from './simulate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'lr-sim-'));
const cfg = join(dir, 'stream.yaml');
writeFileSync(cfg, 'world: { impressions: 1500, seed: 4 }\ndelays: { offline_p: 0.05 }\njoin: { allowed_lateness_s: 30 }\n');
const prefix = `lr:test:simcli:${process.pid}:`;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const r = new Redis({ lazyConnect: true });
  await r.connect();
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

test('parseSpeed', () => {
  assert.equal(parseSpeed('3600x'), 3600);
  assert.equal(parseSpeed('60×'), 60);
  assert.equal(parseSpeed('0'), 0);
  assert.throws(() => parseSpeed('-1'), /--speed/);
  assert.throws(() => parseSpeed('fast'), /--speed/);
});

test('simulate --join (in-process stream): one sample per impression, late events reported per task', () => {
  const r = cli(['simulate', '--world', cfg, '--join', '--json', '-q']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { events: number; by_type: Record<string, number>; join: { samples: number; late: Record<string, number>; dead: Record<string, number> } };
  assert.equal(j.by_type.impression, 1500);
  assert.equal(j.by_type.heartbeat, 1);
  assert.equal(j.join.samples, 1500);
  assert.ok(Object.values(j.join.late).reduce((a, b) => a + b, 0) > 0);
  assert.deepEqual(j.join.dead, { bad_json: 0, invalid: 0, out_of_order: 0, unknown_impression: 0 });
});

test('simulate → Redis, then liverank join in its own process; report printed; a second join run adds nothing', async () => {
  const s = ['--stream', `${prefix}e`];
  const out = ['--samples', `${prefix}s`, '--dead', `${prefix}d`];
  const a = cli(['simulate', '--world', cfg, '--redis', 'redis://127.0.0.1:6379', ...s, '--limit', '100000', '-q']);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /appended [\d,]+ events to "lr:test:simcli:\d+:e"/);
  const ck = join(dir, 'join.ckpt.json');
  const b = cli(['join', '--redis', 'redis://127.0.0.1:6379', '--config', cfg, ...s, ...out, '--checkpoint', ck, '--until-idle', '0.3', '-q']);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /samples emitted 1,500; still open 0/);
  assert.match(b.stdout, /^order\s+\d+\s+\d+\s+[\d.]+$/m);
  const c = cli(['join', '--redis', 'redis://127.0.0.1:6379', '--config', cfg, ...s, ...out, '--checkpoint', ck, '--until-idle', '0.3', '--json', '-q']);
  assert.equal(c.status, 0, c.stderr);
  const j = JSON.parse(c.stdout) as { records: number; samples: number; late: Record<string, number> };
  assert.equal(j.records, 0);
  assert.equal(j.samples, 1500);
  const r = new Redis({ lazyConnect: true });
  await r.connect();
  const lateLen = await r.xlen(`${prefix}e:late`);
  r.disconnect();
  assert.equal(lateLen, Object.values(j.late).reduce((x, y) => x + y, 0), 'every late label on <events>:late');
  assert.ok(lateLen > 0);
});

test('bad arguments exit non-zero with a message', () => {
  const r = cli(['simulate', '--world', cfg, '--speed', 'warp']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--speed: expected a number >= 0/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'world: { impressions: 10 }\nwindows: 3\n');
  const r2 = cli(['simulate', '--world', bad]);
  assert.notEqual(r2.status, 0);
  assert.match(r2.stderr, /bad\.yaml: .*world\.impressions/);
  const r3 = cli(['join', '--redis', 'redis://127.0.0.1:1', '--until-idle', '0']);
  assert.notEqual(r3.status, 0);
  assert.match(r3.stderr, /unreachable/);
});
