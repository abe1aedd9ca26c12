import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { EmbeddingTable } from './table.js';
import { HashRowMapper } from './hash-mapper.js';
import { NO_ROW } from './mapper.js';
import { loadEmbeddingTable, saveEmbeddingTable } from './checkpoint.js';

const keys = (...ks: [number, number][]) => [Uint32Array.from(ks.map((k) => k[0])), Uint32Array.from(ks.map((k) => k[1]))] as const;

test('collisionless: distinct keys get distinct rows until the table is full', () => {
  const m = new HashRowMapper(1000);
  const rng = new Rng(1), n = 1000;
  const hi = new Uint32Array(n).map(() => rng.u32()), lo = new Uint32Array(n).map(() => rng.u32());
  const out = new Int32Array(n);
  m.map(hi, lo, out, { train: true });
  assert.equal(new Set(out).size, n);
  assert.ok(out.every((r) => r >= 0 && r < 1000));
  for (let i = 0; i < n; i++) assert.equal(m.rowOf(hi[i]!, lo[i]!), out[i]);
  assert.equal(m.stats().used, 1000);
});

test('frequency admission: unadmitted keys read zeros, get no update; serving lookups admit nothing', () => {
  const t = new EmbeddingTable({ name: 'user_id', dim: 2, rows: 8, optimizer: { kind: 'sgd', lr: 1 },
    mapper: new HashRowMapper(8, { admitThreshold: 3 }) });
  const [hi, lo] = keys([7, 1], [7, 1]);
  assert.deepEqual(Array.from(t.lookup(hi, lo, undefined, { train: false })), [NO_ROW, NO_ROW]);
  assert.deepEqual(Array.from(t.lookup(hi, lo)), [NO_ROW, NO_ROW], 'sightings 1 and 2');
  const x = new Float32Array(4).fill(9);
  t.gather(Int32Array.from([NO_ROW, NO_ROW]), x);
  assert.deepEqual(Array.from(x), [0, 0, 0, 0]);
  const before = t.values.slice();
  t.applyGradients(Int32Array.from([NO_ROW, NO_ROW]), Float32Array.from([1, 1, 1, 1]));
  assert.deepEqual(t.values, before);
  const [h1, l1] = keys([7, 1]);
  const r = t.lookup(h1, l1)[0]!;
  assert.ok(r >= 0, 'third sighting admits');
  assert.equal(t.lookup(h1, l1, undefined, { train: false })[0], r);
  assert.deepEqual((t.mapper as HashRowMapper).stats().unadmittedLookups, 2);
});

test('TTL expiry frees rows; a re-admitted key gets a freshly initialised row and optimizer state', () => {
  const t = new EmbeddingTable({ name: 'room', dim: 3, rows: 4, seed: 5, optimizer: { kind: 'adam', lr: 0.1 },
    mapper: new HashRowMapper(4, { ttl: 2 }) });
  const [hi, lo] = keys([1, 1]);
  const r = t.lookup(hi, lo)[0]!;
  const fresh = t.row(r).slice();
  t.applyGradients(Int32Array.from([r]), Float32Array.from([1, 1, 1]));
  assert.notDeepEqual(t.row(r), fresh);
  const m = t.mapper as HashRowMapper;
  for (let s = 0; s < 3; s++) t.step(); // no lookups of key 1 for 3 steps > ttl 2
  assert.equal(m.rowOf(1, 1), NO_ROW);
  assert.equal(m.stats().expiredTtl, 1);
  const r2 = t.lookup(hi, lo)[0]!;
  assert.ok(r2 >= 0);
  const opt = t.optimizer as unknown as { rowStep: Int32Array; m: Float32Array };
  assert.equal(opt.rowStep[r2], 0, 'Adam row step reset');
  assert.deepEqual(Array.from(opt.m.subarray(r2 * 3, r2 * 3 + 3)), [0, 0, 0]);
  assert.ok(t.row(r2).every((v) => Math.abs(v) < 0.1) && t.row(r2).some((v) => v !== 0), 'reinitialised from normal(0, 0.01)');
});

test('LFU eviction frees the least-used rows, never rows used in the current step', () => {
  const m = new HashRowMapper(4, { evictFraction: 0.25 });
  const out = new Int32Array(8);
  // key k looked up k times (keys 1..4), in the same step
  for (let k = 1; k <= 4; k++) for (let i = 0; i < k; i++) { const [h, l] = keys([0, k]); m.map(h, l, out, { train: true }); }
  m.tick();
  // a new key in a new step: table full → evict key 1 (count 1)
  const [h5, l5] = keys([0, 5]);
  m.map(h5, l5, out, { train: true });
  assert.ok(out[0]! >= 0);
  assert.equal(m.rowOf(0, 1), NO_ROW, 'least-frequent key evicted');
  for (const k of [2, 3, 4, 5]) assert.notEqual(m.rowOf(0, k), NO_ROW, `key ${k} kept`);
  assert.equal(m.stats().evictedLfu, 1);
  // all rows were looked up in this step → nothing evictable → NO_ROW and a counted reject
  const [hh, ll] = keys([0, 2], [0, 3], [0, 4], [0, 6]);
  const o4 = new Int32Array(4);
  m.map(hh, ll, o4, { train: true });
  assert.equal(o4[3], NO_ROW);
  assert.equal(m.stats().fullRejects, 1);
});

test('stress: random admissions and evictions keep the hash map consistent with row ownership', () => {
  const R = 64, m = new HashRowMapper(R, { evictFraction: 0.1, ttl: 5 });
  const rng = new Rng(3);
  const owner = new Map<number, string>(); // row → key
  const seen = new Map<string, number>(); // key → row
  const out = new Int32Array(16);
  for (let step = 0; step < 400; step++) {
    const hi = new Uint32Array(16).map(() => rng.int(3)), lo = new Uint32Array(16).map(() => rng.int(rng.next() < 0.5 ? 20 : 400));
    m.map(hi, lo, out, { train: true });
    for (let i = 0; i < 16; i++) {
      if (out[i]! < 0) continue;
      const k = `${hi[i]}:${lo[i]}`;
      seen.set(k, out[i]!); owner.set(out[i]!, k);
    }
    m.tick();
    if (step % 8 !== 7) continue;
    const last = m.state().arrays['rowLast'] as Int32Array;
    for (const [k, r] of seen) {
      const [h, l] = k.split(':').map(Number) as [number, number];
      const want = owner.get(r) === k && last[r]! >= 0 ? r : NO_ROW;
      assert.equal(m.rowOf(h, l), want, `step ${step} key ${k}`);
    }
    let live = 0;
    for (let r = 0; r < R; r++) if (last[r]! >= 0) live++;
    assert.equal(m.stats().used, live);
  }
  const s = m.stats();
  assert.ok(s.evictedLfu > 0 && s.expiredTtl > 0, JSON.stringify(s));
});

test('hash-mapped table checkpoint round trip keeps the key map, stats and continues identically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-hm-'));
  try {
    const mk = () => new EmbeddingTable({ name: 'cross', dim: 4, rows: 32, seed: 2, optimizer: { kind: 'adagrad' },
      mapper: new HashRowMapper(32, { admitThreshold: 2, ttl: 10, sketchWidth: 1024 }) });
    const t = mk(), rng = new Rng(4);
    const run = (tab: EmbeddingTable, r: Rng, steps: number) => {
      for (let s = 0; s < steps; s++) {
        const hi = new Uint32Array(24).map(() => r.int(2)), lo = new Uint32Array(24).map(() => r.int(60));
        const rows = tab.lookup(hi, lo);
        tab.applyGradients(rows, new Float32Array(24 * 4).map(() => r.normal()));
      }
    };
    run(t, rng, 30);
    const path = join(dir, 'cross.emb');
    saveEmbeddingTable(t, path);
    const u = loadEmbeddingTable(path, { name: 'cross' });
    assert.ok(u.mapper instanceof HashRowMapper);
    assert.deepEqual((u.mapper as HashRowMapper).stats(), (t.mapper as HashRowMapper).stats());
    assert.deepEqual(u.mapper.config(), t.mapper.config());
    assert.equal(u.reinitSerial, t.reinitSerial);
    run(t, new Rng(8), 20); run(u, new Rng(8), 20);
    assert.deepEqual(u.values, t.values);
    assert.deepEqual((u.mapper as HashRowMapper).stats(), (t.mapper as HashRowMapper).stats());
    assert.ok(t.memory().mapperBytes > 0 && t.memory().summary.includes('key map'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
