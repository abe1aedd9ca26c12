// The teacher of a distillation: a run's exported model (model.onnx verified against its sha256,
// model.json, features.json) scored in-process on a table with the training transform, and its
// served predictions turned back into logits (the scale the student's logits live on).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sliceTable, type Table } from '../data/table.js';
import { parseFeatureConfig, transform, type FeatureConfig } from '../features/index.js';
import { feedsFor, loadRunArtefacts, type LoadedModel } from '../serving/fine-ranker-model.js';
import { materializeCountersAt } from './counters.js';

/** How a task's served prediction maps back to the logit its loss was trained on. */
export type LogitForm = 'logit' | 'log1p' | 'log' | 'identity';

export interface TeacherTask { task: string; form: LogitForm }

/** Served value → logit: logit(p) (p clipped to [1e-7, 1 − 1e-7]), log1p(y), ln(y), or y. */
export function toLogit(v: number, form: LogitForm): number {
  switch (form) {
    case 'logit': { const p = Math.min(1 - 1e-7, Math.max(1e-7, v)); return Math.log(p) - Math.log1p(-p); }
    case 'log1p': return Math.log1p(Math.max(v, -1 + 1e-12));
    case 'log': return Math.log(Math.max(v, 1e-30));
    case 'identity': return v;
  }
}

export class Teacher {
  private constructor(readonly dir: string, readonly model: LoadedModel, readonly session: ort.InferenceSession, readonly tasks: TeacherTask[], readonly features: FeatureConfig) {}

  static async load(dir: string): Promise<Teacher> {
    const model = loadRunArtefacts(dir); // checksum-verified, names the file on every failure
    const cpath = join(dir, 'config.json');
    if (!existsSync(cpath)) throw new Error(`${cpath}: missing; the teacher must be a liverank run directory`);
    const cfg = JSON.parse(readFileSync(cpath, 'utf8')) as { tasks?: { name: string; kind?: string; loss?: string; label_transform?: string }[] };
    const byName = new Map((cfg.tasks ?? []).map((t) => [t.name, t]));
    const tasks = model.manifest.outputs.map((o): TeacherTask => {
      const t = byName.get(o.task);
      if (!t) throw new Error(`${cpath}: task "${o.task}" of model.json is not in the run's config`);
      if ((t.kind ?? 'binary') === 'binary') return { task: o.task, form: 'logit' };
      if (t.loss === 'poisson' || t.loss === 'tweedie' || t.loss === 'weighted_lr' || t.loss === 'lognormal') return { task: o.task, form: 'log' };
      return { task: o.task, form: t.label_transform === 'log1p' ? 'log1p' : 'identity' };
    });
    const session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new Teacher(dir, model, session, tasks, parseFeatureConfig(model.fitted.config, `${dir}/features.json (embedded config)`));
  }

  task(name: string): TeacherTask {
    const t = this.tasks.find((x) => x.task === name);
    if (!t) throw new Error(`teacher ${this.dir}: no task "${name}" (tasks: ${this.tasks.map((x) => x.task).join(', ')})`);
    return t;
  }

  /** The teacher's counter columns for rows that did not happen (request candidates), read from the replayed `log`. */
  withCounters(log: Table, rows: Table): Table {
    return materializeCountersAt(this.features, log, rows);
  }

  /** Served predictions of every task for the table's rows (the table carries the teacher's counter columns). */
  async predict(table: Table, batchSize = 8192): Promise<Record<string, Float32Array>> {
    const N = table.numRows;
    const out = Object.fromEntries(this.tasks.map((t) => [t.task, new Float32Array(N)]));
    const fetch = this.model.manifest.outputs;
    for (let s = 0; s < N; s += batchSize) {
      const part = sliceTable(table, s, Math.min(N, s + batchSize));
      const feeds = feedsFor(this.model.manifest, transform(this.model.fitted, part));
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [k, f] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as Float32Array, f.dims);
      const r = await this.session.run(ortFeeds, fetch.map((o) => o.name));
      for (const o of fetch) out[o.task]!.set(r[o.name]!.data as Float32Array, s);
    }
    return out;
  }

  /** The teacher's logit of `task` for every row. */
  async logits(table: Table, task: string): Promise<Float64Array> {
    const t = this.task(task);
    const p = (await this.predict(table))[task]!;
    return Float64Array.from(p, (v) => toLogit(v, t.form));
  }

  async dispose(): Promise<void> { await this.session.release(); }
}
