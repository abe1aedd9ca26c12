// Exact AUC / GAUC (and XAUC, one matrix task) on 1 M and 10 M rows: time per call.
// `npm run bench -- metrics [--quick] [--json] [--rows=1000000,10000000]`
import { auc, AucAccumulator } from '../src/metrics/auc.js';
import { gaucOfRows } from '../src/metrics/gauc.js';
import { xauc } from '../src/metrics/regression.js';
import { MetricMatrix } from '../src/metrics/matrix.js';
import { Rng } from '../src/util/rng.js';

interface Opts { json: boolean; quick: boolean; args: string[] }

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const score = new Float64Array(n); const label = new Uint8Array(n); const user = new Int32Array(n);
  const weight = new Float64Array(n); const watch = new Float64Array(n);
  const nUsers = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < n; i++) {
    const z = rng.normal() - 2;
    score[i] = 1 / (1 + Math.exp(-(z + 0.8 * rng.normal())));
    label[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    user[i] = Math.floor(nUsers * rng.next() ** 2); // heavy-tailed activity
    weight[i] = 1 + rng.int(3);
    watch[i] = Math.exp(3 + z * 0.5 + rng.normal() * 0.5);
  }
  return { score, label, user, weight, watch, score32: Float64Array.from(Float32Array.from(score)) };
}

/** Wall and CPU time (user + system of this process, so less sensitive to other jobs) per call. */
function time(reps: number, f: () => unknown): { min: number; median: number; cpu: number; value: unknown } {
  const ts: number[] = []; const cs: number[] = [];
  let value: unknown;
  for (let r = 0; r < reps; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    value = f();
    ts.push(performance.now() - t);
    const dc = process.cpuUsage(c);
    cs.push((dc.user + dc.system) / 1000);
  }
  ts.sort((a, b) => a - b); cs.sort((a, b) => a - b);
  return { min: ts[0]!, median: ts[Math.floor(ts.length / 2)]!, cpu: cs[Math.floor(cs.length / 2)]!, value };
}

export default async function bench(opts: Opts): Promise<void> {
  const rowsArg = opts.args.find((a) => a.startsWith('--rows='));
  const sizes = rowsArg ? rowsArg.slice(7).split(',').map(Number) : opts.quick ? [1_000_000] : [1_000_000, 10_000_000];
  const rows: { name: string; rows: number; reps: number; min_ms: number; median_ms: number; cpu_ms: number; mrows_per_s: number; value: string }[] = [];
  for (const n of sizes) {
    const d = data(n, 42);
    const reps = n <= 2_000_000 ? 3 : 2;
    const cases: [string, () => unknown][] = [
      ['auc (float64 scores)', () => auc(d.score, d.label)],
      ['auc (float32-valued scores)', () => auc(d.score32, d.label)],
      ['auc weighted', () => auc(d.score, d.label, d.weight)],
      ['AucAccumulator add 10 batches + compute', () => {
        const acc = new AucAccumulator();
        const b = Math.ceil(n / 10);
        for (let s = 0; s < n; s += b) acc.addBatch({ scores: d.score.subarray(s, s + b), labels: d.label.subarray(s, s + b) });
        return acc.compute().auc;
      }],
      [`gauc (${Math.floor(n / 20).toLocaleString('en-US')} users)`, () => gaucOfRows(d.score, d.label, null, d.user, 'impressions').gauc],
      ['xauc exact (watch time)', () => xauc(d.score, d.watch).xauc],
      ['MetricMatrix 1 binary task, no slices', () => {
        const m = new MetricMatrix({ tasks: [{ name: 'ctr', kind: 'binary' }], calibrationBins: 0 });
        m.add({ preds: { ctr: d.score }, labels: { ctr: d.label }, user: d.user });
        return (m.toJSON().tasks.ctr!.all as { auc: number }).auc;
      }],
    ];
    for (const [name, f] of cases) {
      if (opts.quick && name.startsWith('MetricMatrix') && n > 1_000_000) continue;
      const t = time(reps, f);
      const v = typeof t.value === 'number' ? t.value.toFixed(6) : String(t.value);
      const row = { name, rows: n, reps, min_ms: +t.min.toFixed(1), median_ms: +t.median.toFixed(1), cpu_ms: +t.cpu.toFixed(1), mrows_per_s: +(n / 1000 / t.median).toFixed(2), value: v };
      rows.push(row);
      if (opts.json) console.log(JSON.stringify({ bench: 'metrics', ...row }));
    }
  }
  if (!opts.json) {
    console.log(`${'case'.padEnd(42)}${'rows'.padStart(12)}${'min ms'.padStart(10)}${'median ms'.padStart(11)}${'cpu ms'.padStart(9)}${'Mrows/s'.padStart(9)}  value`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(42)}${r.rows.toLocaleString('en-US').padStart(12)}${r.min_ms.toFixed(0).padStart(10)}${r.median_ms.toFixed(0).padStart(11)}${r.cpu_ms.toFixed(0).padStart(9)}${r.mrows_per_s.toFixed(2).padStart(9)}  ${r.value}`);
    }
    console.log('(median of 3 calls at ≤ 2 M rows, of 2 above; cpu ms = process CPU per call; Mrows/s from the median wall time;\n 2-core machine shared with other jobs: wall times are noisy)');
  }
}
