import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricMatrix } from './matrix.js';
import { BINARY_LEGEND, REGRESSION_LEGEND, formatMatrix, calibrationCheck } from './format.js';
import { seesawTable, formatSeesaw } from './seesaw.js';
import type { BinaryCell, MatrixJSON } from './matrix-types.js';
import { Rng } from '../util/rng.js';

function run(seed: number, noise: number, tasks: string[]): MatrixJSON {
  const rng = new Rng(seed);
  const n = 6000;
  const m = new MetricMatrix({ tasks: [...tasks.map((name) => ({ name, kind: 'binary' as const })), { name: 'watch', kind: 'regression' }] });
  const preds: Record<string, Float64Array> = {}; const labels: Record<string, Float64Array> = {}; const tp: Record<string, Float64Array> = {};
  for (const t of [...tasks, 'watch']) { preds[t] = new Float64Array(n); labels[t] = new Float64Array(n); tp[t] = new Float64Array(n); }
  const scenario: string[] = []; const country: string[] = []; const user: number[] = [];
  for (let i = 0; i < n; i++) {
    scenario.push(['home', 'slide'][rng.int(2)]!); country.push(['BR', 'ID', 'a-very-long-country-name-here'][rng.int(3)]!); user.push(rng.int(300));
    for (const t of tasks) {
      const z = rng.normal() - 1;
      tp[t]![i] = 1 / (1 + Math.exp(-z)); preds[t]![i] = 1 / (1 + Math.exp(-(z + noise * rng.normal())));
      labels[t]![i] = rng.next() < tp[t]![i]! ? 1 : 0;
    }
    tp.watch![i] = 40 * Math.exp(rng.normal() * 0.5); labels.watch![i] = tp.watch![i]! * Math.exp(rng.normal() * 0.4);
    preds.watch![i] = tp.watch![i]! * Math.exp(noise * rng.normal());
  }
  m.add({ preds, labels, trueProbs: tp, scenario, country, user });
  return m.toJSON();
}

test('formatMatrix: rows per task × slice, model beside oracle, within 120 columns', () => {
  const j = run(1, 0.5, ['click', 'like']);
  const text = formatMatrix(j, { dims: ['all', 'scenario', 'country', 'scenario_country'] });
  const lines = text.split('\n');
  for (const l of lines) assert.ok(l.length <= 120, `line too long (${l.length}): ${l}`);
  assert.match(lines[0]!, /AUC +oAUC +gap +GAUC +oGAUC +PCOC +oPCOC/);
  const click = j.tasks.click!.all as BinaryCell;
  const row = lines.find((l) => l.startsWith('click') && l.includes('all'))!;
  assert.ok(row.includes(click.auc!.toFixed(4)));
  assert.ok(row.includes('6,000'));
  // 2 binary tasks × (all + 2 scenarios + 3 countries + 6 cells) rows + header
  assert.equal(lines.findIndex((l) => l === '') - 1, 2 * 12 + BINARY_LEGEND.length);
  assert.ok(lines.includes(BINARY_LEGEND[0]!) && lines.includes(REGRESSION_LEGEND[0]!), 'a legend under each table');
  for (const l of lines.filter((x) => /^\S*\s+\S+\s+-?\d\.\d{4}/.test(x))) assert.doesNotMatch(l, /\d-\d|\d\d\.\d{4}\d/, `columns run together: ${l}`);
  assert.ok(text.includes('RMSE'));
  assert.ok(text.includes(' c=a-very-long-country~ ')); // long slice names are cut to the column
  const few = formatMatrix(j, { dims: ['all'], tasks: ['like'], legend: false }).split('\n');
  assert.equal(few.length, 2);
});

test('calibrationCheck covers every task × scenario × country slice with ≥ minRows', () => {
  const j = run(2, 0.3, ['click']);
  const rows = calibrationCheck(j, { minRows: 500, tol: 0.1 });
  assert.equal(rows.length, 6);
  for (const r of rows) {
    assert.ok(r.n >= 500 && r.pcoc_true !== null && r.oracle_pcoc !== null);
    assert.equal(r.ok, Math.abs(r.pcoc_true! - 1) <= 0.1);
  }
  assert.equal(calibrationCheck(j, { minRows: 100000 }).length, 0);
});

test('seesaw table: gains signed per PLE Eq. 11, seesaw and negative transfer detected', () => {
  const mtl = run(3, 0.3, ['click', 'like']);
  const single = run(3, 0.3, ['click', 'like']);
  // identical runs → zero gains everywhere
  const same = seesawTable(mtl, { click: single, like: single, watch: single });
  assert.ok(same.rows.every((r) => r.gain === 0));
  assert.equal(same.seesaw, false);
  // hand-made: click AUC +0.01, like AUC −0.02, watch RMSE lower (better)
  const edit = (j: MatrixJSON, task: string, key: string, d: number): MatrixJSON => {
    const c = structuredClone(j);
    (c.tasks[task]!.all as unknown as Record<string, number>)[key] += d;
    return c;
  };
  let m2 = edit(mtl, 'click', 'auc', 0.01);
  m2 = edit(m2, 'like', 'auc', -0.02);
  m2 = edit(m2, 'watch', 'rmse', -1.5);
  m2 = edit(m2, 'click', 'logloss', 0.05);
  const t = seesawTable(m2, { click: single, like: single, watch: single });
  const g = (task: string, metric: string) => t.rows.find((r) => r.task === task && r.metric === metric)!.gain!;
  assert.ok(Math.abs(g('click', 'auc') - 0.01) < 1e-12);
  assert.ok(Math.abs(g('like', 'auc') + 0.02) < 1e-12);
  assert.ok(Math.abs(g('watch', 'rmse') - 1.5) < 1e-9);   // lower is better: single − MTL
  assert.ok(Math.abs(g('click', 'logloss') + 0.05) < 1e-12);
  assert.equal(t.seesaw, true);
  assert.equal(t.negativeTransfer, false);
  const text = formatSeesaw(t);
  assert.match(text, /SEESAW/);
  assert.match(text, /click +all +auc↑ .*\+0\.0100/);
  const neg = seesawTable(edit(edit(mtl, 'click', 'auc', -0.01), 'like', 'auc', -0.01), { click: single, like: single });
  assert.equal(neg.negativeTransfer, true); // judged on the tasks that have a single-task run
  assert.deepEqual(neg.missingSingles, ['watch']);
  assert.match(formatSeesaw(neg), /no single-task run for: watch/);
  const neg2 = seesawTable(edit(edit(edit(mtl, 'click', 'auc', -0.01), 'like', 'auc', -0.01), 'watch', 'xauc', -0.01), { click: single, like: single, watch: single });
  assert.equal(neg2.negativeTransfer, true);
  // per-scenario slices (domain seesaw)
  const bys = seesawTable(mtl, { click: single, like: single, watch: single }, { slices: 'by_scenario' });
  assert.deepEqual([...new Set(bys.rows.map((r) => r.slice))], ['home', 'slide']);
});
