// `liverank predict` on a tiny world run: the written predictions reproduce the run's own test metric,
// and request snapshots give whole requests (one logged row each) with finite predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from './config.js';
import { train } from './trainer.js';
import { predictRun } from './predict.js';
import { worldIdFeatures } from './fixtures/world-features.js';
import { auc } from '../metrics/auc.js';
import { parseRequestSpec } from '../cli/commands/predict.js';

/** A numeric-column view of a CSV we wrote (no quoting needed: the columns used here are numbers). */
function readCsv(path: string): { numRows: number; columns: Record<string, Float64Array> } {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = head!.split(',');
  const columns = Object.fromEntries(names.map((n) => [n, new Float64Array(lines.length)]));
  lines.forEach((l, i) => l.split(',').forEach((v, j) => { columns[names[j]!]![i] = v === '' ? NaN : Number(v); }));
  return { numRows: lines.length, columns };
}

const cfg = () => parseTrainConfig({
  name: 'p', seed: 1, data: { source: 'world', impressions: 20000, world_seed: 3, split: [0.6, 0.2, 0.2] },
  features: { version: 1, defaults: { dim: 4 }, features: worldIdFeatures() },
  tasks: [{ name: 'click', label: 'click' }, { name: 'effective_view', label: 'effective_view' }],
  model: { type: 'dnn', hidden: [8] }, train: { epochs: 1, batch_size: 256, tensorboard: false },
}, process.cwd(), 'predict test');

test('predict: the test split\'s predictions give the run\'s test AUC; --requests gives whole requests', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-predict-'));
  try {
    const run = join(dir, 'run');
    await train(cfg(), { out: run, verbose: false, hooks: null });
    const out = join(dir, 'test.csv');
    const r = await predictRun(cfg(), run, out, { split: 'test', verbose: false });
    const t = readCsv(out);
    assert.equal(t.numRows, r.rows);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')) as { tasks: Record<string, { all: { auc: number } }> };
    for (const task of ['click', 'effective_view']) {
      const y = t.columns[task]!, p = t.columns[`pred_${task}`]!;
      const keep = [...y.keys()].filter((i) => !Number.isNaN(y[i]!));
      const a = auc(Float64Array.from(keep, (i) => p[i]!), Float64Array.from(keep, (i) => y[i]!));
      assert.ok(Math.abs(a - metrics.tasks[task]!.all.auc) < 1e-4, `${task}: AUC from predict ${a} vs metrics.json ${metrics.tasks[task]!.all.auc}`);
    }

    const rq = await predictRun(cfg(), run, join(dir, 'req.csv'), { requests: parseRequestSpec('from=0.8,count=20,candidates=30'), verbose: false });
    const q = readCsv(join(dir, 'req.csv'));
    assert.equal(q.numRows, rq.rows);
    const ids = q.columns.request_id!, logged = q.columns.logged!, pc = q.columns.pred_click!;
    const per = new Map<number, { n: number; logged: number }>();
    for (let i = 0; i < q.numRows; i++) {
      const e = per.get(ids[i]!) ?? { n: 0, logged: 0 };
      e.n++; e.logged += logged[i]!; per.set(ids[i]!, e);
      assert.ok(Number.isFinite(pc[i]!) && pc[i]! > 0 && pc[i]! < 1, `row ${i}: pred_click ${pc[i]}`);
    }
    assert.equal(per.size, 20);
    for (const [id, e] of per) { assert.equal(e.logged, 1, `request ${id}`); assert.ok(e.n >= 2 && e.n <= 30, `request ${id}: ${e.n} rows`); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('parseRequestSpec names the bad key or value', () => {
  assert.deepEqual(parseRequestSpec('from=0.85,count=300,candidates=500,only_effective_view=1'), { from: 0.85, count: 300, candidates: 500, onlyEffectiveView: true });
  assert.throws(() => parseRequestSpec('count=3,cands=5'), /unknown key "cands"/);
  assert.throws(() => parseRequestSpec('count=x'), /count expects a number, got "x"/);
  assert.throws(() => parseRequestSpec('from=0.5'), /give count=N/);
});
