// Streaming: a generated 200k-row file read in batches (sizes and totals), and proof that readers
// yield batches before reaching the end of the file (a corrupt tail fails only after data arrived).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { Rng } from '../../util/rng.js';
import type { Schema } from '../schema.js';
import type { Table } from '../table.js';
import { openTableWriter, readTable, type ReadStats } from './index.js';

const N = 200_000;
const dir = mkdtempSync(join(tmpdir(), 'liverank-io-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SCHEMA: Schema = [
  { name: 'id', type: 'int' }, { name: 'x', type: 'float' }, { name: 'cat', type: 'string' }, { name: 'y', type: 'bool' },
];
let expectedSum = 0;
let expectedYes = 0;

function batch(start: number, n: number, rng: Rng): Table {
  const id = new Float64Array(n), x = new Float64Array(n), y = new Uint8Array(n);
  const cat: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    id[i] = start + i;
    x[i] = Math.round(rng.normal() * 1000) / 8; // exact in decimal and binary
    cat[i] = `c${rng.int(50)}`;
    y[i] = rng.bernoulli(0.3) ? 1 : 0;
    expectedSum += x[i]!;
    expectedYes += y[i]!;
  }
  return { numRows: n, columns: { id, x, cat, y } };
}

before(async () => {
  const rng = new Rng(7);
  const ws = await Promise.all(['big.csv', 'big.jsonl', 'big.parquet', 'big.csv.gz'].map((f) =>
    openTableWriter(join(dir, f), { schema: SCHEMA, rowGroupSize: 50_000, fsync: false })));
  for (let s = 0; s < N; s += 25_000) {
    const b = batch(s, 25_000, rng);
    for (const w of ws) await w.write(b);
  }
  for (const w of ws) await w.close();
});

async function drain(path: string, batchSize: number): Promise<{ sizes: number[]; stats: ReadStats; sum: number; yes: number; idsInOrder: boolean }> {
  const it = readTable(path, { schema: SCHEMA, batchSize, maxErrorRate: 0 });
  const sizes: number[] = [];
  let sum = 0, yes = 0, next = 0, idsInOrder = true;
  for (;;) {
    const r = await it.next();
    if (r.done) return { sizes, stats: r.value, sum, yes, idsInOrder };
    const t = r.value;
    sizes.push(t.numRows);
    const id = t.columns.id as Float64Array, x = t.columns.x as Float64Array, y = t.columns.y as Uint8Array;
    for (let i = 0; i < t.numRows; i++) {
      if (id[i] !== next++) idsInOrder = false;
      sum += x[i]!;
      yes += y[i]!;
    }
  }
}

for (const f of ['big.csv', 'big.jsonl', 'big.parquet', 'big.csv.gz']) {
  test(`${f}: ${N} rows in batches of 8192`, async () => {
    const { sizes, stats, sum, yes, idsInOrder } = await drain(join(dir, f), 8192);
    const full = Math.floor(N / 8192);
    assert.equal(sizes.length, full + 1);
    assert.ok(sizes.slice(0, full).every((s) => s === 8192));
    assert.equal(sizes[full], N - full * 8192);
    assert.equal(stats.rowsSeen, N);
    assert.equal(stats.rowsOk, N);
    assert.ok(idsInOrder);
    assert.equal(sum, expectedSum);
    assert.equal(yes, expectedYes);
  });
}

test('gzip CSV with a corrupt tail: batches arrive before the error (the reader streams)', async () => {
  const gz = readFileSync(join(dir, 'big.csv.gz'));
  const p = join(dir, 'cut.csv.gz');
  writeFileSync(p, gz.subarray(0, Math.floor(gz.length * 0.5)));
  let rows = 0;
  await assert.rejects(async () => { for await (const t of readTable(p, { schema: SCHEMA })) rows += t.numRows; },
    (e: Error) => e.message.startsWith(`${p}: read failed`));
  assert.ok(rows > 50_000 && rows < N, `rows before the error: ${rows}`);
});

test('Parquet with a corrupt last row group: earlier row groups are yielded first', async () => {
  const src = join(dir, 'big.parquet');
  const md = parquetMetadata(readFileSync(src));
  assert.equal(md.row_groups.length, 4);
  const p = join(dir, 'cut.parquet');
  writeFileSync(p, readFileSync(src));
  const last = md.row_groups[3]!.columns[0]!.meta_data!;
  const fd = openSync(p, 'r+');
  writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, Number(last.data_page_offset));
  closeSync(fd);
  let rows = 0;
  await assert.rejects(async () => { for await (const t of readTable(p, { schema: SCHEMA, batchSize: 10_000 })) rows += t.numRows; },
    (e: Error) => e.message.startsWith(`${p}: corrupt Parquet data in row group 3`));
  assert.equal(rows, 150_000);
});

test('breaking out early stops the read cleanly (no hang, file handles released)', async () => {
  for (const f of ['big.csv', 'big.jsonl', 'big.parquet', 'big.csv.gz']) {
    let rows = 0;
    for await (const t of readTable(join(dir, f), { schema: SCHEMA, batchSize: 1000 })) { rows += t.numRows; break; }
    assert.equal(rows, 1000, f);
  }
});
