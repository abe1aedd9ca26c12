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
