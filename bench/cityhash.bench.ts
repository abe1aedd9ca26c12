// CityHash64 throughput: M hashes/s of the fast path (v1.1 and v1.0.2) for 16/32/64-byte keys, the
// BigInt-returning convenience function, and the pure-BigInt reference implementation.
// Rates are reported per second of wall time and per second of process CPU time (the machine is
// shared, so the CPU-time rate is the steadier number). `--quick` shortens the runs.
import { cityHash64, cityHash64Into, type CityVersion } from '../src/features/cityhash/index.js';
import { cityHash64Ref } from '../src/features/cityhash/reference.js';

interface BenchOptions { json: boolean; quick: boolean; args: string[] }

const KEYS = 1 << 12; // distinct keys per size (cycled), like a batch of feature crosses
const VERSIONS: CityVersion[] = ['v1.1', 'v1.0.2'];

function makeKeys(bytes: number): Uint8Array {
  const buf = new Uint8Array(KEYS * bytes);
  let x = 0x9e3779b9;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

interface Rate { wall: number; cpu: number }

/** Runs fn(iters) `reps` times and keeps the best rate (least disturbed by other processes). */
function measure(fn: (iters: number) => number, iters: number, reps: number): Rate {
  let sink = fn(Math.min(iters, 20000)); // warm-up / optimisation
  let best: Rate = { wall: 0, cpu: 0 };
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    sink ^= fn(iters);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cu = process.cpuUsage(c0);
    const cpu = (cu.user + cu.system) / 1e6;
    const rate = { wall: iters / wall / 1e6, cpu: cpu > 0 ? iters / cpu / 1e6 : NaN };
    if (rate.cpu > best.cpu || Number.isNaN(best.cpu)) best = rate;
  }
  if (sink === 0x7fffffff) console.log(''); // keep the results alive
  return best;
}

function fastLoop(keys: Uint8Array, bytes: number, version: CityVersion): (iters: number) => number {
  const out = new Uint32Array(2);
  return (iters) => {
    let acc = 0;
    for (let i = 0, k = 0; i < iters; i++) {
      cityHash64Into(keys, k * bytes, bytes, out, version);
      acc ^= out[1];
      k = (k + 1) & (KEYS - 1);
    }
    return acc;
  };
}

function bigintLoop(keys: Uint8Array, bytes: number, version: CityVersion, ref: boolean): (iters: number) => number {
  const views = Array.from({ length: KEYS }, (_, k) => keys.subarray(k * bytes, (k + 1) * bytes));
  return (iters) => {
    let acc = 0n;
    for (let i = 0, k = 0; i < iters; i++) {
      acc ^= ref ? cityHash64Ref(views[k], 0, bytes, version) : cityHash64(views[k], version);
      k = (k + 1) & (KEYS - 1);
    }
    return Number(acc & 0xffffn);
  };
}

export default async function bench(opts: BenchOptions): Promise<void> {
  const scale = opts.quick ? 0.2 : 1;
  const reps = opts.quick ? 3 : 5;
  const rows: { bytes: number; version: CityVersion; path: string; rate: Rate }[] = [];
  for (const bytes of [16, 32, 64]) {
    const keys = makeKeys(bytes);
    for (const version of VERSIONS) {
      rows.push({ bytes, version, path: 'fast', rate: measure(fastLoop(keys, bytes, version), Math.round(2e6 * scale), reps) });
      rows.push({ bytes, version, path: 'bigint-result', rate: measure(bigintLoop(keys, bytes, version, false), Math.round(5e5 * scale), reps) });
      rows.push({ bytes, version, path: 'bigint-reference', rate: measure(bigintLoop(keys, bytes, version, true), Math.round(2e4 * scale), 2) });
    }
  }
  if (opts.json) {
    for (const r of rows) {
      console.log(JSON.stringify({ bench: 'cityhash', bytes: r.bytes, version: r.version, path: r.path,
        mhash_per_s: +r.rate.wall.toFixed(3), mhash_per_cpu_s: +r.rate.cpu.toFixed(3) }));
    }
    return;
  }
  console.log('bytes  version  path              M hash/s (wall)  M hash/s (cpu)');
  for (const r of rows) {
    console.log(`${String(r.bytes).padStart(5)}  ${r.version.padEnd(7)}  ${r.path.padEnd(16)}  ${r.rate.wall.toFixed(3).padStart(15)}  ${r.rate.cpu.toFixed(3).padStart(14)}`);
  }
}
