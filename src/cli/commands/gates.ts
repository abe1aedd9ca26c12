// `liverank gates RUN`: gate and expert analysis of a trained run (tables on stdout,
// RUN/diagnostics/gates.json); `liverank representations RUN`: PCA and linear probes of the
// intermediate layers (RUN/diagnostics/representations.json). Both read a seeded sample of the
// validation split with the run's final checkpoint.
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatGates } from '../../diagnostics/gates-format.js';
import { openDiagRun, type DiagOptions } from '../../diagnostics/gates-run.js';
import { analyseGates } from '../../diagnostics/gates.js';
import { analyseRepresentations, formatRepresentations } from '../../diagnostics/representations.js';
import { lockRunDir } from '../../train/run-lock.js';
import { writeFileAtomic } from '../../util/atomic.js';

interface Opts { config?: string; rows: string; seed?: string; split: string; out?: string; quiet?: boolean }

const log = (s: string) => process.stderr.write(`${s}\n`);

export function parseDiagOptions(o: Opts): DiagOptions {
  const rows = Number(o.rows);
  if (!Number.isInteger(rows) || rows < 2) throw new Error(`--rows: expected an integer ≥ 2, got "${o.rows}"`);
  const seed = o.seed === undefined ? undefined : Number(o.seed);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`--seed: expected an integer, got "${o.seed}"`);
  if (!['val', 'test', 'train'].includes(o.split)) throw new Error(`--split: "${o.split}" is not allowed; allowed: val, test, train`);
  return { config: o.config, rows, seed, split: o.split as 'val', verbose: !o.quiet };
}

/** Write `data` as JSON to `path`, holding the run's lock when the path lies inside the run. */
export function writeIntoRun(run: string, path: string, what: string, data: unknown): void {
  const inside = resolve(path).startsWith(resolve(run) + '/');
  const lock = inside ? lockRunDir(run, what, log) : null;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, JSON.stringify(data, null, 1));
  } finally { lock?.release(); }
}

function common(c: Command): Command {
  return c
    .argument('<run>', 'run directory')
    .option('-c, --config <file>', 'the run\'s training config (default RUN/config.json; needed when its data paths are relative to another directory)')
    .option('--rows <n>', 'rows analysed at most (a seeded sample of the split)', '4000')
    .option('--seed <n>', 'sampling seed (default: the config\'s seed)')
    .option('--split <split>', 'split whose rows are analysed: val | test | train', 'val')
    .option('-q, --quiet', 'no progress lines on stderr');
}

export function register(program: Command): void {
  common(program.command('gates')
    .description('gate and expert analysis of a trained run: mean gate weight per expert, entropy, JS divergence between tasks, dead-ReLU share, Gate NU δ, alarms → RUN/diagnostics/gates.json'))
    .option('-o, --out <file>', 'output file (default RUN/diagnostics/gates.json)')
    .action(async (run: string, o: Opts) => {
      const r = await openDiagRun(run, parseDiagOptions(o));
      const g = await analyseGates(r);
      const path = o.out ?? join(run, 'diagnostics', 'gates.json');
      writeIntoRun(run, path, 'liverank gates', g);
      console.log(formatGates(g));
      console.log(`\nwrote ${path}`);
    });

  common(program.command('representations')
    .description('PCA (explained variance, 2-D points by scenario) and linear-probe AUC per task of the intermediate layers of a trained run → RUN/diagnostics/representations.json'))
    .option('-o, --out <file>', 'output file (default RUN/diagnostics/representations.json)')
    .option('--no-experts', 'skip the per-expert output layers')
    .option('--l2 <x>', 'L2 penalty of the linear probes', '1')
    .action(async (run: string, o: Opts & { experts: boolean; l2: string }) => {
      const l2 = Number(o.l2);
      if (!(l2 >= 0)) throw new Error(`--l2: expected a number ≥ 0, got "${o.l2}"`);
      const r = await openDiagRun(run, parseDiagOptions(o));
      const rep = await analyseRepresentations(r, { experts: o.experts, l2 });
      const path = o.out ?? join(run, 'diagnostics', 'representations.json');
      writeIntoRun(run, path, 'liverank representations', rep);
      console.log(formatRepresentations(rep));
      console.log(`\nwrote ${path}`);
    });
}
