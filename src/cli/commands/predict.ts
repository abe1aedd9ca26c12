// `liverank predict -c CONFIG --checkpoint RUN --out rows.csv [--split test | --requests from=0.85,count=300,candidates=500]`
import type { Command } from 'commander';
import { loadTrainConfig } from '../../train/config.js';
import { predictRun } from '../../train/predict.js';
import type { RequestOptions } from '../../data/world/requests.js';

const KEYS: Record<string, keyof RequestOptions> = { from: 'from', to: 'to', count: 'count', candidates: 'candidates', seed: 'seed', only_effective_view: 'onlyEffectiveView' };

/** `from=0.85,count=300,candidates=500,only_effective_view=1` → RequestOptions (errors name the key). */
export function parseRequestSpec(spec: string): RequestOptions {
  const o: Record<string, number | boolean> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=');
    const key = k ? KEYS[k] : undefined;
    if (!key) throw new Error(`--requests: unknown key "${k}"; allowed: ${Object.keys(KEYS).join(', ')}`);
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n)) throw new Error(`--requests: ${k} expects a number, got "${v ?? ''}"`);
    o[key] = key === 'onlyEffectiveView' ? n !== 0 : n;
  }
  if (o.count === undefined) throw new Error('--requests: give count=N (and optionally from, to, candidates, seed, only_effective_view)');
  return o as unknown as RequestOptions;
}

export function register(program: Command): void {
  program
    .command('predict')
    .description('write per-row predictions (pred_<task>) with ids, labels and truth: a split of the run\'s data, or request snapshots of its world')
    .requiredOption('-c, --config <path>', 'training config used for the run')
    .requiredOption('--checkpoint <dir>', 'run directory')
    .requiredOption('--out <path>', 'output table (.csv, .jsonl, .parquet; .gz for text)')
    .option('--split <name>', 'test | val | train', 'test')
    .option('--requests <spec>', 'instead of a split: request snapshots of the world, e.g. from=0.85,count=300,candidates=500 (docs/world.md §13)')
    .action(async (o: { config: string; checkpoint: string; out: string; split: string; requests?: string }) => {
      if (!['test', 'val', 'train'].includes(o.split)) throw new Error(`--split: "${o.split}" is not allowed; allowed: test, val, train`);
      const cfg = loadTrainConfig(o.config);
      const r = await predictRun(cfg, o.checkpoint, o.out, { split: o.split as 'test' | 'val' | 'train', requests: o.requests ? parseRequestSpec(o.requests) : undefined });
      process.stdout.write(`wrote ${o.out}: ${r.rows.toLocaleString('en-US')} rows, columns ${r.columns.join(', ')}\n`);
    });
}
