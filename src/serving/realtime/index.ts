export { MemoryRealtimeStore } from './memory.js';
export { RedisRealtimeStore, RedisOptionsSchema, type RedisStoreOptions } from './redis.js';
export { RedisCounterStore } from './redis-counters.js';
export { parseRealtimeConfig, RealtimeConfigSchema, type RealtimeConfig } from './config.js';
export { RealtimeInputError, RealtimeStoreUnavailableError, parseCandidates, parseEvents, type Candidate, type RealtimeEvent, type RealtimeFeatures, type RealtimeStore } from './types.js';
