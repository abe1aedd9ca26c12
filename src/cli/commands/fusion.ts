// `liverank fusion search --scored ROWS.csv --config fusion.yaml --grid terms.gift.weight=0,5,20 …`
// Replays scored logged rows under every grid point of the fusion parameters and prints the trade-off
// frontier (mean realised outcomes in each request's top K) as a table; `--out` also writes it as TSV.
// Prediction columns default to `pred_<task>` for every task the config reads.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseFusionConfig } from '../../serving/fusion-config.js';
import { fusionSearch, frontierTable, frontierTsv } from '../../serving/fusion-search.js';
import { loadScoredCsv, parseGrid, parsePairs } from '../../serving/fusion-search-input.js';
import { frontierChart } from '../../serving/fusion-plot.js';
import { renderChart } from '../../diagnostics/report/render.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  const fusion = program.command('fusion').description('Score fusion tools');
  fusion.command('search')
    .description('replay scored logged rows over a grid of fusion parameters; print the trade-off frontier')
    .requiredOption('--scored <csv>', 'scored rows: request id, pred_<task> columns, outcome columns')
    .requiredOption('--config <yaml>', 'fusion config (the base parameters)')
    .option('--scenario <name>', 'use this scenario\'s parameters from the config')
    .option('--grid <key=v1,v2>', 'grid axis, e.g. terms.gift.weight=0,5,20 (repeatable)', collect, [] as string[])
    .option('--outcome <name=column>', 'realised outcome to measure (repeatable)', collect, [] as string[])
    .option('--pred <task=column>', 'prediction column of a task (default pred_<task>; repeatable)', collect, [] as string[])
    .option('--request <column>', 'request id column', 'request_id')
    .option('--top-k <n>', 'items per request that count', '10')
    .option('--out <tsv>', 'also write the table as TSV')
    .option('--plot <svg>', 'also write the frontier as an SVG chart (--x and --y name two outcomes)')
    .option('--x <outcome>', 'plot: outcome on the x axis (default: the first --outcome)')
    .option('--y <outcome>', 'plot: outcome on the y axis (default: the second --outcome)')
    .option('--size <outcome>', 'plot: outcome shown as the dot size')
    .action(async (o: { scored: string; config: string; scenario?: string; grid: string[]; outcome: string[]; pred: string[]; request: string; topK: string; out?: string; plot?: string; x?: string; y?: string; size?: string }) => {
      let text: string;
      try { text = readFileSync(o.config, 'utf8'); } catch (e) { throw new Error(`--config ${o.config}: ${(e as Error).message}`); }
      const cfg = parseFusionConfig(text, o.config);
      if (o.scenario && !cfg.scenarios[o.scenario]) throw new Error(`--scenario "${o.scenario}": not in ${o.config} (scenarios: ${Object.keys(cfg.scenarios).join(', ') || 'none'})`);
      const base = cfg.forScenario(o.scenario ?? '').fusion;
      const topK = Number(o.topK);
      if (!Number.isInteger(topK) || topK < 1) throw new Error(`--top-k: expected an integer ≥ 1, got "${o.topK}"`);
      const grid = parseGrid(o.grid);
      if (!Object.keys(grid).length) throw new Error('--grid: give at least one axis, e.g. --grid terms.gift.weight=0,5,20');
      const outcomes = parsePairs('--outcome', o.outcome);
      if (!Object.keys(outcomes).length) throw new Error('--outcome: give at least one, e.g. --outcome gift=gift --outcome watch=watch_s');
      const explicit = parsePairs('--pred', o.pred);
      const tasks = [...(base.gate ? [base.gate.task] : []), ...base.terms.map((t) => t.task)];
      const preds = Object.fromEntries(tasks.map((t) => [t, explicit[t] ?? `pred_${t}`]));
      const data = loadScoredCsv(o.scored, { requestCol: o.request, preds, outcomes });
      const rows = fusionSearch(data, base, grid, topK);
      const table = frontierTable(rows);
      process.stdout.write(`${data.n} rows, top ${topK} per request; * = on the frontier (no point is ≥ on every outcome and > on one)\n${table}`);
      if (o.out) writeFileSync(o.out, frontierTsv(rows));
      if (o.plot) {
        const names = Object.keys(outcomes);
        const x = o.x ?? names[0]!, y = o.y ?? names[1] ?? names[0]!;
        const warnings: string[] = [];
        writeFileSync(o.plot, await renderChart(frontierChart(rows, x, y, o.size), warnings));
        for (const w of warnings) process.stderr.write(`${w}\n`);
        process.stdout.write(`wrote ${o.plot}\n`);
      }
    });
}
