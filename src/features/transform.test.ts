import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../data/table.js';
import { parseFeatureConfig } from './config.js';
import { CounterEngine } from './counters/engine.js';
import { counterEvents, CounterReplay } from './counters/replay.js';
import { MemoryCounterStore } from './counters/store.js';
import { fitFeatures } from './fit.js';
import { transform } from './transform.js';

test('fitted vocabularies: min_count, top_k, count-then-text order, shared tables fit on the union', () => {
  const t = makeTable({
    a: ['x', 'y', 'y', 'z', 'z', 'z', 'w', null],
    b: ['q|x', 'q', '', 'q|q', null, 'x', 'x', 'x'],
    n: Int32Array.from([5, 5, 7, 7, 7, 9, -1, 0]),
  });
  const fitted = fitFeatures({
    features: [
      { name: 'a', kind: 'id', column: 'a', vocab: { min_count: 2 } },
      { name: 'b', kind: 'multi_id', column: 'b', max_len: 2, embedding: 'a' },
      { name: 'n', kind: 'id', column: 'n', vocab: { top_k: 2 } },
      { name: 'a2', kind: 'id', column: 'a', vocab: { min_count: 1, top_k: 3 } },
    ],
  }, t);
  // union of a and b: x 1+4, y 2, z 3, w 1, q 4 → min_count 2: x 5, q 4, z 3, y 2
  assert.deepEqual(fitted.vocabs.a, ['x', 'q', 'z', 'y']);
  assert.deepEqual(fitted.vocabs.n, ['7', '5']);
  assert.deepEqual(fitted.vocabs.a2, ['z', 'y', 'w']); // ties (w, x: 1) by text
  const fb = transform(fitted, t);
  assert.deepEqual([...fb.ids.a!], [2, 5, 5, 4, 4, 4, 1, 0]);
  assert.deepEqual([...fb.ids.n!], [3, 3, 2, 2, 2, 1, 1, 1]);
  assert.deepEqual([...fb.multi.b!.ids], [3, 2, 3, 0, 0, 0, 3, 3, 0, 0, 2, 0, 2, 0, 2, 0]);
  assert.deepEqual([...fb.multi.b!.lengths], [2, 1, 0, 2, 0, 1, 1, 1]);
  assert.deepEqual(fb.specs.find((s) => s.name === 'b')!.buckets, 6);
});

test('explicit vocabularies are canonical: numbers and their text are one entry', () => {
  const fitted = fitFeatures({ features: [{ name: 'f', kind: 'id', column: 'f', vocab: [0, 1, '2'] }] }, makeTable({ f: Float64Array.from([0]) }));
  assert.deepEqual(fitted.vocabs.f, ['0', '1', '2']);
  const fb = transform(fitted, makeTable({ f: Float64Array.from([1, 2, -0, 3, NaN, 1.5]) }));
  assert.deepEqual([...fb.ids.f!], [3, 4, 2, 1, 0, 1]);
  const fs = transform(fitted, makeTable({ f: ['1', '2', '0', '3', null, '01'] }));
  assert.deepEqual([...fs.ids.f!], [3, 4, 2, 1, 0, 1]);
  assert.throws(() => fitFeatures({ features: [{ name: 'f', kind: 'id', column: 'f', vocab: [1, '1'] }] }, makeTable({ f: Float64Array.from([0]) })),
    /vocab\[1\] "1" is listed twice/);
});

test('hashed ids: integer and text columns agree; caches do not change results across batches', () => {
  const cfg = { features: [
    { name: 'u', kind: 'id', column: 'u', hash_buckets: 1 << 20 },
    { name: 'c', kind: 'id', column: 'c', hash_buckets: 97 },
    { name: 'x', kind: 'cross', fields: ['u', 'c'], hash_buckets: 1 << 16 },
    { name: 's', kind: 'sequence', column: 's', max_len: 3, embedding: 'u' },
  ] };
  const ints = makeTable({ u: Int32Array.from([1, 22, 333, 22]), c: Uint8Array.from([0, 5, 5, 5]), s: ['22|1', '007|1.5|x', '', '22|1'] });
  const text = makeTable({ u: ['1', '22', '333', '22'], c: ['0', '5', '5', '5'], s: ['22|1', '007|1.5|x', '', '22|1'] });
  const fitted = fitFeatures(cfg, ints);
  const a = transform(fitted, ints), b = transform(fitted, text), again = transform(fitted, ints);
  for (const k of ['u', 'c', 'x']) { assert.deepEqual([...a.ids[k]!], [...b.ids[k]!], k); assert.deepEqual([...again.ids[k]!], [...a.ids[k]!], k); }
  assert.deepEqual([...a.multi.s!.ids.subarray(0, 2)], [a.ids.u![1], a.ids.u![0]]); // shared table: "22" → user 22
  assert.notEqual(a.multi.s!.ids[3], a.ids.u![0]); // "007" is not the integer 7 (nor 1)
  assert.deepEqual([...a.multi.s!.ids.subarray(9, 11)], [...a.multi.s!.ids.subarray(0, 2)]); // memoised string
});

test('errors name the feature and the column; counter features need a source', () => {
  const fitted = fitFeatures({ features: [{ name: 'f', kind: 'dense', column: 'price' }] }, makeTable({ price: Float64Array.from([1]) }));
  assert.throws(() => transform(fitted, makeTable({ cost: Float64Array.from([1]) })), /feature "f": column "price" is not in the table \(columns: cost\)/);
  assert.throws(() => transform(fitted, makeTable({ price: ['1', 'abc'] })), /feature "f": column "price" row 1: "abc" is not a number/);
  const cfg = parseFeatureConfig({
    counters: [{ name: 'views', key: ['room'], windows: ['5m/1m'] }],
    features: [{ name: 'v', kind: 'counter', counter: 'views', window: '5m', stat: 'count' }],
  });
  const t = makeTable({ ts: Float64Array.from([0, 10, 20]), room: ['a', 'a', 'a'] });
  const f2 = fitFeatures(cfg, t);
  assert.throws(() => transform(f2, t), /counter feature "v": no values; give ctx\.counters/);
  assert.deepEqual([...transform(f2, t, { counters: CounterReplay.fromConfig(cfg) }).dense], [0, 1, 2]);
  // serving: a sync store filled by events, read at `now`
  const store = new MemoryCounterStore(cfg.counters);
  for (const e of counterEvents(new CounterEngine(cfg), t)) store.add(e.counter, e.key, e.ts, e.value);
  const req = makeTable({ ts: Float64Array.from([NaN]), room: ['a'] });
  assert.deepEqual([...transform(f2, req, { counterStore: store, now: 30 }).dense], [3]);
  assert.deepEqual([...transform(f2, req, { counterValues: { v: Float64Array.from([7]) } }).dense], [7]);
});
