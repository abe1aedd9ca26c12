// Census-Income (KDD) loader against the real file: counts and correlations from the README,
// input/label columns, and the seeded split.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CENSUS_COLUMNS, CENSUS_DEFAULT_PATH, loadCensus, prepareCensus, readCensusFile, type CensusDataset,
} from './census.js';
import { concatTables, sliceTable, type Table } from './table.js';

const available = existsSync(CENSUS_DEFAULT_PATH);
let raw: Table;
let ds: CensusDataset;

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[i]!; sb += b[i]!; }
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    cov += x * y; va += x * x; vb += y * y;
  }
  return cov / Math.sqrt(va * vb);
}
const sum = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]!; return s; };
const whole = (d: CensusDataset) => concatTables([d.train, d.val, d.test]);

before(async () => {
  if (!available) return;
  raw = await readCensusFile();
  ds = prepareCensus(raw);
});

test('census file: 99,762 rows × 42 columns, fields trimmed, dense columns numeric', { skip: !available && 'data file missing' }, () => {
  assert.equal(raw.numRows, 99_762);
  assert.deepEqual(Object.keys(raw.columns), [...CENSUS_COLUMNS]);
  assert.ok(raw.columns.age instanceof Float64Array);
  const cls = raw.columns.class_worker as string[];
  assert.ok(cls.every((v) => v !== null && v === v.trim()));
  assert.equal((raw.columns.income_50k as string[]).filter((v) => v === '50000+.').length, 6_186);
});

test('income/never-married labels: counts and Pearson correlation from the README', { skip: !available && 'data file missing' }, () => {
  assert.deepEqual(ds.labelColumns, ['income', 'never_married']);
  const t = whole(ds);
  const inc = t.columns.income as Float32Array, nm = t.columns.never_married as Float32Array;
  assert.ok(inc instanceof Float32Array);
  assert.equal(sum(inc), 6_186);
  assert.equal((100 * 6_186 / 99_762).toFixed(2), '6.20');
  assert.equal(sum(nm), 43_143);
  assert.ok(Math.abs(pearson(inc, nm) - -0.1787) < 1e-3, `r = ${pearson(inc, nm)}`);
});

test('inputs: label sources and instance_weight removed; 7 dense + 32 categorical', { skip: !available && 'data file missing' }, () => {
  assert.deepEqual(ds.denseColumns, ['age', 'wage_per_hour', 'capital_gains', 'capital_losses', 'stock_dividends', 'num_emp', 'weeks_worked']);
  assert.equal(ds.categoricalColumns.length, 32);
  for (const c of ['income_50k', 'marital_stat', 'instance_weight']) {
    assert.ok(!ds.categoricalColumns.includes(c) && !ds.denseColumns.includes(c) && !(c in ds.train.columns), c);
  }
  assert.ok(ds.categoricalColumns.includes('education'));
  assert.deepEqual(Object.keys(ds.train.columns).sort(), [...ds.denseColumns, ...ds.categoricalColumns, ...ds.labelColumns].sort());
  for (const c of ds.denseColumns) assert.ok(ds.train.columns[c] instanceof Float64Array, c);
});

test('split: default fractions, disjoint, covering all rows, rows match the file', { skip: !available && 'data file missing' }, () => {
  assert.deepEqual([ds.train.numRows, ds.val.numRows, ds.test.numRows], [49_881, 24_941, 24_940]);
  const seen = new Uint8Array(raw.numRows);
  for (const idx of [ds.indices.train, ds.indices.val, ds.indices.test]) for (const i of idx) seen[i]!++;
  assert.ok(seen.every((c) => c === 1));
  const age = raw.columns.age as Float64Array, ed = raw.columns.education as string[];
  for (const k of [0, 100, 49_880]) {
    const i = ds.indices.train[k]!;
    assert.equal((ds.train.columns.age as Float64Array)[k], age[i]);
    assert.equal((ds.train.columns.education as string[])[k], ed[i]);
  }
});

test('split: same seed → identical, different seed → different; custom fractions', { skip: !available && 'data file missing' }, () => {
  const again = prepareCensus(raw, { seed: 1 });
  assert.deepEqual(again.indices, ds.indices);
  const other = prepareCensus(raw, { seed: 2 });
  assert.notDeepEqual(other.indices.train, ds.indices.train);
  const s = prepareCensus(raw, { split: [0.8, 0.1, 0.1], seed: 3 });
  assert.deepEqual([s.train.numRows, s.val.numRows, s.test.numRows], [79_810, 9_976, 9_976]);
  assert.throws(() => prepareCensus(raw, { split: [0.5, 0.5, 0.5] }), /summing to 1/);
});

test('marital-education task group: college label, education removed from inputs', { skip: !available && 'data file missing' }, () => {
  const d = prepareCensus(raw, { taskGroup: 'marital-education' });
  assert.deepEqual(d.labelColumns, ['college', 'never_married']);
  assert.ok(!d.categoricalColumns.includes('education') && !('education' in d.train.columns));
  assert.ok(!d.categoricalColumns.includes('income_50k'));
  const t = whole(d);
  const college = t.columns.college as Float32Array;
  // 2,079 + 2,690 + 9,885 + 3,306 + 876 + 620 rows with an associates degree or higher
  assert.equal(sum(college), 19_456);
  const r = pearson(college, t.columns.never_married as Float32Array);
  assert.ok(Math.abs(Math.abs(r) - 0.2376) < 1e-3, `r = ${r}`);
});

test('loadCensus reads a configurable path and prepares in one call; bad paths name the file', { skip: !available && 'data file missing' }, async () => {
  // A 400-row excerpt written back in the original "comma + space" layout.
  const n = 400;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(CENSUS_COLUMNS.map((c) => String(raw.columns[c]![i])).join(', '));
  const dir = mkdtempSync(join(tmpdir(), 'liverank-census-'));
  try {
    const p = join(dir, 'excerpt.gz');
    writeFileSync(p, gzipSync(`${lines.join('\n')}\n`));
    const d = await loadCensus({ path: p, seed: 5 });
    assert.equal(d.train.numRows + d.val.numRows + d.test.numRows, n);
    const t = whole(d);
    const inc = raw.columns.income_50k as string[];
    let pos = 0;
    for (let i = 0; i < n; i++) pos += inc[i] === '50000+.' ? 1 : 0;
    assert.equal(sum(t.columns.income as Float32Array), pos);
    assert.deepEqual(d.indices, prepareCensus(sliceTable(raw, 0, n), { seed: 5 }).indices);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(loadCensus({ path: '/nonexistent/census.gz' }), /\/nonexistent\/census\.gz: cannot open/);
});
