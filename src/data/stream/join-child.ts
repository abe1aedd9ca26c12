// A joiner process for the kill test (join-kill.test.ts): `node --import tsx src/data/stream/join-child.ts
// REDIS_URL PREFIX CHECKPOINT` — `liverank join`'s path without loading every command. Prints one
// line per batch ("batch <records>") so the test can kill it mid-work.
import { openEventStream } from './open.js';
import { runJoin, type RangeStream } from './join-runner.js';

const [url, prefix, ckpt] = process.argv.slice(2);
if (!url || !prefix || !ckpt) throw new Error('usage: join-child.ts REDIS_URL PREFIX CHECKPOINT');
const es = await openEventStream(url, { reconnectTimeoutMs: 30_000 }) as RangeStream;
const p = await runJoin(es, {
  streams: { events: `${prefix}e`, samples: `${prefix}s`, dead: `${prefix}d` }, join: { allowed_lateness_s: 30 },
  checkpointPath: ckpt, checkpointIntervalMs: 0, batch: 150, blockMs: 200, stopOnIdleMs: 1500,
  onProgress: (x) => process.stdout.write(`batch ${x.records}\n`),
});
process.stdout.write(`done ${JSON.stringify(p.counters)}\n`);
await es.close();
