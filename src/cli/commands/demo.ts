// `liverank demo` (npm run demo): generate the synthetic live-stream world → train PLE on it →
// print the metric matrix with the oracle beside the model → write runs/demo/metrics.json → write the
// HTML report (runs/demo/report.html, `liverank report`) and print its path.
import type { Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { demoReport } from '../../train/demo-report.js';
import { writeReport } from '../../diagnostics/report/build.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DEMO_CONFIG = resolve(here, '../../../examples/demo.yaml');

export function register(program: Command): void {
  program
    .command('demo')
    .description('generate the synthetic world, train PLE on it and compare every metric with the oracle')
    .option('-c, --config <path>', 'demo config', DEMO_CONFIG)
    .option('-o, --out <dir>', 'run directory', 'runs/demo')
    .option('--impressions <n>', 'world size (default from the config: 1,000,000)')
    .option('--epochs <n>', 'override the number of epochs')
    .action(async (o: { config: string; out: string; impressions?: string; epochs?: string }) => {
      const t0 = Date.now();
      const cfg = loadTrainConfig(o.config);
      if (o.impressions && cfg.data.source === 'world') cfg.data.impressions = Number(o.impressions);
      if (o.epochs) cfg.train.epochs = Number(o.epochs);
      const res = await train(cfg, { out: o.out, overwrite: true }); // a demo re-run starts over
      process.stdout.write(`${demoReport(res.test.matrix, res.trainLabelNoise)}\n`);
      const t1 = Date.now();
      const rep = await writeReport(o.out, { config: cfg, shiftTable: res.splits?.train, log: (s) => process.stderr.write(`${s}\n`) });
      for (const e of rep.errors) process.stderr.write(`report: ${e}\n`);
      process.stdout.write(`\nwrote ${join(o.out, 'metrics.json')}, ${join(o.out, 'model.onnx')} — demo took ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      process.stdout.write(`report: ${rep.path} (${rep.charts.length} charts, written in ${((Date.now() - t1) / 1000).toFixed(0)} s) — open it in a browser\n`);
    });
}
