// Integrity of a run directory (issue 13): one tiny run is trained once; then, for every kind of
// checkpoint file the manifest records (dense.ckpt — parameters and the dense optimizer's slots —,
// each embedding shard emb-*.bin — rows and their optimizer state —, state.json) and for the run's
// features.json, a copy of the run gets one byte flipped in that file, and evaluate, export and
// --resume must each refuse it naming the damaged file and both SHA-256s. Also: a damaged exported
// model.onnx is refused on load; a truncated or malformed MANIFEST.json and a truncated state.json
// are refused naming their path.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestFile, sha256 } from '../util/checksum.js';
import { commitCheckpoint, readCheckpointFiles } from './checkpoints.js';
import { loadTrainConfig, type TrainConfig } from './config.js';
import { evaluateRun, exportRun } from './eval-run.js';
import { loadExportedModel } from './export-model.js';
import { checkpointsDir, COMMIT_FILE, manifestPath, readManifest, type Manifest } from './manifest.js';
import { DENSE_FILE, FEATURES_FILE, MODEL_FILE, STATE_FILE } from './run-dir.js';
import { train } from './trainer.js';
import { readVerified } from '../util/checksum.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const CONFIG = `
name: integrity
seed: 3
data: { source: world, impressions: 4000, world_seed: 2, split: [0.6, 0.2, 0.2] }
features:
  version: 1
  defaults: { dim: 4 }
  features:
    - { name: user_id, kind: id, column: user_id, hash_buckets: 256 }
    - { name: category, kind: id, column: category_id, vocab: { min_count: 1 } }
    - { name: scenario, kind: id, column: scenario, vocab: [home, slide, outside] }
    - { name: followers_log, kind: dense, column: streamer_followers, ops: [log1p, standardize] }
tasks:
  - { name: click, label: click, true_prob: p_click }
  - { name: watch_time, label: watch_s, kind: regression, loss: huber, label_transform: log1p }
model: { type: mmoe, experts: 2, expert: [8], tower: [4] }
optimizer: { type: adam, lr: 0.005 }
embedding: { optimizer: adam, lr: 0.01 }
train: { epochs: 1, batch_size: 256, eval_every: 4, log_every: 2, early_stopping: { metric: click.auc, patience: 50 } }
calibration: { rows: 1000, by: [] }
`;

let dir: string, cfgPath: string, cfg: TrainConfig, base: string, baseManifest: Manifest;
let copies = 0;

/** A fresh copy of the trained run. */
function copyRun(): string {
  const to = join(dir, `copy-${copies++}`);
  cpSync(base, to, { recursive: true });
  return to;
}

/** Flip the bits of one byte in the middle of a file; returns the file's new SHA-256. */
function flipByte(path: string): string {
  const b = readFileSync(path);
  b[b.length >> 1] ^= 0x5a;
  writeFileSync(path, b);
  return sha256(b);
}

/** The error names the file and both checksums (actual and recorded), in either order. */
function damaged(path: string, got: string, want: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const m = (e as Error).message;
    assert.ok(m.includes(path), `the message names ${path}: ${m}`);
    assert.match(m, new RegExp(`sha256 ${got}`), `the message gives the file's actual sha256 ${got}: ${m}`);
    assert.match(m, new RegExp(want), `the message gives the recorded sha256 ${want}: ${m}`);
    return true;
  };
}

const quiet = { verbose: false };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lr-integrity-'));
  cfgPath = join(dir, 'integrity.yaml');
  writeFileSync(cfgPath, CONFIG);
  cfg = loadTrainConfig(cfgPath);
  base = join(dir, 'base');
  await train(cfg, { out: base, verbose: false, command: 'integrity.test' });
  baseManifest = readManifest(base)!;
});

describe('a damaged checkpoint file is refused by evaluate, export and --resume, naming the file and what differed', () => {
  test('the trained run: every file of a checkpoint but COMMIT.json is checksummed in the manifest, and the run is intact', async () => {
    const m = baseManifest;
    assert.ok(m.final && m.best && m.latest, 'the run has final, best and latest checkpoints');
    for (const [name, c] of Object.entries(m.checkpoints)) {
      const onDisk = readdirSync(join(checkpointsDir(base), name)).filter((f) => f !== COMMIT_FILE).sort();
      assert.deepEqual(Object.keys(c.files).sort(), onDisk, `${name}: files on disk vs files the manifest checksums`);
    }
    const kinds = Object.keys(m.checkpoints[m.final!]!.files);
    assert.ok(kinds.includes(DENSE_FILE) && kinds.includes(STATE_FILE), kinds.join(', '));
    assert.ok(kinds.filter((f) => /^emb-.+\.bin$/.test(f)).length >= 3, `one shard per embedding table: ${kinds.join(', ')}`);
    assert.ok(m.run_files[FEATURES_FILE], 'features.json is checksummed too');
    // The undamaged run evaluates and exports: the refusals below are caused by the damage alone.
    await evaluateRun(cfg, copyRun(), 'val', join(dir, 'eval-intact.json'), quiet);
  });

  test('each checkpoint file and features.json, one byte flipped', async (t) => {
    const final = baseManifest.final!;
    const targets: { file: string; rel: string; want: string }[] = [
      ...Object.entries(baseManifest.checkpoints[final]!.files).map(([f, d]) => ({ file: f, rel: join('checkpoints', final, f), want: d.sha256 })),
      { file: FEATURES_FILE, rel: FEATURES_FILE, want: baseManifest.run_files[FEATURES_FILE]!.sha256 },
    ];
    for (const { file, rel, want } of targets) {
      await t.test(file, async () => {
        const run = copyRun();
        const path = join(run, rel);
        const got = flipByte(path);
        assert.notEqual(got, want);
        const before = readFileSync(path);
        await assert.rejects(evaluateRun(cfg, run, 'test', join(dir, 'eval.json'), quiet), damaged(path, got, want), `evaluate: ${file}`);
        const exportDir = mkdtempSync(join(dir, 'export-'));
        await assert.rejects(exportRun(cfg, run, exportDir, quiet), damaged(path, got, want), `export: ${file}`);
        assert.ok(!existsSync(join(exportDir, MODEL_FILE)), 'a refused export writes no model');
        await assert.rejects(train(cfg, { out: run, resume: true, verbose: false, command: 'integrity.test' }), damaged(path, got, want), `--resume: ${file}`);
        assert.ok(readFileSync(path).equals(before), 'the refused resume left the damaged file as it was (evidence, not overwritten)');
        assert.deepEqual(readManifest(run), baseManifest, 'the refused resume committed nothing');
        assert.ok(!existsSync(join(run, 'LOCK')), 'every refusal released the run lock');
      });
    }
  });

  test('features.json changed after the run recorded it: a later commit does not record the changed file as good', async () => {
    const run = copyRun();
    const path = join(run, FEATURES_FILE);
    const got = flipByte(path);
    const want = baseManifest.run_files[FEATURES_FILE]!.sha256;
    // What writeCheckpoint does at every validation: commit the checkpoint with the digest of the file as it is now.
    const c = baseManifest.checkpoints[baseManifest.latest!]!;
    const bytes = readCheckpointFiles(run, baseManifest.latest!, baseManifest);
    commitCheckpoint(run, { name: 'step-000000999', step: 999, value: null, best: false, final: false }, Object.fromEntries(bytes), {
      keep: 2, metric: baseManifest.metric, runFiles: { [FEATURES_FILE]: digestFile(path) },
    });
    assert.equal(Object.keys(c.files).length, bytes.size);
    assert.equal(readManifest(run)!.run_files[FEATURES_FILE]!.sha256, want, 'the manifest keeps the checksum of features.json as the run wrote it');
    await assert.rejects(evaluateRun(cfg, run, 'test', join(dir, 'eval.json'), quiet), damaged(path, got, want));
  });

  test('the CLI: `liverank eval` and `liverank train --resume` exit non-zero naming the damaged dense.ckpt', async () => {
    const run = copyRun();
    const path = join(checkpointsDir(run), baseManifest.final!, DENSE_FILE);
    const got = flipByte(path);
    const cli = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((res) => {
      const child = spawn(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
      child.on('close', (code) => res({ code, stderr }));
    });
    const [ev, resume] = await Promise.all([
      cli(['eval', '-c', cfgPath, '--checkpoint', run, '--out', join(dir, 'cli-eval.json')]),
      cli(['train', '-c', cfgPath, '--out', run, '--resume', '-q']),
    ]);
    for (const [what, r] of [['eval', ev], ['train --resume', resume]] as const) {
      assert.notEqual(r.code, 0, `${what} exits non-zero`);
      assert.ok(r.stderr.includes(path) && r.stderr.includes(`sha256 ${got}`), `${what}: stderr names ${path} and its sha256: ${r.stderr}`);
    }
  });
});

describe('the manifest and state.json: truncated or malformed is refused naming the path', () => {
  const all = (run: string) => [
    ['evaluate', () => evaluateRun(cfg, run, 'test', join(dir, 'eval.json'), quiet)],
    ['export', () => exportRun(cfg, run, mkdtempSync(join(dir, 'export-')), quiet)],
    ['--resume', () => train(cfg, { out: run, resume: true, verbose: false, command: 'integrity.test' })],
  ] as const;

  test('MANIFEST.json truncated', async () => {
    const run = copyRun();
    const p = manifestPath(run);
    const text = readFileSync(p, 'utf8');
    writeFileSync(p, text.slice(0, text.length >> 1));
    for (const [what, fn] of all(run)) {
      await assert.rejects(fn(), (e: Error) => e.message.startsWith(`${p}: the run manifest is not valid JSON`) && /truncated or damaged/.test(e.message), what);
    }
    assert.ok(existsSync(join(checkpointsDir(run), baseManifest.final!)), 'a refused resume removed no checkpoint');
  });

  test('MANIFEST.json malformed: a field of the wrong type, or BEST naming a checkpoint it does not keep', async () => {
    const run = copyRun();
    const p = manifestPath(run);
    const m = JSON.parse(readFileSync(p, 'utf8'));
    writeFileSync(p, JSON.stringify({ ...m, best_value: 'high' }));
    for (const [what, fn] of all(run)) {
      await assert.rejects(fn(), (e: Error) => e.message.startsWith(`${p}: the run manifest is malformed`) && e.message.includes('best_value'), what);
    }
    writeFileSync(p, JSON.stringify({ ...m, best: 'step-000000999' }));
    for (const [what, fn] of all(run)) {
      await assert.rejects(fn(), (e: Error) => e.message.startsWith(p) && e.message.includes('"best" names step-000000999'), what);
    }
  });

  test('a checkpoint directory the manifest names is missing', async () => {
    const run = copyRun();
    const gone = join(checkpointsDir(run), baseManifest.final!);
    rmSync(gone, { recursive: true });
    for (const [what, fn] of all(run)) {
      await assert.rejects(fn(), (e: Error) => e.message.includes(gone) && /missing/.test(e.message), what);
    }
  });

  test('state.json truncated: refused by its checksum; truncated with a matching manifest entry: refused as not valid JSON', async () => {
    const run = copyRun();
    const name = baseManifest.final!;
    const path = join(checkpointsDir(run), name, STATE_FILE);
    const text = readFileSync(path, 'utf8');
    const cut = text.slice(0, text.length >> 1);
    writeFileSync(path, cut);
    await assert.rejects(train(cfg, { out: run, resume: true, verbose: false }),
      (e: Error) => e.message.startsWith(`${path}: damaged — ${cut.length} bytes, the manifest recorded ${text.length}`), '--resume');
    // The manifest agrees with the truncated file (as if it had been written that way): the parse names the path.
    const m = JSON.parse(readFileSync(manifestPath(run), 'utf8'));
    m.checkpoints[name].files[STATE_FILE] = { sha256: sha256(cut), bytes: cut.length };
    writeFileSync(manifestPath(run), JSON.stringify(m));
    await assert.rejects(train(cfg, { out: run, resume: true, verbose: false }), (e: Error) => e.message.startsWith(`${path}: not valid JSON`), '--resume');
    // A well-formed JSON that is not a trainer state.
    const bad = Buffer.from(JSON.stringify({ epoch: 0 }));
    writeFileSync(path, bad);
    m.checkpoints[name].files[STATE_FILE] = { sha256: sha256(bad), bytes: bad.length };
    writeFileSync(manifestPath(run), JSON.stringify(m));
    await assert.rejects(train(cfg, { out: run, resume: true, verbose: false }), (e: Error) => e.message.startsWith(`${path}: not a trainer state`), '--resume');
  });
});

describe('an exported model.onnx is checked against model.onnx.sha256 on load', () => {
  test('intact: loads; one byte flipped, or no .sha256: refused naming the path', async () => {
    const out = mkdtempSync(join(dir, 'export-'));
    const { path } = await exportRun(cfg, base, out, quiet);
    assert.equal(path, join(out, MODEL_FILE));
    const want = readFileSync(`${path}.sha256`, 'utf8').split(/\s+/)[0]!;
    assert.equal(want, sha256(readFileSync(path)), 'the sidecar holds the model\'s sha256');
    assert.ok(readFileSync(path).equals(readFileSync(join(base, MODEL_FILE))), 'exporting again gives the trained run\'s model.onnx byte for byte');
    const s = await loadExportedModel(path);
    assert.ok(s.outputNames.length >= 2);
    await s.release();

    const got = flipByte(path);
    assert.throws(() => readVerified(path), damaged(path, got, want));
    await assert.rejects(loadExportedModel(path), damaged(path, got, want));
    await assert.rejects(loadExportedModel(path, { allowUnverified: true }), damaged(path, got, want), 'allowUnverified never accepts a file that contradicts its .sha256');

    rmSync(`${path}.sha256`);
    await assert.rejects(loadExportedModel(path), (e: Error) => e.message.startsWith(`${path}: no checksum file ${path}.sha256`));
    assert.ok(statSync(path).size > 0);
  });
});
