// The streaming trainer end to end: read from the stream → decode → featurize → bounded tables →
// train step (predict-then-train metrics from its forward pass) → ack, with checkpoints (model +
// offset) every 50 batches. Two measurements:
//   redis      samples/s through a test-owned redis-server (XREADGROUP / XACK), 100k samples
//              pre-appended (20k with --quick); skipped when redis-server is not installed
//   synthetic  1 M samples (100k with --quick) from an in-process generator stream (10 passes over a
//              world whose user / streamer ids are shifted each pass, so the tables see ~10× the keys
//              and must evict), RSS sampled along the way: bounded tables keep memory flat
// Goal (issue 19): ≥ 5 000 events/s on 2 cores. Args: --batch=N (default 512), --capacity=N (20000: below the keys of 10 passes, so the tables evict).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStream, ReadOptions, StreamRecord } from '../src/data/stream/types.js';
import { RedisEventStream } from '../src/data/stream/redis.js';
import { STREAMS } from '../src/data/stream/names.js';
import { freePort, OwnRedis } from '../src/data/stream/redis-server.fixture.js';
import { generateWorld } from '../src/data/world/generate.js';
import { isStringColumn, type Table } from '../src/data/table.js';
import { streamConfig } from '../src/train/stream/fixture.js';
import { trainStream } from '../src/train/stream/trainer.js';

interface Opts { json: boolean; quick: boolean; args: string[] }

/** Row i of the world as a JSON body template: [prefix, suffix] around the shifted user / streamer ids. */
function templates(t: Table): { rest: string[]; user: Float64Array; streamer: Float64Array } {
  const names = Object.keys(t.columns).filter((n) => n !== 'user_id' && n !== 'streamer_id');
  const rest: string[] = new Array(t.numRows);
  for (let i = 0; i < t.numRows; i++) {
    const o: Record<string, unknown> = {};
    for (const n of names) { const c = t.columns[n]!; const v = c[i]; o[n] = isStringColumn(c) ? v : Number.isNaN(v as number) ? null : v; }
    rest[i] = JSON.stringify(o).slice(1); // without the opening brace
  }
  return { rest, user: Float64Array.from(t.columns.user_id as ArrayLike<number>), streamer: Float64Array.from(t.columns.streamer_id as ArrayLike<number>) };
}

function body(tp: ReturnType<typeof templates>, n: number): string {
  const base = tp.rest.length, pass = Math.floor(n / base), i = n % base;
  return `{"sample_id":"p${pass}-${i}","user_id":${tp.user[i]! + pass * 1_000_000},"streamer_id":${tp.streamer[i]! + pass * 1_000_000},${tp.rest[i]}`;
}

/** An EventStream that generates `total` sample records on demand (nothing stored: the trainer's memory is what is measured). */
class GeneratedStream implements EventStream {
  private next = 0;
  dead = 0;
  constructor(private readonly tp: ReturnType<typeof templates>, private readonly total: number) {}
  async append(stream: string, bodies: readonly string[]): Promise<string[]> { this.dead += bodies.length; return bodies.map((_, i) => `2-${this.dead + i}`); }
  async ensureGroup(): Promise<void> {}
  async setGroupOffset(_s: string, _g: string, afterId: string): Promise<void> { this.next = afterId === '0' ? 0 : Number(afterId.split('-')[1]); }
  async read(_s: string, _g: string, _c: string, o: ReadOptions): Promise<StreamRecord[]> {
    const out: StreamRecord[] = [];
    while (out.length < o.count && this.next < this.total) { out.push({ id: `1-${this.next + 1}`, body: body(this.tp, this.next) }); this.next++; }
    return out;
  }
  async ack(): Promise<void> {}
  async length(): Promise<number> { return this.total; }
  async close(): Promise<void> {}
}

export default async function run(opts: Opts): Promise<void> {
  const arg = (k: string, d: number) => { const a = opts.args.find((x) => x.startsWith(`--${k}=`)); return a ? Number(a.slice(k.length + 3)) : d; };
  const batch = arg('batch', 512), capacity = arg('capacity', 20_000);
  const base = opts.quick ? 20_000 : 100_000, total = opts.quick ? 100_000 : 1_000_000;
  const cfg = streamConfig({ train: { epochs: 1, batch_size: batch } }, 1 << 22);
  const t0 = Date.now();
  const tp = templates(generateWorld({ impressions: base, seed: 9, days: 2 }).impressions);
  const rows: Record<string, unknown>[] = [];
  const say = (r: Record<string, unknown>) => { rows.push(r); if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`); };
  if (!opts.json) process.stdout.write(`world of ${base.toLocaleString('en-US')} impressions in ${((Date.now() - t0) / 1000).toFixed(1)} s; batch ${batch}, table capacity ${capacity.toLocaleString('en-US')} rows, admit after 2 sightings\n`);
  const common = { batch, bootstrap: 2000, checkpointEvery: 50 * batch, logEvery: 100 * batch, window: 20_000, admission: { capacity, admitAfter: 2, ttlSteps: 0 }, log: () => {} };

  // 1. through Redis
  let redis: OwnRedis | null = null;
  try {
    redis = new OwnRedis(await freePort());
    await redis.start();
  } catch (e) {
    redis = null;
    say({ bench: 'stream-train', case: 'redis', skipped: (e as Error).message });
  }
  if (redis) {
    const es = await RedisEventStream.connect({ port: redis.port });
    const n = opts.quick ? 20_000 : base;
    for (let i = 0; i < n; i += 5000) await es.append(STREAMS.samples, Array.from({ length: Math.min(5000, n - i) }, (_, k) => body(tp, i + k)));
    const out = mkdtempSync(join(tmpdir(), 'lr-bench-stream-'));
    const r = await trainStream(cfg, { ...common, out, stream: es, untilIdleMs: 500 });
    const secs = r.seconds - r.idleSeconds; // without the final idle wait
    say({ bench: 'stream-train', case: 'redis', samples: r.state.samples, seconds: +secs.toFixed(2), samples_per_s: Math.round(r.state.samples / secs), goal: 5000, click_auc: r.report.tasks.click?.all.auc, rss_mb: Math.round(process.memoryUsage().rss / 1e6) });
    await es.close();
    await redis.kill();
    rmSync(out, { recursive: true, force: true });
    rmSync(redis.dir, { recursive: true, force: true });
  }

  // 2. 1 M samples, RSS over the run
  const gs = new GeneratedStream(tp, total);
  const out = mkdtempSync(join(tmpdir(), 'lr-bench-stream-'));
  const rss: { records: number; rss_mb: number }[] = [];
  let recs = 0, maxRss = 0;
  const timer = setInterval(() => { const m = process.memoryUsage().rss; maxRss = Math.max(maxRss, m); }, 200);
  const r = await trainStream(cfg, {
    ...common, out, stream: gs, untilIdleMs: 0, logEvery: Math.max(batch, Math.floor(total / 10 / batch) * batch),
    log: (l) => { const m = /^stream: ([\d,]+) records/.exec(l); if (m) { recs = Number(m[1]!.replace(/,/g, '')); rss.push({ records: recs, rss_mb: Math.round(process.memoryUsage().rss / 1e6) }); } },
  });
  clearInterval(timer);
  const b = r.bounded;
  say({ bench: 'stream-train', case: 'synthetic-1M', samples: r.state.samples, seconds: +r.seconds.toFixed(1), samples_per_s: Math.round(r.state.samples / r.seconds), goal: 5000,
    click_auc: r.report.tasks.click?.all.auc, ev_auc: r.report.tasks.effective_view?.all.auc, rows_used: b.used, rows_capacity: b.capacity, admitted: b.admitted, evicted: b.evicted, table_mb: +(b.bytes / 1e6).toFixed(1), rss_max_mb: Math.round(maxRss / 1e6), rss_trace: rss });
  rmSync(out, { recursive: true, force: true });

  if (!opts.json) {
    process.stdout.write('case           samples   seconds  samples/s  goal   notes\n');
    for (const x of rows) {
      if (x.skipped) { process.stdout.write(`${String(x.case).padEnd(14)} skipped: ${x.skipped}\n`); continue; }
      const notes = x.case === 'redis' ? `click AUC ${(x.click_auc as number)?.toFixed(3)}, RSS ${x.rss_mb} MB`
        : `rows ${(x.rows_used as number).toLocaleString('en-US')}/${(x.rows_capacity as number).toLocaleString('en-US')}, admitted ${(x.admitted as number).toLocaleString('en-US')}, evicted ${(x.evicted as number).toLocaleString('en-US')}, tables ${x.table_mb} MB, RSS max ${x.rss_max_mb} MB`;
      process.stdout.write(`${String(x.case).padEnd(14)} ${String(x.samples).padStart(8)} ${String(x.seconds).padStart(9)} ${String(x.samples_per_s).padStart(10)} ${String(x.goal).padStart(5)}   ${notes}\n`);
    }
    const tr = rows.find((x) => x.case === 'synthetic-1M')?.rss_trace as { records: number; rss_mb: number }[] | undefined;
    if (tr) process.stdout.write(`RSS along the run: ${tr.map((p) => `${(p.records / 1000).toFixed(0)}k ${p.rss_mb} MB`).join(', ')}\n`);
  }
}
