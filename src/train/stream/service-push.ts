// Pushing the streaming model to a running service (src/serving/server.ts). The service loads a run
// directory's exported model (model.onnx + .sha256 + model.json + features.json) and swaps it in on
// POST /admin/reload without dropping a request (it already does: the old model keeps serving until
// the new one is loaded, then in-flight requests finish on their lease). So a push here is the FULL
// exported model: bounded tables are expanded back to the fitted bucket space (every bucket reads its
// admitted row, or the shared default row), exported into the service's run directory, then reload.
// A delta-apply path on the service side was left out: the ONNX model folds the tables into the graph,
// so applying rows would mean a second model format in the service (see docs/streaming.md).
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ParameterStore } from '../../engine/store.js';
import type { EmbeddingTable } from '../../embedding/index.js';
import { exportModel } from '../export-model.js';
import { FEATURES_FILE } from '../run-dir.js';
import type { Session } from '../session.js';
import type { BoundedTables } from './bounded.js';

/** The bucket-space [buckets × dim] values of every bounded table (admitted rows at their key, the default row elsewhere). */
export function expandedTables(s: Session, bounded: BoundedTables): Map<string, { name: string; values: Float32Array; rows: number; dim: number }> {
  const out = new Map<string, { name: string; values: Float32Array; rows: number; dim: number }>();
  for (const spec of s.fitted.tables) {
    const a = bounded.admitted.get(spec.name);
    if (!a) continue;
    const t = a.table, dim = t.dim, N = spec.buckets;
    const values = new Float32Array(N * dim);
    const def = t.values.subarray(a.defaultRow * dim, (a.defaultRow + 1) * dim);
    for (let b = 0; b < N; b++) values.set(def, b * dim);
    for (let r = 0; r < a.o.capacity; r++) {
      const k = a.keyOf(r);
      if (k >= 0 && k < N) values.set(t.values.subarray(r * dim, (r + 1) * dim), k * dim);
    }
    out.set(spec.name, { name: spec.name, values, rows: N, dim });
  }
  return out;
}

/** Export the model as served (bucket-space tables) into `dir` (model.onnx, .sha256, model.json, features.json). */
export function exportStreamModel(dir: string, runDir: string, s: Session, store: ParameterStore, bounded: BoundedTables): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${FEATURES_FILE}.${process.pid}.tmp`);
  copyFileSync(join(runDir, FEATURES_FILE), tmp);
  renameSync(tmp, join(dir, FEATURES_FILE));
  const swapped = new Map<string, EmbeddingTable>();
  try {
    for (const [name, full] of expandedTables(s, bounded)) {
      swapped.set(name, s.asm.tables.get(name)!);
      s.asm.tables.set(name, full as unknown as EmbeddingTable); // exportModel reads values / rows / dim only
    }
    exportModel(dir, s, store);
  } finally {
    for (const [name, t] of swapped) s.asm.tables.set(name, t);
  }
}

export interface ServicePushOptions { url: string; token: string; modelDir: string; log: (s: string) => void; /** The streaming run directory (its features.json). */ runDir: string }

/** A Pusher `after` hook: export into the service's run directory, then POST /admin/reload (a refused or failed reload is logged, never fatal). */
export function servicePush(o: ServicePushOptions) {
  return async (p: { seq: number; session: Session; store: ParameterStore; bounded: BoundedTables }): Promise<void> => {
    const t0 = performance.now();
    exportStreamModel(o.modelDir, o.runDir, p.session, p.store, p.bounded);
    try {
      const res = await fetch(`${o.url.replace(/\/$/, '')}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(60_000) });
      const body = await res.text();
      o.log(`push ${p.seq} → ${o.url}: HTTP ${res.status} ${body.slice(0, 200)} (${(performance.now() - t0).toFixed(0)} ms)`);
    } catch (e) {
      o.log(`push ${p.seq} → ${o.url}: reload failed (${(e as Error).message}); the service keeps its model, the next push retries`);
    }
  };
}
