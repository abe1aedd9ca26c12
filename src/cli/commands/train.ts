// `liverank train -c CONFIG --out DIR [--seed N] [--resume | --overwrite]`, `liverank eval -c CONFIG
// --checkpoint DIR` and `liverank export -c CONFIG --checkpoint DIR [--out DIR]`.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTrainConfig, type TrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { evaluateRun, exportRun } from '../../train/eval-run.js';
import { REQUEST_MODEL_FILE } from '../../train/run-dir.js';
import { summarizeSkipped } from '../../train/data-checks.js';
import { formatMatrix } from '../../metrics/index.js';
import { addStreamOptions, runStreamTrain, type StreamCliOptions } from './train-stream.js';

function int(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Keep one task; early stopping moves to that task's AUC (or RMSE) when it watched another. */
export function onlyTask(cfg: TrainConfig, name: string): void {
  const t = cfg.tasks.find((x) => x.name === name);
  if (!t) throw new Error(`--only-task: "${name}" is not a task of the config; tasks are ${cfg.tasks.map((x) => x.name).join(', ')}`);
  cfg.tasks = [t];
  cfg.name = `${cfg.name}-${name}`;
  const es = cfg.train.early_stopping;
  if (es && es.metric.split('.')[0] !== name) {
    es.metric = `${name}.${t.kind === 'binary' ? 'auc' : 'rmse'}`;
    es.mode = t.kind === 'binary' ? 'max' : 'min';
  }
  if (cfg.weighting.type === 'fixed' && cfg.weighting.weights) cfg.weighting.weights = { [name]: cfg.weighting.weights[name] ?? 1 };
}

export function register(program: Command): void {
  addStreamOptions(program
    .command('train')
    .description('train a model from a YAML config; writes checkpoints, metrics.json (test split) and model.onnx; with --stream, incrementally from a samples stream'))
    .requiredOption('-c, --config <path>', 'training config (YAML or JSON)')
    .option('-o, --out <dir>', 'run directory (default runs/<config name>)')
    .option('--seed <n>', 'override the config seed (data split, initialization, shuffling)')
    .option('--resume', 'continue from the latest committed checkpoint in --out (recovers a killed run)')
    .option('--overwrite', 'delete the run already in --out and start over (without it, an existing run is refused)')
    .option('--only-task <name>', 'train just this task of the config (single-task baselines)')
    .option('-q, --quiet', 'no progress bars or log lines')
    .action(async (o: { config: string; out?: string; seed?: string; resume?: boolean; overwrite?: boolean; quiet?: boolean; onlyTask?: string } & StreamCliOptions) => {
      const cfg = loadTrainConfig(o.config);
      if (o.onlyTask) onlyTask(cfg, o.onlyTask);
      if (o.stream) return runStreamTrain(cfg, o); // src/train/stream: restarts resume from the run's checkpoint by themselves
      const out = o.out ?? join('runs', cfg.name);
      const res = await train(cfg, { out, seed: o.seed === undefined ? undefined : int(o.seed, '--seed'), resume: o.resume, overwrite: o.overwrite, verbose: !o.quiet });
      const skipped = o.quiet ? summarizeSkipped(res.dataReport) : null;
      if (skipped) process.stderr.write(`liverank: ${skipped}; see ${join(out, 'data_report.json')}\n`);
      process.stdout.write(`${formatMatrix(res.test.matrix)}\n`);
      process.stdout.write(`wrote ${join(out, 'metrics.json')} and ${join(out, 'model.onnx')}\n`);
    });

  program
    .command('eval')
    .description('evaluate a trained run on the test split of its config; prints and saves the metric matrix')
    .requiredOption('-c, --config <path>', 'training config used for the run')
    .requiredOption('--checkpoint <dir>', 'run directory (uses its final model, else its best, else its latest checkpoint; checksums verified)')
    .option('--split <name>', 'test | val | train', 'test')
    .option('--out <path>', 'where to write the metric matrix JSON (default <checkpoint>/eval_<split>.json)')
    .action(async (o: { config: string; checkpoint: string; split: string; out?: string }) => {
      if (!['test', 'val', 'train'].includes(o.split)) throw new Error(`--split: "${o.split}" is not allowed; allowed: test, val, train`);
      const cfg = loadTrainConfig(o.config);
      const r = await evaluateRun(cfg, o.checkpoint, o.split as 'test' | 'val' | 'train', o.out);
      process.stdout.write(`${formatMatrix(r.matrix)}\nwrote ${r.path} (checkpoint ${r.checkpoint})\n`);
    });

  program
    .command('export')
    .description('export a run\'s final model as model.onnx (+ model.onnx.sha256, model.json; model.request.onnx for models reading sequences); checksums verified first')
    .requiredOption('-c, --config <path>', 'training config used for the run')
    .requiredOption('--checkpoint <dir>', 'run directory')
    .option('--out <dir>', 'directory to write model.onnx into (default: the run directory)')
    .action(async (o: { config: string; checkpoint: string; out?: string }) => {
      const cfg = loadTrainConfig(o.config);
      const r = await exportRun(cfg, o.checkpoint, o.out);
      const req = join(dirname(r.path), REQUEST_MODEL_FILE);
      process.stdout.write(`wrote ${r.path} and ${r.path}.sha256${existsSync(req) ? ` (+ ${req}: the user-side sequences once per request)` : ''} from ${r.checkpoint}\n`);
    });
}
