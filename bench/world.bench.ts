// Synthetic world generation speed: impressions per second for the default 1 M world (seed 1),
// and the phases (population + prior history, impression times, impression loop, side tables).
// `npm run bench -- world [--quick] [--json] [--impressions=100000,1000000,5000000]`
import { generateWorld } from '../src/data/world/generate.js';
import { summarizeWorld } from '../src/data/world/stats.js';

interface Opts { json: boolean; quick: boolean; args: string[] }

export default async function bench(opts: Opts): Promise<void> {
  const arg = opts.args.find((a) => a.startsWith('--impressions='));
  const sizes = arg ? arg.slice(14).split(',').map(Number) : opts.quick ? [200_000] : [100_000, 1_000_000];
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    const w = generateWorld({ impressions: n, seed: 1 });
    const wall = performance.now() - t0; const c = process.cpuUsage(c0);
    const t1 = performance.now();
    summarizeWorld(w);
    const statsMs = performance.now() - t1;
    const mem = process.memoryUsage();
    const row = {
      impressions: n,
      wall_s: +(wall / 1000).toFixed(2),
      cpu_s: +((c.user + c.system) / 1e6).toFixed(2),
      imps_per_s: Math.round(n / (wall / 1000)),
      population_s: +(w.meta.phaseMs.population / 1000).toFixed(2),
      times_s: +(w.meta.phaseMs.times / 1000).toFixed(2),
      loop_s: +(w.meta.phaseMs.impressions / 1000).toFixed(2),
      tables_s: +(w.meta.phaseMs.tables / 1000).toFixed(2),
      stats_s: +(statsMs / 1000).toFixed(2),
      rss_mb: Math.round(mem.rss / 2 ** 20),
    };
    rows.push(row);
    if (opts.json) console.log(JSON.stringify({ bench: 'world', ...row }));
  }
  if (!opts.json) {
    const head = Object.keys(rows[0]!);
    const table = [head, ...rows.map((r) => head.map((h) => String(r[h])))];
    const wd = head.map((_, j) => Math.max(...table.map((r) => r[j]!.length)));
    for (const r of table) console.log(r.map((v, j) => v.padStart(wd[j]!)).join('  '));
    console.log('(wall and CPU seconds of generateWorld on this machine; stats = summarizeWorld incl. oracle AUCs)');
  }
}
