// Public API of the feature library (pure: no engine, no trainer; imported by training and serving).
import type { Column, Table } from '../data/table.js';
import type { CounterReplay } from './counters/replay.js';
import { compileFeatures, counterColumn } from './transform.js';

export { FeatureConfigError, columnsUsed, isCrossable, loadFeatureConfig, outputOf, parseFeatureConfig, parseFeatureConfigText } from './config.js';
export type { CounterSpec, CounterWindow, FeatureConfig, FeatureDef, FeatureKind } from './config.js';
export { FeatureFitter, fitFeatures, fitFeaturesAsync } from './fit.js';
export { buildSpecs, bucketsOf, fittedToJson, loadFitted, parseFitted, saveFitted } from './fitted.js';
export type { FeatureBatch, FeatureSpec, FeatureState, FittedFeatures, MultiIds, TableSpec } from './fitted.js';
export { compileFeatures, counterColumn, transform } from './transform.js';
export type { TransformContext } from './transform.js';
export { KeyBuffer, canonicalText, MISSING, SEP } from './encode.js';
export { CounterEngine, counterKey, counterStat } from './counters/engine.js';
export { CounterReplay, asAsync, counterEvents, readCounterValuesAsync, readCounters } from './counters/replay.js';
export { CounterRing, MemoryCounterStore } from './counters/store.js';
export type { AsyncCounterStore, CounterEvent, CounterQuery, CounterStore, CounterValue } from './counters/types.js';

/**
 * Adds a `counter__<feature>` column (the raw count / sum / mean) for every counter feature, computed
 * by `replay` (feed the batches in time order). Do this once over the time-ordered data, then shuffle
 * or split freely: transform reads the columns instead of replaying.
 */
export function materializeCounters(fitted: Parameters<typeof compileFeatures>[0], table: Table, replay: CounterReplay): Table {
  compileFeatures(fitted);
  const vals = replay.process(replay.engine.batch(table));
  const columns: Record<string, Column> = { ...table.columns };
  for (const [name, v] of vals) columns[counterColumn(name)] = v;
  return { numRows: table.numRows, columns };
}
