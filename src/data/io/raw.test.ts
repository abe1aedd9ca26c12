// Files as they come (issue 16): every read option on the raw/ fixtures — no header + tab, ", " +
// trim, comment lines (skipped and counted), null_values, CRLF + BOM, gzip without .gz, a glob over
// three files, a Parquet directory, and the format error for an unknown extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll } from './read.js';
import { toReaderOptions, parseFileReadOptions } from './options.js';
import { expandPaths } from './paths.js';
import { RAW_DIR, ADULT_COLUMNS } from './fixtures/make-raw-fixtures.js';
import type { Schema } from '../schema.js';

const raw = (f: string) => join(RAW_DIR, f);
const opts = (o: unknown) => toReaderOptions(parseFileReadOptions(o, 'data'));
const SMALL: Schema = [{ name: 'city', type: 'string' }, { name: 'device', type: 'string' }, { name: 'minutes', type: 'float' }, { name: 'clicked', type: 'int' }];

test('Criteo-style: tab-separated, no header, named columns; empty fields missing', async () => {
  const columns = ['label', 'i1', 'i2', 'i3', 'i4', 'c1', 'c2', 'c3', 'c4'];
  const schema: Schema = [{ name: 'label', type: 'int' }, { name: 'i2', type: 'float', nullable: true }, { name: 'c4', type: 'string', nullable: true }];
  const { table, stats } = await readAll(raw('criteo-sample.txt'), { schema, ...opts({ format: 'tsv', header: false, columns }) });
  assert.equal(stats.rowsOk, 60);
  assert.equal(stats.rowsBad, 0);
  const i2 = table.columns.i2 as Float64Array;
  assert.ok(Array.from(i2).some(Number.isNaN), 'some i2 are missing');
  assert.ok((table.columns.c4 as (string | null)[]).includes(null));
  assert.deepEqual(new Set(table.columns.label as Float64Array), new Set([0, 1]));
});

test('without format, an unknown extension is an error naming the file and the option', async () => {
  await assert.rejects(readAll(raw('criteo-sample.txt'), { schema: [{ name: 'a', type: 'string' }] }),
    /criteo-sample\.txt: cannot tell the format from the extension .*set the format \(config data\.format, flag --format/);
});

test('Adult-style ", " separators with trim, "?" as missing, and a comment line counted', async () => {
  const schema: Schema = [{ name: 'age', type: 'int' }, { name: 'workclass', type: 'string', nullable: true }, { name: 'income', type: 'string' }];
  const o = opts({ format: 'csv', header: false, columns: ADULT_COLUMNS, trim: true, comment: '|', null_values: ['?'] });
  const test1 = await readAll(raw('adult.test'), { schema, ...o });
  assert.equal(test1.stats.commentLines, 1);
  assert.equal(test1.stats.rowsOk, 30);
  assert.equal(test1.stats.rowsBad, 0);
  assert.equal((test1.table.columns.income as string[])[0], '>50K.');
  const train = await readAll(raw('adult.data'), { schema, ...o });
  assert.ok((train.table.columns.workclass as (string | null)[]).includes(null), '"?" read as missing');
  assert.ok(!(train.table.columns.workclass as (string | null)[]).includes('?'));
  // Without the comment option the comment line is a counted bad row at line 1.
  const noComment = await readAll(raw('adult.test'), { schema, ...opts({ format: 'csv', header: false, columns: ADULT_COLUMNS, trim: true }), maxErrorRate: 0.5 });
  assert.equal(noComment.stats.rowsBad, 1);
  assert.deepEqual(noComment.stats.firstErrors[0], { file: raw('adult.test'), line: 1, reason: 'expected 9 fields, got 1' });
});

test('comment lines anywhere are skipped; lines keep their numbers in errors', async () => {
  const { stats, table } = await readAll(raw('commented.csv'), { schema: SMALL, ...opts({ comment: '#' }), lineColumn: '__line' });
  assert.equal(stats.commentLines, 3);
  assert.equal(stats.rowsOk, 60);
  const lines = table.columns.__line as Float64Array;
  assert.equal(lines[0], 4, 'two comments and the header come first');
  assert.ok(!Array.from(lines).includes(21), 'line 21 is the comment in the middle');
});

test('CRLF line ends and a BOM: the header is "city", the last field has no \\r', async () => {
  const { table, stats } = await readAll(raw('crlf-bom.csv'), { schema: SMALL });
  assert.equal(stats.rowsOk, 60);
  assert.ok((table.columns.clicked as Float64Array).every((v) => v === 0 || v === 1));
});

test('gzip is detected by content, whatever the name', async () => {
  const { stats } = await readAll(raw('gzipped.csv'), { schema: SMALL });
  assert.equal(stats.rowsOk, 60);
  assert.equal(stats.rowsBad, 0);
});

test('a glob over three files: sorted, each file once; a list keeps its order; no match is an error naming the pattern', () => {
  const files = expandPaths('daily/*.csv', RAW_DIR, 'data.train');
  assert.deepEqual(files, ['2026-01-01.csv', '2026-01-02.csv', '2026-01-03.csv'].map((f) => join(RAW_DIR, 'daily', f)));
  assert.deepEqual(expandPaths(['daily/2026-01-03.csv', 'daily/2026-01-0[12].csv', 'daily/2026-01-03.csv'], RAW_DIR, 'x'),
    ['2026-01-03.csv', '2026-01-01.csv', '2026-01-02.csv'].map((f) => join(RAW_DIR, 'daily', f)));
  assert.deepEqual(expandPaths('**/2026-01-02.csv', RAW_DIR, 'x'), [join(RAW_DIR, 'daily', '2026-01-02.csv')]);
  assert.throws(() => expandPaths('daily/*.tsv', RAW_DIR, 'data.val'), /data\.val: the pattern "daily\/\*\.tsv" .* matches no file/);
  assert.throws(() => expandPaths('nope.csv', RAW_DIR, 'data.test'), /data\.test: .*nope\.csv does not exist/);
});

test('a Parquet directory: its part files in order, _SUCCESS left out', async () => {
  const files = expandPaths('parquet-dir', RAW_DIR, 'data.train');
  assert.deepEqual(files, ['part-00000.parquet', 'part-00001.parquet'].map((f) => join(RAW_DIR, 'parquet-dir', f)));
  let rows = 0;
  for (const f of files) rows += (await readAll(f, { schema: [{ name: 'category', type: 'string' }, { name: 'bought', type: 'int' }] })).stats.rowsOk;
  assert.equal(rows, 64);
  const empty = mkdtempSync(join(tmpdir(), 'lr-empty-'));
  writeFileSync(join(empty, '_SUCCESS'), '');
  assert.throws(() => expandPaths(empty, '/', 'data.train'), /data\.train: the directory .* holds no data file/);
});

test('null_values: "NA" and "\\N" become missing in numeric and text columns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-nulls-'));
  writeFileSync(join(dir, 'a.csv'), 'x,s\n1,NA\n\\N,b\nNA,\\N\n');
  const schema: Schema = [{ name: 'x', type: 'float', nullable: true }, { name: 's', type: 'string', nullable: true }];
  const { table, stats } = await readAll(join(dir, 'a.csv'), { schema, ...opts({ null_values: ['NA', '\\N'] }) });
  assert.equal(stats.rowsBad, 0);
  assert.deepEqual(Array.from(table.columns.x as Float64Array).map((v) => (Number.isNaN(v) ? null : v)), [1, null, null]);
  assert.deepEqual(table.columns.s, [null, 'b', null]);
  // Without the option "NA" in a float column is a bad row.
  const strict = await readAll(join(dir, 'a.csv'), { schema, maxErrorRate: 1 });
  assert.equal(strict.stats.rowsBad, 2);
});

test('a Parquet file read as text is named, with the option to change', async () => {
  await assert.rejects(readAll(join(RAW_DIR, 'parquet-dir', 'part-00000.parquet'), { schema: SMALL, format: 'csv' }), /part-00000\.parquet: this is a Parquet file, read as csv; set the format to parquet/);
});
