// `liverank compare -c FILE --out DIR [--seeds 1,2,3] [--resume | --overwrite]`: trains every model
// of a compare config on the same data and splits, writes DIR/compare.json and prints the table.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompareConfig, parseSeeds } from '../../train/compare-config.js';
import { runCompare } from '../../train/compare.js';
import { formatCompare } from '../../train/compare-report.js';

export function register(program: Command): void {
  program
    .command('compare')
    .description('train a list of models on the same data and splits; rank them by AUC gap to the oracle per scenario and country')
    .requiredOption('-c, --config <path>', 'compare config (base training config + models; see docs/compare.md)')
    .option('-o, --out <dir>', 'output directory (default runs/<compare name>)')
    .option('--seeds <list>', 'seeds, e.g. 1,2,3 (default: the config\'s seeds, else the base config\'s seed)')
    .option('--resume', 'reuse finished runs in --out and continue interrupted ones')
    .option('--overwrite', 'delete runs already in --out and train them again')
    .option('-v, --verbose', 'the trainer\'s progress and log lines for every run')
    .action(async (o: { config: string; out?: string; seeds?: string; resume?: boolean; overwrite?: boolean; verbose?: boolean }) => {
      if (o.resume && o.overwrite) throw new Error('--resume and --overwrite exclude each other');
      const cc = loadCompareConfig(o.config);
      const out = o.out ?? join('runs', cc.name);
      const r = await runCompare(cc, { out, seeds: o.seeds ? parseSeeds(o.seeds) : undefined, resume: o.resume, overwrite: o.overwrite, verbose: o.verbose });
      const text = formatCompare(r);
      writeFileSync(join(out, 'compare.txt'), `${text}\n`);
      process.stdout.write(`${text}\nwrote ${join(out, 'compare.json')} and ${join(out, 'compare.txt')}\n`);
      if (r.models.some((e) => e.error)) process.exitCode = 1;
    });
}
