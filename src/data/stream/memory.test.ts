import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventStreamConformance } from './conformance.js';
import { MemoryEventStream, parseStreamId } from './memory.js';

// One shared broker per test file would mimic Redis more closely (two clients, one server): the
// blocking-read test opens a second client, so `open` hands out views of the same instance.
const shared = new MemoryEventStream();
const view = (): MemoryEventStream => Object.assign(Object.create(shared) as MemoryEventStream, { close: async () => {} });
eventStreamConformance('memory', async () => view(), 'mem:');

test('memory: ids follow the clock, seq counts within one ms, never go back', async () => {
  let t = 1000;
  const es = new MemoryEventStream({ now: () => t });
  assert.deepEqual(await es.append('s', ['a', 'b']), ['1000-0', '1000-1']);
  t = 999; // clock going back keeps ids increasing
  assert.deepEqual(await es.append('s', ['c']), ['1000-2']);
  t = 1005;
  assert.deepEqual(await es.append('s', ['d']), ['1005-0']);
});

test('memory: pending until acked; offsets reported; closed stream rejects', async () => {
  const es = new MemoryEventStream({ now: () => 7 });
  await es.append('s', ['a', 'b', 'c']);
  await es.ensureGroup('s', 'g', '0');
  const recs = await es.read('s', 'g', 'c', { count: 2 });
  assert.equal(await es.pendingCount('s', 'g'), 2);
  assert.equal(await es.groupOffset('s', 'g'), '7-1');
  await es.ack('s', 'g', [recs[0].id]);
  assert.equal(await es.pendingCount('s', 'g'), 1);
  assert.deepEqual((await es.range('s', '7-1')).map((r) => r.body), ['b', 'c']);
  const blocked = es.read('s', 'g', 'c', { count: 5, blockMs: 10_000 });
  await es.close();
  assert.deepEqual((await blocked).map((r) => r.body), ['c']); // had one left: returned at once
  await assert.rejects(es.append('s', ['x']), /closed/);
});

test('memory: parseStreamId rejects garbage', () => {
  assert.deepEqual(parseStreamId('12-3'), { ms: 12, seq: 3 });
  assert.deepEqual(parseStreamId('12'), { ms: 12, seq: 0 });
  assert.throws(() => parseStreamId('a-b'), /bad stream id/);
});

test('memory: maxLen keeps a stream bounded (oldest dropped); trimDelivered drops what every group has read', async () => {
  const capped = new MemoryEventStream({ maxLen: 100 });
  for (let i = 0; i < 50; i++) await capped.append('s', Array.from({ length: 37 }, (_, j) => `${i}:${j}`));
  const n = await capped.length('s');
  assert.ok(n >= 100 && n <= 113, `length ${n}`);
  assert.equal((await capped.range('s')).at(-1)!.body, '49:36');

  const es = new MemoryEventStream({ trimDelivered: true });
  await es.ensureGroup('e', 'a', '0');
  await es.ensureGroup('e', 'b', '0');
  await es.append('e', Array.from({ length: 10_000 }, (_, i) => String(i)));
  const got: string[] = [];
  for (;;) { const r = await es.read('e', 'a', 'c', { count: 3000 }); if (!r.length) break; got.push(...r.map((x) => x.body)); }
  assert.equal(got.length, 10_000);
  assert.equal(await es.length('e'), 10_000, 'group b has read nothing: all kept');
  await es.read('e', 'b', 'c', { count: 5000 });
  assert.equal(await es.length('e'), 5000, 'read by both: dropped');
  assert.deepEqual((await es.read('e', 'b', 'c', { count: 2 })).map((x) => x.body), ['5000', '5001']);
});
