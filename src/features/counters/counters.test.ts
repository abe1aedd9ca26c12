import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../../data/table.js';
import { Rng } from '../../util/rng.js';
import { parseFeatureConfig } from '../config.js';
import { CounterEngine, counterKey } from './engine.js';
import { asAsync, counterEvents, CounterReplay, readCounters, readCounterValuesAsync } from './replay.js';
import { CounterRing, MemoryCounterStore } from './store.js';

const W = { span: 300, slot: 60 }; // 5 minutes in 1-minute slots

test('window = events in [floor((t − W)/s)·s, t): exact boundaries', () => {
  const store = new MemoryCounterStore([{ name: 'c', windows: [W], idleTtl: 360 }]);
  store.add('c', 1, 1000, 2); // slot 16 (960..1019)
  store.add('c', 1, 1019.5, 3); // slot 16
  store.add('c', 1, 1020, 5); // slot 17
  // The store counts whole slots up to t's slot; "before t" is the caller's protocol (the replay adds
  // an event only after every read at its time). Here the event at 1020 is already in, so it counts.
  assert.deepEqual(store.get('c', 1, 1020, 300), { count: 3, sum: 10 });
  // t = 1260 (slot 21): lower slot 16 → all three
  assert.deepEqual(store.get('c', 1, 1260, 300), { count: 3, sum: 10 });
  // t = 1279.9 (slot 21) same slot range
  assert.deepEqual(store.get('c', 1, 1279.9, 300), { count: 3, sum: 10 });
  // t = 1320 (slot 22): lower slot 17 → only the event at 1020
  assert.deepEqual(store.get('c', 1, 1320, 300), { count: 1, sum: 5 });
  // t = 1380 (slot 23): lower slot 18 → nothing
  assert.deepEqual(store.get('c', 1, 1380, 300), { count: 0, sum: 0 });
  // other keys are separate
  assert.deepEqual(store.get('c', 2, 1020, 300), { count: 0, sum: 0 });
  assert.throws(() => store.get('c', 1, 1020, 600), /has no 600s window/);
});

test('ring reuse: a slot cell is reset when a newer slot wraps onto it; late events are dropped and counted', () => {
  const ring = new CounterRing({ name: 'c', windows: [W], idleTtl: 1e9 });
  const out = new Float64Array(2);
  for (let m = 0; m < 20; m++) ring.add(7, m * 60 + 1, 1); // one event per minute, minutes 0..19
  ring.read(7, 19 * 60 + 30, 0, out, 0); // slot 19: slots 14..19 → 6 events
  assert.deepEqual([...out], [6, 6]);
  ring.add(7, 5 * 60, 100); // slot 5's cell (5 ≡ 17 mod 6) holds slot 17: too old, dropped
  assert.equal(ring.lateDropped[0], 1);
  ring.read(7, 19 * 60 + 30, 0, out, 0);
  assert.deepEqual([...out], [6, 6]);
  ring.add(7, 15 * 60 + 5, 10); // late but inside the ring: counted
  ring.read(7, 19 * 60 + 30, 0, out, 0);
  assert.deepEqual([...out], [7, 16]);
  // a read in the past only sees slots the ring still holds
  ring.read(7, 16 * 60, 0, out, 0); // slots 11..16: only 14,15,16 are held
  assert.deepEqual([...out], [4, 13]);
});

test('idle keys expire after idleTtl (and would read 0 anyway); memory is reused', () => {
  const ring = new CounterRing({ name: 'c', windows: [W, { span: 3600, slot: 300 }], idleTtl: 3900 });
  ring.autoExpire = false;
  for (let k = 0; k < 100; k++) ring.add(k, 1000 + k, 1);
  assert.equal(ring.size, 100);
  const bytes = ring.bytes;
  const out = new Float64Array(2);
  const now = 1000 + 3900 + 49;
  for (let k = 0; k < 50; k++) for (const w of [0, 1]) { // already 0 in every window before they expire
    ring.read(k, now, w, out, 0);
    assert.deepEqual([...out], [0, 0]);
  }
  ring.read(99, 1099 + 3000, 1, out, 0); // a live key still counts in its 1 h window
  assert.deepEqual([...out], [1, 1]);
  assert.equal(ring.expire(now), 50); // keys 0..49 idle ≥ 3900 s
  assert.equal(ring.size, 50);
  for (let k = 200; k < 250; k++) ring.add(k, 6000, 1);
  assert.equal(ring.size, 100);
  assert.equal(ring.bytes, bytes); // freed records reused, no growth
  // auto expiry during a long replay keeps the number of live keys bounded
  const r2 = new CounterRing({ name: 'c', windows: [W], idleTtl: 360 });
  for (let i = 0; i < 20000; i++) r2.add(i, i, 1); // a new key every second
  assert.ok(r2.size <= 2 * 360 + 1, `live keys ${r2.size}`);
});

const CFG = parseFeatureConfig({
  counters: [
    { name: 'views', key: ['user', 'room'], windows: ['5m/1m', '1h/5m'] },
    { name: 'watch', key: ['room'], value: 'watch', positive_only: true, delay_column: 'watch', windows: ['5m/1m'] },
  ],
  features: [
    { name: 'v5', kind: 'counter', counter: 'views', window: '5m' },
    { name: 'v1h', kind: 'counter', counter: 'views', window: '1h', stat: 'count' },
    { name: 'w5', kind: 'counter', counter: 'watch', window: '5m', stat: 'sum' },
    { name: 'w5m', kind: 'counter', counter: 'watch', window: '5m', stat: 'mean' },
  ],
});

test('replay: a row sees only events strictly before it (equal timestamps do not see each other)', () => {
  const t = makeTable({
    ts: Float64Array.from([100, 100, 100, 101, 400, 100.5]),
    user: Int32Array.from([1, 1, 1, 1, 1, 1]),
    room: ['a', 'a', 'a', 'a', 'a', null],
    watch: Float32Array.from([0, 0, 0, 0, 0, 0]),
  });
  const rep = CounterReplay.fromConfig(CFG);
  const v = rep.process(rep.engine.batch(t));
  assert.deepEqual([...v.get('v5')!], [0, 0, 0, 3, 4, NaN]); // row 5 has no room → no key → missing
  assert.deepEqual([...v.get('v1h')!], [0, 0, 0, 3, 4, NaN]);
  // batches must be in time order
  const early = makeTable({ ts: Float64Array.from([50]), user: Int32Array.from([1]), room: ['a'], watch: Float32Array.from([1]) });
  assert.throws(() => rep.process(rep.engine.batch(early)), /counter replay: row 0 has ts = 50 before 400 .*time order/);
});

test('replay: delayed events (watch known when it ends) become visible only at ts + delay', () => {
  const t = makeTable({
    ts: Float64Array.from([0, 10, 29, 30, 31, 200]),
    user: Int32Array.from([1, 2, 3, 4, 5, 6]),
    room: ['r', 'r', 'r', 'r', 'r', 'r'],
    watch: Float32Array.from([30, 5, 0, NaN, 1, 0]),
  });
  const rep = CounterReplay.fromConfig(CFG);
  const v = rep.process(rep.engine.batch(t));
  // row0's watch (30 s) is visible from t > 30; row1's (5 s) from t > 15; row 3 has no watch value
  assert.deepEqual([...v.get('w5')!], [0, 0, 5, 5, 35, 36]);
  assert.deepEqual([...v.get('w5m')!].map((x) => Number.isNaN(x) ? 'nan' : x), ['nan', 'nan', 5, 5, 17.5, 12]);
  assert.equal(rep.skipped.badValue, 1);
});

test('replay equals the definition computed by brute force on random data, across batches', () => {
  const rng = new Rng(11);
  const n = 3000;
  const ts = new Float64Array(n), user = new Int32Array(n), room: string[] = [], watch = new Float32Array(n);
  let t = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    t += rng.bernoulli(0.3) ? 0 : rng.int(40); // many equal timestamps
    ts[i] = t; user[i] = rng.int(5); room.push(`r${rng.int(4)}`); watch[i] = rng.bernoulli(0.5) ? 0 : rng.int(100);
  }
  const table = makeTable({ ts, user, room, watch });
  const rep = CounterReplay.fromConfig(CFG);
  const got = new Map<string, number[]>();
  for (let a = 0; a < n; a += 700) {
    const part = makeTable({ ts: ts.slice(a, a + 700), user: user.slice(a, a + 700), room: room.slice(a, a + 700), watch: watch.slice(a, a + 700) });
    for (const [k, v] of rep.process(rep.engine.batch(part))) got.set(k, [...(got.get(k) ?? []), ...v]);
  }
  const lower = (x: number, span: number, slot: number) => Math.floor((x - span) / slot) * slot;
  for (let i = 0; i < n; i += 7) {
    let v5 = 0, v1h = 0, w5 = 0;
    for (let j = 0; j < n; j++) {
      if (user[j] === user[i] && room[j] === room[i] && ts[j]! < ts[i]!) {
        if (ts[j]! >= lower(ts[i]!, 300, 60)) v5++;
        if (ts[j]! >= lower(ts[i]!, 3600, 300)) v1h++;
      }
      const vis = ts[j]! + watch[j]!;
      if (room[j] === room[i] && watch[j]! > 0 && vis < ts[i]! && vis >= lower(ts[i]!, 300, 60)) w5 += watch[j]!;
    }
    assert.equal(got.get('v5')![i], v5, `v5 row ${i}`);
    assert.equal(got.get('v1h')![i], v1h, `v1h row ${i}`);
    assert.equal(got.get('w5')![i], w5, `w5 row ${i}`);
  }
  void table;
});

test('serving reads: sync store, async store and the events a row produces agree', async () => {
  const eng = new CounterEngine(CFG);
  const store = new MemoryCounterStore(CFG.counters);
  const hist = makeTable({ ts: Float64Array.from([10, 20, 30]), user: Int32Array.from([1, 1, 2]), room: ['a', 'a', 'a'], watch: Float32Array.from([3, 4, 0]) });
  await asAsync(store).addMany(counterEvents(eng, hist));
  const req = makeTable({ ts: Float64Array.from([100, 100]), user: Int32Array.from([1, 2]), room: ['a', 'a'], watch: Float32Array.from([NaN, NaN]) });
  const sync = readCounters(eng, eng.batch(req), store);
  const asy = await readCounterValuesAsync(eng, req, asAsync(store));
  assert.deepEqual([...sync.get('v5')!], [2, 1]);
  assert.deepEqual([...sync.get('w5')!], [7, 7]);
  for (const k of ['v5', 'v1h', 'w5', 'w5m']) assert.deepEqual([...asy[k]!], [...sync.get(k)!], k);
  assert.equal(store.get('views', counterKey('views', [1, 'a']), 100, 300).count, 2);
  assert.equal(eng.keyOf('views', [1, 'a']), counterKey('views', ['1', 'a'])); // 1 and "1" are one key
  assert.ok(Number.isNaN(counterKey('views', [null, 'a'])));
});
