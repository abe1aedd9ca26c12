// Opening a finished run for the post-hoc analyses (gates, representations, permutation
// importance): its config (RUN/config.json unless given), features and final checkpoint (via
// train/eval-run.ts openRun, every file checked against the manifest), a seeded sample of the
// validation split, and a forward pass that fetches the model's diagnostic `extras` (gate weights,
// Gate NU δ, expert outputs, tower inputs) besides the predictions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { takeRows, type Table } from '../data/table.js';
import { Evaluator, type BuildFn } from '../engine/step.js';
import type { Graph, Tensor } from '../engine/graph.js';
import type { ParameterStore } from '../engine/store.js';
import { transform, type FeatureBatch } from '../features/index.js';
import { forward } from '../models/assemble.js';
import { resolveModel } from '../models/registry.js';
import { layoutOf } from '../train/assembler.js';
import { loadTrainConfig, parseTrainConfig, type TrainConfig } from '../train/config.js';
import { openRun } from '../train/eval-run.js';
import { hostLabels, predOutput, taskInfos } from '../train/heads.js';
import type { Session } from '../train/session.js';
import { Rng } from '../util/rng.js';
import type { DiagnosticsSource } from './types.js';

export interface DiagOptions {
  /** Training config file; default RUN/config.json (its paths then resolve against the working directory). */
  config?: string;
  /** Rows analysed at most (a seeded sample of the split above). */
  rows?: number;
  seed?: number;
  split?: 'val' | 'test' | 'train';
  verbose?: boolean;
}

export interface DiagRun {
  dir: string;
  cfg: TrainConfig;
  s: Session;
  store: ParameterStore;
  /** The analysed rows. */
  table: Table;
  /** Scenario value per analysed row ('' when the data has no scenario column). */
  scenario: string[];
  /** Metric labels per task (NaN outside the task's space). */
  labels: Record<string, Float32Array>;
  source: DiagnosticsSource;
}

/** The run's training config: `config` when given, else RUN/config.json. */
export function runConfig(run: string, config?: string): TrainConfig {
  if (config) return loadTrainConfig(config);
  const p = join(run, 'config.json');
  if (!existsSync(p)) throw new Error(`${p} not found: is ${run} a liverank run directory? (or pass --config)`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new Error(`${p}: not valid JSON (${(e as Error).message}); expected the run's training config`); }
  return parseTrainConfig(raw, process.cwd(), p);
}

/** A seeded sample of at most `max` rows of `t`, in table order. */
export function sampleRows(t: Table, max: number, seed: number): Table {
  if (t.numRows <= max) return t;
  const idx = new Rng(seed).permutation(t.numRows).subarray(0, max).sort();
  return takeRows(t, idx);
}

export async function openDiagRun(run: string, o: DiagOptions = {}): Promise<DiagRun> {
  const cfg = runConfig(run, o.config);
  const { s, store, ckpt } = await openRun(cfg, run, { verbose: o.verbose ?? false });
  let split = o.split ?? 'val';
  if (s.splits[split].numRows === 0 && !o.split) split = 'test';
  const full = s.splits[split];
  if (full.numRows < 2) throw new Error(`${run}: the ${split} split has ${full.numRows} rows; the analyses need at least 2`);
  const seed = o.seed ?? cfg.seed;
  const table = sampleRows(full, o.rows ?? 4000, seed);
  const col = s.slices.scenario ? table.columns[s.slices.scenario] : undefined;
  const scenario = Array.from({ length: table.numRows }, (_, i) => (col ? String(col[i] ?? 'null') : ''));
  const labels = hostLabels(table, cfg.tasks).metricLabel;
  const source: DiagnosticsSource = {
    run, model: String((cfg.model as { type?: unknown }).type ?? '?'), checkpoint: ckpt, split, rows: table.numRows, seed,
    scenario_column: col ? s.slices.scenario! : null, created: new Date().toISOString(),
  };
  return { dir: run, cfg, s, store, table, scenario, labels, source };
}

/**
 * Build function of the diagnostics pass: the model's forward with every `extras` tensor as an
 * output (the session's own build exposes only the gates). No logit biases are added: the extras
 * lie below the heads.
 */
function extrasBuild(r: DiagRun, keep: (name: string) => boolean): BuildFn {
  const infos = taskInfos(r.cfg.tasks);
  const model = resolveModel(r.cfg.model, infos);
  const layout = layoutOf(r.s.fitted);
  return (g: Graph) => {
    const f = forward(g, model, layout, infos, {});
    const outputs: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(f.out.extras ?? {})) if (keep(k)) outputs[k] = v;
    if (!Object.keys(outputs).length) outputs[PLACEHOLDER] = Object.values(f.preds)[0]!; // a graph needs an output
    return { outputs };
  };
}

const PLACEHOLDER = '__no_extras';

export interface Fetched {
  data: Float32Array;
  /** Dims with the batch dimension first. */
  dims: number[];
}

/** Run the analysed rows (in batches) and gather the chosen outputs over all of them. */
async function gather(ev: Evaluator, r: DiagRun, fb: FeatureBatch | null, names: string[] | undefined, batch: number): Promise<Record<string, Fetched>> {
  const N = r.table.numRows;
  const parts: Record<string, { chunks: Float32Array[]; dims: number[] }> = {};
  for (let start = 0; start < N; start += batch) {
    const end = Math.min(N, start + batch);
    const b = fb ? sliceBatch(fb, start, end) : transform(r.s.fitted, takeRows(r.table, range(start, end)));
    const out = await ev.run(r.s.asm.feeds(b), names);
    for (const [k, v] of Object.entries(out)) {
      const p = (parts[k] ??= { chunks: [], dims: v.dims.slice(1).map(Number) });
      p.chunks.push(v.data instanceof Float32Array ? v.data : Float32Array.from(v.data as ArrayLike<number>));
    }
  }
  const res: Record<string, Fetched> = {};
  for (const [k, p] of Object.entries(parts)) {
    const width = p.dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(N * width);
    let off = 0;
    for (const c of p.chunks) { data.set(c, off); off += c.length; }
    res[k] = { data, dims: [N, ...p.dims] };
  }
  return res;
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

/** Rows [start, end) of a feature batch (views, no copy). */
export function sliceBatch(fb: FeatureBatch, start: number, end: number): FeatureBatch {
  const ids: Record<string, Int32Array> = {};
  for (const [k, v] of Object.entries(fb.ids)) ids[k] = v.subarray(start, end);
  const multi: FeatureBatch['multi'] = {};
  for (const [k, m] of Object.entries(fb.multi)) {
    const L = m.maxLen;
    multi[k] = { ids: m.ids.subarray(start * L, end * L), mask: m.mask.subarray(start * L, end * L), lengths: m.lengths.subarray(start, end), maxLen: L };
  }
  const W = fb.denseWidth;
  return { ...fb, numRows: end - start, ids, multi, dense: fb.dense.subarray(start * W, end * W) };
}

/** The model's extras whose name passes `keep`, over every analysed row. */
export async function fetchExtras(r: DiagRun, keep: (name: string) => boolean, batch = 1024): Promise<Record<string, Fetched>> {
  const ev = await Evaluator.create(extrasBuild(r, keep), r.store, { substitute: r.s.asm.substitute });
  const got = await gather(ev, r, null, undefined, batch);
  delete got[PLACEHOLDER];
  return got;
}

/** Predictions per task (the session's served outputs) for a feature batch of the analysed rows. */
export class Predictor {
  private constructor(private readonly ev: Evaluator, private readonly r: DiagRun) {}

  static async create(r: DiagRun): Promise<Predictor> {
    return new Predictor(await Evaluator.create(r.s.build, r.store, { substitute: r.s.asm.substitute }), r);
  }

  async predict(fb: FeatureBatch, batch = 1024): Promise<Record<string, Float32Array>> {
    const names = this.r.cfg.tasks.map((t) => predOutput(t.name));
    const got = await gather(this.ev, this.r, fb, names, batch);
    return Object.fromEntries(this.r.cfg.tasks.map((t) => [t.name, got[predOutput(t.name)]!.data]));
  }
}

/** Feeds of the analysed rows' features (for predictions). */
export function featureBatch(r: DiagRun): FeatureBatch {
  return transform(r.s.fitted, r.table);
}

