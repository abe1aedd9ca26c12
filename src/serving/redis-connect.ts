// One way every serving store opens Redis: fail fast at start (a server that does not answer is an
// error naming the address, before a port opens), then never queue commands while disconnected (a
// call fails at once and the store turns it into its own "unavailable" error: the funnel degrades)
// and keep reconnecting with a capped back-off (recovery when Redis returns).
import { Redis } from 'ioredis';

export interface RedisConnectOptions {
  host?: string;
  port?: number;
  db?: number;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export async function connectServingRedis(o: RedisConnectOptions, unreachable: (message: string, cause: unknown) => Error): Promise<Redis> {
  const redis = new Redis({
    host: o.host, port: o.port, db: o.db, lazyConnect: true,
    connectTimeout: o.connectTimeoutMs, commandTimeout: o.commandTimeoutMs,
    enableOfflineQueue: false, maxRetriesPerRequest: 0,
    retryStrategy: (times: number) => Math.min(100 * times, 2000), // keep reconnecting: recovery when Redis returns
  });
  redis.on('error', () => { /* surfaced per call by the store's own error */ });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw unreachable(`redis at ${o.host ?? '127.0.0.1'}:${o.port ?? 6379} unreachable: ${(e as Error).message}`, e);
  }
  return redis;
}
