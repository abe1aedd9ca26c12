// Needs Redis at 127.0.0.1:6379 (fails loudly when it is down) and the redis-server binary (for the
// restart test, which runs its own server on a free port).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { eventStreamConformance } from './conformance.js';
import { openEventStream } from './open.js';
import { MemoryEventStream } from './memory.js';
import { RedisEventStream, parseRedisUrl } from './redis.js';
import { OwnRedis, freePort } from './redis-server.fixture.js';

const prefix = `lr:test:stream:${process.pid}:${Date.now()}:`;
after(async () => {
  const r = new Redis({ lazyConnect: true });
  await r.connect();
  const keys = await r.keys(`${prefix}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

eventStreamConformance('redis', () => RedisEventStream.connect({ reconnectTimeoutMs: 2000 }), prefix);

test('redis: parseRedisUrl and openEventStream', async () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380/2'), { host: '127.0.0.1', port: 6380, db: 2 });
  assert.deepEqual(parseRedisUrl('redis://localhost'), { host: 'localhost', port: 6379, db: 0 });
  assert.throws(() => parseRedisUrl('http://x:1'), /redis:\/\//);
  assert.throws(() => parseRedisUrl('nonsense'), /bad Redis URL/);
  assert.ok(await openEventStream(undefined) instanceof MemoryEventStream);
  const es = await openEventStream('redis://127.0.0.1:6379');
  assert.ok(es instanceof RedisEventStream);
  await es.close();
  const port = await freePort();
  await assert.rejects(openEventStream(`redis://127.0.0.1:${port}`), /unreachable/);
});

test('redis: MAXLEN ~ keeps a stream bounded', async () => {
  const es = await RedisEventStream.connect({ maxLen: 100 });
  try {
    const s = `${prefix}cap`;
    for (let i = 0; i < 10; i++) await es.append(s, Array.from({ length: 100 }, (_, j) => `${i}:${j}`));
    const n = await es.length(s);
    assert.ok(n >= 100 && n < 1000, `length ${n}`);
  } finally { await es.close(); }
});

test('redis: killed and restarted mid-stream → reader and writer reconnect; nothing lost, nothing read twice', async () => {
  const port = await freePort();
  const server = new OwnRedis(port);
  await server.start();
  const retries: string[] = [];
  const w = await RedisEventStream.connect({ port, reconnectTimeoutMs: 20_000, onRetry: (what) => retries.push(what) });
  const r = await RedisEventStream.connect({ port, reconnectTimeoutMs: 20_000 });
  try {
    const s = 'events';
    await r.ensureGroup(s, 'g', '0');
    const N = 600;
    const got: number[] = [];
    const reader = (async () => {
      while (got.length < N) {
        const recs = await r.read(s, 'g', 'c', { count: 50, blockMs: 100 });
        for (const x of recs) got.push(Number(x.body));
        await r.ack(s, 'g', recs.map((x) => x.id));
      }
    })();
    for (let i = 0; i < N; i += 20) {
      await w.append(s, Array.from({ length: 20 }, (_, j) => String(i + j)));
      if (i === 200) { await server.kill(); setTimeout(() => { void server.start(); }, 300); }
    }
    await reader;
    assert.ok(retries.length > 0, 'the writer saw the outage');
    // every value arrives once, in order (a retried append skips what its failed attempt stored)
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
    assert.equal(await w.length(s), N);
  } finally {
    await w.close();
    await r.close();
    await server.kill();
  }
});

test('redis: a read whose reply is lost in flight (served, then the connection fails) is delivered again', async () => {
  const es = await RedisEventStream.connect({ reconnectTimeoutMs: 5000 });
  try {
    const s = `${prefix}lost`;
    await es.append(s, ['a', 'b', 'c', 'd']);
    await es.ensureGroup(s, 'g', '0');
    assert.deepEqual((await es.read(s, 'g', 'c', { count: 1 })).map((r) => r.body), ['a']);
    // the next XREADGROUP runs on the server, then its reply "fails" like a dropped connection
    const conn = (es as unknown as { redis: Redis }).redis;
    const orig = conn.call.bind(conn) as (...a: unknown[]) => Promise<unknown>;
    let failed = 0;
    (conn as unknown as { call: (...a: unknown[]) => Promise<unknown> }).call = async (...a: unknown[]) => {
      const r = await orig(...a);
      if (a[0] === 'XREADGROUP' && failed++ === 0) throw new Error('Connection is closed.');
      return r;
    };
    assert.deepEqual((await es.read(s, 'g', 'c', { count: 2 })).map((r) => r.body), ['b', 'c']);
    assert.equal(failed, 2);
    assert.equal(es.retries, 1);
    (conn as unknown as { call: typeof orig }).call = orig;
    assert.deepEqual((await es.read(s, 'g', 'c', { count: 5 })).map((r) => r.body), ['d']);
  } finally { await es.close(); }
});

test('redis: an append stored in part with its replies lost is completed, not duplicated', async () => {
  const es = await RedisEventStream.connect({ reconnectTimeoutMs: 5000 });
  try {
    const s = `${prefix}partial`;
    await es.append(s, ['x0', 'x1']);
    const conn = (es as unknown as { redis: Redis }).redis;
    const orig = conn.pipeline.bind(conn);
    let fails = 0;
    (conn as unknown as { pipeline: () => unknown }).pipeline = () => {
      const p = orig();
      const exec = p.exec.bind(p);
      if (fails++ === 0) {
        // the first attempt stores only its first 3 commands, then the connection "drops"
        let n = 0;
        const xadd = p.xadd.bind(p) as (...a: unknown[]) => unknown;
        (p as unknown as { xadd: (...a: unknown[]) => unknown }).xadd = (...a: unknown[]) => (n++ < 3 ? xadd(...a) : p);
        (p as unknown as { exec: () => Promise<unknown> }).exec = async () => { await exec(); throw new Error('Connection is closed.'); };
      }
      return p;
    };
    const ids = await es.append(s, ['a', 'b', 'c', 'd', 'e']);
    (conn as unknown as { pipeline: typeof orig }).pipeline = orig;
    assert.equal(fails, 2);
    const all = await es.range(s);
    assert.deepEqual(all.map((r) => r.body), ['x0', 'x1', 'a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(ids, all.slice(2).map((r) => r.id));
  } finally { await es.close(); }
});
