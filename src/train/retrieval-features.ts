// A tower's own fitted features: the run's fitted features (features.json) restricted to the
// features one two-tower tower reads, with their fitted state and vocabularies and the specs
// recomputed (offsets count only the kept features). The user tower's exported features.json is
// this subset, so serving featurizes a request row from the user-side columns alone.
import { buildSpecs, parseFeatureConfig, parseFitted, type FittedFeatures } from '../features/index.js';

interface RawConfig { features?: unknown[]; counters?: unknown[]; [k: string]: unknown }

/** `fitted` restricted to `names` (in the config's order); `what` names the tower in errors. */
export function subsetFitted(fitted: FittedFeatures, names: readonly string[], what: string): FittedFeatures {
  const raw = fitted.config as RawConfig;
  if (!raw || !Array.isArray(raw.features)) throw new Error(`${what}: the fitted features hold no feature list`);
  const want = new Set(names);
  const features = raw.features.filter((f) => want.has((f as { name?: string }).name ?? ''));
  const missing = names.filter((n) => !features.some((f) => (f as { name: string }).name === n));
  if (missing.length) throw new Error(`${what}: feature(s) ${missing.join(', ')} are not in the feature config`);
  const counterNames = new Set(features.map((f) => (f as { counter?: string }).counter).filter((c): c is string => !!c));
  const counters = (raw.counters ?? []).filter((c) => counterNames.has((c as { name: string }).name));
  const config = { ...raw, features, counters };
  let parsed;
  try {
    parsed = parseFeatureConfig(config, `${what} features`);
  } catch (e) {
    throw new Error(`${what}: its features (${names.join(', ')}) do not stand on their own — a tower's features may not share an embedding table with, or cross, a feature of the other tower: ${(e as Error).message}`);
  }
  const tables = new Set(parsed.features.map((f) => (f as { table?: string }).table).filter((t): t is string => !!t));
  const state = Object.fromEntries(Object.entries(fitted.state).filter(([k]) => want.has(k)));
  const vocabs = Object.fromEntries(Object.entries(fitted.vocabs).filter(([k]) => tables.has(k)));
  const { specs, tables: tableSpecs } = buildSpecs(parsed, state, vocabs);
  // Round trip through the loader's checks: what serving reads must parse to the same specs.
  return parseFitted(JSON.parse(JSON.stringify({ format: 'liverank.features', version: 1, config, rows: fitted.rows, state, vocabs, specs, tables: tableSpecs })), `${what} features`);
}
