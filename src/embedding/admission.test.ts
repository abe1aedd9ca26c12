// AdmittedTable: frequency admission (a key gets a row only at its f-th sighting; before that the
// shared default row), LFU eviction keeps the table at capacity over 1 M distinct keys with memory
// that does not grow, hot keys keep their rows, TTL expiry, change lists for pushes, state round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingTable } from './table.js';
import { AdmittedTable, packMapperState, unpackMapperState } from './admission.js';
import { Rng } from '../util/rng.js';

const make = (capacity: number, admitAfter: number, ttlSteps = 0) =>
  new AdmittedTable(new EmbeddingTable({ name: 't', dim: 4, rows: capacity + 1, seed: 1, optimizer: { kind: 'adam', lr: 0.01 } }), { capacity, admitAfter, ttlSteps });

test('a key gets its own row at its f-th sighting; before that it reads the shared default row', () => {
  const a = make(100, 3);
  const ids = Int32Array.from([7, 7, 9]);
  a.mapInPlace(ids, true); // sightings: 7 ×2, 9 ×1
  assert.deepEqual([...ids], [100, 100, 100]);
  a.tick();
  const again = Int32Array.from([7, 9]);
  a.mapInPlace(again, true); // 7: third sighting → admitted; 9: second → default
  assert.notEqual(again[0], 100);
  assert.equal(again[1], 100);
  const serve = Int32Array.from([7, 9, 12345]);
  a.mapInPlace(serve, false); // serving lookups admit nothing
  assert.deepEqual([...serve], [again[0], 100, 100]);
  assert.equal(a.stats().admitted, 1);
});

test('1 M distinct keys through a 10 000-row table: never over capacity, memory flat, hot keys keep their rows', () => {
  const cap = 10_000, a = make(cap, 2);
  const rng = new Rng(5);
  const hot = Int32Array.from({ length: 200 }, (_, i) => 5_000_000 + i);
  const bytes0 = a.bytes();
  let heap0 = 0;
  const COLD = 1000, B = 2 * COLD + 1000;
  for (let step = 0; step < 1_000_000 / COLD; step++) {
    const ids = new Int32Array(B);
    for (let i = 0; i < COLD; i++) { const k = step * COLD + i; ids[2 * i] = k; ids[2 * i + 1] = k; } // each cold key twice: admitted
    for (let i = 2 * COLD; i < B; i++) ids[i] = hot[rng.int(hot.length)]!; // hot keys: ~5 sightings a step each
    a.mapInPlace(ids, true);
    let lo = Infinity, hi = -Infinity;
    for (const r of ids) { if (r < lo) lo = r; if (r > hi) hi = r; }
    assert.ok(lo >= 0 && hi <= cap);
    a.tick();
    if (step === 100) { global.gc?.(); heap0 = process.memoryUsage().heapUsed; }
    assert.ok(a.stats().used <= cap);
  }
  const s = a.stats();
  assert.ok(s.admitted > 500_000, `admitted ${s.admitted}`);
  assert.ok(s.evictedLfu > 400_000, `evicted ${s.evictedLfu}`);
  assert.equal(a.bytes(), bytes0, 'table + mapper bytes are fixed by the capacity');
  global.gc?.();
  const grown = process.memoryUsage().heapUsed - heap0;
  assert.ok(grown < 50e6, `heap grew ${(grown / 1e6).toFixed(1)} MB over 1 M keys`);
  const probe = Int32Array.from(hot);
  a.mapInPlace(probe, false);
  const held = [...probe].filter((r) => r !== cap).length;
  assert.ok(held >= 190, `hot keys holding a row: ${held} of 200`);
});

test('TTL: rows not looked up for ttl steps expire; changes list rows with keys, freed rows and the default row', () => {
  const a = make(50, 1, 4);
  const ids = Int32Array.from([1, 2, 3]);
  a.mapInPlace(ids, true);
  a.table.accumulate(ids, new Float32Array(12).fill(1));
  a.table.step();
  a.tick();
  const c1 = a.takeChanges();
  assert.deepEqual([...c1.keys].sort(), [1, 2, 3]);
  assert.equal(c1.values.length, 3 * 4);
  for (let i = 0; i < 12; i++) { a.mapInPlace(Int32Array.from([1]), true); a.tick(); }
  assert.equal(a.stats().expiredTtl, 2, 'keys 2 and 3 expired');
  const c2 = a.takeChanges();
  assert.equal(c2.freed.length, 2);
  const st = a.state();
  const b = make(50, 1, 4);
  b.restore(unpackMapperState(packMapperState(st), 'test'), 'test');
  const x = Int32Array.from([1, 2]), y = Int32Array.from([1, 2]);
  a.mapInPlace(x, false); b.mapInPlace(y, false);
  assert.deepEqual([...x], [...y]);
  assert.equal(x[1], 50, 'an expired key reads the default row');
});
