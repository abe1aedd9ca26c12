// `liverank features health RUN`: convergence of each feature's embedding gradient norm (from
// RUN/diagnostics/feature_stats.jsonl when the run wrote it), dead and never-converged features, and
// permutation importance on validation → RUN/diagnostics/feature_health.json. Registered by
// features.ts under `liverank features` (this file exports no `register`, so main.ts skips it).
import type { Command } from 'commander';
import { join } from 'node:path';
import { analyseFeatureHealth, formatFeatureHealth } from '../../diagnostics/feature-health.js';
import { openDiagRun } from '../../diagnostics/gates-run.js';
import { parseDiagOptions, writeIntoRun } from './gates.js';

interface Opts {
  config?: string; rows: string; seed?: string; split: string; out?: string; quiet?: boolean;
  repeats: string; fraction: string; window: string; permutation: boolean; only?: string;
}

function num(flag: string, v: string, ok: (x: number) => boolean, what: string): number {
  const x = Number(v);
  if (!ok(x)) throw new Error(`${flag}: expected ${what}, got "${v}"`);
  return x;
}

export function registerHealth(features: Command): void {
  features.command('health')
    .description('feature health of a trained run: convergence step per feature (embedding gradient norm settles below a fraction of its peak), dead / never-converged features, permutation importance (AUC drop per task) → RUN/diagnostics/feature_health.json')
    .argument('<run>', 'run directory')
    .option('-c, --config <file>', 'the run\'s training config (default RUN/config.json)')
    .option('--rows <n>', 'validation rows for permutation importance at most (a seeded sample)', '4000')
    .option('--seed <n>', 'sampling and shuffling seed (default: the config\'s seed)')
    .option('--split <split>', 'split for permutation importance: val | test | train', 'val')
    .option('--repeats <n>', 'shuffles per feature', '3')
    .option('--fraction <x>', 'converged when the smoothed gradient norm stays ≤ this fraction of its peak', '0.25')
    .option('--window <n>', 'points of the trailing mean that smooths the gradient norm', '5')
    .option('--only <features>', 'comma-separated features for permutation importance (default all)')
    .option('--no-permutation', 'skip permutation importance')
    .option('-o, --out <file>', 'output file (default RUN/diagnostics/feature_health.json)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .action(async (run: string, o: Opts) => {
      const repeats = num('--repeats', o.repeats, (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
      const fraction = num('--fraction', o.fraction, (x) => x > 0 && x < 1, 'a number in (0, 1)');
      const window = num('--window', o.window, (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
      const only = o.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const r = await openDiagRun(run, parseDiagOptions(o));
      const f = await analyseFeatureHealth(r, { repeats, fraction, window, features: only, noPermutation: !o.permutation });
      const path = o.out ?? join(run, 'diagnostics', 'feature_health.json');
      writeIntoRun(run, path, 'liverank features health', f);
      console.log(formatFeatureHealth(f));
      console.log(`\nwrote ${path}`);
    });
}
