// Sparse embedding tables (outside the ONNX graph): storage, key→row mapping, gathers, sparse
// optimizers, checkpoints, memory estimates.
export { EmbeddingTable, type EmbeddingTableConfig, type StepOptions, type StepStats } from './table.js';
export { mod64, mod64Batch, mod64Unchecked, MOD64_MAX_M } from './mod64.js';
export { NO_ROW, ModuloRowMapper, type RowMapper, type MapOptions, type MapperState, type MapperArray } from './mapper.js';
export { createOptimizer, optimizerStateBytes, type OptimizerConfig, type OptimizerKind, type SparseOptimizer, type UpdateArgs } from './optimizers.js';
export { DEFAULT_INITIALIZER, describeInitializer, type Initializer } from './init.js';
export { HashRowMapper, type HashRowMapperConfig, type HashRowMapperStats } from './hash-mapper.js';
export { pooledBackward, type PoolMode, type PoolValid } from './pooling.js';
export { SparseGradAccumulator } from './accumulator.js';
export {
  saveEmbeddingTable, loadEmbeddingTable, restoreEmbeddingTable, restoreEmbeddingTableFrom, serializeEmbeddingTable, deserializeEmbeddingTable,
  createMapper, CHECKPOINT_MAGIC, CHECKPOINT_VERSION, type CheckpointHeader, type LoadExpect,
} from './checkpoint.js';
export { tableMemory, memorySummary, formatBytes, type MemoryEstimate } from './memory.js';
