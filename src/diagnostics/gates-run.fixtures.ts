// A tiny trained run for the diagnostics tests: a CSV where `signal` (10 values) drives both tasks
// (with different effects per task), `noise` (10 values) is pure noise, and the scenario shifts the
// click rate; an MMoE (3 experts) or another model trained on it for a few epochs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { train } from '../train/trainer.js';
import { Rng } from '../util/rng.js';
import { diagnosticsHooks } from './hooks.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Writes data.csv into `dir`: scenario, signal, noise, click, like. */
export function writeSignalNoiseCsv(dir: string, rows = 6000, seed = 1): string {
  const rng = new Rng(seed);
  const clickEffect = [-2.5, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 2.5];
  const likeEffect = [2, -2, 1.5, -1.5, 1, -1, 0.5, -0.5, 2.5, -2.5];
  const lines = ['scenario,signal,noise,click,like'];
  for (let i = 0; i < rows; i++) {
    const sc = rng.next() < 0.5 ? 'home' : 'slide';
    const s = rng.int(10), n = rng.int(10);
    const click = rng.next() < sigmoid(clickEffect[s]! + (sc === 'slide' ? 0.5 : -0.5)) ? 1 : 0;
    const like = rng.next() < sigmoid(likeEffect[s]!) ? 1 : 0;
    lines.push(`${sc},s${s},n${n},${click},${like}`);
  }
  const path = join(dir, 'data.csv');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const MMOE = { type: 'mmoe', experts: 3, expert: [16], tower: [8] };

export function signalNoiseConfig(csv: string, model: Record<string, unknown> = MMOE, train: Record<string, unknown> = {}): TrainConfig {
  const id = (name: string) => ({ name, kind: 'id', column: name, vocab: { min_count: 1 } });
  return parseTrainConfig({
    name: 'diag-tiny', seed: 5,
    data: {
      source: 'files', train: csv, split: [0.6, 0.2, 0.2],
      schema: [{ name: 'scenario', type: 'string' }, { name: 'signal', type: 'string' }, { name: 'noise', type: 'string' }, { name: 'click', type: 'int' }, { name: 'like', type: 'int' }],
    },
    features: { version: 1, defaults: { dim: 4 }, features: [id('signal'), id('noise'), id('scenario')] },
    tasks: [{ name: 'click', label: 'click' }, { name: 'like', label: 'like' }],
    model,
    optimizer: { type: 'adam', lr: 0.01 },
    embedding: { optimizer: 'adam', lr: 0.05 },
    train: { epochs: 4, batch_size: 128, ...train },
    eval: { scenario_column: 'scenario' },
  }, process.cwd(), 'diagnostics test config');
}

/**
 * Train the tiny run; returns its directory and config. `stats`: with the diagnostics hooks
 * (RUN/diagnostics/feature_stats.jsonl every 5 steps, RUN/tb); otherwise no hooks at all.
 */
export async function trainTinyRun(model: Record<string, unknown> = MMOE, o: { stats?: boolean } = {}): Promise<{ dir: string; cfg: TrainConfig }> {
  const dir = mkdtempSync(join(tmpdir(), 'lr-diag-'));
  const cfg = signalNoiseConfig(writeSignalNoiseCsv(dir), model, { diagnostics_every: 5, tensorboard: o.stats ?? false });
  const out = join(dir, 'run');
  await train(cfg, { out, verbose: false, hooks: o.stats ? diagnosticsHooks : null });
  return { dir: out, cfg };
}
