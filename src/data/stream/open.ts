// One entry point for every command and component: a Redis URL → Redis Streams, nothing → in-process.
import { MemoryEventStream } from './memory.js';
import { RedisEventStream, type RedisStreamOptions } from './redis.js';
import type { RangeStream } from './types.js';

/** `redis://host:port[/db]` → RedisEventStream (connects now; throws when unreachable); undefined → MemoryEventStream. */
export async function openEventStream(url: string | undefined, opts: Omit<RedisStreamOptions, 'host' | 'port' | 'db'> = {}): Promise<RangeStream> {
  if (url === undefined || url === '' || url === 'memory:') return new MemoryEventStream();
  return RedisEventStream.fromUrl(url, opts);
}
