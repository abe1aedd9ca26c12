// `liverank seesaw --mtl RUN/metrics.json --single TASK=RUN/metrics.json ...`: each task's metric in
// the multi-task run minus the single-task model's (PLE's MTL gain, Eq. 11).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { formatSeesaw, seesawTable, type MatrixJSON } from '../../metrics/index.js';

function readMatrix(path: string): MatrixJSON {
  const p = path.endsWith('.json') ? path : `${path.replace(/\/$/, '')}/metrics.json`;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as MatrixJSON;
  } catch (e) {
    throw new Error(`cannot read metric matrix ${p}: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('seesaw')
    .description('MTL gain per task: the multi-task run minus single-task runs (metrics.json files or run dirs)')
    .requiredOption('--mtl <path>', 'metrics.json (or run dir) of the multi-task model')
    .requiredOption('--single <task=path...>', 'single-task runs, one per task')
    .option('--slices <which>', 'all | by_scenario | by_country', 'all')
    .option('--json', 'print the table as JSON')
    .action((o: { mtl: string; single: string[]; slices: string; json?: boolean }) => {
      if (!['all', 'by_scenario', 'by_country'].includes(o.slices)) throw new Error(`--slices: "${o.slices}" is not allowed; allowed: all, by_scenario, by_country`);
      const singles: Record<string, MatrixJSON> = {};
      for (const s of o.single) {
        const i = s.indexOf('=');
        if (i <= 0) throw new Error(`--single: expected TASK=PATH, got "${s}"`);
        singles[s.slice(0, i)] = readMatrix(s.slice(i + 1));
      }
      const t = seesawTable(readMatrix(o.mtl), singles, { slices: o.slices as 'all' });
      process.stdout.write(o.json ? `${JSON.stringify(t, null, 1)}\n` : `${formatSeesaw(t)}\n`);
    });
}
