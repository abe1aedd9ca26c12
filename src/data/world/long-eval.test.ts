import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTable } from '../table.js';
import { generateWorld } from './generate.js';
import { behaviorsPath, writeLongWorld } from './long-generate.js';
import { evaluateRun, formatComparison, meanSd, parseLongCsv } from './long-eval.js';
import { readBehaviorLog } from '../../features/behavior/log.js';

test('writeLongWorld writes the world, the behaviour log and the long csv that long-eval reads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wlong-'));
  const out = join(dir, 'w.parquet');
  const w = generateWorld({ impressions: 20_000, days: 2, seed: 2, usersPerImpression: 0.01, liveRoomsPerMillionPerDay: 2500, longHistory: { max_len: 200, prior_mean: 80 } });
  const path = await writeLongWorld(out, w);
  assert.equal(path, behaviorsPath(out));
  assert.equal(path, join(dir, 'w.behaviors.bin'));
  assert.deepEqual(readBehaviorLog(path), w.behaviors);
  assert.ok(existsSync(join(dir, 'w.meta.json')));
  const truth = parseLongCsv(readFileSync(join(dir, 'w.long.csv'), 'utf8'));
  assert.equal(truth.slice.size, 20_000);
  const lt = w.impressions.columns.long_term as Uint8Array;
  assert.equal(truth.longTerm.get(123), lt[123]);
  const meta = JSON.parse(readFileSync(join(dir, 'w.meta.json'), 'utf8'));
  assert.equal(meta.longHistory.options.max_len, 200);
  await assert.rejects(writeLongWorld(join(dir, 'x.parquet'), generateWorld({ impressions: 20_000, days: 2, usersPerImpression: 0.01, liveRoomsPerMillionPerDay: 2500 })), /no behaviour log/);
});

test('evaluateRun: AUC and oracle gap per slice; a perfect model has AUC 1; unknown ids are named', () => {
  const truth = parseLongCsv('impression_id,long_term,long_slice\n0,0,0\n1,1,1\n2,0,1\n3,2,1\n4,0,0\n5,0,0\n');
  const y = Float32Array.from([0, 1, 0, 1, 1, 0]);
  const pred = makeTable({
    impression_id: Int32Array.from([0, 1, 2, 3, 4, 5]),
    pred_click: Float64Array.from([0.1, 0.9, 0.2, 0.8, 0.7, 0.3]), click: y, p_click: Float64Array.from([0.2, 0.3, 0.4, 0.5, 0.6, 0.1]),
    pred_effective_view: Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), effective_view: y, p_effective_view: Float64Array.from([0.1, 0.9, 0.2, 0.8, 0.7, 0.3]),
  });
  const r = evaluateRun(pred, truth);
  assert.equal(r.click!.all.auc, 1);
  assert.equal(r.click!.long_slice.n, 3);
  assert.equal(r.click!.long_slice_dormant.n, 2); // rows 1 and 3 (long_term > 0 and in the slice)
  assert.ok(Number.isNaN(r.click!.long_slice_dormant.auc)); // one class only
  // oracle on all: p_click 0.2 0.3 0.4 0.5 0.6 0.1 vs y 0 1 0 1 1 0 → 8 of 9 pairs ordered
  assert.ok(Math.abs(r.click!.all.oracle - 8 / 9) < 1e-12);
  assert.ok(Math.abs(r.click!.all.gap - (8 / 9 - 1)) < 1e-12);
  assert.equal(r.effective_view!.all.auc, 0.5);
  assert.equal(r.effective_view!.all.gap, 0.5);
  assert.throws(() => evaluateRun(makeTable({ ...pred.columns, impression_id: Int32Array.from([0, 1, 2, 3, 4, 99]) }), truth), /impression_id 99 \(row 5\)/);
  assert.throws(() => parseLongCsv('a,b\n'), /expected the header/);
  const txt = formatComparison(new Map([['a', [r, r]], ['b', [r]]]));
  assert.match(txt, /b − a AUC \(paired by seed, 1\): all 0\.0000 ± 0\.0000/);
  assert.deepEqual(meanSd([1, 3]), { mean: 2, sd: Math.SQRT2 });
});
