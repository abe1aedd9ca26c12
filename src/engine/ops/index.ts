// The graph-building API: every op a model may use.
export * from './elementwise.js';
export * from './linalg.js';
export * from './reduce.js';
export * from './shape-ops.js';
export * from './random.js';
export * from './logsumexp.js';
export * from './silu.js';
export * from './select.js';
