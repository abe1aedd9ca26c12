// `source: files` end to end up to the splits (issue 16): read options and label rules from the
// config, per-file row counts, and every bad input refused with the file, the line and the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from './config.js';
import { loadSplits } from './dataset.js';
import { checkTaskColumns } from './data-checks.js';
import { RAW_DIR, ADULT_COLUMNS } from '../data/io/fixtures/make-raw-fixtures.js';

const ADULT_SCHEMA = [
  { name: 'age', type: 'float' }, { name: 'education', type: 'string' }, { name: 'workclass', type: 'string', nullable: true }, { name: 'income', type: 'string' },
];
const FEATURES = { version: 1, features: [{ name: 'education', kind: 'id', column: 'education', vocab: { min_count: 1 } }] };

function adultConfig(data: Record<string, unknown>, label: unknown = { column: 'income', positive: ['>50K'], negative: ['<=50K'], strip: '.' }) {
  return parseTrainConfig({
    data: {
      source: 'files', train: 'adult.data', test: 'adult.test', format: 'csv', header: false, columns: ADULT_COLUMNS, trim: true,
      comment: '|', null_values: ['?'], schema: ADULT_SCHEMA, split: [0.75, 0.25, 0], ...data,
    },
    features: FEATURES, tasks: [{ name: 'income', label }], model: { type: 'dnn' },
  }, RAW_DIR);
}

test('Adult: ">50K" in train and ">50K." in test give the same labels with strip "."; the comment line is counted', async () => {
  const s = await loadSplits(adultConfig({}));
  assert.deepEqual(s.report.splits, { train: 45, val: 15, test: 30 });
  const file = join(RAW_DIR, 'adult.test');
  assert.equal(s.report.files[file]!.comment_lines, 1);
  assert.equal(s.report.files[file]!.rows_ok, 30);
  const raw = readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean).map((l) => (l.endsWith('>50K.') ? 1 : 0));
  assert.deepEqual(Array.from(s.test.columns.__label_income as Float32Array), raw);
});

test('a label value no rule accepts is a bad row with file and line; above max_error_rate the run stops naming the option', async () => {
  const cfg = adultConfig({}, { column: 'income', positive: ['>50K'], negative: ['<=50K'] });
  await assert.rejects(loadSplits(cfg), (e: Error) => {
    assert.match(e.message, /adult\.test: 30 of 30 rows are bad \(100\.00 % > data\.max_error_rate 1\.00 %\)/);
    assert.match(e.message, /adult\.test:2: task "income": label value ">50K\." of column "income" matches no label rule .* or set label\.strip/);
    assert.match(e.message, /raise data\.max_error_rate/);
    return true;
  });
  // Tolerated bad rows are counted per file, with their lines, and dropped.
  const dir = mkdtempSync(join(tmpdir(), 'lr-mixed-'));
  const mixed = join(dir, 'mixed.test');
  const dotted = readFileSync(join(RAW_DIR, 'adult.test'), 'utf8').split('\n').slice(1, 4);
  writeFileSync(mixed, `${readFileSync(join(RAW_DIR, 'adult.data'), 'utf8')}${dotted.join('\n')}\n`);
  const loose = await loadSplits(adultConfig({ max_error_rate: 0.1, test: mixed }, { column: 'income', positive: ['>50K'], negative: ['<=50K'] }));
  const rep = loose.report.files[mixed]!;
  assert.equal(rep.rows_skipped, 3);
  assert.deepEqual(rep.first_skipped.map((b) => b.line), [61, 62, 63]);
  assert.equal(loose.report.splits.test, 60);
});

test('a file whose rows all fail to parse stops the run: file, line, reason and the read options to check', async () => {
  await assert.rejects(loadSplits(adultConfig({ delimiter: ';' })), /adult\.data: 60 bad rows of 60 read .*adult\.data:1: expected 9 fields, got 1.*check the delimiter \(";"; data\.delimiter \/ --delimiter\).*data\.max_error_rate/s);
});

test('no rows after parsing, one class in a split, an unknown extension: errors naming the file and the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-files-'));
  writeFileSync(join(dir, 'comments-only.csv'), '|1x3 Cross validator\n');
  await assert.rejects(loadSplits(adultConfig({ test: join(dir, 'comments-only.csv') })), /comments-only\.csv: no data rows \(header only or empty file; 1 comment lines\); nothing to evaluate — check data\.test/);
  const neg = readFileSync(join(RAW_DIR, 'adult.test'), 'utf8').split('\n').filter((l) => l.endsWith('<=50K.')).join('\n');
  writeFileSync(join(dir, 'negatives.test'), `${neg}\n`);
  await assert.rejects(loadSplits(adultConfig({ test: join(dir, 'negatives.test') })), /task "income": the test split \(.*negatives\.test\) has 0 positive and \d+ negative labels in column "__label_income"/);
  await assert.rejects(loadSplits(adultConfig({ format: undefined })), /adult\.data: cannot tell the format from the extension .*config data\.format/);
  await assert.rejects(loadSplits(adultConfig({ train: 'nope/*.data' })), /data\.train: the pattern "nope\/\*\.data" .* matches no file/);
});

test('label rule column must be in the schema; config errors name the key', async () => {
  await assert.rejects(loadSplits(adultConfig({}, { column: 'salary', positive: ['>50K'] })), /tasks "income"\.label\.column: column "salary" is not in data\.schema/);
  assert.throws(() => adultConfig({ header: false, columns: undefined }), /data\.columns: header: false needs columns/);
  assert.throws(() => adultConfig({}, { column: 'income', positive: ['>50K'], op: 'eq', value: 'x' }), /tasks\[0\]\.label/);
  assert.throws(() => adultConfig({ time_column: 'age' }), /data\.time_column: time_column orders rows for split_by: time/);
});

test('a glob over three daily files: read in sorted order, each file counted; split_by time keeps file order', async () => {
  const cfg = parseTrainConfig({
    data: {
      source: 'files', train: 'daily/*.csv', split_by: 'time', split: [0.5, 0.25, 0.25],
      schema: [{ name: 'device', type: 'string' }, { name: 'minutes', type: 'float' }, { name: 'clicked', type: 'int' }],
    },
    features: { version: 1, features: [{ name: 'device', kind: 'id', column: 'device', vocab: { min_count: 1 } }] },
    tasks: [{ name: 'clicked', label: 'clicked' }], model: { type: 'dnn' },
  }, RAW_DIR);
  const lines: string[] = [];
  const s = await loadSplits(cfg, (l) => lines.push(l));
  assert.deepEqual(Object.keys(s.report.files), [1, 2, 3].map((d) => join(RAW_DIR, 'daily', `2026-01-0${d}.csv`)));
  assert.ok(Object.values(s.report.files).every((f) => f.rows_ok === 24));
  assert.match(lines.join('\n'), /data\.train: 3 files, 2026-01-01\.csv 24, 2026-01-02\.csv 24, 2026-01-03\.csv 24 rows/);
  assert.deepEqual(s.report.splits, { train: 36, val: 18, test: 18 });
  assert.deepEqual(Array.from(s.test.columns.__line as Float64Array).slice(0, 3), [8, 9, 10], 'test = the last 18 rows: lines 8… of the third file');
});

test('split_by time with time_column orders rows by it (JSONL log, label from true/false by a map)', async () => {
  const cfg = parseTrainConfig({
    data: {
      source: 'files', train: 'events.jsonl', split_by: 'time', time_column: 'ts', split: [0.6, 0.2, 0.2],
      schema: [{ name: 'ts', type: 'float' }, { name: 'item', type: 'string' }, { name: 'clicked', type: 'string' }],
    },
    features: { version: 1, features: [{ name: 'item', kind: 'id', column: 'item', vocab: { min_count: 1 } }] },
    tasks: [{ name: 'clicked', label: { column: 'clicked', map: { true: 1, false: 0 } } }], model: { type: 'dnn' },
  }, RAW_DIR);
  const s = await loadSplits(cfg);
  const ts = (t: typeof s.train) => Array.from(t.columns.ts as Float64Array);
  assert.ok(Math.max(...ts(s.train)) < Math.min(...ts(s.val)) && Math.max(...ts(s.val)) < Math.min(...ts(s.test)));
  const y = s.train.columns.__label_clicked as Float32Array;
  assert.ok(y.every((v) => v === 0 || v === 1));
});

test('a label rule with a source that does not apply rules is an error naming the key', () => {
  const cfg = adultConfig({});
  const t = { numRows: 1, columns: { income: ['>50K'] } };
  assert.throws(() => checkTaskColumns(cfg.tasks, t), /tasks "income"\.label: a label rule \(on column "income"\) is applied by data\.source: files/);
});
