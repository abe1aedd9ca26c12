// Permutation importance on validation rows: the AUC drop per binary task when one feature's
// encoded values (its ids, its multi-value rows or its dense columns) are shuffled across the rows,
// everything else unchanged; mean and std over seeded shuffles. Shuffling the encoded feature (not
// its source column) keeps other features that read the same column (crosses, bucketized twins)
// intact, so each feature is judged alone.
import type { FeatureBatch, FeatureSpec } from '../features/index.js';
import { auc } from '../metrics/index.js';
import { Rng } from '../util/rng.js';
import { featureBatch, Predictor, type DiagRun } from './gates-run.js';
import type { PermutationImportance } from './types.js';

export interface PermutationOptions {
  /** Shuffles per feature (default 3). */
  repeats?: number;
  /** Only these features (default: every emitted feature). */
  features?: string[];
}

/** A copy of `fb` whose feature `spec` has its rows reordered by `perm` (row i takes row perm[i]). */
export function permuteFeature(fb: FeatureBatch, spec: FeatureSpec, perm: ArrayLike<number>): FeatureBatch {
  const N = fb.numRows;
  if (spec.output === 'ids') {
    const src = fb.ids[spec.name]!, dst = new Int32Array(N);
    for (let i = 0; i < N; i++) dst[i] = src[perm[i]!]!;
    return { ...fb, ids: { ...fb.ids, [spec.name]: dst } };
  }
  if (spec.output === 'multi') {
    const m = fb.multi[spec.name]!, L = m.maxLen;
    const ids = new Int32Array(m.ids.length), mask = new Uint8Array(m.mask.length), lengths = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      const j = perm[i]!;
      ids.set(m.ids.subarray(j * L, (j + 1) * L), i * L);
      mask.set(m.mask.subarray(j * L, (j + 1) * L), i * L);
      lengths[i] = m.lengths[j]!;
    }
    return { ...fb, multi: { ...fb.multi, [spec.name]: { ids, mask, lengths, maxLen: L } } };
  }
  const W = fb.denseWidth, dense = Float32Array.from(fb.dense);
  for (let i = 0; i < N; i++) {
    const j = perm[i]!;
    for (let c = spec.offset; c < spec.offset + spec.dim; c++) dense[i * W + c] = fb.dense[j * W + c]!;
  }
  return { ...fb, dense };
}

/** AUC per binary task over the rows with a label (null when one class). */
export function taskAucs(preds: Record<string, Float32Array>, labels: Record<string, Float32Array>, tasks: string[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const t of tasks) {
    const y = labels[t]!, p = preds[t]!;
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i]!) && Number.isFinite(p[i]!)) idx.push(i);
    const lab = Uint8Array.from(idx, (i) => (y[i] === 1 ? 1 : 0));
    const pos = lab.reduce((s, v) => s + v, 0);
    out[t] = pos === 0 || pos === lab.length ? null : auc(Float64Array.from(idx, (i) => p[i]!), lab);
  }
  return out;
}

export async function permutationImportance(r: DiagRun, o: PermutationOptions = {}): Promise<{ repeats: number; baseline_auc: Record<string, number | null>; features: PermutationImportance[] }> {
  const repeats = o.repeats ?? 3;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`permutation: repeats must be a positive integer, got ${repeats}`);
  const tasks = r.cfg.tasks.filter((t) => t.kind === 'binary').map((t) => t.name);
  const specs = r.s.fitted.specs;
  for (const f of o.features ?? []) {
    if (!specs.some((s) => s.name === f)) throw new Error(`permutation: no feature "${f}"; the run has ${specs.map((s) => s.name).join(', ')}`);
  }
  const chosen = o.features ? specs.filter((s) => o.features!.includes(s.name)) : specs;
  const fb = featureBatch(r);
  const pred = await Predictor.create(r);
  const base = taskAucs(await pred.predict(fb), r.labels, tasks);
  const features: PermutationImportance[] = [];
  for (const spec of chosen) {
    const drops: Record<string, number[]> = Object.fromEntries(tasks.map((t) => [t, []]));
    for (let k = 0; k < repeats; k++) {
      const perm = new Rng(`${r.source.seed}:${spec.name}:${k}`).permutation(fb.numRows);
      const a = taskAucs(await pred.predict(permuteFeature(fb, spec, perm)), r.labels, tasks);
      for (const t of tasks) if (base[t] !== null && a[t] !== null) drops[t]!.push(base[t]! - a[t]!);
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    features.push({
      feature: spec.name,
      drop: Object.fromEntries(tasks.map((t) => [t, drops[t]!.length ? mean(drops[t]!) : null])),
      drop_std: Object.fromEntries(tasks.map((t) => {
        const v = drops[t]!;
        if (!v.length) return [t, null];
        const m = mean(v);
        return [t, Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length)];
      })),
    });
  }
  return { repeats, baseline_auc: base, features };
}
