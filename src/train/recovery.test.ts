// Recovery of a killed run directory (checkpoints.ts recoverCheckpoints, train-log.ts truncateLog):
// leftover temporary directories and files are removed and reported; a step directory the manifest
// does not name is adopted when it is newer than LATEST and intact by its own COMMIT.json (the
// documented rule: it is exactly what the killed process was about to commit), and removed otherwise
// (older — an interrupted prune —, damaged, or without a valid COMMIT.json); train_log.jsonl is cut
// back to the resumed step and loses a torn last line. The states are made the way a kill makes them:
// by running commitCheckpoint and putting back what existed at the kill point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '../util/checksum.js';
import { commitCheckpoint, readCheckpointFiles, recoverCheckpoints } from './checkpoints.js';
import { checkpointsDir, COMMIT_FILE, manifestPath, readManifest, type Manifest } from './manifest.js';
import { appendLog, truncateLog } from './train-log.js';

const METRIC: Manifest['metric'] = { name: 'click.auc', mode: 'max' };
const tmp = () => mkdtempSync(join(tmpdir(), 'lr-recovery-'));
const name = (step: number, suffix = '') => `step-${String(step).padStart(9, '0')}${suffix}`;
const files = (step: number) => ({ 'dense.ckpt': Buffer.from(`dense@${step}`.repeat(50)), 'emb-user.bin': Buffer.from(`emb@${step}`.repeat(80)), 'state.json': Buffer.from(JSON.stringify({ globalStep: step })) });

function commit(run: string, step: number, value: number | null, best: boolean, o: { final?: boolean; suffix?: string } = {}): Manifest {
  return commitCheckpoint(run, { name: name(step, o.suffix), step, value, best, final: o.final ?? false }, files(step), { keep: 2, metric: METRIC });
}

/** Commit like a process killed after the rename, before the manifest write: the directory is there, the manifest is the old one. */
function commitKilledBeforeManifest(run: string, step: number, value: number | null, best: boolean, o: { final?: boolean; suffix?: string } = {}): void {
  const mp = manifestPath(run);
  const before = existsSync(mp) ? readFileSync(mp) : null;
  // Keep every directory as it was: the real commit would prune after the manifest, which a kill prevents.
  const keepAside = join(run, 'aside');
  mkdirSync(checkpointsDir(run), { recursive: true });
  cpSync(checkpointsDir(run), keepAside, { recursive: true });
  commit(run, step, value, best, o);
  const made = join(checkpointsDir(run), name(step, o.suffix));
  renameSync(made, join(keepAside, name(step, o.suffix)));
  rmSync(checkpointsDir(run), { recursive: true });
  renameSync(keepAside, checkpointsDir(run));
  if (before) writeFileSync(mp, before); else rmSync(mp, { force: true });
}

const dirs = (run: string) => readdirSync(checkpointsDir(run)).filter((f) => f.startsWith('step-')).sort();

test('leftover temporary directories and files are removed and reported; committed state is untouched', () => {
  const run = tmp();
  commit(run, 4, 0.6, true);
  const m0 = readFileSync(manifestPath(run), 'utf8');
  const leftovers = [
    join(checkpointsDir(run), '.tmp-step-000000008-4242'),
    join(checkpointsDir(run), '.MANIFEST.json.4242.1700000000000.tmp'),
    join(run, '.metrics.json.4242.1700000000000.tmp'),
    join(run, '.LOCK.4242.0123456789abcdef.tmp'),
  ];
  mkdirSync(leftovers[0]!);
  writeFileSync(join(leftovers[0]!, 'dense.ckpt'), 'half');
  for (const f of leftovers.slice(1)) writeFileSync(f, 'partial');
  writeFileSync(join(run, 'notes.txt'), 'mine'); // not a liverank temporary: kept
  const log: string[] = [];
  const m = recoverCheckpoints(run, (s) => log.push(s));
  for (const f of leftovers) {
    assert.ok(!existsSync(f), `${f} removed`);
    assert.ok(log.some((l) => l.includes(f) && /removed/.test(l) && /interrupted write/.test(l)), `reported: ${f}\n${log.join('\n')}`);
  }
  assert.equal(log.length, leftovers.length, log.join('\n'));
  assert.ok(existsSync(join(run, 'notes.txt')));
  assert.equal(readFileSync(manifestPath(run), 'utf8'), m0, 'the manifest is not rewritten');
  assert.deepEqual(dirs(run), [name(4)]);
  assert.equal(m?.latest, name(4));
});

test('an intact step directory newer than LATEST (killed before the manifest write) is adopted: the manifest becomes what the finished commit would have written', () => {
  const run = tmp(), ref = tmp();
  for (const r of [run, ref]) { commit(r, 4, 0.6, true); commit(r, 8, 0.55, false); }
  commit(ref, 12, 0.7, true);
  commitKilledBeforeManifest(run, 12, 0.7, true);
  assert.equal(readManifest(run)!.latest, name(8), 'the kill left the old manifest');
  assert.deepEqual(dirs(run), [name(4), name(8), name(12)]);
  const log: string[] = [];
  const m = recoverCheckpoints(run, (s) => log.push(s))!;
  assert.equal(m.latest, name(12));
  assert.equal(m.best, name(12));
  assert.equal(m.best_value, 0.7);
  const strip = (x: Manifest) => ({ ...x, updated: '' });
  assert.deepEqual(strip(readManifest(run)!), strip(m), 'the adoption is committed to MANIFEST.json');
  assert.deepEqual(strip(m), strip(readManifest(ref)!), 'same manifest as the uninterrupted commit');
  assert.deepEqual(dirs(run), dirs(ref), 'and the same directories (the old BEST pruned as that commit would have)');
  assert.ok(log.some((l) => l.includes(join(checkpointsDir(run), name(12))) && l.includes('adopted')), log.join('\n'));
  const read = readCheckpointFiles(run, name(12), m);
  assert.ok(read.get('dense.ckpt')!.equals(files(12)['dense.ckpt']), 'the adopted checkpoint reads back verified');
  const m2 = commit(run, 16, 0.65, false);
  assert.deepEqual(Object.keys(m2.checkpoints).sort(), [name(12), name(16)]);
  assert.deepEqual(dirs(run), [name(12), name(16)]);
});

test('an adopted orphan that did not improve the metric leaves BEST alone', () => {
  const run = tmp();
  commit(run, 4, 0.6, true);
  commitKilledBeforeManifest(run, 8, 0.5, false);
  const m = recoverCheckpoints(run, () => {})!;
  assert.equal(m.latest, name(8));
  assert.equal(m.best, name(4));
  assert.equal(m.best_value, 0.6);
});

test('the calibrated final checkpoint of the same step as LATEST is adopted as final', () => {
  const run = tmp();
  commit(run, 8, 0.6, true);
  commitKilledBeforeManifest(run, 8, null, false, { final: true, suffix: '-calibrated' });
  const m = recoverCheckpoints(run, () => {})!;
  assert.equal(m.final, name(8, '-calibrated'));
  assert.equal(m.latest, name(8, '-calibrated'));
  assert.equal(m.best, name(8));
});

test('a damaged orphan, one with a damaged, missing or mismatched COMMIT.json, and an older orphan (interrupted prune) are removed', () => {
  const cases: [string, (run: string, dir: string) => void, number][] = [
    ['a byte flipped in dense.ckpt', (_r, d) => { const p = join(d, 'dense.ckpt'); const b = readFileSync(p); b[3] ^= 1; writeFileSync(p, b); }, 12],
    ['emb-user.bin truncated', (_r, d) => { const p = join(d, 'emb-user.bin'); writeFileSync(p, readFileSync(p).subarray(0, 10)); }, 12],
    ['state.json missing', (_r, d) => rmSync(join(d, 'state.json')), 12],
    ['COMMIT.json missing', (_r, d) => rmSync(join(d, COMMIT_FILE)), 12],
    ['COMMIT.json truncated', (_r, d) => { const p = join(d, COMMIT_FILE); const t = readFileSync(p, 'utf8'); writeFileSync(p, t.slice(0, t.length - 5)); }, 12],
    ['COMMIT.json names another checkpoint', (_r, d) => { const p = join(d, COMMIT_FILE); writeFileSync(p, readFileSync(p, 'utf8').replace(name(12), name(13))); }, 12],
    ['older than LATEST', () => {}, 2],
  ];
  for (const [what, damage, step] of cases) {
    const run = tmp();
    commit(run, 4, 0.6, true);
    commit(run, 8, 0.5, false);
    commitKilledBeforeManifest(run, step, 0.9, true);
    const orphan = join(checkpointsDir(run), name(step));
    assert.ok(existsSync(orphan));
    damage(run, orphan);
    const before = readFileSync(manifestPath(run), 'utf8');
    const log: string[] = [];
    const m = recoverCheckpoints(run, (s) => log.push(s))!;
    assert.ok(!existsSync(orphan), `${what}: removed`);
    assert.ok(log.some((l) => l.includes(orphan) && /removed/.test(l)), `${what}: reported\n${log.join('\n')}`);
    assert.equal(readFileSync(manifestPath(run), 'utf8'), before, `${what}: the manifest is unchanged`);
    assert.equal(m.latest, name(8));
    assert.equal(m.best, name(4));
    assert.deepEqual(dirs(run), [name(4), name(8)]);
  }
});

test('killed before the first manifest was written: the complete step directory is adopted and the next commit records the metric', () => {
  const run = tmp();
  commitKilledBeforeManifest(run, 4, 0.6, true);
  assert.equal(readManifest(run), null);
  const m = recoverCheckpoints(run, () => {})!;
  assert.equal(m.latest, name(4));
  assert.equal(m.best, name(4));
  assert.equal(m.best_value, 0.6);
  const m2 = commit(run, 8, 0.7, true);
  assert.deepEqual(m2.metric, METRIC, 'the manifest names the early-stopping metric once a commit knows it');
  assert.deepEqual(Object.keys(m2.checkpoints).sort(), [name(4), name(8)]);
});

test('nothing committed and nothing complete: recovery returns null and leaves no step directory', () => {
  const run = tmp();
  assert.equal(recoverCheckpoints(run, () => {}), null, 'no checkpoints/ at all');
  mkdirSync(join(checkpointsDir(run), '.tmp-step-000000004-77'), { recursive: true });
  const log: string[] = [];
  assert.equal(recoverCheckpoints(run, (s) => log.push(s)), null);
  assert.deepEqual(readdirSync(checkpointsDir(run)), []);
  assert.equal(log.length, 1);
});

const rec = (kind: string, step: number) => JSON.stringify({ kind, step, loss: step / 10 });

test('truncateLog keeps the lines up to the resumed step and drops the rest, a torn last line and garbage', () => {
  const dir = tmp();
  const p = join(dir, 'train_log.jsonl');
  const lines = [rec('train', 2), rec('train', 4), rec('val', 4), 'not json', rec('train', 6), rec('train', 8), rec('val', 8)];
  writeFileSync(p, `${lines.join('\n')}\n${rec('train', 10).slice(0, 12)}`); // killed mid-append
  assert.deepEqual(truncateLog(p, 4), { kept: 3, dropped: 5 });
  assert.equal(readFileSync(p, 'utf8'), `${[rec('train', 2), rec('train', 4), rec('val', 4)].join('\n')}\n`);
  // Resumed training appends from step 5 on: every line parses, no step appears twice.
  appendLog(p, { kind: 'train', step: 6 });
  const steps = readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => { const r = JSON.parse(l); return `${r.kind}@${r.step}`; });
  assert.deepEqual(steps, ['train@2', 'train@4', 'val@4', 'train@6']);
});

test('truncateLog: a torn last line at or before the resumed step is dropped too (an append without its newline cannot be trusted)', () => {
  const dir = tmp();
  const p = join(dir, 'train_log.jsonl');
  writeFileSync(p, `${rec('train', 2)}\n${rec('train', 4)}`);
  assert.deepEqual(truncateLog(p, 10), { kept: 1, dropped: 1 });
  assert.equal(readFileSync(p, 'utf8'), `${rec('train', 2)}\n`);
});

test('truncateLog: an intact log is left byte for byte; a missing one is created empty; -1 (a fresh run) empties it', () => {
  const dir = tmp();
  const p = join(dir, 'train_log.jsonl');
  const text = `${rec('train', 2)}\n${rec('val', 4)}\n`;
  writeFileSync(p, text);
  assert.deepEqual(truncateLog(p, 4), { kept: 2, dropped: 0 });
  assert.equal(sha256(readFileSync(p)), sha256(text));
  const q = join(dir, 'new.jsonl');
  assert.deepEqual(truncateLog(q, 0), { kept: 0, dropped: 0 });
  assert.equal(readFileSync(q, 'utf8'), '');
  assert.deepEqual(truncateLog(p, -1), { kept: 0, dropped: 2 });
  assert.equal(readFileSync(p, 'utf8'), '');
});
