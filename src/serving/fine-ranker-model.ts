// The exported artefacts of a run that the fine ranker serves: RUN/model.onnx (checked against
// RUN/model.onnx.sha256 before ORT sees a byte), RUN/model.json (its inputs and outputs, validated
// here) and RUN/features.json (the fitted feature pipeline training used). Pure reading: no trainer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadFitted, type FeatureBatch, type FittedFeatures } from '../features/index.js';
import { readVerified, sha256 } from '../util/checksum.js';
import type { Feed } from '../engine/runtime.js';

const Input = z.object({
  name: z.string().min(1),
  dtype: z.enum(['int64', 'float32']),
  shape: z.array(z.union([z.string(), z.number()])),
  feature: z.string().optional(),
  mask: z.string().optional(),
  columns: z.array(z.string()).optional(),
});
const Output = z.object({ name: z.string().min(1), task: z.string().min(1), kind: z.string().optional(), d2q: z.string().optional() });
const Manifest = z.object({
  model: z.string().min(1),
  features: z.string().min(1),
  inputs: z.array(Input).min(1),
  outputs: z.array(Output).min(1),
  /** The request model (train/export-model.ts): these inputs fed as one row for every row of a request. */
  request: z.object({ model: z.string().min(1), shared: z.array(z.string().min(1)).min(1) }).optional(),
});
export type ModelManifest = z.infer<typeof Manifest>;

/** Everything a scoring thread and the featurizer need, read once per (re)load. */
export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  fitted: FittedFeatures;
  /** The verified model.onnx bytes. */
  bytes: Uint8Array;
  /** The verified request model (model.json `request`) and the ids inputs it takes once per request. */
  request?: { bytes: Uint8Array; shared: ReadonlySet<string> };
  sha256: string;
  loadedAt: string;
}

/** Reads and checks a run directory's exported model; every failure names the file and what is wrong. */
export function loadRunArtefacts(dir: string): LoadedModel {
  if (!existsSync(dir)) throw new Error(`${dir}: run directory does not exist`);
  const mpath = join(dir, 'model.json');
  if (!existsSync(mpath)) throw new Error(`${mpath}: missing; export the run first (liverank train writes model.onnx, model.onnx.sha256 and model.json)`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(mpath, 'utf8')); } catch (e) { throw new Error(`${mpath}: not JSON (${(e as Error).message})`); }
  const r = Manifest.safeParse(raw);
  if (!r.success) throw new Error(`${mpath}: not a liverank model manifest: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const manifest = r.data;
  const d2q = manifest.outputs.filter((o) => o.d2q);
  if (d2q.length) throw new Error(`${mpath}: task(s) ${d2q.map((o) => o.task).join(', ')} output D2Q quantiles; the fine ranker does not serve D2Q models yet`);
  const onnx = join(dir, manifest.model);
  if (!existsSync(onnx)) throw new Error(`${onnx}: model file missing`);
  const bytes = readVerified(onnx, true);
  let request: LoadedModel['request'];
  if (manifest.request) {
    const rpath = join(dir, manifest.request.model);
    if (!existsSync(rpath)) throw new Error(`${rpath}: request model missing (model.json names it); re-export the run`);
    const unknown = manifest.request.shared.filter((n) => !manifest.inputs.some((i) => i.name === n && i.mask));
    if (unknown.length) throw new Error(`${mpath}: request.shared names ${unknown.join(', ')}, which are not multi-value inputs`);
    request = { bytes: readVerified(rpath, true), shared: new Set(manifest.request.shared) };
  }
  const fpath = join(dir, manifest.features);
  if (!existsSync(fpath)) throw new Error(`${fpath}: fitted features missing`);
  const fitted = loadFitted(fpath);
  for (const inp of manifest.inputs) {
    if (inp.name === 'dense') continue;
    if (!inp.feature) throw new Error(`${mpath}: input ${inp.name} names no feature`);
  }
  return { dir, manifest, fitted, bytes, ...(request ? { request } : {}), sha256: sha256(bytes), loadedAt: new Date().toISOString() };
}

/** int32 ids → int64 (little-endian: the low word is the value, the high word its sign), without a BigInt per value. */
export function toInt64(src: Int32Array, from = 0, to = src.length): BigInt64Array {
  const out = new BigInt64Array(to - from);
  const w = new Int32Array(out.buffer);
  for (let i = from, j = 0; i < to; i++, j += 2) { const v = src[i]!; w[j] = v; w[j + 1] = v >> 31; }
  return out;
}

/** True when every row of the batch holds the same ids and mask as row 0 in each of these multi-value inputs (the request model applies). */
export function rowsShare(manifest: ModelManifest, fb: FeatureBatch, shared: ReadonlySet<string>): boolean {
  for (const inp of manifest.inputs) {
    if (!shared.has(inp.name)) continue;
    const m = fb.multi[inp.feature!];
    if (!m) return false;
    const L = m.maxLen, n = fb.numRows * L;
    for (let i = L; i < n; i++) if (m.ids[i] !== m.ids[i % L] || m.mask[i] !== m.mask[i % L]) return false;
  }
  return true;
}

/**
 * ORT feeds for rows [from, to) of a featurized batch, in the manifest's input order (ids as int64,
 * masks and dense as float32). Every array is a fresh copy, so its buffer can be transferred to a
 * worker thread while `fb` is kept. `shared` inputs (the request model's) are fed row 0 only, [1, L].
 */
export function feedsFor(manifest: ModelManifest, fb: FeatureBatch, from = 0, to = fb.numRows, shared?: ReadonlySet<string>): Record<string, Feed> {
  if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= fb.numRows)) throw new Error(`feedsFor: row range [${from}, ${to}) outside 0..${fb.numRows}`);
  const n = to - from;
  const feeds: Record<string, Feed> = {};
  for (const inp of manifest.inputs) {
    if (inp.name === 'dense') {
      if (fb.denseWidth !== (inp.columns?.length ?? fb.denseWidth)) throw new Error(`model.json: dense input has ${inp.columns!.length} columns, the features produce ${fb.denseWidth}`);
      const W = fb.denseWidth;
      feeds.dense = { data: fb.dense.slice(from * W, to * W), dims: [n, W] };
      continue;
    }
    const f = inp.feature!;
    const single = fb.ids[f];
    if (single) { feeds[inp.name] = { data: toInt64(single, from, to), dims: [n] }; continue; }
    const multi = fb.multi[f];
    if (!multi) throw new Error(`model.json: input ${inp.name} reads feature "${f}", which features.json does not produce`);
    const L = multi.maxLen;
    const [a, b] = shared?.has(inp.name) ? [0, 1] : [from, to];
    feeds[inp.name] = { data: toInt64(multi.ids, a * L, b * L), dims: [b - a, L] };
    if (inp.mask) feeds[inp.mask] = { data: Float32Array.from(multi.mask.subarray(a * L, b * L)), dims: [b - a, L] };
  }
  return feeds;
}
