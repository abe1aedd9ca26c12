// Golden vectors: Google's 300-entry self-test tables (v1.1, v1.0.2, v1.1 WithSeed / WithSeeds),
// the short-string vectors and the ClickHouse documentation examples of the spec (§7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import {
  cityHash64, cityHash64Into, cityHash64String, cityHash64WithSeed, cityHash64WithSeedInto,
  cityHash64WithSeeds, cityHash64WithSeedsInto, type CityVersion,
} from './index.js';
import { cityHash64Ref, cityHash64WithSeedRef, cityHash64WithSeedsRef } from './reference.js';
import { entryRange, loadVectors, makeTestData, makeTestDataBigInt, type Generator } from './test-data.js';

const K0 = 0xc3a5c85c97cb3127n;
const hex = (hi: number, lo: number): string => ((BigInt(hi) << 32n) | BigInt(lo)).toString(16);
const vectors = loadVectors();
const buffers = new Map<Generator, Uint8Array>();
const dataFor = (g: Generator): Uint8Array => {
  let d = buffers.get(g);
  if (!d) { d = makeTestData(g); buffers.set(g, d); }
  return d;
};

test('the vendored vector file equals the spec copy and has 4 tables × 300', () => {
  const spec = '/work/shared/spec/ref/cityhash64-vectors.json';
  if (existsSync(spec)) assert.deepEqual(JSON.parse(readFileSync(spec, 'utf8')), vectors);
  for (const t of ['v1.1', 'v1.0.2', 'v1.1_withSeed_1234567', 'v1.1_withSeeds_1234567_k0'] as const) {
    assert.equal(vectors[t].length, 300, t);
  }
});

test('test-buffer generators (32-bit pairs) equal the BigInt definition', () => {
  for (const g of ['v1.1', 'v1.0.x'] as const) {
    assert.deepEqual(dataFor(g).subarray(0, 20000), makeTestDataBigInt(g, 20000), g);
  }
  assert.notDeepEqual(dataFor('v1.1').subarray(0, 64), dataFor('v1.0.x').subarray(0, 64));
});

function checkTable(name: keyof typeof vectors, gen: Generator, hash: (d: Uint8Array, o: number, l: number, out: Uint32Array) => void): void {
  const data = dataFor(gen);
  const out = new Uint32Array(2);
  const bad: number[] = [];
  for (let i = 0; i < 300; i++) {
    const [o, l] = entryRange(i);
    hash(data, o, l, out);
    if (hex(out[0], out[1]) !== vectors[name][i]) bad.push(i);
  }
  assert.deepEqual(bad, [], `${name}: entries that differ from Google's table`);
}

test('v1.1: all 300 entries of Google\'s table (fast path)', () => {
  checkTable('v1.1', 'v1.1', (d, o, l, out) => cityHash64Into(d, o, l, out));
});

test('v1.0.2: all 300 entries of Google\'s table (fast path; v1.0.x test buffer)', () => {
  checkTable('v1.0.2', 'v1.0.x', (d, o, l, out) => cityHash64Into(d, o, l, out, 'v1.0.2'));
});

test('v1.0.2 table does not reproduce with the v1.1 test buffer (documents the generator difference)', () => {
  const data = dataFor('v1.1');
  const out = new Uint32Array(2);
  let same = 0;
  for (let i = 1; i < 300; i++) {
    const [o, l] = entryRange(i);
    cityHash64Into(data, o, l, out, 'v1.0.2');
    if (hex(out[0], out[1]) === vectors['v1.0.2'][i]) same++;
  }
  assert.equal(same, 0);
});

test('v1.1 CityHash64WithSeed(·, 1234567): all 300 entries', () => {
  checkTable('v1.1_withSeed_1234567', 'v1.1', (d, o, l, out) => cityHash64WithSeedInto(d, o, l, 0, 1234567, out));
});

test('v1.1 CityHash64WithSeeds(·, 1234567, k0): all 300 entries', () => {
  checkTable('v1.1_withSeeds_1234567_k0', 'v1.1',
    (d, o, l, out) => cityHash64WithSeedsInto(d, o, l, 0, 1234567, 0xc3a5c85c | 0, 0x97cb3127 | 0, out));
});

test('BigInt reference implementation reproduces all four tables', () => {
  const cases: [keyof typeof vectors, Generator, (d: Uint8Array, o: number, l: number) => bigint][] = [
    ['v1.1', 'v1.1', (d, o, l) => cityHash64Ref(d, o, l, 'v1.1')],
    ['v1.0.2', 'v1.0.x', (d, o, l) => cityHash64Ref(d, o, l, 'v1.0.2')],
    ['v1.1_withSeed_1234567', 'v1.1', (d, o, l) => cityHash64WithSeedRef(d, o, l, 1234567n)],
    ['v1.1_withSeeds_1234567_k0', 'v1.1', (d, o, l) => cityHash64WithSeedsRef(d, o, l, 1234567n, K0)],
  ];
  for (const [name, gen, f] of cases) {
    const data = dataFor(gen);
    const bad: number[] = [];
    // Entry 299 (the whole 1 MiB) is covered for v1.1 and v1.0.2 only, to keep BigInt time small.
    const n = name === 'v1.1' || name === 'v1.0.2' ? 300 : 299;
    for (let i = 0; i < n; i++) {
      const [o, l] = entryRange(i);
      if (f(data, o, l).toString(16) !== vectors[name][i]) bad.push(i);
    }
    assert.deepEqual(bad, [], name);
  }
});

test('BigInt convenience functions agree with the tables', () => {
  const data = dataFor('v1.1');
  for (const i of [0, 1, 3, 4, 8, 9, 16, 17, 32, 33, 64, 65, 128, 200, 298, 299]) {
    const [o, l] = entryRange(i);
    const s = data.subarray(o, o + l);
    assert.equal(cityHash64(s).toString(16), vectors['v1.1'][i], `v1.1 #${i}`);
    assert.equal(cityHash64WithSeed(s, 1234567n).toString(16), vectors['v1.1_withSeed_1234567'][i], `seed #${i}`);
    assert.equal(cityHash64WithSeeds(s, 1234567n, K0).toString(16), vectors['v1.1_withSeeds_1234567_k0'][i], `seeds #${i}`);
    const [o2, l2] = entryRange(i);
    const d2 = dataFor('v1.0.x').subarray(o2, o2 + l2);
    assert.equal(cityHash64(d2, 'v1.0.2').toString(16), vectors['v1.0.2'][i], `v1.0.2 #${i}`);
  }
});

test('short-string vectors of CityHash64 v1.1 (spec §7, ref README)', () => {
  const cases: [string, string][] = [
    ['', '9ae16a3b2f90404f'],
    ['a', 'b3454265b6df75e3'],
    ['abc', '24a5b3a074e7f369'],
    ['message digest', '8db193972bf98c6a'],
    ['abcdefghijklmnopqrstuvwxyz', '5ead741ce7ac31bd'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '4566c1e718836cd6'],
    ['1234567890'.repeat(8), '791a4c16629ee4cd'],
  ];
  for (const [s, h] of cases) {
    assert.equal(cityHash64String(s).toString(16), h, JSON.stringify(s));
    assert.equal(cityHash64String(s, 'v1.1').toString(16), h, JSON.stringify(s));
  }
});

test('ClickHouse examples: cityHash64 is v1.0.2, CityHash64 v1.1 differs (spec §7)', () => {
  const glick = 'How can you write a big system without C++?  -Paul Glick';
  assert.equal(new TextEncoder().encode(glick).length, 56);
  const cases: [string, CityVersion, bigint][] = [
    ['Moscow', 'v1.0.2', 12507901496292878638n],
    ['Moscow', 'v1.1', 5992710078453357409n],
    [glick, 'v1.0.2', 6237945311650045625n],
    [glick, 'v1.1', 749291162957442504n],
  ];
  for (const [s, v, h] of cases) assert.equal(cityHash64String(s, v), h, `${v} ${s}`);
  // Empty input is k2 in both versions.
  assert.equal(cityHash64String('', 'v1.0.2'), 0x9ae16a3b2f90404fn);
});
