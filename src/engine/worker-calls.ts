// Request/reply bookkeeping shared by the engine's worker threads (GraphThread, WasmAdamThread):
// numbered requests, a reply `{ id, error? }` per request, the worker kept referenced only while a
// request is pending, and — once the worker failed, exited or was disposed — every pending and later
// request rejected instead of waiting forever.
import type { Worker } from 'node:worker_threads';

export interface WorkerReply { id: number; error?: string }

export class WorkerCalls<R extends WorkerReply> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  /** `label` prefixes errors: "<label> on its worker thread: …", "<label>: worker thread exited …". */
  constructor(readonly worker: Worker, private readonly label: string) {
    worker.on('message', (m: R) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      if (m.error) w.reject(new Error(`${label} on its worker thread: ${m.error}`));
      else w.resolve(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`${label}: worker thread exited (code ${code})`)));
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** The reply to request `id` (0 = the worker's "ready" message; later ids come from `call`). */
  wait(id: number): Promise<R> {
    if (this.dead) return Promise.reject(this.dead);
    this.worker.ref();
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Posts `{ id, ...msg }` (transferring `transfer`) and resolves with the worker's reply. */
  call(msg: object, transfer: ArrayBuffer[]): Promise<R> {
    const id = this.nextId++, p = this.wait(id);
    if (!this.dead) this.worker.postMessage({ id, ...msg }, transfer);
    return p;
  }

  async dispose(): Promise<void> {
    this.fail(new Error(`${this.label}: disposed`));
    await this.worker.terminate();
  }
}
