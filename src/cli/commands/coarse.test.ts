// `liverank coarse report` as a child process: two tiny runs of one world (one as coarse, one as
// fine), the printed report and its JSON; bad options and a missing run exit non-zero with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train } from '../../train/trainer.js';
import { tinyServeConfig } from '../../serving/fine-ranker.fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, encoding: 'utf8' });

test('coarse report: τ-b / top-k / NDCG / cost printed and written as JSON; bad input refused with a message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-coarse-'));
  try {
    const a = join(dir, 'a'), b = join(dir, 'b'), out = join(dir, 'r.json');
    await train(tinyServeConfig(), { out: a, verbose: false, hooks: null });
    await train(tinyServeConfig(), { out: b, verbose: false, hooks: null, seed: 9 });
    const r = cli(['coarse', 'report', '--coarse', a, '--fine', b, '--fine-task', 'click', '--from', '0.5', '--to', '1', '--requests', '6',
      '--candidates', '12', '--k', '3,6', '--ndcg-k', '3', '--timed', '2', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /6 requests in \[0\.5, 1\) \(seed 2\)/);
    assert.match(r.stdout, /Kendall τ-b\s+-?\d\.\d{3} ± \d\.\d{3}/);
    assert.match(r.stdout, /top3 overlap\s+\d\.\d{3}/);
    assert.match(r.stdout, /top6 overlap/);
    assert.match(r.stdout, /NDCG@3/);
    assert.match(r.stdout, /coarse p50 \d+\.\d\d ms/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(j.per.length, 6);
    assert.equal(j.consistency.requests, 6);
    // a run compared with itself agrees perfectly
    const self = cli(['coarse', 'report', '--coarse', a, '--fine', a, '--fine-task', 'click', '--coarse-task', 'click', '--from', '0.5', '--requests', '4', '--candidates', '12', '--k', '3', '--ndcg-k', '3', '--timed', '1']);
    assert.equal(self.status, 0, self.stderr);
    assert.match(self.stdout, /Kendall τ-b\s+1\.000 ± 0\.000/);
    assert.match(self.stdout, /top3 overlap\s+1\.000/);

    const bad = cli(['coarse', 'report', '--coarse', a, '--fine', b, '--from', '0.9', '--to', '0.5']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--from 0\.9 must be below --to 0\.5/);
    const badK = cli(['coarse', 'report', '--coarse', a, '--fine', b, '--k', '10,x']);
    assert.notEqual(badK.status, 0);
    assert.match(badK.stderr, /--k: expected an integer ≥ 1, got "x"/);
    const missing = cli(['coarse', 'report', '--coarse', join(dir, 'nope'), '--fine', b]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\/config\.json: missing/);
    const task = cli(['coarse', 'report', '--coarse', a, '--fine', b, '--fine-task', 'gift', '--requests', '2', '--candidates', '5', '--from', '0.5']);
    assert.notEqual(task.status, 0);
    assert.match(task.stderr, /no task "gift"/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
