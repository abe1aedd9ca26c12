// `liverank coarse report --coarse RUN --fine RUN`: how consistent a coarse ranker's order is with the
// fine ranker's on held-out request snapshots of the world both were trained on (Kendall τ-b, top-k
// overlap, NDCG; mean ± sd over requests) and what scoring one request costs each (docs/coarse.md).
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { coarseReport, formatCoarseReport } from '../../train/distill-report.js';

function num(name: string, v: string, o: { int?: boolean; min?: number; max?: number } = {}): number {
  const x = Number(v);
  if (!Number.isFinite(x) || (o.int && !Number.isInteger(x)) || (o.min !== undefined && x < o.min) || (o.max !== undefined && x > o.max)) {
    throw new Error(`${name}: expected ${o.int ? 'an integer' : 'a number'}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}, got "${v}"`);
  }
  return x;
}

export function register(program: Command): void {
  const coarse = program.command('coarse').description('Coarse ranking (pre-ranking) tools');
  coarse.command('report')
    .description('consistency of a coarse ranker with the fine ranker on held-out request snapshots (τ-b, top-k overlap, NDCG, cost)')
    .requiredOption('--coarse <run>', 'the coarse ranker\'s run directory (exported model)')
    .requiredOption('--fine <run>', 'the fine ranker\'s run directory (e.g. runs/demo)')
    .option('--fine-task <task>', 'the fine order: this task\'s prediction', 'effective_view')
    .option('--fusion <yaml>', 'the fine order: the fused score of the fine run\'s predictions (e.g. examples/fusion.yaml)')
    .option('--coarse-task <task>', 'the coarse run\'s task that orders (default: its first task)')
    .option('--from <fraction>', 'requests from impressions in [from, to) of the world (test period: 0.85)', '0.85')
    .option('--to <fraction>', 'see --from', '1')
    .option('--requests <n>', 'number of requests', '300')
    .option('--candidates <n>', 'live rooms per request (at most)', '500')
    .option('--seed <n>', 'request sampling seed', '2')
    .option('--k <list>', 'top-k overlaps', '10,50,100')
    .option('--ndcg-k <n>', 'k of NDCG', '50')
    .option('--timed <n>', 'requests timed one by one', '50')
    .option('--json <file>', 'also write the report (with the per-request values) as JSON')
    .action(async (o: { coarse: string; fine: string; fineTask: string; fusion?: string; coarseTask?: string; from: string; to: string; requests: string; candidates: string; seed: string; k: string; ndcgK: string; timed: string; json?: string }) => {
      const from = num('--from', o.from, { min: 0, max: 1 }), to = num('--to', o.to, { min: 0, max: 1 });
      if (!(from < to)) throw new Error(`--from ${o.from} must be below --to ${o.to}`);
      const ks = o.k.split(',').map((s) => num('--k', s.trim(), { int: true, min: 1 }));
      const r = await coarseReport({
        coarse: o.coarse, fine: o.fine, fineTask: o.fineTask, fusion: o.fusion, coarseTask: o.coarseTask,
        requests: { from, to, count: num('--requests', o.requests, { int: true, min: 1 }), candidates: num('--candidates', o.candidates, { int: true, min: 2 }), seed: num('--seed', o.seed, { int: true }) },
        ks, ndcgK: num('--ndcg-k', o.ndcgK, { int: true, min: 1 }), timed: num('--timed', o.timed, { int: true, min: 1 }),
        log: (s) => process.stderr.write(`${s}\n`),
      });
      process.stdout.write(`${formatCoarseReport(r)}\n`);
      if (o.json) { writeFileSync(o.json, `${JSON.stringify(r, null, 1)}\n`); process.stdout.write(`wrote ${o.json}\n`); }
    });
}
