// Featurization throughput on the synthetic world with examples/world-features.yaml (51 features,
// 12 hashed crosses of 2–3 fields, 2 sequences of 20, 9 real-time counters).
//   npm run bench -- features [--quick] [--json] [--rows=N] [--config=path]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sliceTable, type Table } from '../src/data/table.js';
import { generateWorld } from '../src/data/world/generate.js';
import { CounterReplay, fitFeatures, loadFeatureConfig, materializeCounters, transform, type FeatureBatch } from '../src/features/index.js';

interface Opts { json: boolean; quick: boolean; args: string[] }

function arg(args: string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

export default async function bench(opts: Opts): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const rows = Number(arg(opts.args, 'rows') ?? (opts.quick ? 50_000 : 200_000));
  const cfgPath = arg(opts.args, 'config') ?? join(root, 'examples/world-features.yaml');
  const cfg = loadFeatureConfig(cfgPath);
  const nCross = cfg.features.filter((f) => f.kind === 'cross').length;
  const n3 = cfg.features.filter((f) => f.kind === 'cross' && f.fields.length === 3).length;

  let t = performance.now();
  const world = generateWorld({ impressions: rows, seed: 1 });
  const genMs = performance.now() - t;
  const table = world.impressions;

  t = performance.now();
  const fitted = fitFeatures(cfg, table);
  const fitMs = performance.now() - t;

  t = performance.now();
  const mat = materializeCounters(fitted, table, CounterReplay.fromConfig(cfg));
  const counterMs = performance.now() - t;

  const B = 4096;
  const batches: Table[] = [];
  for (let a = 0; a < mat.numRows; a += B) batches.push(sliceTable(mat, a, a + B));
  transform(fitted, batches[0]!); // compile + warm caches

  // wall time and this process's CPU time (the machine is shared: CPU time is less disturbed)
  const results: { name: string; rows: number; ms: number; cpuMs: number }[] = [];
  const time = (name: string, n: number, fn: () => void) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    results.push({ name, rows: n, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
  };
  for (let rep = 0; rep < (opts.quick ? 1 : 3); rep++) {
    time(`transform, batches of ${B} (counters materialized)`, mat.numRows, () => { for (const b of batches) transform(fitted, b); });
  }
  time('transform + counter replay, batches of 4096', table.numRows, () => {
    const replay = CounterReplay.fromConfig(cfg);
    for (let a = 0; a < table.numRows; a += B) transform(fitted, sliceTable(table, a, a + B), { counters: replay });
  });
  const req: Table[] = [];
  for (let a = 0; a < mat.numRows; a += 256) req.push(sliceTable(mat, a, a + 256));
  let reqOut: FeatureBatch | undefined;
  time('transform, 256 rows per call (a serving request)', mat.numRows, () => {
    for (const b of req) reqOut = transform(fitted, b, reqOut ? { out: reqOut } : {});
  });
  const single = Math.min(20_000, mat.numRows);
  const one: Table[] = [];
  for (let r = 0; r < single; r++) one.push(sliceTable(mat, r, r + 1));
  let out: FeatureBatch | undefined;
  time('transform, one row per call (serving path)', single, () => {
    for (const b of one) out = transform(fitted, b, out ? { out } : {});
  });

  const rowsPerSec = (r: { rows: number; ms: number }) => Math.round((r.rows / r.ms) * 1000);
  const cpuRowsPerSec = (r: { rows: number; cpuMs: number }) => Math.round((r.rows / r.cpuMs) * 1000);
  if (opts.json) {
    const base = { bench: 'features', config: cfgPath, features: cfg.features.length, crosses: nCross, rows };
    console.log(JSON.stringify({ ...base, step: 'generate world', ms: Math.round(genMs) }));
    console.log(JSON.stringify({ ...base, step: 'fit', ms: Math.round(fitMs) }));
    console.log(JSON.stringify({ ...base, step: 'materialize counters (replay)', ms: Math.round(counterMs), rowsPerSec: Math.round((rows / counterMs) * 1000) }));
    for (const r of results) console.log(JSON.stringify({ ...base, step: r.name, ms: Math.round(r.ms), cpuMs: Math.round(r.cpuMs), rowsPerSec: rowsPerSec(r), cpuRowsPerSec: cpuRowsPerSec(r) }));
    return;
  }
  console.log(`config ${cfgPath}: ${cfg.features.length} features (${nCross} crosses, ${n3} of 3 fields), ${cfg.counters.length} counters; world ${rows} rows (generated in ${(genMs / 1000).toFixed(1)} s)`);
  console.log(`fit ${(fitMs / 1000).toFixed(2)} s; counter replay (materialize) ${(counterMs / 1000).toFixed(2)} s = ${Math.round((rows / counterMs) * 1000)} rows/s`);
  console.log('step'.padEnd(52) + 'rows'.padStart(9) + 'ms'.padStart(9) + 'rows/s'.padStart(11) + 'cpu ms'.padStart(9) + 'rows/cpu-s'.padStart(12));
  for (const r of results) {
    console.log(r.name.padEnd(52) + String(r.rows).padStart(9) + r.ms.toFixed(0).padStart(9) + String(rowsPerSec(r)).padStart(11)
      + r.cpuMs.toFixed(0).padStart(9) + String(cpuRowsPerSec(r)).padStart(12));
  }
}
