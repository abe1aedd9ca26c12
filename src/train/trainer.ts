// The training loop: data → features → embedding gather → one step graph per batch → sparse update,
// with validation, early stopping, atomic checkpoints and --resume, a NaN guard, then the test
// metric matrix (with the oracle) and the exported forward model.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeRows, type Table } from '../data/table.js';
import type { Graph, Tensor } from '../engine/graph.js';
import { Evaluator, TrainStep, type BuildFn } from '../engine/step.js';
import type { OptimizerConfig } from '../engine/optim.js';
import { fitFeatures, loadFitted, saveFitted, transform, type FittedFeatures } from '../features/index.js';
import { forward } from '../models/assemble.js';
import { resolveModel } from '../models/registry.js';
import { Rng } from '../util/rng.js';
import { writeFileAtomic } from '../util/atomic.js';
import { Assembler, layoutOf } from './assembler.js';
import type { TrainConfig } from './config.js';
import { loadSplits, type Splits } from './dataset.js';
import { evaluateTable, metricValue, type EvalResult, type SliceColumns } from './evaluate.js';
import { buildHeads, hostLabels, initialLogitBias, labelFeeds, lossOutput, predictionOf, predOutput, taskInfos, TASK_WEIGHT_OUTPUT } from './heads.js';
import { loadFeatures } from './features-config.js';
import { counterPreparer } from './counters.js';
import { Progress } from './progress.js';
import { FEATURES_FILE, findCheckpoint, markBest, METRICS_FILE, restoreParams, restoreTraining, writeCheckpoint, type TrainerState } from './run-dir.js';
import { scheduledLr } from './schedule.js';
import { TaskWeighting } from './weighting.js';
import { exportModel } from './export-model.js';
import { labelNoise, type LabelNoise } from './label-noise.js';
import { calibrate } from './calibrate.js';

export interface TrainOptions {
  out: string;
  seed?: number;
  resume?: boolean;
  /** Progress bars and log lines (default true). */
  verbose?: boolean;
  log?: (line: string) => void;
}

export interface TrainSummary {
  test: EvalResult;
  /** Σy / Σp_true of the training labels per task × scenario × country (data with true probabilities). */
  trainLabelNoise?: LabelNoise | null;
  val: EvalResult | null;
  steps: number;
  seconds: number;
  trainSamplesPerSecond: number;
  out: string;
}

export interface Session {
  cfg: TrainConfig;
  splits: Splits;
  fitted: FittedFeatures;
  asm: Assembler;
  build: BuildFn;
  weighting: TaskWeighting;
  slices: SliceColumns;
}

function denseOptimizer(c: TrainConfig['optimizer']): OptimizerConfig {
  switch (c.type) {
    case 'sgd': return { type: 'sgd', lr: c.lr, momentum: c.momentum, weightDecay: c.weight_decay };
    case 'adagrad': return { type: 'adagrad', lr: c.lr, weightDecay: c.weight_decay };
    case 'adam': return { type: 'adam', lr: c.lr, weightDecay: c.weight_decay };
    case 'adamw': return { type: 'adamw', lr: c.lr, weightDecay: c.weight_decay };
  }
}

/** Check that every column the tasks name exists before any training starts. */
function checkTaskColumns(cfg: TrainConfig, t: Table): void {
  const have = new Set(Object.keys(t.columns));
  for (const task of cfg.tasks) {
    const need: [string, string | undefined][] = [
      ['label', task.label], ['sample_space.column', task.sample_space?.column], ['weight_column', task.weight_column], ['true_prob', task.true_prob],
    ];
    for (const [key, col] of need) {
      if (col && !have.has(col)) throw new Error(`tasks "${task.name}".${key}: column "${col}" is not in the data; columns: ${[...have].join(', ')}`);
    }
  }
}

/** Load data, fit (or reload) features and assemble model, heads and tables. */
export async function openSession(cfg: TrainConfig, out: string | null, log: (s: string) => void, reuseFeatures = false): Promise<Session> {
  const features = loadFeatures(cfg);
  const infos = taskInfos(cfg.tasks);
  const model = resolveModel(cfg.model, infos);
  for (const f of cfg.calibration?.by ?? []) {
    if (!model.wide.includes(f)) throw new Error(`calibration.by: "${f}" is not a wide feature of the model; model.wide is [${model.wide.join(', ')}]`);
  }
  const weighting = new TaskWeighting(cfg.weighting, cfg.tasks.map((t) => t.name));
  const splits = await loadSplits(cfg, log, counterPreparer(features));
  checkTaskColumns(cfg, splits.train);
  let fitted: FittedFeatures;
  const fpath = out ? join(out, FEATURES_FILE) : null;
  if (reuseFeatures && fpath && existsSync(fpath)) fitted = loadFitted(fpath);
  else {
    const t0 = Date.now();
    fitted = fitFeatures(features, splits.train);
    log(`fitted ${fitted.specs.length} features (${fitted.tables.length} embedding tables) on ${splits.train.numRows.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (fpath) saveFitted(fpath, fitted);
  }
  const asm = new Assembler(fitted, {
    optimizer: cfg.embedding.optimizer, lr: cfg.embedding.lr, initStd: cfg.embedding.init_std, l2: cfg.embedding.l2, seed: cfg.seed,
  });
  const layout = layoutOf(fitted);
  const bias = initialLogitBias(splits.train, cfg.tasks);
  const build: BuildFn = (g: Graph) => {
    const f = forward(g, model, layout, infos, bias);
    const outputs: Record<string, Tensor> = {};
    for (const t of cfg.tasks) outputs[predOutput(t.name)] = predictionOf(t, f);
    for (const [k, v] of Object.entries(f.out.extras ?? {})) if (k.startsWith('gate.')) outputs[k] = v;
    if (!g.training) return { outputs };
    const heads = buildHeads(g, cfg.tasks, f, weighting);
    return { loss: heads.loss, outputs: { ...outputs, ...heads.outputs }, gradInputs: (f.inputs.emb ? { emb: f.inputs.emb } : {}) as Record<string, Tensor> };
  };
  const slices: SliceColumns = {
    scenario: cfg.eval.scenario_column ?? splits.slices.scenario,
    country: cfg.eval.country_column ?? splits.slices.country,
    group: cfg.eval.group_column ?? splits.slices.group,
  };
  return { cfg, splits, fitted, asm, build, weighting, slices };
}

export async function train(cfgIn: TrainConfig, o: TrainOptions): Promise<TrainSummary> {
  const cfg: TrainConfig = { ...cfgIn, seed: o.seed ?? cfgIn.seed };
  const verbose = o.verbose ?? true;
  const log = o.log ?? ((s: string) => { if (verbose) process.stderr.write(`${s}\n`); });
  mkdirSync(o.out, { recursive: true });
  const resumeFrom = o.resume ? findCheckpoint(o.out) : null;
  if (o.resume && !resumeFrom) log(`--resume: no checkpoint in ${o.out}; starting fresh`);
  const s = await openSession(cfg, o.out, log, resumeFrom !== null);
  writeFileAtomic(join(o.out, 'config.json'), JSON.stringify({ ...cfg, baseDir: undefined }, null, 2));
  const step = await TrainStep.create(s.build, { optimizer: denseOptimizer(cfg.optimizer), clipNorm: cfg.optimizer.clip_norm, seed: cfg.seed, substitute: s.asm.substitute, optimizerThread: cfg.train.optimizer_thread });
  try {
    return await trainLoop(s, o, step, resumeFrom, verbose, log);
  } finally {
    await step.dispose();
  }
}

async function trainLoop(s: Session, o: TrainOptions, step: TrainStep, resumeFrom: string | null, verbose: boolean, log: (m: string) => void): Promise<TrainSummary> {
  const { cfg, splits, asm, weighting } = s;
  const tasks = cfg.tasks;
  const evaluator = await Evaluator.create(s.build, step.store, { substitute: asm.substitute });

  const B = cfg.train.batch_size;
  const N = splits.train.numRows;
  const perEpoch = Math.ceil(N / B);
  const total = Math.min(cfg.train.max_steps ?? Infinity, perEpoch * cfg.train.epochs);
  let st: TrainerState = { epoch: 0, batchInEpoch: 0, globalStep: 0, best: null, bestCheckpoint: null, badEvals: 0, lossHistory: [], l0: null, done: false };
  if (resumeFrom) {
    st = restoreTraining(resumeFrom, step, asm);
    weighting.history.push(...st.lossHistory);
    weighting.l0 = st.l0;
    log(`resumed from ${resumeFrom} (epoch ${st.epoch + 1}, step ${st.globalStep})`);
  }
  const logPath = join(o.out, 'train_log.jsonl');
  if (!resumeFrom) writeFileSync(logPath, '');
  const es = cfg.train.early_stopping;
  const validate = async (): Promise<boolean> => {
    const v = await evaluateTable(splits.val, evaluator, asm, tasks, { batchSize: cfg.eval.batch_size, slices: s.slices, allOnly: true });
    const summary = tasks.map((t) => `${t.name} ${t.kind === 'binary' ? `auc ${fmt(metricValue(v.matrix, `${t.name}.auc`))}` : `rmse ${fmt(metricValue(v.matrix, `${t.name}.rmse`))}`}`).join(' | ');
    appendFileSync(logPath, `${JSON.stringify({ kind: 'val', step: st.globalStep, epoch: st.epoch, metrics: Object.fromEntries(tasks.map((t) => [t.name, v.matrix.tasks[t.name]?.all])) })}\n`);
    let improved = true;
    if (es) {
      const m = metricValue(v.matrix, es.metric);
      improved = m !== null && (st.best === null || (es.mode === 'max' ? m > st.best : m < st.best));
      if (improved) { st.best = m; st.badEvals = 0; } else st.badEvals++;
      log(`validation @ step ${st.globalStep}: ${summary} | ${es.metric} ${fmt(m)}${improved ? ' (best)' : ` (no improvement ${st.badEvals}/${es.patience})`}`);
    } else log(`validation @ step ${st.globalStep}: ${summary}`);
    const name = writeCheckpoint(o.out, step, asm, { ...st, lossHistory: weighting.history, l0: weighting.l0 });
    if (improved) { st.bestCheckpoint = name; markBest(o.out, name); }
    return es ? st.badEvals >= es.patience : false;
  };

  const t0 = performance.now();
  let samples = 0;
  let stop = st.done;
  const progress = new Progress({ label: 'train', total: total * B, enabled: verbose });
  progress.update(st.globalStep * B);
  while (!stop && st.epoch < cfg.train.epochs && st.globalStep < total) {
    const order = cfg.train.shuffle === 'full' ? new Rng(cfg.seed * 7919 + st.epoch).permutation(N) : Int32Array.from({ length: N }, (_, i) => i);
    const epochLoss = tasks.map(() => 0);
    let epochBatches = 0;
    for (let b = st.batchInEpoch; b < perEpoch && st.globalStep < total; b++) {
      const idx = order.subarray(b * B, Math.min(N, (b + 1) * B));
      const batch = takeRows(splits.train, idx);
      const fb = transform(s.fitted, batch);
      const feeds = { ...asm.feeds(fb), ...labelFeeds(hostLabels(batch, tasks, b * B), tasks), ...weighting.feeds(st.epoch) };
      const lr = scheduledLr(cfg.schedule, cfg.optimizer.lr, st.globalStep, total, st.epoch);
      let taskLosses: number[] = [];
      // The NaN guard and the sparse update run while the dense update is in flight (optimizer_thread).
      const r = await step.run(feeds, lr, (r) => {
        taskLosses = tasks.map((t) => r.outputs[lossOutput(t.name)]!.data[0] as number);
        if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
          const bad = tasks.find((_, i) => !Number.isFinite(taskLosses[i]!));
          const input = asm.findNonFinite(feeds);
          throw new Error(`NaN guard: step ${st.globalStep + 1} (epoch ${st.epoch + 1}, batch ${b + 1}): loss ${r.loss}, grad_norm ${r.gradNorm}` +
            (bad ? `; task "${bad.name}" has loss ${taskLosses[tasks.indexOf(bad)]} (tensor ${lossOutput(bad.name)})` : '; every task loss is finite, the combined loss or the gradient is not') +
            (input ? `; input: ${input}` : '; all inputs finite') + `. Last good checkpoint: ${findCheckpoint(o.out) ?? 'none'}`);
        }
        asm.backward(fb, r.inputGrads.emb ? (r.inputGrads.emb.data as Float32Array) : new Float32Array(0), lr / cfg.optimizer.lr);
      });
      weighting.observeStep(taskLosses);
      taskLosses.forEach((l, i) => (epochLoss[i]! += l));
      epochBatches++;
      st.globalStep++; st.batchInEpoch = b + 1;
      samples += idx.length;
      progress.update(st.globalStep * B, r.loss, `ep ${st.epoch + 1}/${cfg.train.epochs}`);
      if (st.globalStep % cfg.train.log_every === 0) {
        const w = Array.from(r.outputs[TASK_WEIGHT_OUTPUT]!.data as Float32Array);
        appendFileSync(logPath, `${JSON.stringify({ kind: 'train', step: st.globalStep, epoch: st.epoch, lr, loss: r.loss, grad_norm: r.gradNorm, task_loss: Object.fromEntries(tasks.map((t, i) => [t.name, taskLosses[i]])), task_weight: Object.fromEntries(tasks.map((t, i) => [t.name, w[i]])) })}\n`);
      }
      if (cfg.train.eval_every > 0 && st.globalStep % cfg.train.eval_every === 0 && (await validate())) { stop = true; break; }
    }
    if (stop) break;
    if (st.batchInEpoch < perEpoch) { // stopped by max_steps inside the epoch: resume continues it
      stop = await validate();
      break;
    }
    weighting.endEpoch(epochLoss.map((l) => l / Math.max(1, epochBatches)));
    st.epoch++; st.batchInEpoch = 0;
    if (cfg.train.eval_every === 0 || st.globalStep >= total) stop = await validate();
  }
  const { seconds } = progress.stop();
  st.done = true;
  log(`trained ${st.globalStep} steps in ${seconds.toFixed(1)} s (${Math.round(samples / Math.max(1e-9, (performance.now() - t0) / 1000)).toLocaleString('en-US')} samples/s)`);

  const best = findCheckpoint(o.out, 'BEST');
  if (es && best && !st.calibrated) { restoreParams(best, step.store, asm); log(`restored the best checkpoint ${best} (${es.metric} ${fmt(st.best)})`); }
  if (cfg.calibration && !st.calibrated) {
    const rep = await calibrate(splits.train, evaluator, asm, tasks, cfg.calibration, cfg.seed, cfg.eval.batch_size);
    for (const r of rep) {
      const by = Object.entries(r.byFeature).map(([f, v]) => `${f}: ${v.rows} rows, max |δ| ${v.maxAbs.toFixed(3)}`).join('; ');
      log(`calibration ${r.task}: PCOC on ${r.rows.toLocaleString('en-US')} training rows ${r.pcocBefore.toFixed(3)} → ${r.pcocAfter.toFixed(3)} (global δ ${r.globalOffset.toFixed(3)}${by ? `; ${by}` : ''})`);
    }
    writeFileAtomic(join(o.out, 'calibration.json'), JSON.stringify(rep, null, 1));
    st.calibrated = true;
    const name = writeCheckpoint(o.out, step, asm, { ...st, lossHistory: weighting.history, l0: weighting.l0 }, 2, '-calibrated');
    markBest(o.out, name);
  }
  const test = await evaluateTable(splits.test, evaluator, asm, tasks, { batchSize: cfg.eval.batch_size, slices: s.slices, calibrationBins: cfg.eval.calibration_bins, progress: verbose, label: 'test' });
  writeFileAtomic(join(o.out, METRICS_FILE), JSON.stringify(test.matrix, null, 1));
  exportModel(o.out, s, step.store);
  const trainLabelNoise = labelNoise(splits.train, tasks, s.slices);
  return { test, val: null, trainLabelNoise, steps: st.globalStep, seconds, trainSamplesPerSecond: samples / Math.max(1e-9, seconds), out: o.out };
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(4);
}
