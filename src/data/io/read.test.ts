// Reader tests on the committed fixtures: the same good data in all three formats, bad-row reports
// with file + line + field + reason, counts that add up, and maxErrorRate aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Table } from '../table.js';
import { FIXTURE_DIR, FIXTURE_SCHEMA } from './fixtures/schema.js';
import { DataReadError, readAll, readTable, type BadRow, type ReadStats } from './index.js';

const fx = (name: string) => join(FIXTURE_DIR, name);

function assertGood(t: Table): void {
  assert.equal(t.numRows, 7);
  assert.ok(t.columns.id instanceof Float64Array);
  assert.deepEqual([...(t.columns.id as Float64Array)], [1, 2, 3, 4, 5, 6, 2 ** 40]);
  assert.deepEqual([...(t.columns.score as Float64Array)], [0.5, -300, 4, 0.25, 0.001, 2, 0]);
  assert.ok(t.columns.clicked instanceof Uint8Array);
  assert.deepEqual([...(t.columns.clicked as Uint8Array)], [1, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual(t.columns.city, ['Berlin', 'Zürich, CH', null, '', 'He said "hi"', 'multi\nline', '東京']);
  assert.deepEqual([...(t.columns.weight as Float64Array)], [1.25, NaN, 2, 0.5, 7, 1, 3.5]);
}

function assertCounts(s: ReadStats, seen: number, ok: number): void {
  assert.equal(s.rowsSeen, seen);
  assert.equal(s.rowsOk, ok);
  assert.equal(s.rowsBad, seen - ok);
  assert.equal(s.rowsOk + s.rowsBad, s.rowsSeen);
}

const pick = (errs: BadRow[]) => errs.map((e) => [e.line, e.field ?? '', e.reason]);

for (const f of ['good.csv', 'good.jsonl', 'good.parquet']) {
  test(`reads ${f} into typed columns`, async () => {
    const { table, stats } = await readAll(fx(f), { schema: FIXTURE_SCHEMA });
    assertGood(table);
    assertCounts(stats, 7, 7);
    assert.deepEqual(stats.firstErrors, []);
  });
}

test('bad.csv: every bad row is counted and reported with line, field and reason', async () => {
  const { table, stats } = await readAll(fx('bad.csv'), { schema: FIXTURE_SCHEMA, maxErrorRate: 1 });
  assertCounts(stats, 13, 3);
  assert.deepEqual([...(table.columns.id as Float64Array)], [1, 9, 13]);
  assert.ok(stats.firstErrors.every((e) => e.file === fx('bad.csv')));
  const errs = pick(stats.firstErrors);
  assert.deepEqual(errs.slice(0, 8), [
    [3, 'id', 'cannot parse "x" as int'],
    [4, 'score', 'non-finite value NaN not allowed'],
    [5, 'score', 'non-finite value -Infinity not allowed'],
    [6, 'clicked', 'cannot parse "maybe" as bool (expected true/false/1/0)'],
    [7, '', 'expected 5 fields, got 4'],
    [8, 'score', 'missing value (field is not nullable)'],
    [9, '', 'expected 5 fields, got 6'],
    [11, 'id', 'expected int, got "10.5"'],
  ]);
  assert.equal(errs[8]![0], 12);
  assert.match(errs[8]![2] as string, /^malformed CSV: Invalid Opening Quote/);
  assert.deepEqual(errs[9], [13, 'weight', 'non-finite value Infinity not allowed']);
});

test('bad.jsonl: malformed lines, missing keys, wrong types; unknown keys reported once', async () => {
  const warnings: string[] = [];
  const { table, stats } = await readAll(fx('bad.jsonl'), { schema: FIXTURE_SCHEMA, maxErrorRate: 1, onWarning: (m) => warnings.push(m) });
  assertCounts(stats, 14, 3);
  assert.deepEqual([...(table.columns.id as Float64Array)], [1, 11, 15]);
  assert.deepEqual(table.columns.city, ['Berlin', '12', 'J']);
  const errs = pick(stats.firstErrors);
  assert.equal(errs[0]![0], 2);
  assert.match(errs[0]![2] as string, /^malformed JSON/);
  assert.deepEqual(errs.slice(1), [
    [3, '', 'expected a JSON object, got array'],
    [4, 'score', 'missing required field'],
    [5, 'id', 'cannot parse "abc" as int'],
    [6, 'score', 'non-finite value NaN not allowed'],
    [7, 'clicked', 'cannot parse "maybe" as bool (expected true/false/1/0)'],
    [8, 'city', 'expected string, got object'],
    [9, 'score', 'missing value (field is not nullable)'],
    [12, 'id', 'expected int, got 12.5'],
    [13, 'score', 'expected float, got boolean'],
    [14, 'score', 'non-finite value Infinity not allowed'],
  ]);
  assert.deepEqual(stats.unknownColumns, ['extra']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /bad\.jsonl:11: column "extra" is not in the schema/);
});

test('bad.parquet: row index, field and reason for each bad row', async () => {
  const { table, stats } = await readAll(fx('bad.parquet'), { schema: FIXTURE_SCHEMA, maxErrorRate: 1 });
  assertCounts(stats, 9, 3);
  assert.deepEqual([...(table.columns.id as Float64Array)], [1, 7, 9]);
  assert.deepEqual(table.columns.city, ['A', null, 'H']);
  assert.deepEqual(pick(stats.firstErrors), [
    [1, 'id', 'expected int, got 1.5'],
    [2, 'score', 'non-finite value NaN not allowed'],
    [3, 'score', 'non-finite value Infinity not allowed'],
    [4, 'score', 'missing value (field is not nullable)'],
    [5, 'clicked', 'missing value (field is not nullable)'],
    [7, 'id', 'int 1152921504606847000 exceeds ±2^53 (not exactly representable)'],
  ]);
  assert.deepEqual(stats.unknownColumns, ['extra']);
});

for (const f of ['bad.csv', 'bad.jsonl', 'bad.parquet']) {
  test(`${f}: maxErrorRate aborts with the file, rate, limit and first bad rows`, async () => {
    await assert.rejects(readAll(fx(f), { schema: FIXTURE_SCHEMA, maxErrorRate: 0.2 }), (e: Error) => {
      assert.ok(e instanceof DataReadError);
      assert.ok(e.message.startsWith(`${fx(f)}: `), e.message);
      assert.match(e.message, /error rate \d+\.\d\d % exceeds maxErrorRate 20\.00 %/);
      assert.ok(e.message.includes(`${fx(f)}:`), e.message);
      assert.match(e.message, /:\d+: (id|score|clicked|city|weight)?:? ?\S/);
      assert.ok(e.stats && e.stats.rowsBad > 0);
      return true;
    });
  });
}

test('maxReportedErrors keeps only the first N reports but still counts all', async () => {
  const { stats } = await readAll(fx('bad.csv'), { schema: FIXTURE_SCHEMA, maxErrorRate: 1, maxReportedErrors: 2 });
  assert.equal(stats.rowsBad, 10);
  assert.deepEqual(stats.firstErrors.map((e) => e.line), [3, 4]);
});

test('the rate is checked during the read once minRowsForErrorRate rows were seen', async () => {
  const it = readTable(fx('bad.csv'), { schema: FIXTURE_SCHEMA, maxErrorRate: 0.3, minRowsForErrorRate: 3, batchSize: 1 });
  const got: number[] = [];
  await assert.rejects(async () => { for await (const b of it) got.push(b.numRows); }, /seen so far/);
  assert.deepEqual(got, [1]); // row 1 ok, then 2 bad rows of 3 seen → abort before the next good row
});

test('missing required column, unknown extension and missing file are clear errors', async () => {
  const schema = [...FIXTURE_SCHEMA, { name: 'country', type: 'string' as const }];
  for (const f of ['good.csv', 'good.parquet']) {
    await assert.rejects(readAll(fx(f), { schema }), (e: Error) =>
      e.message.includes(fx(f)) && /required column "country" not found/.test(e.message));
  }
  await assert.rejects(readAll(fx('good.jsonl'), { schema }), /missing required field/);
  await assert.rejects(readAll(fx('schema.ts'), { schema }), /cannot tell the format/);
  await assert.rejects(readAll(fx('nope.csv'), { schema }), (e: Error) => e.message.startsWith(`${fx('nope.csv')}: cannot open`));
  await assert.rejects(readAll(fx('good.csv'), { schema: [{ name: 'id', type: 'integer' }] as never }), /invalid schema/);
});

test('non-required columns absent from the file are filled with missing values', async () => {
  const schema = [...FIXTURE_SCHEMA, { name: 'country', type: 'string' as const, required: false },
    { name: 'flag', type: 'bool' as const, required: false }];
  for (const f of ['good.csv', 'good.jsonl', 'good.parquet']) {
    const { table } = await readAll(fx(f), { schema });
    assert.deepEqual(table.columns.country, new Array(7).fill(null));
    assert.ok(table.columns.flag instanceof Float64Array);
    assert.ok([...(table.columns.flag as Float64Array)].every(Number.isNaN));
  }
});

test('truncated or non-Parquet files fail with an error naming the file', async () => {
  for (const f of ['truncated.parquet', 'not-parquet.parquet']) {
    await assert.rejects(readAll(fx(f), { schema: FIXTURE_SCHEMA }), (e: Error) =>
      e instanceof DataReadError && e.message.startsWith(`${fx(f)}: not a valid Parquet file`));
  }
});

test('batches: sizes, progress callback, and the generator returns the stats', async () => {
  for (const f of ['good.csv', 'good.jsonl', 'good.parquet']) {
    const progress: number[] = [];
    const it = readTable(fx(f), { schema: FIXTURE_SCHEMA, batchSize: 3, onProgress: (n) => progress.push(n) });
    const sizes: number[] = [];
    let r = await it.next();
    while (!r.done) { sizes.push(r.value.numRows); r = await it.next(); }
    assert.deepEqual(sizes, [3, 3, 1], f);
    assert.equal(r.value.rowsOk, 7);
    assert.deepEqual(progress, [3, 6, 7, 7]);
  }
});
