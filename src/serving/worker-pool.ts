// A pool of ORT sessions of one model, each on its own worker thread (engine/graph-thread.ts):
// onnxruntime-node's `run` blocks the thread that calls it, so the HTTP event loop never runs a
// graph itself. Each request goes to the thread with the fewest runs in flight. Every thread holds
// the same graphs (a model and its variants, e.g. the fine ranker's request model); `run` picks one.
import { GraphThread } from '../engine/graph-thread.js';
import type { Feed } from '../engine/runtime.js';

export interface WorkerPoolOptions {
  /** Worker threads (sessions) in the pool (default 2). */
  size?: number;
  /** ORT intra-op threads per session (default 1: the pool is the parallelism). */
  threads?: number;
}

// engine/worker-calls.ts: what a call on a thread that is gone rejects with.
const DEAD = /: disposed$|worker thread exited/;

export class WorkerPool {
  private readonly busy: number[];
  private disposed = false;
  /** Workers replaced after their thread died. */
  respawns = 0;
  private readonly replaced = new WeakSet<GraphThread>();

  private constructor(private readonly threads: GraphThread[], private readonly name: string, private readonly bytes: readonly Uint8Array[], private readonly threadsPerSession: number) {
    this.busy = threads.map(() => 0);
  }

  /** Starts `size` workers, each creating a session from `bytes` (one graph or several); rejects (and stops them all) if any fails. */
  static async create(name: string, graphs: Uint8Array | readonly Uint8Array[], o: WorkerPoolOptions = {}): Promise<WorkerPool> {
    const bytes = graphs instanceof Uint8Array ? [graphs] : [...graphs];
    const size = o.size ?? 2;
    if (!Number.isInteger(size) || size < 1) throw new Error(`worker pool size: ${size} is not a positive integer`);
    const made = await Promise.allSettled(Array.from({ length: size }, (_, i) => GraphThread.create(`${name}#${i}`, bytes, { threads: o.threads ?? 1 })));
    const ok = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    const bad = made.find((m) => m.status === 'rejected') as PromiseRejectedResult | undefined;
    if (bad) {
      await Promise.all(ok.map((t) => t.dispose()));
      throw bad.reason instanceof Error ? bad.reason : new Error(String(bad.reason));
    }
    return new WorkerPool(ok, name, bytes, o.threads ?? 1);
  }

  get size(): number { return this.threads.length; }

  /** Runs graph `model` (default the first) on the least-busy worker; the feeds' buffers are transferred (detached). */
  async run(feeds: Record<string, Feed>, fetch: string[], model = 0): Promise<Record<string, Feed>> {
    if (this.disposed) throw new Error('worker pool: disposed');
    let k = 0;
    for (let i = 1; i < this.busy.length; i++) if (this.busy[i]! < this.busy[k]!) k = i;
    this.busy[k]!++;
    const t = this.threads[k]!;
    try {
      return await t.run(feeds, fetch, model);
    } catch (e) {
      // A dead thread (exited, crashed, terminated) never answers again: replace it, so one crash
      // costs one failed request, not every later one routed there. The request itself fails (its
      // feeds were transferred to the dead thread).
      if (!this.disposed && DEAD.test((e as Error).message) && !this.replaced.has(t)) {
        this.replaced.add(t); // concurrent failures on the same thread replace it once
        try {
          this.threads[k] = await GraphThread.create(`${this.name}#${k}`, this.bytes, { threads: this.threadsPerSession });
          this.respawns++;
        } catch {
          this.replaced.delete(t); // the next failure tries again; this request reports its own error
        }
        void t.dispose().catch(() => {});
      }
      throw e;
    } finally { this.busy[k]!--; }
  }

  /** Workers with no run in flight. */
  idle(): number {
    let k = 0;
    for (const b of this.busy) if (b === 0) k++;
    return k;
  }

  /** Number of runs currently in flight (all workers). */
  inFlight(): number { return this.busy.reduce((a, b) => a + b, 0); }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(this.threads.map((t) => t.dispose()));
  }
}
