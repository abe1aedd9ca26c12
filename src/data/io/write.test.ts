// Writers: write → read round trips for every format (null strings, NaN, ±Infinity, ids up to
// 2^40 and beyond, unicode, quoting), the streaming writer, and atomic replacement.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSchema, type Schema } from '../schema.js';
import { sliceTable, type Table } from '../table.js';
import { openTableWriter, readAll, writeTable } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'liverank-io-write-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SCHEMA: Schema = parseSchema([
  { name: 'id', type: 'int' },
  { name: 'small', type: 'int', storage: 'int32' },
  { name: 'score', type: 'float', nullable: true },
  { name: 'ratio', type: 'float', allowNonFinite: true },
  { name: 'raw', type: 'float', allowNonFinite: true, nullable: false },
  { name: 'flag', type: 'bool' },
  { name: 'maybe', type: 'bool', nullable: true },
  { name: 'name', type: 'string', nullable: true },
]);

function sample(): Table {
  const names = ['plain', null, '', 'comma, inside', 'quote " inside', 'line\nbreak', '  padded ', '東京 😀 ünï', 'tab\there', '"', 'null'];
  const n = names.length;
  const ids = [0, 1, -5, 2 ** 40, 2 ** 40 + 1, 2 ** 53 - 1, 123456789012, 7, 8, 9, 10];
  const f = (xs: number[]) => Float64Array.from(xs);
  return {
    numRows: n,
    columns: {
      id: f(ids),
      small: Int32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (2 ** 31 - 1 - i)),
      score: f([0.1 + 0.2, NaN, 1e-300, -2.5e300, NaN, 3, 4, 5, 6, 7, 1 / 3]),
      ratio: f([Infinity, -Infinity, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      raw: f([NaN, 1, NaN, Infinity, 0, 0, 0, 0, 0, 0, 0]),
      flag: Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0),
      maybe: f([1, 0, NaN, 1, 0, NaN, 1, 0, 1, 0, 1]),
      name: names,
    },
  };
}

function assertSameTable(got: Table, want: Table, what: string): void {
  assert.equal(got.numRows, want.numRows, what);
  assert.deepEqual(Object.keys(got.columns).sort(), Object.keys(want.columns).sort(), what);
  for (const [k, w] of Object.entries(want.columns)) {
    const g = got.columns[k]!;
    assert.equal(g.constructor, w.constructor, `${what}: column ${k} kind`);
    assert.deepEqual([...g], [...w], `${what}: column ${k}`);
  }
}

for (const file of ['t.csv', 't.tsv', 't.csv.gz', 't.jsonl', 't.ndjson.gz', 't.parquet']) {
  test(`round trip ${file} with schema`, async () => {
    const p = join(dir, file);
    const t = sample();
    await writeTable(p, t, { schema: SCHEMA });
    const { table, stats } = await readAll(p, { schema: SCHEMA, maxErrorRate: 0 });
    assert.equal(stats.rowsBad, 0);
    assertSameTable(table, t, file);
  });
}

test('round trip without a writer schema (types from the arrays)', async () => {
  const t = sample();
  const { raw: _raw, ...cols } = t.columns; // NaN as a value needs the schema to survive
  const t2: Table = { numRows: t.numRows, columns: cols };
  const schema = SCHEMA.filter((f) => f.name !== 'raw');
  for (const file of ['n.csv', 'n.jsonl', 'n.parquet']) {
    const p = join(dir, file);
    await writeTable(p, t2);
    const { table } = await readAll(p, { schema, maxErrorRate: 0 });
    assertSameTable(table, t2, file);
  }
});

test('CSV text uses unquoted empty for missing and "" for the empty string', async () => {
  const p = join(dir, 'look.csv');
  await writeTable(p, { numRows: 3, columns: { s: ['a', null, ''], x: Float64Array.from([1, NaN, Infinity]) } });
  assert.equal(readFileSync(p, 'utf8'), 's,x\na,1\n,\n"",Infinity\n');
  const j = join(dir, 'look.jsonl');
  await writeTable(j, { numRows: 2, columns: { s: ['a', null], x: Float64Array.from([NaN, -Infinity]) } });
  assert.equal(readFileSync(j, 'utf8'), '{"s":"a","x":null}\n{"s":null,"x":"-Infinity"}\n');
});

test('streaming writer: batches append, file appears only on close, no temp files remain', async () => {
  const t = sample();
  for (const file of ['s.csv', 's.jsonl', 's.parquet']) {
    const p = join(dir, 'stream', file);
    const w = await openTableWriter(p, { schema: SCHEMA, rowGroupSize: 4 });
    for (let i = 0; i < t.numRows; i += 3) await w.write(sliceTable(t, i, i + 3));
    assert.ok(!readdirSync(join(dir, 'stream')).includes(file), `${file} must not exist before close`);
    await w.close();
    const { table } = await readAll(p, { schema: SCHEMA, maxErrorRate: 0, batchSize: 5 });
    assertSameTable(table, t, `stream ${file}`);
  }
  assert.deepEqual(readdirSync(join(dir, 'stream')).filter((f) => f.endsWith('.tmp')), []);
});

test('atomic: abort or a failed write leaves the previous file untouched', async () => {
  for (const file of ['a.csv', 'a.jsonl', 'a.parquet']) {
    const p = join(dir, 'atomic', file);
    const old = { numRows: 1, columns: { x: Float64Array.from([42]) } };
    await writeTable(p, old);
    const before = readFileSync(p);
    const w = await openTableWriter(p);
    await w.write({ numRows: 1, columns: { x: Float64Array.from([1]) } });
    await w.abort();
    assert.deepEqual(readFileSync(p), before);
    const w2 = await openTableWriter(p);
    await w2.write({ numRows: 1, columns: { x: Float64Array.from([1]) } });
    await assert.rejects(w2.write({ numRows: 1, columns: { y: Float64Array.from([1]) } }), /differ from the first batch/);
    assert.deepEqual(readFileSync(p), before);
    assert.deepEqual(readdirSync(join(dir, 'atomic')).filter((f) => f.endsWith('.tmp')), []);
  }
});

test('writer rejects an unknown extension unless a format is given', async () => {
  const p = join(dir, 'out.data');
  await assert.rejects(writeTable(p, { numRows: 0, columns: {} }), /cannot tell the output format/);
  await writeTable(p, { numRows: 1, columns: { x: ['v'] } }, { format: 'jsonl' });
  assert.equal(readFileSync(p, 'utf8'), '{"x":"v"}\n');
  writeFileSync(join(dir, 'keep.txt'), 'x');
});

test('Parquet writer refuses non-integer values in an int field instead of truncating', async () => {
  const p = join(dir, 'frac.parquet');
  await assert.rejects(writeTable(p, { numRows: 2, columns: { id: Float64Array.from([1, 1.5]) } }, { schema: [{ name: 'id', type: 'int' }] }),
    /non-integer or unsafe value 1\.5 at row 1/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.frac')), []);
});
