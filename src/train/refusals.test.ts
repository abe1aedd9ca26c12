// What cannot train is refused before the first step (issue 13): header-only data, an empty split, a
// binary task whose split has no positive, a misspelled early-stopping metric. Each `liverank train`
// exits non-zero with a message naming the file or key, reaches no training step (checked with the
// fault-point trace, util/fault.ts) and leaves no checkpoint and no model.onnx. Bad rows are named by
// file and line in the file (a blank line in the fixture makes that differ from the data row), counted
// per reason in data_report.json, and `-q` still prints one summary line.
//
// Fixtures (src/train/fixtures/): header-only.csv (the header alone); labels.csv (300 rows, both
// classes); no-positive.csv (120 rows, click always 0); bad-labels.csv (labels.csv with a blank line
// after its 10th row, click = 2 on one line and click = yes on another).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainConfig } from './config.js';
import { train } from './trainer.js';
import type { DataReport } from './data-checks.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const fixture = (f: string) => join(here, 'fixtures', f);

interface Data { train: string; val?: string; split?: [number, number, number] }

function config(name: string, d: Data, metric = 'click.auc'): string {
  return `
name: ${name}
seed: 1
data:
  source: files
  train: ${JSON.stringify(d.train)}
${d.val ? `  val: ${JSON.stringify(d.val)}\n` : ''}  split: ${JSON.stringify(d.split ?? [0.6, 0.2, 0.2])}
  schema: [{ name: user, type: string }, { name: x, type: float }, { name: click, type: int }]
features:
  version: 1
  defaults: { dim: 4 }
  features:
    - { name: user, kind: id, column: user, hash_buckets: 64 }
    - { name: x, kind: dense, column: x, ops: [standardize] }
tasks:
  - { name: click, label: click }
model: { type: dnn, hidden: [8] }
train: { epochs: 1, batch_size: 64, log_every: 1, early_stopping: { metric: ${metric}, patience: 2 } }
`;
}

interface Run { code: number | null; stdout: string; stderr: string; out: string; cfg: string; trace: string[] }

let dir: string;
const runs = new Map<string, Promise<Run>>();

/** `liverank train -c CFG --out DIR` as a child process, recording the fault points it reaches. */
function cli(name: string, d: Data, o: { metric?: string; quiet?: boolean } = {}): Promise<Run> {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, config(name, d, o.metric));
  const out = join(dir, name);
  const traceFile = join(dir, `${name}.trace`);
  writeFileSync(traceFile, '');
  const child = spawn(process.execPath, ['bin/liverank.mjs', 'train', '-c', cfg, '--out', out, ...(o.quiet ? ['-q'] : [])], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIVERANK_FAULT: '', LIVERANK_FAULT_HOLD: '', LIVERANK_FAULT_TRACE: traceFile },
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr, out, cfg, trace: readFileSync(traceFile, 'utf8').split('\n').filter(Boolean) })));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lr-refusals-'));
  // All children at once: most of their time is starting node + tsx.
  runs.set('header-only', cli('header-only', { train: fixture('header-only.csv') }));
  runs.set('empty-test', cli('empty-test', { train: fixture('labels.csv'), split: [0.9, 0.1, 0] }));
  runs.set('no-positive', cli('no-positive', { train: fixture('no-positive.csv') }));
  runs.set('metric', cli('metric', { train: fixture('labels.csv') }, { metric: 'click.acu' }));
  runs.set('bad-labels', cli('bad-labels', { train: fixture('bad-labels.csv') }, { quiet: true }));
});

/** Non-zero exit, the message on stderr, no training step reached, nothing a finished run writes. */
function refused(r: Run, ...mentions: (string | RegExp)[]): void {
  assert.notEqual(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`);
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(r.stderr.includes(m), `stderr mentions ${JSON.stringify(m)}: ${r.stderr}`);
    else assert.match(r.stderr, m);
  }
  const reached = new Set(r.trace);
  for (const p of ['train.logged', 'train.val-logged', 'checkpoint.file-written', 'manifest.committed', 'train.exported']) assert.ok(!reached.has(p), `refused before the first step, yet reached ${p}`);
  assert.equal(r.stdout, '', 'no metric table printed');
  const has = (f: string) => existsSync(join(r.out, f));
  assert.ok(!has('checkpoints') || readdirSync(join(r.out, 'checkpoints')).length === 0, 'no checkpoint');
  for (const f of ['model.onnx', 'model.onnx.sha256', 'metrics.json', 'LOCK']) assert.ok(!has(f), `no ${f} in the run directory`);
  assert.ok(!has('train_log.jsonl') || readFileSync(join(r.out, 'train_log.jsonl'), 'utf8') === '', 'no training log line');
}

test('header-only CSV: refused naming the file', async () => {
  const r = await runs.get('header-only')!;
  refused(r, `${fixture('header-only.csv')}: no data rows (header only or empty file)`);
  assert.ok(r.trace.includes('lock.taken'), 'the data is checked with the run lock held (a data error, not a config error)');
});

test('an empty test split (data.split [0.9, 0.1, 0]): refused naming the split, the file and the key', async () => {
  const r = await runs.get('empty-test')!;
  refused(r, `the test split is empty (${fixture('labels.csv')}, data.split[2] = 0)`);
});

test('a binary task with no positive in a split: refused naming the task, the split, the file and the column', async () => {
  const r = await runs.get('no-positive')!;
  refused(r, /task "click": the train split \(/, `(${fixture('no-positive.csv')}, data.split[0] = 0.6) has 0 positive and `, 'in column "click"');
});

test('a misspelled early-stopping metric (click.acu): refused naming the key and listing the valid names, before the lock is taken', async () => {
  const r = await runs.get('metric')!;
  refused(r, 'train.early_stopping.metric: "click.acu"', r.cfg, /valid: .*click\.auc/);
  assert.ok(!r.trace.includes('lock.taken'), 'a config error is found before the run directory is touched');
  assert.ok(!existsSync(r.out), 'no run directory created');
});

test('bad labels: counted per reason in data_report.json with their line in the file; -q prints one summary line', async () => {
  const r = await runs.get('bad-labels')!;
  assert.equal(r.code, 0, r.stderr);
  const path = fixture('bad-labels.csv');
  const lines = readFileSync(path, 'utf8').split('\n');
  const lineOf = (suffix: string) => lines.findIndex((l) => l.endsWith(suffix)) + 1;
  const two = lineOf(',2'), yes = lineOf(',yes');
  const dataRows = lines.slice(1, two - 1).filter((l) => l !== '').length; // rows before the bad one
  assert.notEqual(two, dataRows + 2, 'the fixture makes the line in the file differ from "data row + 1 for the header"');

  const rep = JSON.parse(readFileSync(join(r.out, 'data_report.json'), 'utf8')) as DataReport;
  const f = rep.files[path];
  assert.ok(f, `data_report.json has an entry for ${path}: ${Object.keys(rep.files).join(', ')}`);
  assert.equal(f.rows_seen, 300);
  assert.equal(f.rows_skipped, 2);
  assert.equal(f.rows_ok, 298);
  assert.equal(Object.values(f.skipped_by_reason).reduce((a, b) => a + b, 0), 2);
  assert.equal(Object.keys(f.skipped_by_reason).length, 2, `one count per reason: ${JSON.stringify(f.skipped_by_reason)}`);
  assert.deepEqual(f.first_skipped.map((e) => [e.file, e.line]).sort((a, b) => (a[1] as number) - (b[1] as number)), [[path, two], [path, yes]]);
  const byLine = new Map(f.first_skipped.map((e) => [e.line, e]));
  assert.match(byLine.get(two)!.reason, /label column "click" is 2; binary labels must be 0 or 1/);
  assert.equal(byLine.get(yes)!.field, 'click');
  assert.equal(rep.splits.train + rep.splits.val + rep.splits.test, 298, 'the split sizes add up to the rows kept');

  const summary = r.stderr.split('\n').filter(Boolean);
  assert.equal(summary.length, 1, `-q: exactly one line on stderr: ${r.stderr}`);
  assert.match(summary[0]!, /^liverank: skipped 2 of 300 rows \(.*bad-labels\.csv: 2 — .*\); see .*data_report\.json$/);
  assert.ok(existsSync(join(r.out, 'model.onnx')), 'the run trained on the good rows');
});

test('bad labels without -q: the log names file:line of each bad row', async () => {
  const path = fixture('bad-labels.csv');
  const cfgPath = join(dir, 'verbose.yaml');
  writeFileSync(cfgPath, config('verbose', { train: path }));
  const log: string[] = [];
  const res = await train(loadTrainConfig(cfgPath), { out: join(dir, 'verbose'), log: (l) => log.push(l), verbose: false });
  const lines = readFileSync(path, 'utf8').split('\n');
  const two = lines.findIndex((l) => l.endsWith(',2')) + 1, yes = lines.findIndex((l) => l.endsWith(',yes')) + 1;
  const named = log.find((l) => l.startsWith(`${path}: skipped 2 bad row(s) of 300`));
  assert.ok(named, log.join('\n'));
  assert.ok(named.includes(`${path}:${two}: click task "click": label column "click" is 2`), named);
  assert.ok(named.includes(`${path}:${yes}: click`), named);
  assert.equal(res.dataReport.files[path]!.rows_skipped, 2);
});

test('empty validation split, and a header-only validation file: refused naming them', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-refusals-val-'));
  const attempt = async (name: string, d: Data, msg: string) => {
    const p = join(dir, `${name}.yaml`);
    writeFileSync(p, config(name, d));
    await assert.rejects(train(loadTrainConfig(p), { out: join(out, name), verbose: false }), (e: Error) => e.message.includes(msg), name);
    assert.ok(!existsSync(join(out, name, 'checkpoints')) && !existsSync(join(out, name, 'model.onnx')));
  };
  await attempt('empty-val', { train: fixture('labels.csv'), split: [0.9, 0, 0.1] }, `the val split is empty (${fixture('labels.csv')}, data.split[1] = 0)`);
  await attempt('header-only-val', { train: fixture('labels.csv'), val: fixture('header-only.csv') }, `${fixture('header-only.csv')}: no data rows (header only or empty file); nothing to evaluate`);
});
