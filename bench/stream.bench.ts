// `npm run bench -- stream [--quick] [--json] [--impressions=N] [--redis=URL]`: events/s through
// the streaming path on Redis (127.0.0.1:6379 by default; must be up):
//   simulate → Redis          the world's events appended as fast as possible (speed 0)
//   Redis → join → Redis      the joiner reading that stream, appending samples
//   end to end, 1 process     simulate and join in one Node process (`liverank simulate --join`)
//   end to end, 2 processes   the joiner in its own process (`liverank join`) while this one simulates;
//                             time from the first event appended to the last sample in the samples stream
// The world is generated before timing. Streams are deleted afterwards.
// `--long [--impressions=700000] [--days=7]`: ~1 M events through the Joiner alone, heap and open
// impressions every 100 k events (bounded state).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { generateWorld } from '../src/data/world/generate.js';
import { runJoin } from '../src/data/stream/join-runner.js';
import { parseRedisUrl, RedisEventStream } from '../src/data/stream/redis.js';
import { replayEvents } from '../src/data/stream/simulate.js';
import { worldEvents } from '../src/data/stream/world-events.js';
import type { StreamEvent } from '../src/data/stream/events.js';

interface Opts { json: boolean; quick: boolean; args: string[] }
interface Row { stage: string; events: number; seconds: number; events_per_s: number; note: string }

const arg = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** `--long`: ~1 M events through the Joiner in-process (no broker): heap and open impressions stay bounded. */
async function long(opts: Opts): Promise<void> {
  const { Joiner } = await import('../src/data/stream/join.js');
  const impressions = Number(arg(opts.args, 'impressions') ?? 700_000);
  const days = Number(arg(opts.args, 'days') ?? 7);
  const world = generateWorld({ impressions, seed: 1, days });
  const j = new Joiner();
  const t0 = Date.now();
  let n = 0, samples = 0, maxOpen = 0;
  const marks: { events: number; heap_mb: number; open: number; samples: number }[] = [];
  for (const ev of worldEvents(world.impressions)) {
    samples += j.processBody(JSON.stringify(ev)).samples.length;
    maxOpen = Math.max(maxOpen, j.openCount);
    if (++n % 100_000 === 0) marks.push({ events: n, heap_mb: Math.round(process.memoryUsage().heapUsed / 1e6), open: j.openCount, samples });
  }
  const s = (Date.now() - t0) / 1000;
  if (opts.json) { console.log(JSON.stringify({ bench: 'stream-long', impressions, days, events: n, seconds: s, max_open: maxOpen, marks })); return; }
  console.log(`Joiner alone (stringify + parse + join), ${impressions.toLocaleString('en-US')} impressions over ${days} days: ${n.toLocaleString('en-US')} events in ${s.toFixed(1)} s (${Math.round(n / s).toLocaleString('en-US')}/s), ${samples.toLocaleString('en-US')} samples, max open ${maxOpen.toLocaleString('en-US')}`);
  console.log('| events | heap MB (world included) | open impressions | samples |');
  console.log('|---:|---:|---:|---:|');
  for (const m of marks) console.log(`| ${m.events.toLocaleString('en-US')} | ${m.heap_mb} | ${m.open.toLocaleString('en-US')} | ${m.samples.toLocaleString('en-US')} |`);
}

export default async function bench(opts: Opts): Promise<void> {
  if (opts.args.includes('--long')) { await long(opts); return; }
  const impressions = Number(arg(opts.args, 'impressions') ?? (opts.quick ? 20_000 : 100_000));
  const url = arg(opts.args, 'redis') ?? 'redis://127.0.0.1:6379';
  const prefix = `lr:bench:stream:${process.pid}:`;
  const admin = new Redis({ ...parseRedisUrl(url), lazyConnect: true });
  await admin.connect(); // fails loudly when Redis is down
  const world = generateWorld({ impressions, seed: 1 });
  const events: StreamEvent[] = [...worldEvents(world.impressions)];
  const N = events.length;
  const rows: Row[] = [];
  const row = (stage: string, events: number, ms: number, note = '') => {
    const r = { stage, events, seconds: ms / 1000, events_per_s: events / (ms / 1000), note };
    rows.push(r);
    if (opts.json) console.log(JSON.stringify({ bench: 'stream', impressions, ...r }));
  };
  const es = await RedisEventStream.connect(parseRedisUrl(url));
  try {
    // 1. simulate → Redis
    const s1 = { events: `${prefix}1:e`, samples: `${prefix}1:s`, dead: `${prefix}1:d` };
    let t = Date.now();
    await replayEvents(es, events, { stream: s1.events, speed: 0, batch: 1000 });
    row('simulate → Redis', N, Date.now() - t, 'JSON + pipelined XADD, batches of 1000');
    // 2. Redis → join → Redis
    t = Date.now();
    const p = await runJoin(es, { streams: s1, blockMs: 0, stopOnIdleMs: 0, batch: 2000, checkpointIntervalMs: 1e12 });
    row('Redis → join → Redis', p.records, Date.now() - t, `${p.counters.samples} samples; XREADGROUP 2000 + XADD + XACK`);
    // 3. both in one process
    const s3 = { events: `${prefix}3:e`, samples: `${prefix}3:s`, dead: `${prefix}3:d` };
    t = Date.now();
    let tDone = 0;
    const joining = runJoin(es, {
      streams: s3, blockMs: 100, stopOnIdleMs: 500, batch: 2000, checkpointIntervalMs: 1e12,
      onProgress: (q) => { if (!tDone && q.counters.samples >= impressions) tDone = Date.now(); },
    });
    await replayEvents(es, events, { stream: s3.events, speed: 0, batch: 1000 });
    const p3 = await joining;
    row('end to end, 1 process', N, tDone - t, `${p3.counters.samples} samples; until the last sample was appended`);
    // 4. joiner in its own process
    const s4 = { events: `${prefix}4:e`, samples: `${prefix}4:s`, dead: `${prefix}4:d` };
    await es.append(s4.events, [JSON.stringify({ type: 'heartbeat', event_id: 'prime', ts: 0 })]);
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'liverank.mjs');
    const child = spawn(process.execPath, [bin, 'join', '--redis', url, '--stream', s4.events, '--samples', s4.samples, '--dead', s4.dead, '--until-idle', '3', '--checkpoint-seconds', '1000000', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let childOut = '';
    child.stdout!.on('data', (d) => { childOut += String(d); });
    // wait until the child has read the priming record (its startup is not timed)
    for (const t0 = Date.now(); ;) {
      const groups = await admin.call('XINFO', 'GROUPS', s4.events).catch(() => []) as unknown[];
      if (JSON.stringify(groups).includes('"entries-read",1') || JSON.stringify(groups).includes('entries-read","1')) break;
      if (child.exitCode !== null) throw new Error(`liverank join exited ${child.exitCode}: ${childOut}`);
      if (Date.now() - t0 > 60_000) throw new Error('liverank join did not start within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    t = Date.now();
    await replayEvents(es, events, { stream: s4.events, speed: 0, batch: 1000 });
    const tSim = Date.now() - t;
    while ((await admin.xlen(s4.samples)) < impressions) {
      if (child.exitCode !== null) throw new Error(`liverank join exited early: ${childOut}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const tAll = Date.now() - t;
    row('end to end, 2 processes', N, tAll, `simulate done after ${(tSim / 1000).toFixed(1)} s; last of ${impressions} samples after ${(tAll / 1000).toFixed(1)} s`);
    await once(child, 'exit');
  } finally {
    await es.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  }
  if (!opts.json) {
    console.log(`world: ${impressions.toLocaleString('en-US')} impressions → ${N.toLocaleString('en-US')} events; Redis ${url}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log('| stage | events | seconds | events/s | note |');
    console.log('|---|---:|---:|---:|---|');
    for (const r of rows) console.log(`| ${r.stage} | ${r.events.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.events_per_s).toLocaleString('en-US')} | ${r.note} |`);
  }
}
