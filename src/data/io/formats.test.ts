// Format options: delimiters, TSV, headerless files with explicit columns, the census "comma +
// space" layout, gzip input, CRLF/BOM, quoted multi-line records and their line numbers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Schema } from '../schema.js';
import { readAll } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'liverank-io-fmt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const put = (name: string, data: string | Uint8Array) => { const p = join(dir, name); writeFileSync(p, data); return p; };

const S: Schema = [{ name: 'a', type: 'int' }, { name: 'b', type: 'string', nullable: true }];

test('TSV by extension, custom delimiter, CRLF and BOM', async () => {
  const tsv = put('x.tsv', '\ufeffa\tb\r\n1\thello, world\r\n2\t\r\n');
  const r1 = await readAll(tsv, { schema: S });
  assert.deepEqual([...(r1.table.columns.a as Float64Array)], [1, 2]);
  assert.deepEqual(r1.table.columns.b, ['hello, world', null]);
  const semi = put('x.csv', 'b;a\n"x;y";3\n');
  const r2 = await readAll(semi, { schema: S, csv: { delimiter: ';' } });
  assert.deepEqual(r2.table.columns.b, ['x;y']);
  assert.deepEqual([...(r2.table.columns.a as Float64Array)], [3]);
});

test('headerless with explicit columns; header skipped when columns are given with header: true', async () => {
  const p = put('nohdr.csv', '5,x,ignored\n6,y,ignored\n');
  const cols = ['a', 'b', 'c'];
  const warnings: string[] = [];
  const r = await readAll(p, { schema: S, csv: { columns: cols }, onWarning: (w) => warnings.push(w) });
  assert.deepEqual([...(r.table.columns.a as Float64Array)], [5, 6]);
  assert.deepEqual(r.stats.unknownColumns, ['c']);
  assert.equal(warnings.length, 1);
  const q = put('hdr.csv', 'A,B,C\n7,z,0\n');
  const r2 = await readAll(q, { schema: S, csv: { columns: cols, header: true } });
  assert.deepEqual([...(r2.table.columns.a as Float64Array)], [7]);
  // header: false and no columns → the schema order is the file order
  const r3 = await readAll(put('plain.csv', '8,w\n'), { schema: S, csv: { header: false } });
  assert.deepEqual(r3.table.columns.b, ['w']);
});

test('census layout: comma + space, no header, gzip, trimmed fields, unknown extension with format', async () => {
  const text = '73, Not in universe, 0, - 50000.\n58, Self-employed-not incorporated, 1200, 50000+.\n';
  const p = put('census-like.test.gz', gzipSync(text));
  const schema: Schema = [{ name: 'age', type: 'float' }, { name: 'cls', type: 'string' },
    { name: 'wage', type: 'float' }, { name: 'inc', type: 'string' }];
  const r = await readAll(p, { schema, format: 'csv', csv: { header: false, columns: ['age', 'cls', 'wage', 'inc'], trim: true } });
  assert.deepEqual([...(r.table.columns.age as Float64Array)], [73, 58]);
  assert.deepEqual(r.table.columns.cls, ['Not in universe', 'Self-employed-not incorporated']);
  assert.deepEqual(r.table.columns.inc, ['- 50000.', '50000+.']);
  await assert.rejects(readAll(p, { schema }), /cannot tell the format/);
});

test('gzip CSV and JSONL by extension; corrupt gzip names the file', async () => {
  const c = put('g.csv.gz', gzipSync('a,b\n1,x\n'));
  assert.deepEqual((await readAll(c, { schema: S })).table.columns.b, ['x']);
  const j = put('g.ndjson.gz', gzipSync('{"a":1,"b":null}\r\n{"a":2,"b":"y"}\n'));
  assert.deepEqual((await readAll(j, { schema: S })).table.columns.b, [null, 'y']);
  const bad = put('bad.csv.gz', Buffer.concat([gzipSync('a,b\n1,x\n'.repeat(50)).subarray(0, 30)]));
  await assert.rejects(readAll(bad, { schema: S }), (e: Error) => e.message.startsWith(`${bad}: read failed`));
});

test('quoted multi-line records: line numbers of the record start; unterminated quote is a bad row', async () => {
  const p = put('ml.csv', 'a,b\n1,"one\ntwo\nthree"\nx,oops\n3,"never closed\n4,z\n');
  const r = await readAll(p, { schema: S, maxErrorRate: 1 });
  assert.deepEqual([...(r.table.columns.a as Float64Array)], [1]);
  assert.deepEqual(r.table.columns.b, ['one\ntwo\nthree']);
  assert.equal(r.stats.rowsSeen, 3);
  assert.deepEqual(r.stats.firstErrors.map((e) => [e.line, e.field]), [[5, 'a'], [6, undefined]]);
  assert.match(r.stats.firstErrors[1]!.reason, /never closed/);
});

test('blank lines are skipped, except that a 1-column file uses them for missing values', async () => {
  const p = put('blank.csv', 'a,b\n\n1,x\n\n2,y\n');
  assert.equal((await readAll(p, { schema: S })).table.numRows, 2);
  const one = put('one.csv', 'b\nx\n\ny\n');
  const r = await readAll(one, { schema: [{ name: 'b', type: 'string', nullable: true }] });
  assert.deepEqual(r.table.columns.b, ['x', null, 'y']);
});

test('an empty CSV file (no header) is an error; an empty JSONL file is an empty table', async () => {
  await assert.rejects(readAll(put('empty.csv', ''), { schema: S }), /empty file/);
  const r = await readAll(put('empty.jsonl', '\n\n'), { schema: S });
  assert.equal(r.table.numRows, 0);
  assert.deepEqual(Object.keys(r.table.columns), ['a', 'b']);
  assert.equal(r.stats.rowsSeen, 0);
});

test('duplicate header columns are rejected', async () => {
  await assert.rejects(readAll(put('dup.csv', 'a,a,b\n1,2,x\n'), { schema: S }), /dup\.csv:1: duplicate column "a"/);
});
