export * from './linear.js';
export * from './norm.js';
export * from './dropout.js';
export * from './attention.js';
export * from './parallel-mlp.js';
export * from './partitioned-norm.js';
export * from './star-linear.js';
export * from './activation-unit.js';
