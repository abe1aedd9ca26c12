// liverank metrics: exact streaming ranking metrics for multi-task, multi-scenario models. Stand-alone
// (imports only src/util and src/data/table.ts) so the same code runs offline and online.
export { auc, sortedAuc, AucAccumulator, type AucResult } from './auc.js';
export { gauc, GaucAccumulator, gaucOfRows, type GaucResult, type GroupWeighting, type GroupBatch } from './gauc.js';
export {
  logloss, pcoc, pcocTrue, meanPrediction, positiveRate, clipProb, BinarySums, LOGLOSS_EPS,
} from './binary.js';
export {
  calibrationCurve, CalibrationAccumulator, recalibrateDownsampled, recalibrateDownsampledArray,
  type BinMode, type CalibrationBin, type CalibrationCurve,
} from './calibration.js';
export {
  rmse, mae, xauc, xaucSampled, xaucAuto, RegressionSums, RegressionAccumulator,
  type XaucResult, type RegressionResult,
} from './regression.js';
export { MetricMatrix, batchFromTable, MISSING_KEY, type TableColumns } from './matrix.js';
export type {
  MatrixOptions, MatrixBatch, MatrixJSON, TaskJSON, TaskSpec, TaskKind, Cell, BinaryCell, RegressionCell, CalibrationJSON,
} from './matrix-types.js';
export { STOPPING_METRICS } from './matrix-types.js';
export { formatMatrix, calibrationCheck, type FormatOptions, type CalibrationCheckRow } from './format.js';
export { seesawTable, formatSeesaw, DEFAULT_SEESAW_METRICS, type SeesawRow, type SeesawTable, type SeesawOptions } from './seesaw.js';
export { argsortF64, sortRecords } from './sort.js';
export type { BinaryBatch } from './rows.js';
