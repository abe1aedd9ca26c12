// The kill-and-resume test (issue 13): training processes are SIGKILLed at named points of the
// checkpoint protocol (util/fault.ts) and at random moments, then resumed, until each run finishes.
// After every kill: evaluate and export work on the run (or refuse clearly before the first commit),
// BEST names an existing checkpoint holding the best validation metric logged up to the committed
// step, and train_log.jsonl has each step at most once. After the next resume: no temporary file of
// the killed process remains. Every finished run's metrics.json, train_log.jsonl and model.onnx are
// byte-identical to an uninterrupted run's. Also: two writers on one run directory.
//
//   npm run -s check:faults                      (this file alone)
//   LIVERANK_FAULT_KILLS=60 npm run -s check:faults   (more kills; default 32)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../util/rng.js';
import { loadTrainConfig } from './config.js';
import { evaluateRun, exportRun } from './eval-run.js';
import { checkpointsDir, readManifest } from './manifest.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const CHILD = join(here, 'fault-child.ts');
const KILLS = Number(process.env.LIVERANK_FAULT_KILLS ?? 32);

const CONFIG = `
name: faults
seed: 3
data: { source: world, impressions: 6000, world_seed: 2, split: [0.6, 0.2, 0.2] }
features:
  version: 1
  defaults: { dim: 4 }
  features:
    - { name: user_id, kind: id, column: user_id, hash_buckets: 1024 }
    - { name: streamer_id, kind: id, column: streamer_id, hash_buckets: 1024 }
    - { name: category, kind: id, column: category_id, vocab: { min_count: 1 } }
    - { name: scenario, kind: id, column: scenario, vocab: [home, slide, outside] }
    - { name: followers_log, kind: dense, column: streamer_followers, ops: [log1p, standardize] }
tasks:
  - { name: click, label: click, true_prob: p_click }
  - { name: watch_time, label: watch_s, kind: regression, loss: huber, label_transform: log1p }
model: { type: mmoe, experts: 2, expert: [8], tower: [4] }
optimizer: { type: adam, lr: 0.005 }
embedding: { optimizer: adam, lr: 0.01 }
train: { epochs: 3, batch_size: 256, eval_every: 4, log_every: 2, early_stopping: { metric: click.auc, patience: 50 } }
calibration: { rows: 2000, by: [] }
`;

interface ChildResult { code: number | null; signal: NodeJS.Signals | null; stderr: string; pid: number; trace: string[] }

function runChild(cfg: string, out: string, o: { fault?: string; hold?: string; killAfterMs?: number; traceFile: string; cli?: boolean }): Promise<ChildResult> {
  writeFileSync(o.traceFile, '');
  const args = o.cli
    ? [join(root, 'bin/liverank.mjs'), 'train', '-c', cfg, '--out', out, '--resume', '-q']
    : ['--import', 'tsx', CHILD, cfg, out];
  const child = spawn(process.execPath, args, {
    cwd: root, stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LIVERANK_FAULT: o.fault ?? '', LIVERANK_FAULT_TRACE: o.traceFile, LIVERANK_FAULT_HOLD: o.hold ?? '' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = o.killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
  return new Promise((res) => child.on('exit', (code, signal) => {
    if (timer) clearTimeout(timer);
    res({ code, signal, stderr, pid: child.pid!, trace: readFileSync(o.traceFile, 'utf8').split('\n').filter(Boolean) });
  }));
}

/** Temporary entries anywhere in a run directory (names carry the writing process's pid). */
function tmpEntries(run: string): string[] {
  const out: string[] = [];
  for (const dir of [run, checkpointsDir(run)]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.startsWith('.tmp-') || (f.startsWith('.') && f.endsWith('.tmp'))) out.push(join(dir, f));
  }
  return out;
}

function logLines(run: string): { kind: string; step: number; metrics?: Record<string, { auc?: number | null }> }[] {
  const p = join(run, 'train_log.jsonl');
  if (!existsSync(p)) return [];
  const text = readFileSync(p, 'utf8');
  return text.split('\n').slice(0, -1).filter(Boolean).map((l) => JSON.parse(l)); // a torn last line is allowed until the resume
}

async function checkAfterKill(cfgPath: string, run: string, scratch: string, what: string): Promise<void> {
  const lines = logLines(run);
  const seen = new Set<string>();
  for (const l of lines) {
    const key = `${l.kind}@${l.step}`;
    assert.ok(!seen.has(key), `${what}: train_log.jsonl has ${key} twice`);
    seen.add(key);
  }
  const cfg = loadTrainConfig(cfgPath);
  const m = readManifest(run);
  if (!m || !m.latest) {
    await assert.rejects(evaluateRun(cfg, run, 'val', join(scratch, 'eval.json'), { verbose: false }), /no committed checkpoint|no features\.json/, `${what}: evaluate before the first commit`);
    return;
  }
  for (const n of Object.keys(m.checkpoints)) assert.ok(existsSync(join(checkpointsDir(run), n, 'state.json')), `${what}: manifest names ${n}, which is missing`);
  assert.ok(m.best, `${what}: a committed run has a BEST`);
  const latestStep = m.checkpoints[m.latest]!.step;
  const vals = lines.filter((l) => l.kind === 'val' && l.step <= latestStep).map((l) => l.metrics!.click!.auc!);
  assert.equal(m.best_value, Math.max(...vals), `${what}: BEST holds the best click.auc logged up to step ${latestStep}`);
  assert.equal(m.checkpoints[m.best!]!.value, m.best_value);
  await evaluateRun(cfg, run, 'val', join(scratch, 'eval.json'), { verbose: false });
  await exportRun(cfg, run, join(scratch, 'export'), { verbose: false });
}

const sameFile = (a: string, b: string, f: string) => assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs from the uninterrupted run's`);

test('kill-and-resume: SIGKILL at named checkpoint points and at random moments; every resumed run ends byte-identical to an uninterrupted one', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-faults-'));
  const cfg = join(dir, 'faults.yaml');
  writeFileSync(cfg, CONFIG);
  mkdirSync(join(dir, 'scratch', 'export'), { recursive: true });
  const ref = join(dir, 'reference');
  const r0 = await runChild(cfg, ref, { traceFile: join(dir, 'trace-ref') });
  assert.equal(r0.code, 0, `reference run failed: ${r0.stderr}`);
  const counts = new Map<string, number>();
  for (const p of r0.trace) counts.set(p, (counts.get(p) ?? 0) + 1);
  const points = [...counts.keys()].sort();
  t.diagnostic(`kill points reached by an uninterrupted run: ${points.map((p) => `${p}×${counts.get(p)}`).join(', ')}`);
  for (const p of ['checkpoint.file-written', 'checkpoint.renamed', 'manifest.committed', 'prune.removed', 'train.val-logged']) assert.ok(counts.has(p), `the run never reaches ${p}`);

  const rng = new Rng(20261205);
  let kills = 0, chains = 0, named = 0, timed = 0, child = 0;
  const plan = () => {
    // Alternate: named points round-robin (occurrence drawn at random), every fourth kill by timing.
    if (kills % 4 === 3) return { killAfterMs: 300 + rng.int(3000) };
    const p = points[named % points.length]!;
    return { fault: `${p}:${1 + rng.int(Math.min(4, counts.get(p)!))}` };
  };
  while (kills < KILLS) {
    const run = join(dir, `run-${chains++}`);
    let leftovers: string[] = [];
    for (;;) {
      const how = plan();
      const r = await runChild(cfg, run, { ...how, traceFile: join(dir, `trace-${child++}`) });
      if (r.trace.includes('run.prepared')) {
        const stale = leftovers.filter((f) => existsSync(f));
        assert.deepEqual(stale, [], `temporary files of a killed process survived the resume (child ${child})`);
      }
      if (r.signal === 'SIGKILL') {
        kills++;
        if (how.fault) named++; else timed++;
        const at = how.fault ?? `${how.killAfterMs} ms`;
        await checkAfterKill(cfg, run, join(dir, 'scratch'), `kill ${kills} (${at})`);
        leftovers = tmpEntries(run);
        continue;
      }
      assert.equal(r.code, 0, `resumed run failed: ${r.stderr}`);
      for (const f of ['metrics.json', 'train_log.jsonl', 'model.onnx', 'model.onnx.sha256']) sameFile(ref, run, f);
      assert.deepEqual(tmpEntries(run), [], 'a finished run leaves no temporary files');
      break;
    }
  }
  t.diagnostic(`${kills} kills (${named} at named points, ${timed} by timing) over ${chains} runs; every run finished byte-identical to the uninterrupted one`);
});

test('two writers on one run directory: the second exits non-zero naming the first; the first finishes correctly', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-writers-'));
  const cfg = join(dir, 'faults.yaml');
  writeFileSync(cfg, CONFIG);
  const run = join(dir, 'run');
  const firstTrace = join(dir, 'trace-1');
  const go = join(dir, 'go');
  // The first writer waits after its first validation (lock held, mid-training) until `go` exists.
  const first = runChild(cfg, run, { traceFile: firstTrace, hold: `train.val-logged=${go}` });
  const t0 = Date.now();
  while (!(existsSync(firstTrace) && readFileSync(firstTrace, 'utf8').includes('train.val-logged'))) {
    if (Date.now() - t0 > 60_000) assert.fail('the first writer never reached its first validation');
    await new Promise((r) => setTimeout(r, 20));
  }
  const second = await runChild(cfg, run, { traceFile: join(dir, 'trace-2'), cli: true });
  writeFileSync(go, '');
  const a = await first;
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, new RegExp(`is being written by pid ${a.pid} on `), second.stderr);
  assert.equal(a.code, 0, a.stderr);
  const ref = join(dir, 'alone');
  const r = await runChild(cfg, ref, { traceFile: join(dir, 'trace-3') });
  assert.equal(r.code, 0, r.stderr);
  sameFile(ref, run, 'metrics.json');
});
