// Counter values of request-snapshot rows: the logged room's row reads exactly what training's replay
// gave the logged impression; candidate rows add no events (reads leave the replay unchanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateWorld } from '../data/world/generate.js';
import { loadFeatureConfig, counterColumn } from '../features/index.js';
import { materializeCounterColumns, materializeCountersAt } from './counters.js';

const cfg = loadFeatureConfig(new URL('../../examples/demo-features.yaml', import.meta.url).pathname);

test('snapshot rows read the counters the logged impression saw; reads add no events', () => {
  const w = generateWorld({ impressions: 30_000, seed: 4, days: 2, requests: { from: 0.5, count: 40, candidates: 60 } });
  const trained = materializeCounterColumns(cfg, w.impressions);
  const snap = materializeCountersAt(cfg, w.impressions, w.requests!);
  const logged = snap.columns.logged as Int32Array, imp = snap.columns.impression_id as Int32Array;
  const names = cfg.features.filter((f) => f.kind === 'counter').map((f) => counterColumn(f.name));
  assert.ok(names.length >= 10);
  let compared = 0, nonZero = 0;
  for (let i = 0; i < snap.numRows; i++) {
    if (logged[i] !== 1) continue;
    for (const n of names) {
      const a = (snap.columns[n] as Float64Array)[i]!, b = (trained.columns[n] as Float64Array)[imp[i]!]!;
      assert.ok(Object.is(a, b), `${n} of request row ${i}: snapshot ${a}, training replay ${b}`);
      compared++; if (a > 0) nonZero++;
    }
  }
  assert.equal(compared, 40 * names.length);
  assert.ok(nonZero > compared / 4, `most counters are non-zero (${nonZero}/${compared})`);
  // Candidate rows differ from one another (room-keyed counters see each room's own events).
  const roomImp = snap.columns[counterColumn('room_impr_1h')] as Float64Array | undefined;
  assert.ok(roomImp, 'room_impr_1h column');
  assert.ok(new Set(Array.from(roomImp!.subarray(0, 60))).size > 3);
});
