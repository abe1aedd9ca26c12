// The report on a fixture run (no training): every section and chart, values in the tables and
// chart data, the "not computed" notes, bad inputs named in the errors, self-containment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BinaryCell } from '../../metrics/index.js';
import { writeReport } from './build.js';
import { metricsSection } from './metrics-section.js';
import { renderChart } from './render.js';
import { seesawSection } from './seesaw-section.js';
import { trainingSeries } from './training-section.js';
import { fixtureMatrix, writeFixtureRun } from './report.fixtures.js';
import { parseSeesaw } from '../../cli/commands/report.js';
import { computeShift, currentShift, SHIFT_FILE } from './shift.js';
import { fitFeatures, parseFeatureConfig, saveFitted } from '../../features/index.js';
import { parseTrainConfig } from '../../train/config.js';
import { sha256 } from '../../util/checksum.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lr-report-'));

export const FULL_CHARTS = [
  'Oracle gap by task and scenario', 'Oracle gap by task and country',
  'Reliability: click', 'Reliability: effective_view',
  'Training loss (total)', 'Training loss per task', 'Learning rate', 'Gradient norm', 'Task weights',
  'Validation AUC / XAUC per task', 'Validation PCOC per binary task',
  'Mean gate weight per expert', 'Gate entropy by scenario', 'Cross-task gate divergence', 'Dead-ReLU share per expert',
  'Embedding gradient norm per feature', 'Update-to-weight ratio per feature', 'Permutation importance (AUC drop)',
  'Explained variance per component', 'Linear-probe AUC per layer',
  'PCA of g.click by scenario', 'PCA of g.click by click label', 'PCA of g.effective_view by scenario', 'PCA of g.effective_view by effective_view label',
  'Feature shift by scenario (PSI)', 'Feature shift by scenario (KS)',
];

test('a full fixture run: every section, every chart with its title in the SVG, no warnings, self-contained', async () => {
  const run = writeFixtureRun(tmp());
  const r = await writeReport(run);
  assert.equal(r.path, join(run, 'report.html'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.charts, FULL_CHARTS);
  assert.deepEqual(r.sections.map((s) => s.id), ['metrics', 'calibration', 'training', 'gates', 'feature-health', 'representations', 'shift']);
  const html = readFileSync(r.path, 'utf8');
  for (const t of FULL_CHARTS) {
    const fig = html.indexOf(`data-chart-title="${t.replace(/&/g, '&amp;')}"`);
    assert.ok(fig > 0, `figure ${t}`);
    const svg = html.slice(fig, html.indexOf('</figure>', fig));
    assert.match(svg, /<svg [^>]*width="\d+"/);
    assert.ok(svg.includes(`>${t}</text>`), `title text of ${t}`);
  }
  assert.doesNotMatch(html, /<script|<img|<iframe|<link rel="stylesheet"|@import|url\((?!#)/i);
  // ids are unique on the page and every local reference resolves (vega numbers gradients per chart)
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
  const refs = [...html.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(refs.length > 0 && refs.every((x) => ids.includes(x)), 'dangling url(#…)');
  assert.doesNotMatch(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]+"/g, ''), /(src|href)="(https?:)?\/\//);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /dead_relu<\/b> mmoe\.experts\/e2/);
  assert.doesNotMatch(html, /not computed/);
});

test('metric table: the gap column is oracle − model; heatmap data carries the same gaps', () => {
  const m = fixtureMatrix();
  const sec = metricsSection(m, 'metrics.json');
  const click = m.tasks.click!.all as BinaryCell; const oclick = m.oracle!.tasks.click!.all as BinaryCell;
  assert.ok(oclick.auc! - click.auc! > 0.02, 'the fixture model is worse than the oracle');
  const tables = sec.parts.filter((p) => p.kind === 'html').map((p) => (p as { html: string }).html).join('');
  assert.ok(tables.includes(`<td>click</td><td>all</td><td class="num">${click.auc!.toFixed(4)}</td><td class="num">${oclick.auc!.toFixed(4)}</td><td class="num `));
  assert.ok(tables.includes(`>${(oclick.auc! - click.auc!).toFixed(4)}</td>`));
  const heat = sec.parts.find((p) => p.kind === 'chart' && p.chart.title === 'Oracle gap by task and scenario');
  assert.ok(heat && heat.kind === 'chart');
  const rows = (heat.chart.spec.data as { values: { task: string; slice: string; v: number }[] }).values;
  const home = rows.find((x) => x.task === 'click (AUC)' && x.slice === 'home')!;
  const h = m.tasks.click!.by_scenario.home as BinaryCell; const oh = m.oracle!.tasks.click!.by_scenario.home as BinaryCell;
  assert.ok(Math.abs(home.v - (oh.auc! - h.auc!)) < 1e-12);
  assert.equal(rows.some((x) => x.task === 'click (AUC)' && x.slice === 'slide'), false, 'click has no slide slice');
  assert.ok(rows.some((x) => x.task === 'watch_time (XAUC)'));
});

test('without part B files: "not computed: run `liverank gates RUN`" notes, and no such charts', async () => {
  const run = writeFixtureRun(tmp(), { partB: false });
  const r = await writeReport(run);
  assert.deepEqual(r.errors, []);
  const html = readFileSync(r.path, 'utf8');
  assert.ok(html.includes(`not computed: run <code>liverank gates ${run}</code>`));
  assert.ok(html.includes(`not computed: run <code>liverank features health ${run}</code>`));
  assert.ok(html.includes(`not computed: run <code>liverank representations ${run}</code>`));
  assert.equal(r.charts.includes('Mean gate weight per expert'), false);
  assert.equal(r.charts.length, FULL_CHARTS.length - 13);
});

test('bad inputs: a corrupt file is named with what was expected, the other sections still render', async () => {
  const run = writeFixtureRun(tmp());
  writeFileSync(join(run, 'diagnostics', 'gates.json'), '{"source": {}, "gates": 3}');
  writeFileSync(join(run, 'diagnostics', 'feature_health.json'), '{"version": 1,');
  appendFileSync(join(run, 'train_log.jsonl'), 'not json\n{"kind":"train","step":70}\n');
  const r = await writeReport(run);
  assert.equal(r.errors.length, 3, r.errors.join('\n'));
  assert.match(r.errors[0]!, /Training curves: .*train_log\.jsonl:9: not valid JSON .*expected one JSON object per line/);
  assert.match(r.errors[1]!, /Gates and experts: .*gates\.json: "gates" is not an array; expected gates\.json as written by `liverank gates RUN`/);
  assert.match(r.errors[2]!, /Feature health: .*feature_health\.json: not valid JSON .*expected feature_health\.json/);
  assert.ok(r.charts.includes('Reliability: click') && r.charts.includes('Linear-probe AUC per layer'));
  const html = readFileSync(r.path, 'utf8');
  assert.match(html, /Gates and experts could not be built: .*gates\.json/);
  await assert.rejects(writeReport(join(run, 'nope')), /nope: not a directory; expected a liverank run directory/);
});

test('train_log: a torn last line (killed run) is skipped and said; a record without a step is named', () => {
  const dir = tmp();
  const p = join(dir, 'train_log.jsonl');
  writeFileSync(p, '{"kind":"train","step":1,"loss":1}\n{"kind":"train","step":2,"lo');
  const s = trainingSeries(p);
  assert.equal(s.train.length, 1);
  assert.equal(s.truncatedLast, true);
  writeFileSync(p, '{"kind":"train","loss":1}\n');
  assert.throws(() => trainingSeries(p), /train_log\.jsonl: record 1 \(kind "train"\) has no numeric "step"/);
});

test('seesaw: gain = MTL − single on the primary metric, the table and the chart; --seesaw parsing', async () => {
  const mtl = fixtureMatrix(7);
  const single = fixtureMatrix(8);
  const sec = seesawSection(mtl, { click: single }, { click: 'single/metrics.json' })!;
  const bar = sec.parts.find((p) => p.kind === 'chart' && p.chart.title === 'MTL gain per task');
  assert.ok(bar && bar.kind === 'chart');
  const rows = (bar.chart.spec.data as { values: { task: string; gain: number }[] }).values;
  const want = (mtl.tasks.click!.all as BinaryCell).auc! - (single.tasks.click!.all as BinaryCell).auc!;
  assert.deepEqual(rows.map((x) => x.task), ['click (auc)']);
  assert.ok(Math.abs(rows[0]!.gain - want) < 1e-12);
  const run = writeFixtureRun(tmp());
  const sdir = tmp();
  writeFileSync(join(sdir, 'metrics.json'), JSON.stringify(single));
  const r = await writeReport(run, { seesaw: { click: sdir } });
  assert.ok(r.charts.includes('MTL gain per task') && r.charts.includes('MTL gain by task and scenario'));
  const bad = await writeReport(run, { seesaw: { click: join(sdir, 'missing.json') } });
  assert.match(bad.errors.join('\n'), /seesaw: .*missing\.json \(single-task run for "click"\) not found/);
  assert.deepEqual(parseSeesaw(['click=a/b', 'gift=c']), { click: 'a/b', gift: 'c' });
  assert.throws(() => parseSeesaw(['click']), /--seesaw: expected TASK=PATH/);
});

test('render: a spec that loads data from a URL is refused; vega-lite warnings are collected, not printed', async () => {
  await assert.rejects(renderChart({ title: 'x', spec: { data: { url: 'https://example.com/a.json' }, mark: 'point' } }), /chart "x": the spec loads data from a URL/);
  const warnings: string[] = [];
  const svg = await renderChart({ title: 'w', spec: { data: { values: [{ a: 1 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, size: { field: 'a', type: 'nominal' } } } }, warnings);
  assert.match(svg, /^<svg /);
  assert.ok(warnings.length > 0 && warnings[0]!.startsWith('chart "w": warning'), warnings.join('\n'));
});

test('a retrained run: shift.json of other features is recomputed; older part-B files are flagged', async () => {
  const run = writeFixtureRun(tmp());
  writeFileSync(join(run, 'features.json'), '{"format": "new features"}');
  const logs: string[] = [];
  assert.equal(currentShift(run, (l) => logs.push(l))?.by.join(), 'scenario', 'no features_sha256 recorded: kept');
  const stored = JSON.parse(readFileSync(join(run, SHIFT_FILE), 'utf8'));
  writeFileSync(join(run, SHIFT_FILE), JSON.stringify({ ...stored, features_sha256: sha256('{"format": "old features"}') }));
  assert.equal(currentShift(run, (l) => logs.push(l)), null);
  assert.match(logs.join(), /shift\.json was computed for other fitted features \(the run was retrained\): recomputing/);
  writeFileSync(join(run, SHIFT_FILE), JSON.stringify({ ...stored, features_sha256: sha256('{"format": "new features"}') }));
  assert.ok(currentShift(run));
  const trained = new Date(Date.now() - 1800_000), old = new Date(Date.now() - 3600_000);
  utimesSync(join(run, 'features.json'), trained, trained); // the other diagnostics files are newer
  utimesSync(join(run, 'diagnostics', 'gates.json'), old, old);
  const r = await writeReport(run);
  const html = readFileSync(r.path, 'utf8');
  assert.match(html, /gates\.json is older than the run&#39;s features\.json: it describes an earlier run in this directory; re-run `liverank gates /);
  assert.doesNotMatch(html, /representations\.json is older/);
});

test('CLI: liverank report refuses bad options by name', async () => {
  const { buildProgram } = await import('../../cli/main.js');
  const run = writeFixtureRun(tmp());
  for (const [args, msg] of [
    [['--shift', 'bogus'], /--shift: "bogus" is not allowed; allowed: auto, recompute, off/],
    [['--shift-split', 'dev'], /--shift-split: "dev" is not allowed; allowed: train, val, test/],
    [['--shift-rows', '0'], /--shift-rows: expected a positive integer, got "0"/],
    [['--seesaw', 'click'], /--seesaw: expected TASK=PATH/],
  ] as [string[], RegExp][]) {
    const program = await buildProgram();
    program.exitOverride();
    await assert.rejects(program.parseAsync(['node', 'liverank', 'report', run, ...args]), msg);
  }
});

test('shift: data without scenario / country columns is said, without loading the data', async () => {
  const run = writeFixtureRun(tmp(), { shift: false });
  const fc = parseFeatureConfig({ version: 1, features: [{ name: 'age', kind: 'dense', column: 'age', ops: ['standardize'] }] }, 'test');
  saveFitted(join(run, 'features.json'), fitFeatures(fc, { numRows: 3, columns: { age: new Float64Array([20, 30, 40]) } }));
  const cfg = parseTrainConfig({
    name: 'files', data: { source: 'files', train: 'does-not-exist.csv', schema: [{ name: 'age', type: 'float' }, { name: 'y', type: 'int' }] },
    features: { version: 1, features: [{ name: 'age', kind: 'dense', column: 'age' }] },
    tasks: [{ name: 'y', label: 'y' }], model: { type: 'dnn', hidden: [4] },
  }, run, 'test config');
  const f = await computeShift(run, { config: cfg });
  assert.deepEqual([f.by, f.shift, f.rows], [[], [], 0]);
  assert.match(f.notes.join(), /no scenario or country column/);
  const r = await writeReport(run, { config: cfg });
  assert.deepEqual(r.errors, []);
  assert.match(readFileSync(r.path, 'utf8'), /No scenario or country column in this run&#39;s data/);
  assert.equal(r.charts.some((c) => c.startsWith('Feature shift')), false);
});
