// Feature health: convergence verdicts on constructed traces (a decaying gradient converges at the
// step it settles, a flat one never does, zero gradient / no touched rows = dead), and on a tiny
// trained run with feature statistics: a pure-noise feature has ≈ 0 permutation importance, the
// informative one a clear AUC drop; the CLI writes feature_health.json, also without the stats file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../cli/commands/features.js';
import { analyseFeatureHealth, featureTrace, featureTraces, smooth, traceAlarms } from './feature-health.js';
import { openDiagRun } from './gates-run.js';
import { trainTinyRun } from './gates-run.fixtures.js';
import type { FeatureHealthFile } from './types.js';
import type { FeatureStatsLine } from './feature-stats.js';

const pts = (g: number[], touched = 10) => g.map((x, i) => ({ step: 10 * (i + 1), grad_norm: x, update_ratio: x / 10, touched_rows: touched }));

test('smooth: trailing mean, non-finite values skipped', () => {
  assert.deepEqual(smooth([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5]);
  assert.deepEqual(smooth([NaN, 2, NaN], 2), [NaN, 2, 2]);
});

test('convergence: the first step after the peak from which the smoothed norm stays ≤ fraction · peak', () => {
  // 1, 1, 1, then 0.05 for 6 points: with window 1, settled from the 4th point (step 40).
  const t = featureTrace('f', pts([1, 1, 1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]), { fraction: 0.1, window: 1 });
  assert.equal(t.status, 'converged');
  assert.equal(t.converged_step, 40);
  assert.equal(t.peak_grad_norm, 1);
  assert.equal(t.touched_rows_total, 90);
  // Window 3 smooths the drop: (1 + 0.05 + 0.05) / 3 > 0.1 at step 50; settled from step 60.
  assert.equal(featureTrace('f', pts([1, 1, 1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]), { fraction: 0.1, window: 3 }).converged_step, 60);
  // A late spike above the threshold restarts the clock: the settled stretch must end the trace.
  assert.equal(featureTrace('f', pts([1, 0.05, 0.05, 0.05, 0.5, 0.05, 0.05, 0.05]), { fraction: 0.1, window: 1 }).converged_step, 60);
  // Flat: never converged.
  const flat = featureTrace('g', pts([0.3, 0.31, 0.29, 0.3, 0.3, 0.3]));
  assert.equal(flat.status, 'not_converged');
  assert.equal(flat.converged_step, null);
  // Too short a settled stretch (one point) does not count.
  assert.equal(featureTrace('h', pts([1, 1, 1, 0.01]), { fraction: 0.1, window: 1 }).status, 'not_converged');
});

test('dead features: zero gradient, or no touched rows; alarms name them', () => {
  const zero = featureTrace('z', pts([0, 0, 0, 0]));
  assert.equal(zero.status, 'dead');
  const untouched = featureTrace('u', pts([0.5, 0.4, 0.3], 0));
  assert.equal(untouched.status, 'dead');
  const a = traceAlarms([zero, untouched, featureTrace('g', pts([0.3, 0.3, 0.3, 0.3]))]);
  assert.deepEqual(a.map((x) => `${x.kind}:${x.subject}`), ['dead_feature:z', 'dead_feature:u', 'never_converged:g']);
  assert.match(traceAlarms([featureTrace('r', pts([0.1, 0.2, 0.3]), { window: 1 })])[0]!.message, /still at its peak 3\.00e-1 at the last logged step 30: still learning/);
  assert.match(a[1]!.message, /no table rows touched/);
});

test('featureTraces: lines in any order, a feature missing from some lines, series thinned to ≤ 200', () => {
  const lines: FeatureStatsLine[] = [
    { step: 20, features: { a: { grad_norm: 0.5, update_ratio: 0.1, touched_rows: 3 } } },
    { step: 10, features: { a: { grad_norm: 1, update_ratio: 0.2, touched_rows: 4 }, b: { grad_norm: 0, update_ratio: 0, touched_rows: 0 } } },
  ];
  const t = featureTraces(lines);
  assert.deepEqual(t.map((x) => [x.feature, x.points, x.peak_step]), [['a', 2, 10], ['b', 1, 10]]);
  assert.deepEqual(t[0]!.series.map((p) => p.step), [10, 20]);
  const long = featureTrace('l', pts(Array.from({ length: 1000 }, (_, i) => 1 / (1 + i))));
  assert.equal(long.series.length, 200);
  assert.equal(long.series[199]!.step, 10000);
});

test('tiny trained run with feature statistics: noise ≈ 0 importance, signal a clear drop; CLI with and without the stats file', async () => {
  const { dir } = await trainTinyRun(undefined, { stats: true });
  const r = await openDiagRun(dir, { rows: 1200 });
  const f = await analyseFeatureHealth(r, { repeats: 2 });
  assert.ok(f.stats_file?.endsWith('feature_stats.jsonl'));
  assert.deepEqual(f.traces.map((t) => t.feature), ['noise', 'scenario', 'signal']);
  for (const t of f.traces) {
    assert.ok(t.points > 10 && t.peak_grad_norm > 0 && t.touched_rows_total > 0, `${t.feature}: ${JSON.stringify({ ...t, series: undefined })}`);
    assert.notEqual(t.status, 'dead');
  }
  const imp = Object.fromEntries(f.permutation.features.map((p) => [p.feature, p]));
  for (const task of ['click', 'like']) {
    assert.ok(f.permutation.baseline_auc[task]! > 0.75, `${task} baseline ${f.permutation.baseline_auc[task]}`);
    assert.ok(imp.signal!.drop[task]! > 0.15, `signal ${task}: ${imp.signal!.drop[task]}`);
    assert.ok(Math.abs(imp.noise!.drop[task]!) < 0.015, `noise ${task}: ${imp.noise!.drop[task]}`);
  }

  const program = new Command().exitOverride();
  register(program);
  const orig = console.log;
  const logged: string[] = [];
  console.log = (...a: unknown[]) => { logged.push(a.join(' ')); };
  try {
    await program.parseAsync(['node', 'liverank', 'features', 'health', dir, '--rows', '400', '--repeats', '1', '--only', 'noise', '-q']);
    const path = join(dir, 'diagnostics', 'feature_health.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as FeatureHealthFile;
    assert.deepEqual(file.permutation.features.map((p) => p.feature), ['noise']);
    assert.equal(file.traces.length, 3);
    assert.match(logged.join('\n'), /convergence \(smoothed gradient norm[\s\S]*permutation importance/);
    // Without the statistics file: said so, permutation importance still computed.
    rmSync(join(dir, 'diagnostics', 'feature_stats.jsonl'));
    await program.parseAsync(['node', 'liverank', 'features', 'health', dir, '--rows', '400', '--repeats', '1', '-q']);
    const again = JSON.parse(readFileSync(path, 'utf8')) as FeatureHealthFile;
    assert.equal(again.stats_file, null);
    assert.equal(again.traces.length, 0);
    assert.match(again.notes.join('\n'), /feature_stats\.jsonl does not exist/);
    assert.equal(again.permutation.features.length, 3);
    // A malformed statistics line is an error naming the file and line.
    mkdirSync(join(dir, 'diagnostics'), { recursive: true });
    writeFileSync(join(dir, 'diagnostics', 'feature_stats.jsonl'), '{"step": 1, "features": {}}\n{"step": "x"}\n');
    await assert.rejects(program.parseAsync(['node', 'liverank', 'features', 'health', dir, '--no-permutation', '-q']), /feature_stats\.jsonl:2: field step/);
    await assert.rejects(program.parseAsync(['node', 'liverank', 'features', 'health', dir, '--fraction', '2']), /--fraction: expected a number in \(0, 1\), got "2"/);
    await assert.rejects(program.parseAsync(['node', 'liverank', 'features', 'health', dir, '--only', 'nope', '-q']), /no feature "nope"/);
  } finally { console.log = orig; }
  assert.ok(existsSync(join(dir, 'diagnostics', 'feature_health.json')));
});
