// The training loop: data → features → embedding gather → one step graph per batch → sparse update,
// with validation, early stopping, committed checkpoints and --resume, a NaN guard, then the test
// metric matrix (with the oracle) and the exported forward model. The run directory is locked for
// the whole run; see run-dir.ts for what it holds and checkpoints.ts for how a checkpoint commits.
import type { Table } from '../data/table.js';
import { join } from 'node:path';
import { takeRows } from '../data/table.js';
import { Evaluator, TrainStep } from '../engine/step.js';
import { transform } from '../features/index.js';
import { Rng } from '../util/rng.js';
import { writeFileAtomic } from '../util/atomic.js';
import { faultPoint } from '../util/fault.js';
import type { TrainConfig } from './config.js';
import { evaluateTable, metricValue, type EvalResult } from './evaluate.js';
import { hostLabels, labelFeeds, lossOutput, TASK_WEIGHT_OUTPUT } from './heads.js';
import { Progress } from './progress.js';
import { findCheckpoint, METRICS_FILE, VAL_METRICS_FILE, restoreParams, restoreTraining, writeCheckpoint, type TrainerState } from './run-dir.js';
import { scheduledLr } from './schedule.js';
import { exportModel } from './export-model.js';
import { exportRetrieval } from './retrieval-export.js';
import { writeExamination } from './examination.js';
import { canonicalIds } from './serve-form.js';
import { labelNoise, type LabelNoise } from './label-noise.js';
import { calibrate } from './calibrate.js';
import { counterfactualReport, describeCounterfactual } from './counterfactual-eval.js';
import { isLogNormal } from './hurdle.js';
import { describeLogNormal, fitLogNormalTasks, LOGNORMAL_FILE } from './lognormal-fit.js';
import { denseOptimizer, openSession, type Session } from './session.js';
import { lockRunDir } from './run-lock.js';
import { prepareRunDir } from './run-prepare.js';
import { appendLog, TRAIN_LOG, truncateLog } from './train-log.js';
import { summarizeSkipped, type DataReport } from './data-checks.js';
import { resolveTrainHooks, type TrainHooks, type TrainHooksFactory } from './hooks.js';
import { TrainDiagnostics } from './diag-pass.js';

export { openSession, type Session } from './session.js';

export interface TrainOptions {
  out: string;
  seed?: number;
  resume?: boolean;
  /** Start over in a run directory that already holds checkpoints (deletes them). */
  overwrite?: boolean;
  /** Progress bars and log lines (default true). */
  verbose?: boolean;
  log?: (line: string) => void;
  /** What the lock file says this process is (default: the command line). */
  command?: string;
  /** Also evaluate the final model on the validation split (all slices) into metrics_val.json. */
  valMetrics?: boolean;
  /** Training hooks (hooks.ts); default: the factory set by setDefaultTrainHooks (the CLI's: TensorBoard), null = none. */
  hooks?: TrainHooks | TrainHooksFactory | null;
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
  dataReport: DataReport;
  /** The splits the run trained and evaluated on, for in-process follow-ups (e.g. the demo's report reuses them instead of loading the data again). */
  splits?: { train: Table; val: Table; test: Table };
}

export async function train(cfgIn: TrainConfig, o: TrainOptions): Promise<TrainSummary> {
  const cfg: TrainConfig = { ...cfgIn, seed: o.seed ?? cfgIn.seed };
  const verbose = o.verbose ?? true;
  const log = o.log ?? ((s: string) => { if (verbose) process.stderr.write(`${s}\n`); });
  const lock = lockRunDir(o.out, o.command ?? process.argv.slice(1).join(' '), log);
  try {
    const resumeFrom = prepareRunDir(o.out, cfg, { resume: !!o.resume, overwrite: !!o.overwrite }, log);
    faultPoint('run.prepared');
    const s = await openSession(cfg, o.out, log, resumeFrom !== null);
    canonicalIds(s); // model.serve_as checked against the fitted features before the first step
    writeFileAtomic(join(o.out, 'data_report.json'), `${JSON.stringify(s.splits.report, null, 1)}\n`);
    const skipped = summarizeSkipped(s.splits.report);
    if (skipped) log(`${skipped}; see ${join(o.out, 'data_report.json')}`);
    writeFileAtomic(join(o.out, 'config.json'), JSON.stringify({ ...cfg, baseDir: undefined }, null, 2));
    const step = await TrainStep.create(s.build, { optimizer: denseOptimizer(cfg.optimizer), clipNorm: cfg.optimizer.clip_norm, seed: cfg.seed, substitute: s.asm.substitute, optimizerThread: cfg.train.optimizer_thread });
    try {
      return await trainLoop(s, o, step, resumeFrom, verbose, log);
    } finally {
      await step.dispose();
    }
  } finally {
    lock.release();
  }
}

async function trainLoop(s: Session, o: TrainOptions, step: TrainStep, resumeFrom: string | null, verbose: boolean, log: (m: string) => void): Promise<TrainSummary> {
  const { cfg, splits, asm, weighting } = s;
  const tasks = cfg.tasks;
  const evaluator = await Evaluator.create(s.build, step.store, { substitute: asm.substitute });
  for (const note of s.balance?.notes ?? []) log(`balance: ${note}`);
  for (const note of s.debias?.notes ?? []) log(`debias: ${note}`);

  const B = cfg.train.batch_size;
  const N = splits.train.numRows;
  const perEpoch = Math.ceil(N / B);
  const total = Math.min(cfg.train.max_steps ?? Infinity, perEpoch * cfg.train.epochs);
  const es = cfg.train.early_stopping;
  const metric = es ? { name: es.metric, mode: es.mode } : null;
  let st: TrainerState = { epoch: 0, batchInEpoch: 0, globalStep: 0, best: null, bestCheckpoint: null, badEvals: 0, lossHistory: [], l0: null, done: false };
  if (resumeFrom) {
    st = restoreTraining(resumeFrom, step, asm);
    weighting.history.push(...st.lossHistory);
    weighting.l0 = st.l0;
    log(`resumed from ${resumeFrom} (epoch ${st.epoch + 1}, step ${st.globalStep})`);
  }
  const diag = TrainDiagnostics.open(s, step.store, resolveTrainHooks(cfg, o.out, resumeFrom ? st.globalStep : null, o.hooks));
  const logPath = join(o.out, TRAIN_LOG);
  const cut = truncateLog(logPath, resumeFrom ? st.globalStep : -1);
  if (cut.dropped > 0 && resumeFrom) log(`${logPath}: dropped ${cut.dropped} line(s) written after step ${st.globalStep} by the interrupted run`);
  const snapshot = (extra: Partial<TrainerState>): TrainerState => ({ ...st, lossHistory: weighting.history, l0: weighting.l0, ...extra });
  let epochLoss = st.batchInEpoch > 0 && st.epochLoss ? [...st.epochLoss] : tasks.map(() => 0);
  let epochBatches = st.batchInEpoch > 0 ? (st.epochBatches ?? 0) : 0;
  const validate = async (): Promise<boolean> => {
    const v = await evaluateTable(splits.val, evaluator, asm, tasks, { batchSize: cfg.eval.batch_size, slices: s.slices, allOnly: true, byScenario: !!diag, debias: s.debias });
    const summary = tasks.map((t) => `${t.name} ${t.kind === 'binary' ? `auc ${fmt(metricValue(v.matrix, `${t.name}.auc`))}` : `rmse ${fmt(metricValue(v.matrix, `${t.name}.rmse`))}`}`).join(' | ');
    appendLog(logPath, { kind: 'val', step: st.globalStep, epoch: st.epoch, metrics: Object.fromEntries(tasks.map((t) => [t.name, v.matrix.tasks[t.name]?.all])) });
    diag?.onEval(st.globalStep, 'val', v.matrix);
    faultPoint('train.val-logged');
    let improved = true;
    let value: number | null = null;
    if (es) {
      value = metricValue(v.matrix, es.metric);
      improved = value !== null && (st.best === null || (es.mode === 'max' ? value > st.best : value < st.best));
      if (improved) { st.best = value; st.badEvals = 0; } else st.badEvals++;
      log(`validation @ step ${st.globalStep}: ${summary} | ${es.metric} ${fmt(value)}${improved ? ' (best)' : ` (no improvement ${st.badEvals}/${es.patience})`}`);
    } else log(`validation @ step ${st.globalStep}: ${summary}`);
    const name = writeCheckpoint(o.out, step, asm, snapshot({ epochLoss, epochBatches }), { value, best: improved, metric });
    if (improved) st.bestCheckpoint = name;
    return es ? st.badEvals >= es.patience : false;
  };

  const t0 = performance.now();
  let samples = 0;
  let stop = st.done || (es !== undefined && st.badEvals >= es.patience);
  const progress = new Progress({ label: 'train', total: total * B, enabled: verbose });
  progress.update(st.globalStep * B);
  while (!stop && st.epoch < cfg.train.epochs && st.globalStep < total) {
    const order = s.balance?.order(st.epoch, N) ?? (cfg.train.shuffle === 'full' ? new Rng(cfg.seed * 7919 + st.epoch).permutation(N) : Int32Array.from({ length: N }, (_, i) => i));
    for (let b = st.batchInEpoch; b < perEpoch && st.globalStep < total; b++) {
      const idx = order.subarray(b * B, Math.min(N, (b + 1) * B));
      const batch = s.extendBatch ? s.extendBatch(takeRows(splits.train, idx), st.globalStep) : takeRows(splits.train, idx); // two_tower hard negatives
      const fb = transform(s.fitted, batch);
      const hl = hostLabels(batch, tasks, b * B);
      s.balance?.apply(hl, idx, st.epoch); // row weights and negative down-sampling, into the task masks
      s.debias?.apply(hl, idx); // IPS targets / weights, D2Q quantile labels
      const feeds = { ...asm.feeds(fb), ...labelFeeds(hl, tasks), ...weighting.feeds(st.epoch) };
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
        const embGrad = r.inputGrads.emb ? (r.inputGrads.emb.data as Float32Array) : new Float32Array(0);
        diag?.beforeSparse(st.globalStep + 1, fb, embGrad); // per-feature statistics on snapshot steps
        asm.backward(fb, embGrad, lr / cfg.optimizer.lr, r.inputGrads); // inputGrads: sequence-block rows (models/seq/)
      });
      weighting.observeStep(taskLosses);
      taskLosses.forEach((l, i) => (epochLoss[i]! += l));
      epochBatches++;
      st.globalStep++; st.batchInEpoch = b + 1;
      samples += idx.length;
      progress.update(st.globalStep * B, r.loss, `ep ${st.epoch + 1}/${cfg.train.epochs}`);
      if (diag) {
        const w = r.outputs[TASK_WEIGHT_OUTPUT]!.data as Float32Array;
        await diag.afterStep(st.globalStep, batch, feeds, { epoch: st.epoch, lr, loss: r.loss, gradNorm: r.gradNorm, taskLoss: Object.fromEntries(tasks.map((t, i) => [t.name, taskLosses[i]!])), taskWeight: Object.fromEntries(tasks.map((t, i) => [t.name, w[i]!])) });
      }
      if (st.globalStep % cfg.train.log_every === 0) {
        const w = Array.from(r.outputs[TASK_WEIGHT_OUTPUT]!.data as Float32Array);
        appendLog(logPath, { kind: 'train', step: st.globalStep, epoch: st.epoch, lr, loss: r.loss, grad_norm: r.gradNorm, task_loss: Object.fromEntries(tasks.map((t, i) => [t.name, taskLosses[i]])), task_weight: Object.fromEntries(tasks.map((t, i) => [t.name, w[i]])) });
        faultPoint('train.logged');
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
    epochLoss = tasks.map(() => 0); epochBatches = 0;
    if (cfg.train.eval_every === 0 || st.globalStep >= total) stop = await validate();
  }
  const { seconds } = progress.stop();
  st.done = true;
  log(`trained ${st.globalStep} steps in ${seconds.toFixed(1)} s (${Math.round(samples / Math.max(1e-9, (performance.now() - t0) / 1000)).toLocaleString('en-US')} samples/s)`);

  const best = findCheckpoint(o.out, 'best');
  if (es && best && !st.calibrated) { restoreParams(best, step.store, asm); log(`restored the best checkpoint ${best} (${es.metric} ${fmt(st.best)})`); }
  const lognormal = tasks.some(isLogNormal);
  if ((cfg.calibration || lognormal) && !st.calibrated) {
    if (cfg.calibration) {
      const rep = await calibrate(splits.train, evaluator, asm, tasks, cfg.calibration, cfg.seed, cfg.eval.batch_size);
      for (const r of rep) {
        const by = Object.entries(r.byFeature).map(([f, v]) => `${f}: ${v.rows} rows, max |δ| ${v.maxAbs.toFixed(3)}`).join('; ');
        log(`calibration ${r.task}: PCOC on ${r.rows.toLocaleString('en-US')} training rows ${r.pcocBefore.toFixed(3)} → ${r.pcocAfter.toFixed(3)} (global δ ${r.globalOffset.toFixed(3)}${by ? `; ${by}` : ''})`);
      }
      writeFileAtomic(join(o.out, 'calibration.json'), JSON.stringify(rep, null, 1));
    }
    if (lognormal) { // the variance term σ²/2 of every lognormal task, into the model (lognormal-fit.ts)
      const rep = await fitLogNormalTasks(splits.train, evaluator, asm, tasks, cfg.seed, cfg.eval.batch_size);
      for (const r of rep) log(describeLogNormal(r));
      writeFileAtomic(join(o.out, LOGNORMAL_FILE), JSON.stringify(rep, null, 1));
    }
    st.calibrated = true;
    writeCheckpoint(o.out, step, asm, snapshot({ epochLoss, epochBatches }), { value: null, best: false, final: true, metric, suffix: '-calibrated' });
  }
  const test = await evaluateTable(splits.test, evaluator, asm, tasks, { batchSize: cfg.eval.batch_size, slices: s.slices, calibrationBins: cfg.eval.calibration_bins, progress: verbose, label: 'test', debias: s.debias });
  const cfTest = await counterfactualReport(s, step.store, splits.test, tasks, s.slices.scenario);
  if (cfTest) { test.matrix.counterfactual = cfTest; log(describeCounterfactual('test', cfTest)); }
  writeFileAtomic(join(o.out, METRICS_FILE), JSON.stringify(test.matrix, null, 1));
  diag?.onEval(st.globalStep, 'test', test.matrix);
  diag?.end();
  faultPoint('train.metrics-written');
  let val: EvalResult | null = null;
  if (o.valMetrics) {
    val = await evaluateTable(splits.val, evaluator, asm, tasks, { batchSize: cfg.eval.batch_size, slices: s.slices, calibrationBins: cfg.eval.calibration_bins, progress: verbose, label: 'val', debias: s.debias });
    const cfVal = await counterfactualReport(s, step.store, splits.val, tasks, s.slices.scenario);
    if (cfVal) val.matrix.counterfactual = cfVal;
    writeFileAtomic(join(o.out, VAL_METRICS_FILE), JSON.stringify(val.matrix, null, 1));
  }
  exportModel(o.out, s, step.store);
  await exportRetrieval(o.out, s, step.store, log); // two_tower: user_tower/, items.f32, items.json
  await writeExamination(o.out, s, step.store, splits.val, log); // PAL: the learned examination curve
  faultPoint('train.exported');
  const trainLabelNoise = labelNoise(splits.train, tasks, s.slices);
  return { test, val, trainLabelNoise, steps: st.globalStep, seconds, trainSamplesPerSecond: samples / Math.max(1e-9, seconds), out: o.out, dataReport: splits.report, splits: { train: splits.train, val: splits.val, test: splits.test } };
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(4);
}
