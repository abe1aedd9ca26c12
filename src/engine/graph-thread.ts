// A serialized graph run by onnxruntime-node on a worker thread. The Node binding runs a session
// synchronously on the calling thread, so while the main thread is busy in JavaScript (e.g. the
// sparse embedding update) a second graph can only make progress on another thread. Arrays move
// both ways by transfer (no copy): the caller's input buffers are detached by `run`.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dtypeOfArray } from './graph.js';
import { sessionOptions, type Feed, type RunnerOptions } from './runtime.js';

// CommonJS worker body (eval'd, so it needs no file of its own under tsx or after a build).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const ready = ort.InferenceSession.create(workerData.bytes, workerData.options);
ready.then(() => parentPort.postMessage({ id: 0 }), (e) => parentPort.postMessage({ id: 0, error: String((e && e.stack) || e) }));
parentPort.on('message', async (m) => {
  try {
    const session = await ready;
    const feeds = {};
    for (const [k, f] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(f.type, f.data, f.dims);
    const res = await session.run(feeds, m.fetch);
    const out = {}, transfer = [];
    for (const k of m.fetch) {
      const d = res[k].data;
      out[k] = { data: d, dims: res[k].dims };
      if (!transfer.includes(d.buffer)) transfer.push(d.buffer);
    }
    parentPort.postMessage({ id: m.id, out }, transfer);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String((e && e.stack) || e) });
  }
});`;

interface Reply { id: number; out?: Record<string, Feed>; error?: string }

export class GraphThread {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: Record<string, Feed>) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker, readonly name: string) {
    worker.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) worker.unref();
      if (m.error) w.reject(new Error(`graph "${name}" on its worker thread: ${m.error}`));
      else w.resolve(m.out!);
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => this.failAll(new Error(`graph "${name}": worker thread exited (code ${code})`)));
  }

  /** Set once the worker failed or exited: later runs reject with it instead of waiting forever. */
  private dead: Error | null = null;

  private failAll(e: Error): void {
    this.dead ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  /** Starts the worker and creates the session there (resolves once it is ready). */
  static async create(name: string, bytes: Uint8Array, o: RunnerOptions = {}): Promise<GraphThread> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const options = sessionOptions(o);
    const worker = new Worker(WORKER, { eval: true, workerData: { ortPath, bytes, options } });
    const t = new GraphThread(worker, name);
    try {
      await t.request(0);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return t;
  }

  private request(id: number): Promise<Record<string, Feed>> {
    this.worker.ref();
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Runs the graph on the worker. The feeds' buffers are transferred (detached here). */
  run(feeds: Record<string, Feed>, fetch: string[]): Promise<Record<string, Feed>> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const msg: Record<string, { type: string; data: Feed['data']; dims: readonly number[] }> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [k, f] of Object.entries(feeds)) {
      msg[k] = { type: dtypeOfArray(f.data), data: f.data, dims: f.dims };
      const buf = f.data.buffer as ArrayBuffer;
      if (!transfer.includes(buf)) transfer.push(buf);
    }
    const p = this.request(id);
    this.worker.postMessage({ id, feeds: msg, fetch }, transfer);
    return p;
  }

  async dispose(): Promise<void> {
    this.failAll(new Error(`graph "${this.name}": disposed`));
    await this.worker.terminate();
  }
}
