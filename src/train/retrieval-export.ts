// Export of a trained two_tower run for recall serving (contract: docs/models/two-tower.md):
//   RUN/user_tower/  model.onnx (+ .sha256), model.json, features.json — the user tower alone, its
//                    embedding tables folded in, inputs = the user features' ids, output user_emb [B, d]
//   RUN/items.f32    the item tower over every item of the catalog, float32 row-major [count, d]
//   RUN/items.json   dim, temperature, ids (item_id column values), log_q, the items' static columns
// The item vectors are computed by the exported item-tower graph (the same export path as the user
// tower), so serving's dot products equal the training graph's within float32 rounding.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Column, Table } from '../data/table.js';
import { isStringColumn, takeRows } from '../data/table.js';
import { generateWorld } from '../data/world/generate.js';
import { exportForward, type EmbeddingTableValues, type FoldPart } from '../engine/export.js';
import type { BuildFn } from '../engine/step.js';
import type { ParameterStore } from '../engine/store.js';
import { sessionOptions } from '../engine/runtime.js';
import { parseFeatureConfig, saveFitted, transform, type FeatureBatch, type FittedFeatures } from '../features/index.js';
import { EMB_INPUT, ModelInputs, idsInput } from '../models/base.js';
import { resolveModel } from '../models/registry.js';
import { ITEM_EMB, USER_EMB, towerVector, type TwoTowerConfig } from '../models/two-tower.js';
import { writeFileAtomic } from '../util/atomic.js';
import { sha256, writeSidecar } from '../util/checksum.js';
import { layoutOf } from './assembler.js';
import { taskInfos } from './heads.js';
import { countItems, itemIdsOf, logQ } from './retrieval-logq.js';
import { subsetFitted } from './retrieval-features.js';
import { TWO_TOWER } from './retrieval-prepare.js';
import type { Session } from './session.js';
import type { TrainConfig } from './config.js';
import { worldOptionsOf } from './world-options.js';

export const USER_TOWER_DIR = 'user_tower';
export const ITEMS_FILE = 'items.f32';
export const ITEMS_META = 'items.json';

/** The lookup parts (ids inputs) of a fitted-feature subset, in spec order. */
export function partsOf(f: FittedFeatures): FoldPart[] {
  return f.specs.filter((s) => s.output !== 'dense').map((s) => (s.output === 'ids'
    ? { ids: idsInput(s.name), table: s.table! }
    : { ids: idsInput(s.name), table: s.table!, length: s.maxLen!, pooling: s.pooling === 'sum' ? 'sum' : 'mean' }));
}

/** One tower as its own forward graph over the tower's features (parameters by the training names). */
export function towerBuild(cfg: TwoTowerConfig, sub: FittedFeatures, side: 'user' | 'item'): BuildFn {
  const layout = layoutOf(sub);
  return (g) => ({ outputs: { [side === 'user' ? USER_EMB : ITEM_EMB]: towerVector(cfg, new ModelInputs(g, layout), side) } });
}

/** The tower's ONNX bytes with its embedding tables folded in. */
export function exportTower(s: Session, store: ParameterStore, cfg: TwoTowerConfig, sub: FittedFeatures, side: 'user' | 'item'): Uint8Array {
  const parts = partsOf(sub);
  const tables: Record<string, EmbeddingTableValues> = {};
  for (const t of sub.tables) {
    const tab = s.asm.tables.get(t.name);
    if (!tab) throw new Error(`two_tower export: embedding table "${t.name}" of the ${side} tower is not in the run`);
    tables[t.name] = { values: tab.values, rows: tab.rows, dim: tab.dim };
  }
  return exportForward(towerBuild(cfg, sub, side), store, {
    folds: [{ input: EMB_INPUT, parts }], tables, outputs: [side === 'user' ? USER_EMB : ITEM_EMB],
    metadata: { liverank_model: TWO_TOWER, liverank_tower: side, liverank_dim: String(cfg.dim), liverank_temperature: String(cfg.temperature) },
  });
}

/** ORT feeds of a featurized batch for a tower graph (ids int64, masks float32). */
export function towerFeeds(sub: FittedFeatures, fb: FeatureBatch): Record<string, ort.Tensor> {
  const n = fb.numRows;
  const feeds: Record<string, ort.Tensor> = {};
  for (const s of sub.specs) {
    if (s.output === 'ids') feeds[idsInput(s.name)] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[s.name]!, (v) => BigInt(v)), [n]);
    else if (s.output === 'multi') {
      const m = fb.multi[s.name]!;
      feeds[idsInput(s.name)] = new ort.Tensor('int64', BigInt64Array.from(m.ids, (v) => BigInt(v)), [n, m.maxLen]);
      feeds[`${idsInput(s.name)}_mask`] = new ort.Tensor('float32', Float32Array.from(m.mask), [n, m.maxLen]);
    }
  }
  return feeds;
}

/** Runs a tower's ONNX over a table in chunks: [rows, d] float32 row-major. */
export async function runTower(bytes: Uint8Array, sub: FittedFeatures, table: Table, output: string, dim: number, chunk = 8192): Promise<Float32Array> {
  const sess = await ort.InferenceSession.create(bytes, sessionOptions({}));
  const out = new Float32Array(table.numRows * dim);
  try {
    for (let a = 0; a < table.numRows; a += chunk) {
      const idx = Int32Array.from({ length: Math.min(chunk, table.numRows - a) }, (_, i) => a + i);
      const r = await sess.run(towerFeeds(sub, transform(sub, takeRows(table, idx))));
      out.set(r[output]!.data as Float32Array, a * dim);
    }
  } finally {
    await sess.release();
  }
  return out;
}

/** The raw columns the features of a fitted subset read (crosses: their fields' columns). */
export function columnsOfFeatures(sub: FittedFeatures): string[] {
  const cols = new Set<string>();
  for (const f of parseFeatureConfig(sub.config, 'tower features').features) if ('column' in f && f.column) cols.add(f.column);
  return [...cols];
}

/**
 * The item catalog: one row per item (first occurrence of each item_id column value) with the item
 * tower's columns. World data: the world's rooms table (every live session's streamer, also those
 * never shown in the logged data); other data: every row of the train, validation and test splits.
 */
export function itemCatalog(cfg: TrainConfig, s: Session, idColumn: string, columns: string[]): { table: Table; source: string } {
  let src: Table;
  let source: string;
  if (cfg.data.source === 'world' && !cfg.data.path) {
    src = generateWorld(worldOptionsOf(cfg.data)).rooms;
    source = 'world rooms table (every session\'s streamer, deduplicated)';
  } else {
    const parts = [s.splits.train, s.splits.val, s.splits.test];
    const cols: Record<string, Column> = {};
    for (const c of [idColumn, ...columns]) {
      const all = parts.map((p) => p.columns[c]);
      if (all.some((x) => !x)) continue;
      cols[c] = all.every((x) => !isStringColumn(x!)) ? Float64Array.from(all.flatMap((x) => Array.from(x as ArrayLike<number>))) : all.flatMap((x) => Array.from(x as ArrayLike<unknown>, (v) => (v === null || v === undefined ? null : String(v))));
    }
    src = { numRows: parts.reduce((n, p) => n + p.numRows, 0), columns: cols };
    source = 'every row of the train, validation and test splits (deduplicated)';
  }
  const missing = [idColumn, ...columns].filter((c) => !src.columns[c]);
  if (missing.length) throw new Error(`two_tower export: the item catalog (${source}) has no column(s) ${missing.join(', ')} that the item tower reads`);
  const idCol = src.columns[idColumn]!;
  const seen = new Set<string>();
  const keep: number[] = [];
  for (let i = 0; i < src.numRows; i++) {
    const v = idCol[i];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) continue;
    const k = String(v);
    if (!seen.has(k)) { seen.add(k); keep.push(i); }
  }
  const picked = takeRows({ numRows: src.numRows, columns: Object.fromEntries([idColumn, ...columns].map((c) => [c, src.columns[c]!])) }, keep);
  return { table: picked, source };
}

const plain = (c: Column): (string | number | null)[] => (isStringColumn(c) ? [...c] : Array.from(c as ArrayLike<number>));

/** Writes user_tower/, items.f32 and items.json for a two_tower run; does nothing for other models. */
export async function exportRetrieval(out: string, s: Session, store: ParameterStore, log: (m: string) => void): Promise<void> {
  const model = resolveModel(s.cfg.model, taskInfos(s.cfg.tasks));
  if (model.def.name !== TWO_TOWER) return;
  const t0 = Date.now();
  const cfg = model.cfg as TwoTowerConfig;
  // user tower: a run-like directory the serving loader reads (model.onnx, .sha256, model.json, features.json)
  const userSub = subsetFitted(s.fitted, cfg.user_features, 'model.user_features');
  const dir = join(out, USER_TOWER_DIR);
  mkdirSync(dir, { recursive: true });
  const userBytes = exportTower(s, store, cfg, userSub, 'user');
  writeFileAtomic(join(dir, 'model.onnx'), userBytes);
  writeSidecar(join(dir, 'model.onnx'), userBytes);
  saveFitted(join(dir, 'features.json'), userSub);
  const two = { dim: cfg.dim, temperature: cfg.temperature, normalized: true, score: 'dot(user_emb, item_row) / temperature', items: `../${ITEMS_FILE}`, items_meta: `../${ITEMS_META}` };
  writeFileAtomic(join(dir, 'model.json'), JSON.stringify({
    model: 'model.onnx', features: 'features.json',
    inputs: partsOf(userSub).map((p) => ({ name: p.ids, dtype: 'int64', shape: p.length ? ['B', p.length] : ['B'], feature: p.ids.slice(4), mask: p.length ? `${p.ids}_mask` : undefined })),
    outputs: [{ name: USER_EMB, task: USER_EMB, kind: 'embedding', dim: cfg.dim }],
    two_tower: two,
  }, null, 1));
  // items: the item tower over the catalog
  const itemSub = subsetFitted(s.fitted, cfg.item_features, 'model.item_features');
  const idDef = parseFeatureConfig(s.fitted.config, 'features').features.find((f) => f.name === cfg.item_id)!;
  const idColumn = 'column' in idDef && idDef.column ? idDef.column : cfg.item_id;
  const columns = columnsOfFeatures(itemSub).filter((c) => c !== idColumn);
  const { table, source } = itemCatalog(s.cfg, s, idColumn, columns);
  const vectors = await runTower(exportTower(s, store, cfg, itemSub, 'item'), itemSub, table, ITEM_EMB, cfg.dim);
  const itemBytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  writeFileAtomic(join(out, ITEMS_FILE), itemBytes);
  const spec = s.fitted.specs.find((x) => x.name === cfg.item_id)!;
  const lq = logQ(countItems(s.fitted, cfg.item_id, s.splits.train, spec.buckets), { batchSize: s.cfg.train.batch_size, negatives: cfg.hard_negatives?.count ?? 0, sampling: cfg.hard_negatives?.sampling ?? 'uniform' });
  const ids = itemIdsOf(s.fitted, cfg.item_id, table);
  writeFileAtomic(join(out, ITEMS_META), `${JSON.stringify({
    format: 'liverank.two_tower.items', version: 1, ...two, items: undefined, items_meta: undefined,
    id_column: idColumn, count: table.numRows,
    ids: plain(table.columns[idColumn]!),
    ...Object.fromEntries(columns.map((c) => [c, plain(table.columns[c]!)])),
    log_q: Array.from(ids, (id) => lq[id]!),
    logq_applied_in_training: cfg.logq,
    vectors: ITEMS_FILE, sha256: sha256(itemBytes), source,
  })}\n`);
  log(`two_tower: exported ${USER_TOWER_DIR}/ (user_emb [B, ${cfg.dim}]) and ${table.numRows.toLocaleString('en-US')} item vectors (${ITEMS_FILE}; ${source}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
