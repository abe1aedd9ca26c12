// `liverank init` on every raw fixture writes a config that `liverank train` accepts unchanged and
// that trains to a clearly better-than-chance test AUC; bad inputs exit non-zero naming the file,
// the line and the option. (The inits run as child processes; the trainings run one after another
// in this process — the same train() the `train` command calls.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { RAW_DIR, ADULT_COLUMNS } from '../../data/io/fixtures/make-raw-fixtures.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const raw = (f: string) => join(RAW_DIR, f);

interface Run { code: number | null; stdout: string; stderr: string }
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

// fixture → init arguments (besides --out) and the least test AUC its run must reach.
const CASES: Record<string, { args: string[]; minAuc: number; task: string }> = {
  criteo: { args: ['--data', raw('criteo-sample.txt'), '--label', 'clicked=col1'], minAuc: 0.8, task: 'clicked' },
  adult: { args: ['--data', raw('adult.data'), '--test', raw('adult.test'), '--columns', ADULT_COLUMNS.join(','), '--label', 'income'], minAuc: 0.75, task: 'income' },
  events: { args: ['--data', raw('events.jsonl'), '--label', 'clicked'], minAuc: 0.7, task: 'clicked' },
  parquet: { args: ['--data', raw('parquet-dir'), '--label', 'bought'], minAuc: 0.8, task: 'bought' },
  crlf: { args: ['--data', raw('crlf-bom.csv'), '--label', 'clicked'], minAuc: 0.75, task: 'clicked' },
  gzipped: { args: ['--data', raw('gzipped.csv'), '--label', 'clicked'], minAuc: 0.7, task: 'clicked' },
  glob: { args: ['--data', `${RAW_DIR}/daily/*.csv`, '--label', 'clicked'], minAuc: 0.75, task: 'clicked' },
  commented: { args: ['--data', raw('commented.csv'), '--label', 'clicked'], minAuc: 0.75, task: 'clicked' },
};

let dir: string;
const inits = new Map<string, Promise<Run>>();
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lr-init-'));
  for (const [name, c] of Object.entries(CASES)) inits.set(name, cli(['init', ...c.args, '--out', join(dir, name)]));
});

test('init decides per fixture: the table, the read options and the label rule', async () => {
  const adult = await inits.get('adult')!;
  assert.equal(adult.code, 0, adult.stderr);
  assert.match(adult.stdout, /comment "\|": the first line starts with it/);
  assert.match(adult.stdout, /income +text .* label +income: two values: positive ">50K" .* strip "\." because the sample spells/);
  assert.match(adult.stdout, /capital_gain +integer .* dense log1p\+q/);
  const cfg = readFileSync(join(dir, 'adult', 'config.yaml'), 'utf8');
  assert.match(cfg, /label: \{ column: income, positive: \[">50K"\], negative: \["<=50K"\], strip: "\." \}/);
  assert.match(cfg, /comment: "\|"/);
  assert.match(cfg, /null_values: \["\?"\]/);
  assert.equal((await inits.get('events')!).code, 0);
  const events = readFileSync(join(dir, 'events', 'config.yaml'), 'utf8');
  assert.match(events, /split_by: time/);
  assert.match(events, /time_column: ts/);
  assert.match(readFileSync(join(dir, 'events', 'features.yaml'), 'utf8'), /kind: time, column: ts, unit: hour_of_day/);
  const criteo = await inits.get('criteo')!;
  assert.match(criteo.stdout, /header: none/);
  assert.match(readFileSync(join(dir, 'criteo', 'config.yaml'), 'utf8'), /format: tsv/);
});

for (const [name, c] of Object.entries(CASES)) {
  test(`init → train unchanged: ${name} reaches test AUC ≥ ${c.minAuc}`, async (t) => {
    const r = await inits.get(name)!;
    assert.equal(r.code, 0, `init failed: ${r.stderr}`);
    const out = join(dir, `run-${name}`);
    const res = await train(loadTrainConfig(join(dir, name, 'config.yaml')), { out, verbose: false });
    assert.ok(existsSync(join(out, 'model.onnx')));
    const auc = (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { tasks: Record<string, { all: { auc: number } }> }).tasks[c.task]!.all.auc;
    t.diagnostic(`${name}: test AUC ${auc.toFixed(4)} on ${res.dataReport.splits.test} rows`);
    assert.ok(auc >= c.minAuc, `${name}: test AUC ${auc.toFixed(4)} < ${c.minAuc}`);
    assert.ok(res.dataReport.splits.test > 0);
  });
}

test('bad inputs exit non-zero naming the file, the line and the option', async () => {
  // A config whose test file spells the label differently and has no strip: every test row is bad.
  const cfgPath = join(dir, 'adult', 'config.yaml');
  const noStrip = join(dir, 'adult', 'no-strip.yaml');
  writeFileSync(noStrip, readFileSync(cfgPath, 'utf8').replace(', strip: "."', ''));
  const [tr, many, none] = await Promise.all([
    cli(['train', '-c', noStrip, '--out', join(dir, 'run-no-strip'), '-q']),
    cli(['init', '--data', raw('crlf-bom.csv'), '--label', 'city', '--out', join(dir, 'city')]),
    cli(['init', '--data', raw('adult.data'), '--label', 'income', '--delimiter', ';', '--out', join(dir, 'semi')]),
  ]);
  assert.equal(tr.code, 1);
  assert.match(tr.stderr, /adult\.test: 30 of 30 rows are bad .*adult\.test:2: task "income": label value ">50K\." .*set label\.strip.*raise data\.max_error_rate/s);
  assert.ok(!existsSync(join(dir, 'run-no-strip', 'model.onnx')));
  assert.equal(many.code, 1);
  assert.match(many.stderr, /--label "city": column "city" has 3 text values .* --label 'city=city==/);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /--label "income": no column "income"/);
  assert.ok(!existsSync(join(dir, 'city', 'config.yaml')));
});
