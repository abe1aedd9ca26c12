// kill -9 the joiner process at random moments (and Redis once, mid-stream), restart it: the
// samples stream ends identical to an uninterrupted in-process run's — nothing lost, nothing twice.
// Uses a test-owned redis-server (append-only file) on a free port.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../util/rng.js';
import { generateWorld } from '../world/generate.js';
import { runJoin } from './join-runner.js';
import { RedisEventStream } from './redis.js';
import { OwnRedis, freePort } from './redis-server.fixture.js';
import { replayEvents } from './simulate.js';
import { worldEvents } from './world-events.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lr-join-kill-'));
const servers: OwnRedis[] = [];
after(async () => { for (const s of servers) await s.kill(); rmSync(dir, { recursive: true, force: true }); });

function child(url: string, prefix: string, ck: string): { proc: ChildProcess; batches: () => number; out: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'join-child.ts'), url, prefix, ck], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout!.on('data', (d) => { out += String(d); });
  proc.stderr!.on('data', (d) => { err += String(d); });
  return { proc, batches: () => (out.match(/^batch /gm) ?? []).length, out: () => out + err };
}

test('joiner kill -9 ×5 and a Redis restart → every sample exactly once, as uninterrupted', async () => {
  const port = await freePort();
  const server = new OwnRedis(port);
  servers.push(server);
  await server.start();
  const url = `redis://127.0.0.1:${port}`;
  const es = await RedisEventStream.connect({ port, reconnectTimeoutMs: 30_000 });
  try {
    const world = generateWorld({ impressions: 3000, seed: 21 });
    const events = [...worldEvents(world.impressions, { delays: { seed: 5, offline_p: 0.05 } })];
    await replayEvents(es, events, { stream: 'k:e', speed: 0 });
    await es.append('k:e', ['garbage']);
    // reference: uninterrupted, in-process, on a copy of the stream
    await replayEvents(es, events, { stream: 'ref:e', speed: 0 });
    await es.append('ref:e', ['garbage']);
    const ref = await runJoin(es, { streams: { events: 'ref:e', samples: 'ref:s', dead: 'ref:d' }, join: { allowed_lateness_s: 30 }, batch: 150, blockMs: 0, stopOnIdleMs: 0 });
    const refSamples = (await es.range('ref:s', '-', '+', 1e6)).map((r) => r.body);
    assert.equal(refSamples.length, 3000);

    const ck = join(dir, 'join.ckpt.json');
    const rng = new Rng(7);
    let kills = 0;
    for (let round = 0; round < 12 && kills < 5; round++) {
      const c = child(url, 'k:', ck);
      const target = c.batches() + 2 + rng.int(6);
      while (c.batches() < target && c.proc.exitCode === null) await new Promise((r) => setTimeout(r, 10));
      if (c.proc.exitCode !== null) { assert.equal(c.proc.exitCode, 0, c.out()); break; }
      c.proc.kill('SIGKILL');
      await once(c.proc, 'exit');
      kills++;
      if (kills === 2) { await server.kill(); await server.start(); } // Redis restarted between runs
    }
    assert.equal(kills, 5, 'five kills before the joiner finished');
    // one more run mid-stream with Redis killed and restarted while it works
    const c = child(url, 'k:', ck);
    while (c.batches() < 2 && c.proc.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    await server.kill();
    await new Promise((r) => setTimeout(r, 300));
    await server.start();
    const [code] = await once(c.proc, 'exit') as [number];
    assert.equal(code, 0, c.out());
    const done = JSON.parse(/done (.*)/.exec(c.out())![1]!) as typeof ref.counters;
    assert.deepEqual(done, ref.counters);
    const got = (await es.range('k:s', '-', '+', 1e6)).map((r) => r.body);
    const ids = got.map((b) => (JSON.parse(b) as { sample_id: string }).sample_id);
    assert.equal(new Set(ids).size, 3000, 'no sample lost or twice');
    assert.deepEqual(got, refSamples);
    assert.equal(await es.length('k:d'), 1);
  } finally { await es.close(); }
});
