// Writes the serving model: the eval-mode forward graph with parameters and embedding tables folded
// in (inputs: one int64 id tensor per embedded feature, plus `dense`), its SHA-256 beside it
// (`model.onnx.sha256`) and a manifest describing it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeFileAtomic } from '../util/atomic.js';
import { readVerified, writeSidecar } from '../util/checksum.js';
import { sessionOptions } from '../engine/runtime.js';
import { exportForward, type EmbeddingTableValues, type FoldPart } from '../engine/export.js';
import type { ParameterStore } from '../engine/store.js';
import { EMB_INPUT, idsInput } from '../models/base.js';
import { MODEL_FILE, REQUEST_MODEL_FILE } from './run-dir.js';
import { predOutput } from './heads.js';
import type { Session } from './session.js';
import { canonicalIds, canonicalRows, servingBuild } from './serve-form.js';
import { D2Q_FILE } from './d2q.js';

/**
 * Open an exported model for scoring — the loader serving uses: the bytes are checked against
 * `<path>.sha256` first, and a damaged, replaced or unchecksummed file is refused naming its path
 * (`allowUnverified` accepts a model without a .sha256 file, never one that does not match it).
 */
export async function loadExportedModel(path: string, o: { allowUnverified?: boolean; threads?: number } = {}): Promise<ort.InferenceSession> {
  const bytes = readVerified(path, !o.allowUnverified);
  return ort.InferenceSession.create(bytes, sessionOptions({ threads: o.threads }));
}

/** The serving graph with the `shared` multi-value features fed once per batch ([1, L]; none: model.onnx). */
function servingGraph(s: Session, store: ParameterStore, canonical: Record<string, number>, shared: ReadonlySet<string>): Uint8Array {
  const parts: FoldPart[] = s.asm.parts({ served: true, shared }); // whole sequences (SIM selects inside the model)
  const tables: Record<string, EmbeddingTableValues> = {};
  for (const [name, t] of s.asm.tables) tables[name] = { values: t.values, rows: t.rows, dim: t.dim };
  // The serving form (serve-form.ts): bias parts dropped, serve_as features at their canonical rows.
  return exportForward(servingBuild(s, canonicalRows(s, canonical)), store, {
    folds: [...(parts.length ? [{ input: EMB_INPUT, parts }] : []), ...s.asm.servedRowParts(shared)], // sequence blocks' unpooled rows (models/seq/)
    substitute: s.asm.exportSubstituteFor(shared), // sequence masks; SIM soft search inside the model
    tables,
    outputs: s.cfg.tasks.map((t) => predOutput(t.name)),
    metadata: { liverank_tasks: JSON.stringify(s.cfg.tasks.map((t) => ({ name: t.name, kind: t.kind }))), liverank_model: String(s.cfg.model.type), ...(shared.size ? { liverank_request_shared: [...shared].join(',') } : {}) },
  });
}

function writeChecked(path: string, bytes: Uint8Array): void {
  writeFileAtomic(path, bytes);
  writeSidecar(path, bytes); // serving checks it on load (util/checksum.ts readVerified)
}

/**
 * Writes model.onnx (+ .sha256) and model.json; a model reading sequence / multi_id features also
 * gets model.request.onnx, the same graph with those features' ids fed ONCE for a request whose
 * rows all carry the same ones (a user's behaviours × 500 candidates): gathered, pooled and attended
 * once and broadcast to the rows (model.json `request`; serving/fine-ranker.ts picks it per request).
 */
export function exportModel(out: string, s: Session, store: ParameterStore): string {
  const canonical = canonicalIds(s);
  const parts: FoldPart[] = s.asm.parts({ served: true });
  const path = join(out, MODEL_FILE);
  writeChecked(path, servingGraph(s, store, canonical, new Set()));
  const shared = s.asm.requestShareable();
  if (shared.length) writeChecked(join(out, REQUEST_MODEL_FILE), servingGraph(s, store, canonical, new Set(shared)));
  else rmSync(join(out, REQUEST_MODEL_FILE), { force: true }); // a re-export of a model without one: no stale file beside it
  // D2Q tasks: the graph outputs the quantile q̂; the inverse maps Φ_k⁻¹ (group boundaries of the
  // duration column, per-group quantile grid) ride beside the model as d2q.json, seconds = Φ_k⁻¹(q̂).
  const d2q = Object.values(s.debias?.d2q ?? {});
  if (d2q.length) writeFileAtomic(join(out, D2Q_FILE), `${JSON.stringify(Object.fromEntries(d2q.map((d) => [d.task.name, d.maps.toJSON()])))}\n`);
  writeFileAtomic(join(out, 'model.json'), JSON.stringify({
    model: MODEL_FILE,
    features: 'features.json',
    inputs: [
      ...parts.map((p) => ({ name: p.ids, dtype: 'int64', shape: p.length ? ['B', p.length] : ['B'], feature: p.ids.slice(4), mask: p.length ? `${p.ids}_mask` : undefined })),
      ...(s.asm.denseWidth ? [{ name: 'dense', dtype: 'float32', shape: ['B', s.asm.denseWidth], columns: s.asm.denseColumnNames() }] : []),
    ],
    ...(shared.length ? { request: { model: REQUEST_MODEL_FILE, shared: shared.map(idsInput), note: 'the same model with these inputs fed as one row [1, L] for every row of a request (used when all rows carry the same ids)' } } : {}),
    // A task trained on down-sampled negatives (balance.negative_sampling) is served corrected: the graph's last ops compute p = q / (q + (1 − q)/w).
    ...(Object.keys(canonical).length ? { serve_as: { values: (s.cfg.model as { serve_as?: unknown }).serve_as, ids: canonical, note: 'these features\' inputs are ignored: the graph uses the canonical values\' embeddings' } } : {}),
    outputs: s.cfg.tasks.map((t) => ({ name: predOutput(t.name), task: t.name, kind: t.kind, ...(s.balance?.keep[t.name] !== undefined ? { negative_keep_rate: s.balance.keep[t.name], corrected: 'p = q / (q + (1 - q) / w)' } : {}), ...(s.debias?.d2q[t.name] ? { d2q: D2Q_FILE, served: `quantile q in [0, 1]; ${t.label} = inverse map of the duration group of ${s.debias.d2q[t.name]!.cfg.column} at q (${D2Q_FILE})` } : {}) })),
  }, null, 1));
  return path;
}
