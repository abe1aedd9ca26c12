// Config of distillation (a task learns a teacher run's scores: docs/coarse.md) and of training on
// request snapshots (data.requests: candidate sets of logged requests, src/data/world/requests.ts).
import { z } from 'zod';

/** `tasks[].distill`: the task's loss gains distillation terms against a teacher run's logits. */
export const distillSchema = z.object({
  /** The teacher's run directory (its exported model.onnx, model.json, features.json), relative to the config file. */
  teacher: z.string().min(1),
  /** The teacher's task whose logit this task learns (default: the same name). */
  task: z.string().min(1).optional(),
  /**
   * A fusion config (src/serving/fusion-config.ts, e.g. ../examples/fusion.yaml; relative to this
   * file): the task learns ln of the teacher's fused score (each request's scenario parameters)
   * instead of one task's logit — the fine ranker's final order. Not a probability: soft_bce must be 0.
   */
  fusion: z.string().min(1).optional(),
  /** Temperature T of the soft-label BCE and the listwise KL (both scaled by T²). */
  temperature: z.number().positive().default(1),
  weights: z.object({
    /** The task's own loss on its labels (request rows: only the logged candidate has labels). */
    label: z.number().min(0).default(0),
    /** (z_s − z_t)² averaged over rows. */
    mse: z.number().min(0).default(1),
    /** T²·BCE(σ(z_t/T), σ(z_s/T)) averaged over rows. */
    soft_bce: z.number().min(0).default(1),
    /** T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) over each request's candidates, averaged over requests. */
    listwise: z.number().min(0).default(1),
  }).strict().default({ label: 0, mse: 1, soft_bce: 1, listwise: 1 }),
}).strict();
export type DistillConfig = z.infer<typeof distillSchema>;

/**
 * `data.requests` (world data only): train, validate and test on request snapshots instead of the
 * logged impressions — `count` requests sampled uniformly from the impressions after the counter
 * warm-up, each with `candidates` live rooms (always including the logged one), assigned to the
 * train / validation / test split by where their logged impression falls in data.split.
 */
export const requestsDataSchema = z.object({
  count: z.number().int().positive(),
  candidates: z.number().int().min(2),
  seed: z.number().int().default(1),
}).strict();
export type RequestsDataConfig = z.infer<typeof requestsDataSchema>;

/** The teacher column of a distilled task in a request table: the teacher's logit. */
export const teacherColumn = (task: string): string => `teacher__${task}`;

interface CheckedConfig {
  data: { source: string; requests?: RequestsDataConfig };
  tasks: { name: string; kind: string; distill?: DistillConfig }[];
  train: { shuffle: string; batch_size: number };
}

/** Cross-field checks; every error names the field. */
export function checkDistill(cfg: CheckedConfig, where: string): void {
  const req = cfg.data.source === 'world' ? cfg.data.requests : undefined;
  for (const t of cfg.tasks) {
    const d = t.distill;
    if (!d) continue;
    const at = `${where}: tasks "${t.name}".distill`;
    const w = d.weights;
    if (w.label + w.mse + w.soft_bce + w.listwise === 0) throw new Error(`${at}.weights: every weight is 0; the task would learn nothing`);
    if (d.fusion !== undefined && w.soft_bce > 0) throw new Error(`${at}.weights.soft_bce: a fused score is not a probability (distill.fusion is set); set soft_bce to 0`);
    if (d.fusion !== undefined && d.task !== undefined) throw new Error(`${at}: give either task (one teacher task's logit) or fusion (the fused score), not both`);
    if (w.soft_bce > 0 && t.kind !== 'binary') throw new Error(`${at}.weights.soft_bce: soft-label BCE needs a binary task ("${t.name}" is ${t.kind}); set it to 0`);
    if (!req) throw new Error(`${at}: distillation trains on request snapshots scored by the teacher; set data.requests (world data)`);
    if (w.listwise > 0) {
      if (cfg.train.shuffle !== 'none') throw new Error(`${at}.weights.listwise: the listwise KL needs batches of whole requests; set train.shuffle: none (the requests are shuffled when the table is built)`);
      if (cfg.train.batch_size % req.candidates !== 0) throw new Error(`${at}.weights.listwise: train.batch_size ${cfg.train.batch_size} must be a multiple of data.requests.candidates ${req.candidates} (whole requests per batch)`);
    }
  }
}
