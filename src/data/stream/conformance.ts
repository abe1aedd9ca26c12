// Contract tests every EventStream implementation must pass (memory, Redis). Each test uses its own
// stream names (prefix + counter) so the suite can run against a shared broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareStreamIds, type EventStream } from './types.js';

export function eventStreamConformance(label: string, open: () => Promise<EventStream>, prefix: string): void {
  let n = 0;
  const name = (): string => `${prefix}${++n}`;

  test(`${label}: append returns increasing "<ms>-<seq>" ids; length counts`, async () => {
    const es = await open();
    try {
      const s = name();
      const a = await es.append(s, ['a', 'b', 'c']);
      const b = await es.append(s, ['d']);
      const ids = [...a, ...b];
      assert.equal(ids.length, 4);
      for (const id of ids) assert.match(id, /^\d+-\d+$/);
      for (let i = 1; i < ids.length; i++) assert.ok(compareStreamIds(ids[i - 1], ids[i]) < 0, `${ids[i - 1]} < ${ids[i]}`);
      assert.equal(await es.length(s), 4);
      assert.equal(await es.length(name()), 0);
      assert.deepEqual(await es.append(s, []), []);
    } finally { await es.close(); }
  });

  test(`${label}: a group from "0" reads everything in order, in pages, never re-delivering`, async () => {
    const es = await open();
    try {
      const s = name();
      const bodies = Array.from({ length: 25 }, (_, i) => JSON.stringify({ i }));
      await es.append(s, bodies);
      await es.ensureGroup(s, 'g', '0');
      const got: string[] = [];
      for (;;) {
        const recs = await es.read(s, 'g', 'c1', { count: 10 });
        if (recs.length === 0) break;
        assert.ok(recs.length <= 10);
        got.push(...recs.map((r) => r.body));
        await es.ack(s, 'g', recs.map((r) => r.id));
      }
      assert.deepEqual(got, bodies);
      // a second ensureGroup is a no-op (does not rewind)
      await es.ensureGroup(s, 'g', '0');
      assert.deepEqual(await es.read(s, 'g', 'c1', { count: 10 }), []);
      // an independent group sees everything again
      await es.ensureGroup(s, 'h', '0');
      assert.equal((await es.read(s, 'h', 'c1', { count: 100 })).length, 25);
    } finally { await es.close(); }
  });

  test(`${label}: "$" group sees only new records; setGroupOffset resumes after a given id`, async () => {
    const es = await open();
    try {
      const s = name();
      const first = await es.append(s, ['x0', 'x1', 'x2', 'x3']);
      await es.ensureGroup(s, 'g', '$');
      assert.deepEqual(await es.read(s, 'g', 'c', { count: 10 }), []);
      await es.append(s, ['x4']);
      assert.deepEqual((await es.read(s, 'g', 'c', { count: 10 })).map((r) => r.body), ['x4']);
      await es.setGroupOffset(s, 'g', first[1]);
      assert.deepEqual((await es.read(s, 'g', 'c', { count: 10 })).map((r) => r.body), ['x2', 'x3', 'x4']);
      await es.setGroupOffset(s, 'g', '0');
      assert.deepEqual((await es.read(s, 'g', 'c', { count: 2 })).map((r) => r.body), ['x0', 'x1']);
    } finally { await es.close(); }
  });

  test(`${label}: ensureGroup creates the stream; blocking read wakes on append and times out empty`, async () => {
    const es = await open();
    try {
      const s = name();
      await es.ensureGroup(s, 'g', '0');
      assert.equal(await es.length(s), 0);
      assert.deepEqual(await es.read(s, 'g', 'c', { count: 5, blockMs: 50 }), []);
      const writer = await open();
      try {
        const pending = es.read(s, 'g', 'c', { count: 5, blockMs: 5000 });
        setTimeout(() => { void writer.append(s, ['late']); }, 30);
        const got = await pending;
        assert.deepEqual(got.map((r) => r.body), ['late']);
      } finally { await writer.close(); }
    } finally { await es.close(); }
  });

  test(`${label}: reading a missing group fails loudly`, async () => {
    const es = await open();
    try {
      const s = name();
      await es.append(s, ['a']);
      await assert.rejects(es.read(s, 'nope', 'c', { count: 1 }), /NOGROUP/);
    } finally { await es.close(); }
  });
}
