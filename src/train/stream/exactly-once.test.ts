// Exactly-once effect of the streaming trainer on a real broker (a test-owned redis-server):
//   1. `liverank train --stream` (a child process) is SIGKILLed at a random moment during training
//      5 times and restarted each time, then runs to the end of the stream: the id ledger holds every
//      sample exactly once, each restart resumed from a checkpoint (step count continues), and the
//      final model state (ids hash, progressive metrics) equals an uninterrupted run's.
//   2. Redis is SIGKILLed and restarted mid-stream (append-only file kept): the trainer reconnects,
//      re-seeks its group and finishes with every sample trained exactly once.
import { test } from 'node:test';
import { STREAMS } from '../../data/stream/names.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisEventStream } from '../../data/stream/redis.js';
import { freePort, OwnRedis } from '../../data/stream/redis-server.fixture.js';
import { Rng } from '../../util/rng.js';
import { loadTrainConfig } from '../config.js';
import { readLedger, STREAM_STATE_FILE } from './checkpoint.js';
import { streamConfigJson, worldSamples } from './fixture.js';
import { PROGRESSIVE_JSON, trainStream } from './trainer.js';
import { findCheckpoint } from '../run-dir.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const N = 6000;
const COMMON = ['--batch', '256', '--checkpoint-every', '768', '--log-every', '256', '--capacity', '3000', '--admit-after', '2', '--window', '4000', '--bootstrap', '1000', '--ledger'];

/** The trainer as a child process: kill-child.ts (same options), or the CLI itself (`cli`). */
function runChild(cfg: string, out: string, url: string, killAfterLines: number | null, delayMs: number, cli = false): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  const args = cli ? [join(root, 'bin/liverank.mjs'), 'train', '-c', cfg, '--stream', '--redis', url, '--group', 'killed', '--out', out, '--until-idle', '1', ...COMMON]
    : ['--import', 'tsx', join(here, 'kill-child.ts'), cfg, out, url, 'killed'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '', lines = 0, armed = false;
  child.stderr!.on('data', (d: Buffer) => {
    const s = d.toString();
    stderr += s;
    lines += (s.match(/^stream: [\d,]+ records/gm) ?? []).length;
    if (killAfterLines !== null && !armed && lines >= killAfterLines) { armed = true; setTimeout(() => child.kill('SIGKILL'), delayMs); }
  });
  return new Promise((res) => child.on('exit', (code, signal) => res({ code, signal, stderr })));
}

const progressive = (out: string) => JSON.parse(readFileSync(join(out, PROGRESSIVE_JSON), 'utf8')) as { tasks: Record<string, { all: { auc: number; pcoc: number; total: number } }> };
const committed = (out: string) => JSON.parse(readFileSync(join(findCheckpoint(out)!, STREAM_STATE_FILE), 'utf8')) as { records: number; samples: number; idsHash: string; steps: number };

function exactlyOnce(out: string, ids: string[]): void {
  const counts = readLedger(out);
  const twice = [...counts].filter(([, c]) => c > 1);
  const lost = ids.filter((id) => !counts.has(id));
  assert.equal(twice.length, 0, `trained twice: ${twice.slice(0, 5).map(([i, c]) => `${i}×${c}`).join(', ')}`);
  assert.equal(lost.length, 0, `never trained: ${lost.length} e.g. ${lost.slice(0, 5).join(', ')}`);
  assert.equal(counts.size, ids.length);
}

test('kill -9 the streaming trainer 5 times: every sample trained exactly once, resumes continue the model, final state = uninterrupted run', { timeout: 240_000 }, async () => {
  const redis = new OwnRedis(await freePort());
  await redis.start();
  const url = `redis://127.0.0.1:${redis.port}`;
  const es = await RedisEventStream.connect({ port: redis.port });
  try {
    const bodies = worldSamples(N, 5);
    for (let i = 0; i < N; i += 2000) await es.append(STREAMS.samples, bodies.slice(i, i + 2000));
    const ids = bodies.map((b) => (JSON.parse(b) as { sample_id: string }).sample_id);
    const dir = mkdtempSync(join(tmpdir(), 'lr-stream-kill-'));
    const cfgPath = join(dir, 'config.json');
    writeFileSync(cfgPath, streamConfigJson());

    // reference: one uninterrupted run in this process (own group, own run directory)
    const ref = join(dir, 'ref');
    const r = await trainStream(loadTrainConfig(cfgPath), { out: ref, stream: es, group: 'ref', untilIdleMs: 1000, batch: 256, checkpointEvery: 768, logEvery: 256, admission: { capacity: 3000, admitAfter: 2, ttlSteps: 0 }, window: 4000, bootstrap: 1000, ledger: true, log: () => {} });
    assert.equal(r.state.records, N);
    exactlyOnce(ref, ids);

    const out = join(dir, 'killed');
    const rng = new Rng(11);
    let kills = 0, resumes = 0, lastSteps = -1;
    for (let attempt = 0; attempt < 12 && kills < 5; attempt++) {
      const t0 = Date.now();
    const c = await runChild(cfgPath, out, url, 1 + rng.int(4), rng.int(150));
    if (process.env.LIVERANK_TEST_VERBOSE) process.stderr.write(`child ${attempt}: ${c.signal ?? c.code} after ${Date.now() - t0} ms\n`);
      if (/resumed from/.test(c.stderr)) {
        resumes++;
        const m = /resumed from \S+: ([\d,]+) records consumed/.exec(c.stderr)!;
        assert.ok(Number(m[1]!.replace(/,/g, '')) > 0);
      }
      if (c.signal === 'SIGKILL') {
        kills++;
        if (findCheckpoint(out)) { const st = committed(out); assert.ok(st.steps >= lastSteps, 'a checkpoint never goes back'); lastSteps = st.steps; }
        continue;
      }
      assert.equal(c.code, 0, `the trainer exited ${c.code}: ${c.stderr.slice(-2000)}`);
      break; // finished before the kill: the stream is consumed
    }
    assert.ok(kills >= 5, `only ${kills} kills landed`);
    const fin = await runChild(cfgPath, out, url, null, 0, true);
    assert.equal(fin.code, 0, fin.stderr.slice(-2000));
    assert.ok(resumes + (/resumed from/.test(fin.stderr) ? 1 : 0) >= 5, `resumed ${resumes} times`);
    exactlyOnce(out, ids);
    const a = committed(out), b = committed(ref);
    assert.equal(a.records, N);
    assert.equal(a.idsHash, b.idsHash);
    assert.equal(a.steps, b.steps, 'same number of optimizer steps as the uninterrupted run');
    const pa = progressive(out), pb = progressive(ref);
    for (const t of ['click', 'effective_view']) {
      assert.equal(pa.tasks[t]!.all.total, pb.tasks[t]!.all.total);
      assert.ok(Math.abs(pa.tasks[t]!.all.auc - pb.tasks[t]!.all.auc) < 0.01, `${t} AUC ${pa.tasks[t]!.all.auc} vs uninterrupted ${pb.tasks[t]!.all.auc}`);
      assert.ok(Math.abs(pa.tasks[t]!.all.pcoc - pb.tasks[t]!.all.pcoc) < 0.02, `${t} PCOC ${pa.tasks[t]!.all.pcoc} vs ${pb.tasks[t]!.all.pcoc}`);
    }
  } finally {
    await es.close();
    await redis.kill();
  }
});

test('redis killed and restarted mid-stream: the trainer reconnects, re-seeks and trains every sample exactly once', { timeout: 120_000 }, async () => {
  const redis = new OwnRedis(await freePort());
  await redis.start();
  const writer = await RedisEventStream.connect({ port: redis.port, reconnectTimeoutMs: 30_000 });
  const es = await RedisEventStream.connect({ port: redis.port, reconnectTimeoutMs: 30_000 });
  try {
    const bodies = worldSamples(6000, 7);
    await writer.append(STREAMS.samples, bodies);
    const ids = bodies.map((b) => (JSON.parse(b) as { sample_id: string }).sample_id);
    const out = mkdtempSync(join(tmpdir(), 'lr-stream-redis-restart-'));
    let restarted: Promise<void> | null = null, progressLines = 0;
    const logs: string[] = [];
    const r = await trainStream(streamConfigForTest(), {
      out, stream: es, untilIdleMs: 1500, batch: 256, checkpointEvery: 768, logEvery: 256, bootstrap: 1000, window: 4000, ledger: true,
      admission: { capacity: 3000, admitAfter: 2, ttlSteps: 0 },
      log: (l) => {
        logs.push(l);
        if (/^stream: [\d,]+ records/.test(l) && ++progressLines === 3 && !restarted) {
          restarted = (async () => { await redis.kill(); await new Promise((x) => setTimeout(x, 300)); await redis.start(); })();
        }
      },
    });
    await restarted;
    assert.ok(restarted, 'redis was restarted during the run');
    assert.ok(es.retries > 0, 'the broker calls were retried while redis was down');
    assert.equal(r.state.records, 6000);
    exactlyOnce(out, ids);
  } finally {
    await es.close();
    await writer.close();
    await redis.kill();
  }
});

function streamConfigForTest() {
  const dir = mkdtempSync(join(tmpdir(), 'lr-stream-cfg-'));
  writeFileSync(join(dir, 'c.json'), streamConfigJson());
  return loadTrainConfig(join(dir, 'c.json'));
}
