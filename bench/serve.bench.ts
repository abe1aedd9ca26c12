// `npm run bench -- serve [--json] [--quick] [--run=runs/demo] [--seconds=10] [--connections=4]
//  [--requests=20] [--repeat=1] [--rate=200] [--serve-arg=--workers=2 ...]`
// Starts `liverank serve --run RUN` on loopback in its own process and drives POST /rank with
// autocannon (docs/serving.md "Speed"):
//   fine_rank_500  the demo world's test-period request snapshots, 500 live candidates each (with
//                  their counter features replayed from the log), at 1 connection (latency) and at
//                  --connections (throughput);
//   funnel         the same requests without candidates (recall → coarse → fine → re-rank), when the
//                  service answers them (reported as not available otherwise), also at a target
//                  rate (--rate, default 200 requests/s: the issue's funnel goal; an open loop of
//                  evenly spaced requests, conn = 0 in the table).
// Prints p50/p99 and requests/s end to end and per stage (the response's debug timings); with --json
// one line per measurement: {"bench":"serve","case","mode","connections","stage","p50_ms","p99_ms","rps","errors"}.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './run.js';
import { benchRequests, checkRun, type BenchData } from './serve-data.js';
import { cpuSeconds, drive, pace, quantile, startServer, type LoadResult } from './serve-load.js';

interface Args { run: string; seconds: number; connections: number; requests: number; repeat: number; rate: number; serveArgs: string[] }

function parseArgs(o: BenchOptions): Args {
  const val = (k: string) => o.args.filter((a) => a.startsWith(`--${k}=`)).map((a) => a.slice(k.length + 3));
  const num = (k: string, d: number) => {
    const v = val(k).pop();
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench serve: --${k}=${v}: expected a positive integer`);
    return n;
  };
  return {
    run: val('run').pop() ?? 'runs/demo',
    seconds: num('seconds', o.quick ? 3 : 10),
    connections: num('connections', 4),
    requests: num('requests', o.quick ? 8 : 20),
    repeat: num('repeat', 1),
    rate: num('rate', 200),
    serveArgs: val('serve-arg').flatMap((a) => a.split('=')),
  };
}

/** Request bodies (cached in the OS temp dir per model and size: the counter replay takes ~20 s). */
function bodies(run: string, sha: string, columns: string[], count: number, log: (s: string) => void): BenchData {
  const key = createHash('sha256').update(JSON.stringify({ v: 2, sha, columns, count, candidates: 500 })).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `liverank-bench-serve-${key}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BenchData;
  const d = benchRequests(run, columns, count, 500);
  log(`  demo world + ${count} request snapshots: ${(d.world_ms / 1000).toFixed(1)} s; counters replayed: ${(d.counters_ms / 1000).toFixed(1)} s (cached in ${file})`);
  writeFileSync(file, JSON.stringify(d));
  return d;
}

/** Loads the funnel's state through POST /events: the room sessions live during the requests and the users' profiles. */
async function loadEvents(url: string, d: BenchData): Promise<string | null> {
  const post = async (body: object) => {
    const r = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return r.ok ? null : `POST /events → ${r.status} ${(await r.text()).slice(0, 200)}`;
  };
  for (let i = 0; i < d.rooms.length; i += 5000) { const e = await post({ rooms: d.rooms.slice(i, i + 5000) }); if (e) return e; }
  for (let i = 0; i < d.users.length; i += 5000) { const e = await post({ users: d.users.slice(i, i + 5000) }); if (e) return e; }
  return null;
}

interface Row { case: string; mode: string; connections: number; stage: string; p50_ms: number; p99_ms: number; min_ms: number; rps: number; errors: number; requests: number; server_cpu_ms_per_req: number }

function rowsOf(kase: string, mode: string, connections: number, r: LoadResult, cpuS: number): Row[] {
  const base = { case: kase, mode, connections, rps: r.rps, errors: r.errors, requests: r.requests, server_cpu_ms_per_req: (cpuS * 1000) / Math.max(1, r.requests) };
  const min = (xs: number[]) => xs.reduce((m, x) => Math.min(m, x), Infinity);
  const out: Row[] = [{ ...base, stage: 'end_to_end', p50_ms: quantile(r.latencies, 0.5), p99_ms: quantile(r.latencies, 0.99), min_ms: min(r.latencies) }];
  for (const [k, v] of Object.entries(r.stages)) out.push({ ...base, stage: k.replace(/_ms$/, ''), p50_ms: quantile(v, 0.5), p99_ms: quantile(v, 0.99), min_ms: min(v) });
  return out;
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

export default async function serveBench(o: BenchOptions): Promise<void> {
  const a = parseArgs(o);
  const missing = checkRun(a.run);
  if (missing) {
    console.error(`bench serve: ${missing}. Make the demo run first: npm run demo   (writes runs/demo; or pass --run=DIR of another exported run)`);
    process.exit(1);
  }
  const log = (s: string) => { if (!o.json) console.log(s); else process.stderr.write(s + '\n'); };
  const server = await startServer(a.run, a.serveArgs);
  try {
    const health = await (await fetch(`${server.url}/health`)).json() as { model: { sha256: string; columns: string[] } };
    log(`  liverank serve --run ${a.run} ${a.serveArgs.join(' ')} (pid ${server.pid}) at ${server.url}, model ${health.model.sha256.slice(0, 12)}…, ${health.model.columns.length} input columns`);
    const data = bodies(a.run, health.model.sha256, health.model.columns, a.requests, log);
    const fine = data.fine.map((b) => JSON.stringify({ ...b, debug: true }));
    log(`  ${fine.length} requests × ${data.fine[0]!.candidates!.length} candidates (${(fine.reduce((s, b) => s + b.length, 0) / fine.length / 1024).toFixed(0)} KiB a body); ${a.seconds} s per run, ${a.repeat} run(s) per case, warm-up 1 s`);

    const rows: Row[] = [];
    const measure = async (kase: string, bodiesOf: string[], withRate: boolean) => {
      const modes: [string, number, number | undefined][] = [['latency', 1, undefined], ['throughput', a.connections, undefined]];
      if (withRate) modes.push([`rate_${a.rate}`, 0, a.rate]);
      for (const [mode, c, rate] of modes) {
        const run = (s: number) => (rate ? pace(server.url, '/rank', bodiesOf, rate, s) : drive(server.url, '/rank', bodiesOf, c, s));
        await run(1); // warm-up
        for (let i = 0; i < a.repeat; i++) {
          const cpu0 = cpuSeconds(server.pid);
          const r = await run(a.seconds);
          const cpu = cpuSeconds(server.pid) - cpu0;
          if (r.firstError) log(`  ${kase} ${mode}: first error: ${r.firstError}`);
          const rs = rowsOf(kase, mode, c, r, cpu);
          rows.push(...rs);
          if (o.json) for (const x of rs) console.log(JSON.stringify({ bench: 'serve', ...x, ...(a.repeat > 1 ? { repeat: i } : {}) }));
        }
      }
    };
    await measure('fine_rank_500', fine, false);
    // The funnel runs only when the service answers a request without candidates. A service started
    // with --world / --profiles has its own stores and clock: requests go out at its "now" (no ts) and
    // nothing is sent to POST /events; otherwise the rooms live during the requests and the users'
    // profiles are loaded first and each request carries its snapshot's time.
    const ownState = a.serveArgs.includes('--world') || a.serveArgs.includes('--profiles');
    let funnel = data.funnel.map((b) => JSON.stringify({ ...b, debug: true }));
    if (ownState) {
      funnel = data.funnel.map(({ ts: _ts, ...b }) => JSON.stringify({ ...b, debug: true }));
      log('  funnel state: the service\'s own (--world / --profiles), requests at its clock');
    } else {
      const loaded = await loadEvents(server.url, data);
      if (loaded) log(`  funnel state not loaded: ${loaded}`);
      else log(`  funnel state: ${data.rooms.length} room sessions live during the requests and ${data.users.length} user profiles sent to POST /events`);
    }
    const probe = await fetch(`${server.url}/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: funnel[0] });
    if (probe.ok) await measure('funnel', funnel, true);
    else {
      const msg = `funnel: not available from this service (POST /rank without candidates → ${probe.status} ${(await probe.text()).slice(0, 200)})`;
      log(`  ${msg}`);
      if (o.json) console.log(JSON.stringify({ bench: 'serve', case: 'funnel', available: false, p50_ms: null, p99_ms: null, rps: null, errors: null, note: msg }));
    }
    if (!o.json) printTable(rows, a.repeat);
  } finally {
    await server.stop();
  }
}

function printTable(rows: Row[], repeat: number): void {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.case}|${r.mode}|${r.connections}|${r.stage}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const med = (xs: number[]) => quantile(xs, 0.5);
  console.log(`\n| case | mode | conn | stage | p50 ms | p99 ms | min ms | req/s | server CPU ms/req | errors |${repeat > 1 ? ' p99 min / max over runs |' : ''}`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|${repeat > 1 ? '---|' : ''}`);
  for (const g of groups.values()) {
    const r = g[0]!;
    const p99s = g.map((x) => x.p99_ms);
    const first = r.stage === 'end_to_end';
    console.log(`| ${r.case} | ${r.mode} | ${r.connections} | ${r.stage} | ${f2(med(g.map((x) => x.p50_ms)))} | ${f2(med(p99s))} | ${f2(Math.min(...g.map((x) => x.min_ms)))} | ${first ? med(g.map((x) => x.rps)).toFixed(0) : ''} | ${first ? f2(med(g.map((x) => x.server_cpu_ms_per_req))) : ''} | ${first ? g.reduce((s, x) => s + x.errors, 0) : ''} |${repeat > 1 ? ` ${f2(Math.min(...p99s))} / ${f2(Math.max(...p99s))} |` : ''}`);
  }
}
