// --push-url: the streaming trainer exports its full model into the service's run directory and calls
// POST /admin/reload on a running service (src/serving/server.ts) while /rank requests are in flight:
// every request is answered 200, the served model changes with the pushes, and after the last push
// the service scores like the model the trainer exported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStream } from '../../data/stream/memory.js';
import { STREAMS } from '../../data/stream/names.js';
import { buildService } from '../../serving/server.js';
import { tableRows } from '../../serving/fine-ranker.fixtures.js';
import { streamConfig, worldSamples } from './fixture.js';
import { Pusher } from './push.js';
import { decodeSamples } from './samples.js';
import { exportStreamModel, servicePush } from './service-push.js';
import { trainStream } from './trainer.js';

const TOKEN = 'stream-push-token-0123456789';

test('--push-url: pushes reload a running service without a failed request; the service ends on the last pushed model', { timeout: 120_000 }, async () => {
  const cfg = streamConfig({}, 1 << 14);
  const bodies = worldSamples(7000, 6);
  const es = new MemoryEventStream();
  const out = mkdtempSync(join(tmpdir(), 'lr-stream-svc-'));
  const served = join(out, 'served');
  const opts = { out, stream: es, untilIdleMs: 150, batch: 256, bootstrap: 1000, admission: { capacity: 300, admitAfter: 1, ttlSteps: 0 }, log: () => {} };
  // a first run gives the service a model to start with
  await es.append(STREAMS.samples, bodies.slice(0, 2000));
  await trainStream(cfg, { ...opts, pusher: new Pusher({ dir: join(out, 'md'), everySamples: 100_000, everySeconds: 0, after: async (p) => exportStreamModel(served, out, p.session, p.store, p.bounded) }) });
  const svc = await buildService({ run: served, admin_token: TOKEN, workers: 1 });
  try {
    await svc.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = svc.app.server.address() as { port: number };
    const url = `http://127.0.0.1:${addr.port}`;
    const probe = tableRows(decodeSamples(bodies.slice(6500, 6520).map((b, i) => ({ id: `0-${i}`, body: b }))).table);
    const first = svc.ranker().model.sha256;
    const shas = new Set<string>([first]);
    let stop = false, answered = 0;
    const codes = new Map<number, number>();
    const load = (async () => {
      while (!stop) {
        const r = await svc.app.inject({ method: 'POST', url: '/rank', payload: { candidates: probe } });
        codes.set(r.statusCode, (codes.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode === 200) { answered++; shas.add((r.json() as { model: string }).model); }
        await new Promise((x) => setImmediate(x));
      }
    })();
    const logs: string[] = [];
    await es.append(STREAMS.samples, bodies.slice(2000));
    await trainStream(cfg, { ...opts, pusher: new Pusher({ dir: join(out, 'md'), everySamples: 1500, everySeconds: 0, after: servicePush({ url, token: TOKEN, modelDir: served, runDir: out, log: (l) => logs.push(l) }) }) });
    stop = true;
    await load;
    assert.deepEqual([...codes.keys()], [200], `status codes during the pushes: ${JSON.stringify([...codes])}`);
    assert.ok(answered > 10);
    const reloads = logs.filter((l) => /HTTP 200 .*"status":"reloaded"/.test(l));
    assert.ok(reloads.length >= 3, `reloads: ${logs.join('\n')}`);
    assert.ok(shas.size >= 2, 'requests saw more than one model version');
    const last = svc.ranker().model.sha256;
    assert.notEqual(last, first);
    const r = await svc.app.inject({ method: 'POST', url: '/rank', payload: { candidates: probe } });
    assert.equal((r.json() as { model: string }).model, last);
  } finally {
    await svc.close();
  }
});
