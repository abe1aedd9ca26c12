// A training session: the config's data loaded and split (and checked), features fitted or reloaded
// (checked against the run manifest), the model resolved and its heads, tables and task weighting
// assembled. Training, evaluation and export all start from one.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Tensor } from '../engine/graph.js';
import type { BuildFn } from '../engine/step.js';
import type { OptimizerConfig } from '../engine/optim.js';
import { fitFeatures, loadFitted, saveFitted, type FittedFeatures } from '../features/index.js';
import { forward, type Forward } from '../models/assemble.js';
import { resolveModel } from '../models/registry.js';
import { sequenceRowTensors } from '../models/seq/rows.js';
import { Assembler, layoutOf } from './assembler.js';
import type { TrainConfig } from './config.js';
import { loadSplits, type Splits } from './dataset.js';
import type { SliceColumns } from './evaluate.js';
import { buildHeads, initialLogitBias, labelScales, predictionOf, taskInfos } from './heads.js';
import { loadFeatures } from './features-config.js';
import { counterPreparer } from './counters.js';
import { FEATURES_FILE } from './run-dir.js';
import { verifyRunFile } from './checkpoints.js';
import { readManifest } from './manifest.js';
import { TaskWeighting } from './weighting.js';
import { Balance } from './balance.js';
import { resolveHurdles, servedOutputs } from './hurdle.js';
import { logNormalScales } from './lognormal-fit.js';
import { Debias } from './debias.js';
import { prepareRetrieval } from './retrieval-prepare.js';
import type { Table } from '../data/table.js';

export interface Session {
  cfg: TrainConfig;
  splits: Splits;
  fitted: FittedFeatures;
  asm: Assembler;
  build: BuildFn;
  weighting: TaskWeighting;
  slices: SliceColumns;
  /** The config's `balance` section on this training split (null when absent). */
  balance: Balance | null;
  /** The config's `debias` section on this training split: IPS propensities, D2Q maps (null when absent). */
  debias: Debias | null;
  /** The model on a graph (logits, predictions, extras), for diagnostic passes (train/diag-pass.ts). */
  forward: (g: Graph) => Forward;
  /** two_tower with hard_negatives: appends sampled negative rows to each training batch (retrieval-prepare.ts). */
  extendBatch?: ((batch: Table, step: number) => Table) | null;
}

export function denseOptimizer(c: TrainConfig['optimizer']): OptimizerConfig {
  switch (c.type) {
    case 'sgd': return { type: 'sgd', lr: c.lr, momentum: c.momentum, weightDecay: c.weight_decay };
    case 'adagrad': return { type: 'adagrad', lr: c.lr, weightDecay: c.weight_decay };
    case 'adam': return { type: 'adam', lr: c.lr, weightDecay: c.weight_decay };
    case 'adamw': return { type: 'adamw', lr: c.lr, weightDecay: c.weight_decay };
  }
}

/** Load data, fit (or reload) features and assemble model, heads and tables. `given`: splits already loaded (the streaming trainer's bootstrap samples) instead of the config's data. */
export async function openSession(cfg: TrainConfig, out: string | null, log: (s: string) => void, reuseFeatures = false, given?: Splits): Promise<Session> {
  const features = loadFeatures(cfg);
  const infos = taskInfos(cfg.tasks);
  const model = resolveModel(cfg.model, infos);
  for (const f of cfg.calibration?.by ?? []) {
    if (!model.wide.includes(f)) throw new Error(`calibration.by: "${f}" is not a wide feature of the model; model.wide is [${model.wide.join(', ')}]`);
  }
  const weighting = new TaskWeighting(cfg.weighting, cfg.tasks.map((t) => t.name));
  const splits = given ?? await loadSplits(cfg, log, counterPreparer(features));
  let fitted: FittedFeatures;
  const fpath = out ? join(out, FEATURES_FILE) : null;
  if (reuseFeatures && fpath && existsSync(fpath)) {
    verifyRunFile(out!, FEATURES_FILE, readManifest(out!));
    fitted = loadFitted(fpath);
  }
  else {
    const t0 = Date.now();
    fitted = fitFeatures(features, splits.train);
    log(`fitted ${fitted.specs.length} features (${fitted.tables.length} embedding tables) on ${splits.train.numRows.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (fpath) saveFitted(fpath, fitted);
  }
  const retrieval = prepareRetrieval(cfg, model, splits.train, fitted, log); // two_tower: logQ table, hard negatives
  const asm = new Assembler(fitted, {
    optimizer: cfg.embedding.optimizer, lr: cfg.embedding.lr, initStd: cfg.embedding.init_std, l2: cfg.embedding.l2, seed: cfg.seed,
  }, model.sequence);
  const layout = layoutOf(fitted);
  const bias = initialLogitBias(splits.train, cfg.tasks);
  const scales = { ...labelScales(bias, cfg.tasks), ...logNormalScales(splits.train, cfg.tasks) };
  const hurdles = resolveHurdles(cfg.tasks, fitted, splits.train, model.wide);
  const balance = cfg.balance ? new Balance(cfg.balance, splits.train, cfg.tasks, cfg.seed) : null;
  balance?.adjustBias(bias);
  const debias = cfg.debias ? new Debias(cfg.debias, splits.train, cfg.tasks) : null;
  debias?.adjustBias(bias);
  const build: BuildFn = (g: Graph) => {
    const f = forward(g, model, layout, infos, bias);
    const outputs: Record<string, Tensor> = {};
    Object.assign(outputs, servedOutputs(cfg.tasks, f, (t) => (balance ? balance.correct(t, predictionOf(t, f)) : predictionOf(t, f)), hurdles)); // hurdle.ts: lognormal products
    for (const [k, v] of Object.entries(f.out.extras ?? {})) if (k.startsWith('gate.')) outputs[k] = v;
    if (!g.training) return { outputs };
    const heads = buildHeads(g, cfg.tasks, f, weighting, scales, debias, cfg.data.source === 'world' ? cfg.data.requests?.candidates : undefined);
    return { loss: heads.loss, outputs: { ...outputs, ...heads.outputs }, gradInputs: { ...(f.inputs.emb ? { emb: f.inputs.emb } : {}), ...sequenceRowTensors(g) } as Record<string, Tensor> };
  };
  const slices: SliceColumns = {
    scenario: cfg.eval.scenario_column ?? splits.slices.scenario,
    country: cfg.eval.country_column ?? splits.slices.country,
    group: cfg.eval.group_column ?? splits.slices.group,
  };
  const es = cfg.train.early_stopping;
  if (es && es.metric.endsWith('.gauc') && !slices.group) {
    throw new Error(`train.early_stopping.metric: "${es.metric}" needs a user column for GAUC; this data has none by default — set eval.group_column`);
  }
  return { cfg, splits, fitted, asm, build, weighting, slices, balance, debias, forward: (g: Graph) => forward(g, model, layout, infos, bias), extendBatch: retrieval?.extendBatch ?? null };
}

