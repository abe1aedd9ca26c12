// `liverank report RUN`: write RUN/report.html (metric matrix with oracle gaps, reliability curves,
// training curves, gates, feature health, representations, scenario/country shift, seesaw).
import type { Command } from 'commander';
import { writeReport } from '../../diagnostics/report/build.js';
import { loadTrainConfig } from '../../train/config.js';

interface Opts { out?: string; seesaw?: string[]; shift: string; shiftSplit: string; shiftRows: string; config?: string }

export function parseSeesaw(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of list ?? []) {
    const i = s.indexOf('=');
    if (i <= 0 || i === s.length - 1) throw new Error(`--seesaw: expected TASK=PATH (a single-task run directory or its metrics.json), got "${s}"`);
    out[s.slice(0, i)] = s.slice(i + 1);
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write RUN/report.html: metric matrix with oracle gaps, calibration, training curves, gates, feature health, PCA, scenario/country shift, seesaw')
    .argument('<run>', 'run directory')
    .option('-o, --out <file>', 'output file (default RUN/report.html)')
    .option('--seesaw <task=path...>', 'single-task runs (run dir or metrics.json) for the seesaw table, one per task; give them after RUN')
    .option('--shift <mode>', 'scenario/country shift: auto (reuse RUN/diagnostics/shift.json, else compute) | recompute | off', 'auto')
    .option('--shift-split <split>', 'split whose rows the shift compares: train | val | test', 'train')
    .option('--shift-rows <n>', 'rows compared at most (seeded sample above)', '200000')
    .option('-c, --config <file>', 'the run\'s training config (needed when its data paths are relative to it; default RUN/config.json)')
    .action(async (run: string, o: Opts) => {
      if (!['auto', 'recompute', 'off'].includes(o.shift)) throw new Error(`--shift: "${o.shift}" is not allowed; allowed: auto, recompute, off`);
      if (!['train', 'val', 'test'].includes(o.shiftSplit)) throw new Error(`--shift-split: "${o.shiftSplit}" is not allowed; allowed: train, val, test`);
      const rows = Number(o.shiftRows);
      if (!Number.isInteger(rows) || rows < 1) throw new Error(`--shift-rows: expected a positive integer, got "${o.shiftRows}"`);
      const t0 = Date.now();
      const r = await writeReport(run, {
        out: o.out, seesaw: parseSeesaw(o.seesaw), shift: o.shift as 'auto', shiftSplit: o.shiftSplit as 'train', shiftMaxRows: rows,
        config: o.config ? loadTrainConfig(o.config) : undefined, log: (s) => process.stderr.write(`${s}\n`),
      });
      for (const e of r.errors) process.stderr.write(`liverank report: ${e}\n`);
      process.stdout.write(`wrote ${r.path} (${(r.bytes / 1024).toFixed(0)} KB, ${r.charts.length} charts, ${r.sections.length} sections) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      if (r.errors.length) process.exitCode = 1;
    });
}
