// The synthetic live-stream world (docs/world.md): generator, statistics, writer, schema, truth model.
export { generateWorld, DEFAULT_START_TS, type World, type WorldMeta, type WorldOptions } from './generate.js';
export { summarizeWorld, formatWorldStats, type SliceStats, type WorldStats } from './stats.js';
export { writeWorld, worldPaths, worldSchema, type WorldPaths } from './write.js';
export {
  IMPRESSION_COLUMNS, USER_COLUMNS, ROOM_COLUMNS, FEATURE_COLUMNS, LABEL_COLUMNS, TRUTH_COLUMNS, TRUE_PROB_OF,
  SCENARIOS, SEQ_SEPARATOR, BIASED_LOG_COLUMNS, impressionColumnsOf, type ColumnSpec, type Scenario,
} from './schema.js';
export { computeTruth, drawLabels, examination, type TruthInput, type TruthOutput } from './truth.js';
export { auc } from './auc.js';
export { computeTruthHetero, heteroModel, examCurve, parseHeterogeneity, type HeteroModel } from './hetero.js';
export { HETEROGENEITY_KINDS, MULTI_SCENARIO, DRIVERS, type Heterogeneity, type HeteroSpec } from './hetero-params.js';
export { BIASED_LOG, BiasedLogger, LOGGING_POLICIES, parseLoggingPolicy, parseLoggingNoise, type LoggingPolicy } from './biased-log.js';
