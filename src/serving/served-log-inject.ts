// TEST AID — deliberate training/serving skew (`serve --inject-skew KIND`), so that `liverank
// diagnose skew` can be shown to name the features it affects. Never use it in production.
//   cityhash-v102      the fine ranker hashes every hashed feature (ids with hash_buckets, crosses,
//                      hashed sequences) with CityHash64 v1.0.2 while the run was trained with v1.1
//                      (the features.json `hash`); vocabulary ids are unaffected.
//   counter-window-1h  the real-time store serves every 24 h counter feature from the counter's 1 h
//                      window (the window is added to the counter when it has none).
import { parseFeatureConfig, type FeatureConfig, type FittedFeatures } from '../features/index.js';
import { parseDuration } from '../features/duration.js';

export const SKEW_INJECTIONS = ['cityhash-v102', 'counter-window-1h'] as const;
export type SkewInjection = (typeof SKEW_INJECTIONS)[number];

export function parseSkewInjection(v: unknown, what = '--inject-skew'): SkewInjection | undefined {
  if (v === undefined || v === null || v === '' || v === 'none') return undefined;
  if (typeof v === 'string' && (SKEW_INJECTIONS as readonly string[]).includes(v)) return v as SkewInjection;
  throw new Error(`${what}: expected one of none, ${SKEW_INJECTIONS.join(', ')}; got ${JSON.stringify(v)}`);
}

type RawConfig = { hash?: string; counters?: { name: string; windows: (string | number)[] }[]; features?: { kind: string; counter?: string; window?: string | number }[] };

/** The fitted features the ranker transforms with (a new object: the compiled plan is cached per object). */
export function injectFitted(f: FittedFeatures, kind: SkewInjection | undefined): FittedFeatures {
  if (kind !== 'cityhash-v102') return f;
  const raw = structuredClone(f.config) as RawConfig;
  if ((raw.hash ?? 'v1.1') === 'v1.0.2') throw new Error('--inject-skew cityhash-v102: the run was already trained with CityHash v1.0.2');
  raw.hash = 'v1.0.2';
  return { ...f, config: raw };
}

const seconds = (w: string | number): number => { try { return parseDuration(typeof w === 'number' ? w : w.split('/')[0]!); } catch { return NaN; } };

/** The feature config the real-time store computes counters with. */
export function injectRealtimeConfig(cfg: FeatureConfig, kind: SkewInjection | undefined): FeatureConfig {
  if (kind !== 'counter-window-1h') return cfg;
  const raw = structuredClone(cfg.raw) as RawConfig;
  let changed = 0;
  for (const f of raw.features ?? []) {
    if (f.kind !== 'counter' || !f.window || seconds(f.window) !== 86400) continue;
    const c = raw.counters?.find((x) => x.name === f.counter);
    if (!c) continue;
    if (!c.windows.some((w) => seconds(w) === 3600)) c.windows.push('1h/5m');
    f.window = '1h';
    changed++;
  }
  if (!changed) throw new Error('--inject-skew counter-window-1h: the run has no 24 h counter feature');
  return parseFeatureConfig(raw, 'injected real-time config');
}
