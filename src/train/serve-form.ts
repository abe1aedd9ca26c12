// The serving form of a trained model, one mechanism for every model (models/assemble.ts forward()):
//  1. the model's bias parts are dropped — PAL's p(seen), a shallow tower's logit (ModelOutputs.bias);
//  2. the `serve_as` features (model.serve_as: { position: 0 }) are served at canonical values: their
//     embedding is the canonical value's row whatever the logged value (DWG, or a plain model with
//     position as an ordinary feature).
// The exported model.onnx is the serving form (the canonical rows are constants in the graph; the
// serve_as features' id inputs stay, unused). `scoreServed` gives the trainer the same scores
// without an export: the serving graph fed the canonical ids (tested equal to the .onnx).
// Canonical values are raw column values, mapped to ids by the fitted features; a value outside a
// vocabulary, a feature that is not a single-id embedded feature, or another feature that reads the
// same column (it would carry the logged value to serving) is an error naming model.serve_as.<key>.
import type { Table } from '../data/table.js';
import { isStringColumn, sliceTable, takeRows } from '../data/table.js';
import type { Tensor } from '../engine/graph.js';
import { Evaluator, type BuildFn } from '../engine/step.js';
import type { ParameterStore } from '../engine/store.js';
import { parseFeatureConfig, transform, type FeatureDef } from '../features/index.js';
import { forward } from '../models/assemble.js';
import { idsInput } from '../models/base.js';
import { resolveModel } from '../models/registry.js';
import { layoutOf } from './assembler.js';
import { initialLogitBias, predictionOf, predOutput, taskInfos } from './heads.js';
import type { Session } from './session.js';
import { resolveHurdles, servedOutputs } from './hurdle.js';

/** Extra outputs of the serving graph that reports read (PAL's p(seen) per row). */
export const SERVING_EXTRAS = ['pal.seen'] as const;

/** The raw columns a feature reads (a cross: its fields' columns). */
function columnsOf(f: FeatureDef, all: FeatureDef[], seen = new Set<string>()): string[] {
  if (seen.has(f.name)) return [];
  seen.add(f.name);
  if ('column' in f && f.column) return [f.column];
  if (f.kind === 'cross') {
    return f.fields.flatMap((n) => {
      const g = all.find((x) => x.name === n);
      return g ? columnsOf(g, all, seen) : [n];
    });
  }
  return [];
}

/** `model.serve_as` mapped to ids through the fitted features, checked (errors name the key). */
export function canonicalIds(s: Session): Record<string, number> {
  const model = resolveModel(s.cfg.model, taskInfos(s.cfg.tasks));
  const entries = Object.entries(model.serveAs);
  if (!entries.length) return {};
  const defs = parseFeatureConfig(s.fitted.config, 'fitted features').features;
  const embedded = s.fitted.specs.filter((x) => x.output !== 'dense');
  const train = s.splits.train;
  if (train.numRows === 0) throw new Error('model.serve_as: the training split is empty; canonical values are mapped to ids on a training row');
  const out: Record<string, number> = {};
  for (const [name, value] of entries) {
    const key = `model.serve_as.${name}`;
    const spec = s.fitted.specs.find((x) => x.name === name);
    if (!spec) throw new Error(`${key}: "${name}" is not a feature; embedded features are ${embedded.map((x) => x.name).join(', ')}`);
    if (spec.output !== 'ids') throw new Error(`${key}: "${name}" is a ${spec.output === 'dense' ? 'dense' : 'multi-value'} feature; serve_as needs a single-id embedded feature (id, bucketized, time)`);
    const def = defs.find((d) => d.name === name)!;
    const cols = columnsOf(def, defs);
    if (cols.length !== 1 || def.kind === 'cross') throw new Error(`${key}: "${name}" is a ${def.kind} feature of ${cols.length} columns; serve_as needs a feature of one raw column (serve a cross's fields instead)`);
    const col = cols[0]!;
    const column = train.columns[col];
    if (!column) throw new Error(`${key}: column "${col}" of feature "${name}" is not in the data (columns: ${Object.keys(train.columns).join(', ')})`);
    const leaks = embedded.filter((x) => !(x.name in model.serveAs) && columnsOf(defs.find((d) => d.name === x.name)!, defs).includes(col)).map((x) => x.name);
    if (leaks.length) throw new Error(`${key}: feature(s) ${leaks.join(', ')} also read column "${col}" and would serve its logged value; give them a serve_as value or leave them out of the features`);
    // The id: a training row with the column set to the canonical value, through the fitted transform.
    const row = takeRows(train, [0]);
    const c = row.columns[col]!;
    if (isStringColumn(c)) c[0] = String(value);
    else {
      const v = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(v)) throw new Error(`${key}: ${JSON.stringify(value)} is not a number; column "${col}" is numeric`);
      c[0] = v;
      if (c[0] !== v) throw new Error(`${key}: ${v} does not fit column "${col}" (${c.constructor.name})`);
    }
    const id = transform(s.fitted, row).ids[name]![0]!;
    const vocab = s.fitted.vocabs[spec.table ?? ''];
    if ((def.kind === 'id' && !def.hash_buckets) && id <= 1) {
      throw new Error(`${key}: ${JSON.stringify(value)} is outside the feature's vocabulary (${vocab?.length ?? 0} values fitted on the training split, e.g. ${(vocab ?? []).slice(0, 8).join(', ')})`);
    }
    if (id < 0 || id >= spec.buckets) throw new Error(`${key}: ${JSON.stringify(value)} maps to id ${id}, outside [0, ${spec.buckets})`);
    out[name] = id;
  }
  return out;
}

/** The canonical ids' embedding rows from the session's tables (their current values). */
export function canonicalRows(s: Session, ids: Record<string, number>): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, id] of Object.entries(ids)) {
    const spec = s.fitted.specs.find((x) => x.name === name)!;
    const t = s.asm.tables.get(spec.table!)!;
    out[name] = t.values.slice(id * t.dim, (id + 1) * t.dim);
  }
  return out;
}

/**
 * The serving form's build function: the model's bias parts dropped and, with `canonical`, the
 * serve_as features' embeddings fixed to those rows. Outputs `pred.<task>` (served) and the
 * SERVING_EXTRAS the model has. Same parameters as the training build (evaluates the same store).
 */
export function servingBuild(s: Session, canonical?: Record<string, Float32Array>): BuildFn {
  const model = resolveModel(s.cfg.model, taskInfos(s.cfg.tasks));
  const layout = layoutOf(s.fitted);
  const infos = taskInfos(s.cfg.tasks);
  const bias = initialLogitBias(s.splits.train, s.cfg.tasks); // values unused (the store has them); declares the same heads
  s.balance?.adjustBias(bias);
  const hurdles = resolveHurdles(s.cfg.tasks, s.fitted, s.splits.train, model.wide);
  return (g) => {
    const f = forward(g, model, layout, infos, bias, { canonical });
    const outputs: Record<string, Tensor> = {};
    // pred.<task> as in the session's build (hurdle.ts: a lognormal task's p_enter · exp(μ + σ²/2))
    Object.assign(outputs, servedOutputs(s.cfg.tasks, f, (t) => (s.balance ? s.balance.correct(t, predictionOf(t, f)) : predictionOf(t, f)), hurdles));
    for (const k of SERVING_EXTRAS) if (f.out.extras?.[k]) outputs[k] = f.out.extras[k]!;
    return { outputs };
  };
}

export interface ServedScores {
  /** Per task, the served prediction of every row of the table (table order). */
  preds: Record<string, Float32Array>;
  /** PAL models: p(seen) of every row (the training form's examination probability). */
  seen?: Float32Array;
  /** The canonical ids the serve_as features were scored at. */
  canonical: Record<string, number>;
}

/**
 * Served scores of a table with the current parameters (`store`) and embedding tables: what the
 * exported model.onnx returns for these rows. For the counterfactual metrics (bias features at their
 * canonical values, bias parts dropped), e.g. `scoreServed(session, step.store, splits.test)`.
 */
export async function scoreServed(s: Session, store: ParameterStore, table: Table, o: { batchSize?: number } = {}): Promise<ServedScores> {
  return runServing(s, store, table, canonicalIds(s), o.batchSize);
}

/** The serving graph over a table with the given ids fed for the serve_as features ({} = the logged ids). */
export async function runServing(s: Session, store: ParameterStore, table: Table, canonical: Record<string, number>, batchSize?: number): Promise<ServedScores> {
  const ev = await Evaluator.create(servingBuild(s), store, { substitute: s.asm.substitute });
  const N = table.numRows, B = batchSize ?? s.cfg.eval.batch_size;
  const preds = Object.fromEntries(s.cfg.tasks.map((t) => [t.name, new Float32Array(N)]));
  let seen: Float32Array | undefined;
  for (let start = 0; start < N; start += B) {
    const part = sliceTable(table, start, Math.min(N, start + B));
    const fb = transform(s.fitted, part);
    const feeds = s.asm.feeds(fb);
    for (const [name, id] of Object.entries(canonical)) feeds[idsInput(name)] = { data: new Int32Array(part.numRows).fill(id), dims: [part.numRows] };
    const out = await ev.run(feeds);
    for (const t of s.cfg.tasks) preds[t.name]!.set(out[predOutput(t.name)]!.data as Float32Array, start);
    const p = out['pal.seen'];
    if (p) (seen ??= new Float32Array(N)).set(p.data as Float32Array, start);
  }
  return { preds, seen, canonical };
}
