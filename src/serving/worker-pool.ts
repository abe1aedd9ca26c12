// A pool of ORT sessions of one model, each on its own worker thread (engine/graph-thread.ts):
// onnxruntime-node's `run` blocks the thread that calls it, so the HTTP event loop never runs a
// graph itself. Each request goes to the thread with the fewest runs in flight.
import { GraphThread } from '../engine/graph-thread.js';
import type { Feed } from '../engine/runtime.js';

export interface WorkerPoolOptions {
  /** Worker threads (sessions) in the pool (default 2). */
  size?: number;
  /** ORT intra-op threads per session (default 1: the pool is the parallelism). */
  threads?: number;
}

export class WorkerPool {
  private readonly busy: number[];
  private disposed = false;

  private constructor(private readonly threads: GraphThread[]) {
    this.busy = threads.map(() => 0);
  }

  /** Starts `size` workers, each creating a session from `bytes`; rejects (and stops them all) if any fails. */
  static async create(name: string, bytes: Uint8Array, o: WorkerPoolOptions = {}): Promise<WorkerPool> {
    const size = o.size ?? 2;
    if (!Number.isInteger(size) || size < 1) throw new Error(`worker pool size: ${size} is not a positive integer`);
    const made = await Promise.allSettled(Array.from({ length: size }, (_, i) => GraphThread.create(`${name}#${i}`, bytes, { threads: o.threads ?? 1 })));
    const ok = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    const bad = made.find((m) => m.status === 'rejected') as PromiseRejectedResult | undefined;
    if (bad) {
      await Promise.all(ok.map((t) => t.dispose()));
      throw bad.reason instanceof Error ? bad.reason : new Error(String(bad.reason));
    }
    return new WorkerPool(ok);
  }

  get size(): number { return this.threads.length; }

  /** Runs the graph on the least-busy worker; the feeds' buffers are transferred (detached). */
  async run(feeds: Record<string, Feed>, fetch: string[]): Promise<Record<string, Feed>> {
    if (this.disposed) throw new Error('worker pool: disposed');
    let k = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[k]!) k = i;
    this.busy[k]!++;
    try { return await this.threads[k]!.run(feeds, fetch); } finally { this.busy[k]!--; }
  }

  /** Number of runs currently in flight (all workers). */
  inFlight(): number { return this.busy.reduce((a, b) => a + b, 0); }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.threads.map((t) => t.dispose()));
  }
}
