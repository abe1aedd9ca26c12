// A serialized graph run by onnxruntime-node on a worker thread. The Node binding runs a session
// synchronously on the calling thread, so while the main thread is busy in JavaScript (e.g. the
// sparse embedding update) a second graph can only make progress on another thread. Arrays move
// both ways by transfer (no copy): the caller's input buffers are detached by `run`. A thread may
// hold several graphs (variants of one model): `run` names the one to use by index.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dtypeOfArray } from './graph.js';
import { WorkerCalls, type WorkerReply } from './worker-calls.js';
import { sessionOptions, type Feed, type RunnerOptions } from './runtime.js';

// CommonJS worker body (eval'd, so it needs no file of its own under tsx or after a build).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
// allSettled, not all: when one graph fails, the others' creation must finish before the main
// thread terminates this worker (terminating during a pending native create aborts the process).
const ready = Promise.allSettled(workerData.models.map((b) => ort.InferenceSession.create(b, workerData.options)))
  .then((r) => { const bad = r.find((x) => x.status === 'rejected'); if (bad) throw bad.reason; return r.map((x) => x.value); });
ready.then(() => parentPort.postMessage({ id: 0 }), (e) => parentPort.postMessage({ id: 0, error: String((e && e.stack) || e) }));
parentPort.on('message', async (m) => {
  try {
    const session = (await ready)[m.model];
    if (!session) throw new Error('no graph ' + m.model + ' on this thread');
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

interface Reply extends WorkerReply { out?: Record<string, Feed> }

export class GraphThread {
  private readonly calls: WorkerCalls<Reply>;

  private constructor(worker: Worker, readonly name: string) {
    this.calls = new WorkerCalls<Reply>(worker, `graph "${name}"`);
  }

  /** Starts the worker and creates the session(s) there (resolves once they are ready); `bytes`: one graph or several. */
  static async create(name: string, bytes: Uint8Array | readonly Uint8Array[], o: RunnerOptions = {}): Promise<GraphThread> {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const options = sessionOptions(o);
    const models = bytes instanceof Uint8Array ? [bytes] : [...bytes];
    const worker = new Worker(WORKER, { eval: true, workerData: { ortPath, models, options } });
    const t = new GraphThread(worker, name);
    try {
      await t.calls.wait(0);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return t;
  }

  /** Runs graph `model` (default the first) on the worker. The feeds' buffers are transferred (detached here). */
  async run(feeds: Record<string, Feed>, fetch: string[], model = 0): Promise<Record<string, Feed>> {
    const msg: Record<string, { type: string; data: Feed['data']; dims: readonly number[] }> = {};
    const transfer: ArrayBuffer[] = [];
    for (const [k, f] of Object.entries(feeds)) {
      msg[k] = { type: dtypeOfArray(f.data), data: f.data, dims: f.dims };
      const buf = f.data.buffer as ArrayBuffer;
      if (!transfer.includes(buf)) transfer.push(buf);
    }
    return (await this.calls.call({ feeds: msg, fetch, model }, transfer)).out!;
  }

  dispose(): Promise<void> {
    return this.calls.dispose();
  }
}
