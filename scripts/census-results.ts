// Reproduces the README's census-income table: single-task, Shared-Bottom, MMoE and PLE, 5 seeds
// each (50/25/25 split of the shipped file, seeded), mean ± sd of test AUC per task.
// Run: node --import tsx scripts/census-results.ts [--seeds 5] [--out runs/census-results.json]
import { writeFileSync } from 'node:fs';
import { loadTrainConfig, type TrainConfig } from '../src/train/config.js';
import { train } from '../src/train/trainer.js';
import { onlyTask } from '../src/cli/commands/train.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1]! : d; };
const seeds = Number(arg('--seeds', '5'));
const outPath = arg('--out', 'runs/census-results.json');
const tasks = ['income', 'never_married'];

interface Run { model: string; seed: number; auc: Record<string, number | null>; seconds: number }
const runs: Run[] = [];

async function run(model: string, file: string, seed: number, task?: string): Promise<void> {
  const cfg: TrainConfig = loadTrainConfig(file);
  if (task) onlyTask(cfg, task);
  const out = `runs/census/${cfg.name}-s${seed}`;
  const t0 = Date.now();
  const r = await train(cfg, { out, seed, verbose: false, overwrite: true });
  const auc = Object.fromEntries(Object.entries(r.test.matrix.tasks).map(([k, v]) => [k, (v.all as { auc: number | null }).auc]));
  runs.push({ model, seed, auc, seconds: (Date.now() - t0) / 1000 });
  process.stderr.write(`${model} seed ${seed}${task ? ` (${task})` : ''}: ${JSON.stringify(auc)} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}

for (let seed = 1; seed <= seeds; seed++) {
  for (const t of tasks) await run('single-task', 'examples/census-single-task.yaml', seed, t);
  await run('shared-bottom', 'examples/census-shared-bottom.yaml', seed);
  await run('mmoe', 'examples/census-mmoe.yaml', seed);
  await run('ple', 'examples/census-ple.yaml', seed);
}

const stat = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean: m, sd, n: xs.length };
};
const table: Record<string, Record<string, ReturnType<typeof stat>>> = {};
for (const model of ['single-task', 'shared-bottom', 'mmoe', 'ple']) {
  table[model] = {};
  for (const t of tasks) {
    const xs = runs.filter((r) => r.model === model && r.auc[t] != null).map((r) => r.auc[t] as number);
    table[model]![t] = stat(xs);
  }
}
writeFileSync(outPath, JSON.stringify({ seeds, runs, table }, null, 1));
console.log('| Model | Income AUC (mean ± sd) | Never-married AUC (mean ± sd) | runs |');
console.log('|---|---|---|---|');
for (const [model, r] of Object.entries(table)) {
  console.log(`| ${model} | ${r.income!.mean.toFixed(4)} ± ${r.income!.sd.toFixed(4)} | ${r.never_married!.mean.toFixed(4)} ± ${r.never_married!.sd.toFixed(4)} | ${r.income!.n} |`);
}
