// `liverank tb dump` as a user runs it: a good run directory prints tags and values and exits 0; a
// corrupt file names the record and byte offset and exits 1; a missing path is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventWriter, SummaryBatch } from '../../diagnostics/tensorboard/writer.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, encoding: 'utf8' });

test('tb dump: prints every value of a run\'s tb/, --summary and --tag; corrupt and missing files exit non-zero', () => {
  const run = mkdtempSync(join(tmpdir(), 'lr-tbdump-'));
  try {
    const w = new EventWriter(join(run, 'tb'), { now: 1_700_000_000_000, host: 'h' });
    w.add(1, new SummaryBatch().scalar('loss/total', 0.25).histogram('tower/click/prob', [0.1, 0.2, 0.9]));
    w.add(2, new SummaryBatch().scalar('loss/total', 0.125));
    w.close();
    const ok = cli('tb', 'dump', run, '--summary');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /3 record\(s\), \d+ bytes; every CRC verified/);
    assert.match(ok.stdout, /loss\/total {2}2 value\(s\), steps 1–2; last: scalar 0\.125000/);
    assert.match(ok.stdout, /tower\/click\/prob {2}1 value\(s\), steps 1–1; last: histogram num 3 min 0\.100000 max 0\.900000/);
    const one = cli('tb', 'dump', w.path, '--tag', '^loss');
    assert.equal(one.status, 0);
    assert.deepEqual(one.stdout.trim().split('\n').slice(1), ['  step 0  file_version brain.Event:2', '  step 1  loss/total  scalar 0.250000', '  step 2  loss/total  scalar 0.125000']);

    const buf = readFileSync(w.path);
    writeFileSync(w.path, buf.subarray(0, buf.length - 3)); // the last record loses its CRC's last bytes
    const bad = cli('tb', 'dump', join(run, 'tb'));
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /ERROR: .*record 2 at byte offset \d+: truncated record/);
    assert.match(bad.stdout, /step 1 {2}loss\/total {2}scalar 0\.250000/, 'the records before the damage are still printed');
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');

    const missing = cli('tb', 'dump', join(run, 'nope'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope: no such file or directory; expected a run's tb\/ directory or an events\.out\.tfevents\.\* file/);
  } finally { rmSync(run, { recursive: true, force: true }); }
});
