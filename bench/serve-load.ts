// The serving benchmark's moving parts: the service started as `liverank serve` in its own process
// (the same code path as the CLI; the load generator does not share its event loop), and an
// autocannon run that records every response's end-to-end time (ms, not autocannon's integer-ms
// histogram) and the stage timings the service reports with `debug: true`.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The subset of autocannon's programmatic API used here (the package ships no types). */
interface Instance extends PromiseLike<AcResult> {
  on(ev: 'response', cb: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
interface AcResult { errors: number; timeouts: number; non2xx: number; duration: number; requests: { total: number } }
type Autocannon = (o: Record<string, unknown>) => Instance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'liverank.mjs');

export interface Server { url: string; pid: number; stop(): Promise<void>; log(): string }

/** Starts `liverank serve --run RUN --port 0 ...args` and resolves with its address once it listens. */
export async function startServer(runDir: string, args: string[] = [], timeoutMs = 600_000): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--run', runDir, '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LIVERANK_ADMIN_TOKEN: '' },
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`liverank serve did not listen within ${timeoutMs} ms:\n${err}`)); }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /liverank serve: (http:\/\/[^\s]+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`liverank serve exited (code ${code}) before listening:\n${err}`)); });
  });
  return {
    url,
    pid: child.pid!,
    log: () => err,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface LoadResult {
  /** End-to-end milliseconds of every 2xx response. */
  latencies: number[];
  /** Per stage (the response's `timings` keys, e.g. featurize_ms, infer_ms, total_ms): milliseconds. */
  stages: Record<string, number[]>;
  rps: number;
  requests: number;
  /** Transport errors + timeouts + non-2xx responses. */
  errors: number;
  /** First non-2xx body seen (for the report). */
  firstError?: string;
}

const TIMINGS = /"timings":(\{[^{}]*\})/;

function stageTimings(body: string, stages: Record<string, number[]>): void {
  const m = TIMINGS.exec(body.length > 4096 ? body.slice(-4096) : body); // timings come last in the reply
  if (!m) return;
  for (const [k, v] of Object.entries(JSON.parse(m[1]!) as Record<string, unknown>)) if (typeof v === 'number') (stages[k] ??= []).push(v);
}

/** Drives POST `path` with `bodies` (cycled per connection) for `seconds` at `connections` concurrent connections (closed loop). */
export async function drive(url: string, path: string, bodies: string[], connections: number, seconds: number): Promise<LoadResult> {
  const stages: Record<string, number[]> = {};
  let firstError: string | undefined;
  const onResponse = (status: number, body: string) => {
    if (status < 200 || status >= 300) { firstError ??= `${status} ${body.slice(0, 300)}`; return; }
    stageTimings(body, stages);
  };
  const latencies: number[] = [];
  const inst = autocannon({
    url: url + path,
    connections,
    duration: seconds,
    timeout: 10,
    requests: bodies.map((body) => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body, onResponse })),
  });
  inst.on('response', (_c, status, _b, ms) => { if (status >= 200 && status < 300) latencies.push(ms); });
  const r = await inst;
  return {
    latencies, stages, requests: r.requests.total, rps: latencies.length / r.duration,
    errors: r.errors + r.timeouts + r.non2xx, ...(firstError ? { firstError } : {}),
  };
}

/**
 * Open loop at a fixed rate: one request every 1/rate s (whether or not earlier ones have answered),
 * over keep-alive connections, for `seconds`. Latency runs from the scheduled send time to the last
 * byte, so queueing in the service counts (autocannon's rate limit releases each connection's
 * per-second quota in a burst, which is a closed loop at full concurrency, not a rate).
 */
export async function pace(url: string, path: string, bodies: string[], rate: number, seconds: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(url);
  const stages: Record<string, number[]> = {};
  const latencies: number[] = [];
  let errors = 0, firstError: string | undefined;
  const total = Math.round(rate * seconds), t0 = performance.now();
  const one = (i: number) => new Promise<void>((resolve) => {
    const due = t0 + (i * 1000) / rate;
    const body = bodies[i % bodies.length]!;
    const req = http.request({ host: hostname, port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode! >= 200 && res.statusCode! < 300) { latencies.push(performance.now() - due); stageTimings(text, stages); }
        else { errors++; firstError ??= `${res.statusCode} ${text.slice(0, 300)}`; }
        resolve();
      });
    });
    req.on('error', (e) => { errors++; firstError ??= e.message; resolve(); });
    req.end(body);
  });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(i));
  }
  await Promise.all(pending);
  const dur = (performance.now() - t0) / 1000;
  agent.destroy();
  return { latencies, stages, requests: total, rps: latencies.length / dur, errors, ...(firstError ? { firstError } : {}) };
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields after "pid (comm) "
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** The q-quantile (nearest rank) of `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
