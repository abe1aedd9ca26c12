// Model pushes: a reader of the pushed model directory scores a probe table exactly as the trainer's
// live model does at every push — full and delta pushes, rows evicted and reassigned in between
// (small capacity), and across a trainer restart (whose first push is full). Also: the exported
// service model (bounded tables expanded to bucket space) scores like the trainer.
import { test } from 'node:test';
import { STREAMS } from '../../data/stream/names.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryEventStream } from '../../data/stream/memory.js';
import { Evaluator } from '../../engine/step.js';
import { transform } from '../../features/index.js';
import { loadRunArtefacts } from '../../serving/fine-ranker-model.js';
import { predOutput } from '../heads.js';
import { streamConfig, worldSamples } from './fixture.js';
import { ModelDirReader } from './model-dir.js';
import { Pusher } from './push.js';
import { decodeSamples } from './samples.js';
import { exportStreamModel } from './service-push.js';
import { trainStream } from './trainer.js';
import { loadExportedModel } from '../export-model.js';
import * as ort from 'onnxruntime-node';

test('pushes: the reader scores like the trainer after every full and delta push, with evictions and a restart', { timeout: 120_000 }, async () => {
  const cfg = streamConfig({}, 1 << 14);
  const bodies = worldSamples(8000, 4);
  const probe = decodeSamples(bodies.slice(0, 300).map((b, i) => ({ id: `0-${i}`, body: b }))).table;
  const es = new MemoryEventStream();
  const out = mkdtempSync(join(tmpdir(), 'lr-stream-push-'));
  const dir = join(out, 'model-dir');
  const expected = new Map<number, Record<string, Float32Array>>();
  let ev: Evaluator | null = null, evStore: unknown = null;
  const exportDir = join(out, 'served');
  const pusher = () => new Pusher({
    dir, everySamples: 1000, everySeconds: 0, fullEvery: 4,
    after: async ({ seq, session, store, bounded }) => {
      if (evStore !== store) { ev = await Evaluator.create(session.build, store, { substitute: session.asm.substitute }); evStore = store; } // one per trainer run
      if (!ev) throw new Error('no evaluator');
      const fb = transform(session.fitted, probe);
      bounded.remap(fb, false);
      const o = await ev.run(session.asm.feeds(fb));
      expected.set(seq, Object.fromEntries(cfg.tasks.map((t) => [t.name, Float32Array.from(o[predOutput(t.name)]!.data as Float32Array)])));
      if (seq === 3) exportStreamModel(exportDir, out, session, store, bounded);
      reader ??= await ModelDirReader.open(dir, cfg); // every push is checked as it lands
      assert.equal(await reader.poll() || reader.seq === seq, true);
      await check(seq);
      checked++;
    },
  });
  let reader: ModelDirReader | null = null, checked = 0;
  const check = async (seq: number) => {
    const got = await reader!.score(probe), want = expected.get(seq)!;
    assert.equal(reader!.seq, seq);
    for (const t of cfg.tasks) {
      for (let i = 0; i < probe.numRows; i++) assert.ok(Math.abs(got[t.name]![i]! - want[t.name]![i]!) < 1e-5, `push ${seq} ${t.name}[${i}]: reader ${got[t.name]![i]} vs trainer ${want[t.name]![i]}`);
    }
  };
  const opts = { out, stream: es, untilIdleMs: 200, batch: 256, bootstrap: 1000, window: 2000, admission: { capacity: 150, admitAfter: 1, ttlSteps: 0 }, log: () => {} };
  await es.append(STREAMS.samples, bodies.slice(0, 5000));
  const r1 = await trainStream(cfg, { ...opts, pusher: pusher() });
  assert.ok(r1.bounded.evicted > 0, 'the small tables evicted rows between pushes');
  const firstSeq = reader!.seq;
  assert.ok(firstSeq >= 5 && checked === firstSeq, `pushes: ${firstSeq}, checked ${checked}`);

  // the exported service model (bucket-space tables) scores the probe like the trainer at push 3
  const art = loadRunArtefacts(exportDir);
  const sess = await loadExportedModel(join(exportDir, 'model.onnx'));
  const fb = transform(art.fitted, probe);
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of art.manifest.inputs) {
    if (inp.name === 'dense') { feeds.dense = new ort.Tensor('float32', fb.dense, [probe.numRows, fb.denseWidth]); continue; }
    feeds[inp.name] = new ort.Tensor('int64', BigInt64Array.from(fb.ids[inp.feature!]!, (v) => BigInt(v)), [probe.numRows]);
  }
  const served = await sess.run(feeds);
  for (const t of cfg.tasks) {
    const a = served[predOutput(t.name)]!.data as Float32Array, b = expected.get(3)![t.name]!;
    for (let i = 0; i < probe.numRows; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `served ${t.name}[${i}]: ${a[i]} vs ${b[i]}`);
  }

  // a restarted trainer continues the numbering with a full push; the reader follows it
  await es.append(STREAMS.samples, bodies.slice(5000));
  const r2 = await trainStream(cfg, { ...opts, pusher: pusher() });
  assert.ok(r2.resumedFrom);
  assert.ok(reader!.seq > firstSeq && checked === reader!.seq, `after the restart: push ${reader!.seq}, checked ${checked}`);
  assert.ok(readdirSync(join(dir, 'pushes')).length < reader!.seq, 'old pushes are pruned');
});
