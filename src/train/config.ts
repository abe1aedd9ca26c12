// The training config: one YAML (or JSON) file with data, features, tasks, model, losses, weighting,
// optimizers and schedule. Validated with zod; every error names the key and what was expected.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../util/zod-error.js';
import { weightingSchema } from './weighting.js';
import { scheduleSchema } from './schedule.js';
import { balanceSchema, checkBalanceTasks } from './balance.js';
import { checkDebiasTasks, debiasSchema } from './debias.js';
import { STOPPING_METRICS } from '../metrics/index.js';
import { checkLogNormalTasks, hurdleSchema, varianceSchema } from './hurdle.js';
import { fileReadSchema } from '../data/io/options.js';
import { labelSpecSchema, type LabelRule } from '../data/label-rules.js';
import { checkDistill, distillSchema, requestsDataSchema } from './distill-config.js';

/** The column a task's label rule writes its 0/1 labels into. */
export const ruleLabelColumn = (task: string): string => `__label_${task}`;

const fractions = z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)])
  .refine((f) => Math.abs(f[0] + f[1] + f[2] - 1) < 1e-9, { message: 'split fractions must add up to 1' });

const filesEntry = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const dataSchema = z.discriminatedUnion('source', [
  z.object({
    source: z.literal('world'),
    impressions: z.number().int().positive().default(1_000_000),
    world_seed: z.number().int().default(1),
    days: z.number().int().positive().default(1),
    /** Rooms live at a time per million impressions a day (world default 10 500). */
    live_rooms_per_million_per_day: z.number().positive().optional(),
    /** Users per impression (world default 0.05). */
    users_per_impression: z.number().positive().max(1).optional(),
    /** 'multi_scenario': per-scenario / per-country coefficients (docs/world.md §10); default 'none' = today's world. */
    heterogeneity: z.enum(['none', 'multi_scenario']).optional(),
    /** 'biased': each request ordered by a noisy estimate of relevance, counterfactual truth columns written (docs/world.md §12); default 'random' = today's world. */
    logging_policy: z.enum(['random', 'biased']).optional(),
    /** Biased policy: sd of its per-proposal error on the click logit (world default 0.5). */
    logging_noise: z.number().nonnegative().optional(),
    /** Biased policy: sd of its persistent per-streamer error on the click logit (world default 1.0). */
    logging_streamer_noise: z.number().nonnegative().optional(),
    /** Write the counterfactual truth (p_click_relevance, click_at_top, p_examine) under the random policy too (docs/world.md §12); the biased policy always writes it. */
    counterfactual_truth: z.boolean().optional(),
    /** Drift over the days: true (defaults) or drift options (docs/world.md "Drift", src/data/world/drift.ts); checked by the world. */
    drift: z.union([z.boolean(), z.record(z.string(), z.number())]).optional(),
    /** Read a generated world file instead of generating in memory. */
    path: z.string().optional(),
    /** 'time': train on the earliest rows, test on the latest (no leakage of the future); 'random'. */
    split_by: z.enum(['time', 'random']).default('time'),
    split: fractions.default([0.7, 0.1, 0.2]),
    /**
     * Hours at the start replayed through the real-time counters but left out of every split: the
     * counters start empty, and rows whose 24 h windows are still filling teach the model a mapping
     * that later rows (full windows) do not follow. Set it to the longest counter window.
     */
    warmup_hours: z.number().nonnegative().default(0),
    /** Train / evaluate on request snapshots (candidate sets) instead of the impressions (src/train/distill-data.ts, docs/coarse.md). */
    requests: requestsDataSchema.optional(),
  }).strict(),
  z.object({
    source: z.literal('census'),
    path: z.string().optional(),
    task_group: z.enum(['income-marital', 'marital-education']).default('income-marital'),
    split: fractions.default([0.5, 0.25, 0.25]),
  }).strict(),
  z.object({
    source: z.literal('files'),
    /** A path, a list of paths, a glob or a directory (docs/data.md); files are read in sorted order. */
    train: filesEntry,
    val: filesEntry.optional(),
    test: filesEntry.optional(),
    /** A data schema (see src/data/schema.ts): list of { name, type, required?, nullable? }. */
    schema: z.array(z.record(z.string(), z.unknown())),
    /** Per file: bad rows (parse errors and label values no rule accepts) / rows read above this is an error. */
    max_error_rate: z.number().min(0).max(1).default(0.01),
    /** Splits not given as files are cut from `train`: 'random' (seeded) or 'time' (file order, or `time_column` order). */
    split_by: z.enum(['time', 'random']).default('random'),
    split: fractions.default([0.8, 0.1, 0.1]),
    /** split_by: time — sort the rows by this column first (numbers, or ISO dates as text). */
    time_column: z.string().optional(),
    // format, delimiter, header, columns, trim, comment, null_values, gzip: src/data/io/options.ts
    ...fileReadSchema.shape,
  }).strict().superRefine((d, ctx) => {
    if (d.header === false && !d.columns && d.format !== 'jsonl' && d.format !== 'parquet') {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'header: false needs columns (the column names in file order)' });
    }
    if (d.time_column !== undefined && d.split_by !== 'time') {
      ctx.addIssue({ code: 'custom', path: ['time_column'], message: 'time_column orders rows for split_by: time; set split_by: time or remove it' });
    }
  }),
]);

export const LOSSES = ['bce', 'weighted_bce', 'focal', 'mse', 'l1', 'huber', 'weighted_lr', 'poisson', 'tweedie', 'lognormal'] as const;

const taskSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier'),
  /** A column name, or a rule deriving 0/1 from a column (src/data/label-rules.ts, docs/data.md). */
  label: labelSpecSchema,
  kind: z.enum(['binary', 'regression']).default('binary'),
  loss: z.enum(LOSSES).optional(),
  loss_options: z.object({
    pos_weight: z.number().positive().optional(),
    neg_weight: z.number().positive().optional(),
    alpha: z.number().min(0).max(1).nullable().optional(),
    gamma: z.number().min(0).optional(),
    delta: z.number().positive().optional(),
    /** tweedie: variance power p ∈ [1, 2) (1 = Poisson); default 1.5. */
    power: z.number().min(1).lt(2).optional(),
  }).strict().default({}),
  /** Rows of the task's sample space (rows whose label is missing are always excluded). */
  sample_space: z.object({
    column: z.string(),
    in: z.array(z.union([z.string(), z.number()])).optional(),
    equals: z.union([z.string(), z.number()]).optional(),
  }).strict().optional(),
  /** Per-row weight column. */
  weight_column: z.string().optional(),
  /** Column holding the true probability of the label (oracle metrics on synthetic data). */
  true_prob: z.string().optional(),
  /**
   * Counterfactual truth (e.g. the biased-log world's click_at_top / p_click_relevance): the task's
   * SERVED score (serve_as canonical values, bias parts dropped) is judged against `label` beside
   * the oracle `true_prob`; metrics.json gains a "counterfactual" block (src/train/counterfactual-eval.ts).
   */
  counterfactual: z.object({ label: z.string(), true_prob: z.string() }).strict().optional(),
  /** Regression: transform applied to the label before the loss (predictions are mapped back). */
  label_transform: z.enum(['none', 'log1p']).default('none'),
  /** loss lognormal: served value p_enter · exp(μ + σ²/2), p_enter a binary task's probability (src/train/hurdle.ts). */
  hurdle: hurdleSchema.optional(),
  /** loss lognormal: where the post-training variance term is fitted (src/train/lognormal-fit.ts). */
  variance: varianceSchema.optional(),
  /** Learn a teacher run's logits (distillation losses; src/train/distill.ts, docs/coarse.md). */
  distill: distillSchema.optional(),
}).strict().transform(({ label, ...t }): typeof t & { label: string; label_rule?: LabelRule } => (typeof label === 'string'
  ? { ...t, label }
  // A rule: the data loader writes its 0/1 values into ruleLabelColumn(name); `label` names that column.
  : { ...t, label: ruleLabelColumn(t.name), label_rule: label }));
export type TaskConfig = z.infer<typeof taskSchema>;

const optimizerSchema = z.object({
  type: z.enum(['sgd', 'adam', 'adamw', 'adagrad']).default('adam'),
  lr: z.number().positive().default(1e-3),
  weight_decay: z.number().min(0).default(0),
  momentum: z.number().min(0).lt(1).default(0),
  clip_norm: z.number().positive().optional(),
}).strict();

const embeddingSchema = z.object({
  optimizer: z.enum(['sgd', 'adagrad', 'adam', 'ftrl']).default('adam'),
  lr: z.number().positive().default(1e-3),
  init_std: z.number().positive().default(0.01),
  l2: z.number().min(0).default(0),
}).strict();

const trainSchema = z.object({
  epochs: z.number().int().positive().default(1),
  max_steps: z.number().int().positive().optional(),
  batch_size: z.number().int().positive().default(1024),
  /** 'full': a fresh permutation each epoch; 'none': data order. */
  shuffle: z.enum(['full', 'none']).default('full'),
  /** Validate every N steps (0 = at the end of each epoch). */
  eval_every: z.number().int().nonnegative().default(0),
  early_stopping: z.object({
    metric: z.string(),
    patience: z.number().int().positive().default(2),
    /** Default: the metric's better direction (max for auc / gauc / xauc, min for logloss / rmse / mae). */
    mode: z.enum(['max', 'min']).optional(),
  }).strict().optional(),
  log_every: z.number().int().positive().default(50),
  /** Dense optimizer update on a worker thread, overlapping the sparse embedding update (same numbers). */
  optimizer_thread: z.boolean().default(true),
  /** RUN/tb event files and RUN/diagnostics/feature_stats.jsonl (docs/diagnostics.md); false writes neither. */
  tensorboard: z.boolean().default(true),
  /** Steps between histogram / feature-statistics snapshots (a diagnostic forward pass); 0 = scalars only. */
  diagnostics_every: z.number().int().nonnegative().default(100),
}).strict();

const evalSchema = z.object({
  batch_size: z.number().int().positive().default(8192),
  scenario_column: z.string().optional(),
  country_column: z.string().optional(),
  group_column: z.string().optional(),
  calibration_bins: z.number().int().positive().default(10),
}).strict();

/** Post-training calibration on a sample of the training split (src/train/calibrate.ts). */
const calibrationSchema = z.object({
  rows: z.number().int().positive().default(300_000),
  sample: z.enum(['recent', 'random']).default('random'),
  by: z.array(z.string()).default([]),
  prior_sd: z.number().positive().default(0.1),
  sweeps: z.number().int().positive().default(4),
}).strict();

export const trainConfigSchema = z.object({
  name: z.string().default('run'),
  seed: z.number().int().default(1),
  data: dataSchema,
  /** Path to a feature config (relative to this file) or the feature config itself. */
  features: z.union([z.string(), z.record(z.string(), z.unknown())]),
  tasks: z.array(taskSchema).min(1),
  model: z.record(z.string(), z.unknown()).refine((m) => 'type' in m, { message: 'model.type is required' }),
  weighting: weightingSchema.default({ type: 'fixed' }),
  optimizer: optimizerSchema.default({ type: 'adam', lr: 1e-3, weight_decay: 0, momentum: 0 }),
  embedding: embeddingSchema.default({ optimizer: 'adam', lr: 1e-3, init_std: 0.01, l2: 0 }),
  schedule: scheduleSchema.default({ type: 'constant', warmup_steps: 0 }),
  train: trainSchema.default({ epochs: 1, batch_size: 1024, shuffle: 'full', eval_every: 0, log_every: 50, optimizer_thread: true, tensorboard: true, diagnostics_every: 100 }),
  eval: evalSchema.default({ batch_size: 8192, calibration_bins: 10 }),
  calibration: calibrationSchema.optional(),
  /** Sample balancing across slices and negative down-sampling (src/train/balance.ts, docs/training.md). */
  balance: balanceSchema.optional(),
  /** Training-side debiasing: IPS weights, D2Q watch-time quantiles (src/train/debias.ts, docs/training.md). */
  debias: debiasSchema.optional(),
}).strict();

type ParsedConfig = z.infer<typeof trainConfigSchema>;
/** A validated config (early_stopping.mode filled in from the metric when omitted). */
export type TrainConfig = Omit<ParsedConfig, 'train'> & {
  train: Omit<ParsedConfig['train'], 'early_stopping'> & {
    early_stopping?: NonNullable<ParsedConfig['train']['early_stopping']> & { mode: 'max' | 'min' };
  };
  baseDir: string;
};

/** Validate a parsed config object. */
export function parseTrainConfig(raw: unknown, baseDir = process.cwd(), where = 'config'): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${formatZodError(r.error, '', raw)}`);
  const cfg = r.data;
  const names = cfg.tasks.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${where}: tasks: task "${dup}" is defined twice`);
  for (const t of cfg.tasks) {
    const loss = t.loss ?? (t.kind === 'binary' ? 'bce' : 'mse');
    const binaryLoss = ['bce', 'weighted_bce', 'focal'].includes(loss);
    if (t.kind === 'binary' && !binaryLoss) throw new Error(`${where}: tasks "${t.name}".loss: "${loss}" is not a binary loss; allowed: bce, weighted_bce, focal`);
    if (t.kind === 'regression' && binaryLoss) throw new Error(`${where}: tasks "${t.name}".loss: "${loss}" is not a regression loss; allowed: mse, l1, huber, weighted_lr, poisson, tweedie, lognormal`);
    if ((loss === 'poisson' || loss === 'tweedie') && t.label_transform !== 'none') {
      throw new Error(`${where}: tasks "${t.name}".label_transform: "${t.label_transform}" cannot be combined with loss "${loss}" (it fits E[label] on the raw label through a log link; use label_transform: none)`);
    }
    if (t.loss_options.power !== undefined && loss !== 'tweedie') throw new Error(`${where}: tasks "${t.name}".loss_options.power: only loss "tweedie" has a power (loss is "${loss}")`);
    t.loss = loss;
  }
  checkLogNormalTasks(cfg.tasks, where);
  if (cfg.data.source === 'world' && cfg.data.logging_policy !== 'biased') {
    for (const k of ['logging_noise', 'logging_streamer_noise'] as const) {
      if (cfg.data[k] !== undefined) throw new Error(`${where}: data.${k}: only logging_policy: biased has a noise (logging_policy is "${cfg.data.logging_policy ?? 'random'}")`);
    }
  }
  checkBalanceTasks(cfg.balance, cfg.tasks, where);
  checkDebiasTasks(cfg.debias, cfg.tasks, where, cfg.balance?.negative_sampling);
  checkDistill(cfg, where);
  const es = cfg.train.early_stopping;
  if (es) {
    const [task, metric, ...rest] = es.metric.split('.');
    if (!names.includes(task!) || !metric || rest.length) {
      throw new Error(`${where}: train.early_stopping.metric: "${es.metric}" must be <task>.<metric> with task one of ${names.join(', ')}`);
    }
    const allowed = STOPPING_METRICS[cfg.tasks.find((t) => t.name === task)!.kind];
    if (!(metric in allowed)) {
      throw new Error(`${where}: train.early_stopping.metric: "${es.metric}": no metric "${metric}" for a ${cfg.tasks.find((t) => t.name === task)!.kind} task; valid: ${Object.keys(allowed).map((m) => `${task}.${m}`).join(', ')}`);
    }
    es.mode ??= allowed[metric];
  }
  return { ...cfg, baseDir } as TrainConfig;
}

/** Read and validate a YAML/JSON config file. */
export function loadTrainConfig(path: string): TrainConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config ${path}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  return parseTrainConfig(raw, dirname(resolve(path)), path);
}

export function resolvePath(cfg: TrainConfig, p: string): string {
  return isAbsolute(p) ? p : resolve(cfg.baseDir, p);
}
