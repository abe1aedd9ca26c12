// The report of a tiny trained run (with part A's feature statistics and part B's gates, feature
// health and representations computed on it) opens in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) with no console errors, no failed requests and no requests at all; a screenshot
// is taken and every chart is checked rendered: an SVG of non-zero size with data marks and the
// expected title. Skipped, with the reason printed, only where Chromium is not installed
// (.ci/run installs Debian's chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { worldIdFeatures } from '../../train/fixtures/world-features.js';
import { writeReport } from './build.js';
import { computeShift, readShift, SHIFT_FILE } from './shift.js';
import { checkPage, findChromium } from './browser-check.js';
import { diagnosticsHooks } from '../hooks.js';
import { openDiagRun } from '../gates-run.js';
import { analyseGates } from '../gates.js';
import { analyseFeatureHealth } from '../feature-health.js';
import { analyseRepresentations } from '../representations.js';

const chromium = findChromium();
const skip = chromium ? false : 'Chromium not found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser); install it with `apt-get install -y chromium` (.ci/run does)';
if (skip) process.stdout.write(`# report browser test skipped: ${skip}\n`);

test('the report of a tiny trained run renders in headless Chromium: no console errors, no requests, every chart drawn', { skip, timeout: 240_000 }, async () => {
  const run = mkdtempSync(join(tmpdir(), 'lr-report-run-'));
  const cfg = parseTrainConfig({
    name: 'report-tiny', seed: 5,
    data: { source: 'world', impressions: 6000, world_seed: 4, split: [0.6, 0.2, 0.2] },
    features: {
      version: 1, defaults: { dim: 4 },
      features: [...worldIdFeatures(1024), { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] }],
    },
    tasks: [
      { name: 'click', label: 'click', true_prob: 'p_click' },
      { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' },
      { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p', true_prob: 'e_watch_s' },
    ],
    model: { type: 'mmoe', experts: 2, expert: [8], tower: [4] },
    optimizer: { type: 'adam', lr: 0.01 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 128, log_every: 4, eval_every: 10, diagnostics_every: 4 },
  }, process.cwd(), 'report test config');
  const res = await train(cfg, { out: run, verbose: false, hooks: diagnosticsHooks }); // as the CLI trains: RUN/tb + feature statistics
  // the post-hoc analyses the report shows, as `liverank gates / features health / representations` write them
  const diag = await openDiagRun(run, { rows: 400, verbose: false });
  mkdirSync(join(run, 'diagnostics'), { recursive: true });
  writeFileSync(join(run, 'diagnostics', 'gates.json'), JSON.stringify(await analyseGates(diag)));
  writeFileSync(join(run, 'diagnostics', 'feature_health.json'), JSON.stringify(await analyseFeatureHealth(diag, { repeats: 1 })));
  writeFileSync(join(run, 'diagnostics', 'representations.json'), JSON.stringify(await analyseRepresentations(diag, { experts: false })));

  const r = await writeReport(run, { config: cfg }); // the shift is computed from the run's own data
  assert.deepEqual(r.errors, []);
  // the demo passes the training split it already holds: the same shift without loading the data again
  const loaded = readShift(join(run, SHIFT_FILE))!;
  const inMemory = await computeShift(run, { config: cfg, table: res.splits!.train });
  assert.deepEqual(inMemory.shift, loaded.shift);
  assert.equal(inMemory.rows, loaded.rows);
  assert.deepEqual(r.warnings, []);
  for (const t of ['Oracle gap by task and scenario', 'Reliability: click', 'Training loss per task', 'Validation AUC / XAUC per task',
    'Mean gate weight per expert', 'Gate entropy by scenario', 'Cross-task gate divergence', 'Dead-ReLU share per expert',
    'Embedding gradient norm per feature', 'Permutation importance (AUC drop)', 'Linear-probe AUC per layer', 'PCA of g.click by scenario',
    'Feature shift by scenario (PSI)', 'Feature shift by country (PSI)', 'Feature shift by scenario (KS)']) {
    assert.ok(r.charts.includes(t), `chart "${t}" missing; charts: ${r.charts.join(' | ')}`);
  }
  const shot = join(run, 'report.png');
  const page = await checkPage(r.path, { chromium: chromium as string, screenshot: shot });
  assert.deepEqual(page.consoleErrors, []);
  assert.deepEqual(page.failedRequests, []);
  assert.deepEqual(page.requests, [], 'a self-contained report makes no requests');
  assert.deepEqual(page.sections, r.sections.map((s) => s.title));
  assert.deepEqual(page.charts.map((c) => c.title), r.charts, 'every chart is on the page, in order');
  for (const c of page.charts) {
    assert.equal(c.svgTitle, c.title, `the SVG of "${c.title}" shows its title`);
    assert.ok(c.width > 100 && c.height > 80, `"${c.title}" rendered at ${c.width}×${c.height}`);
    assert.ok(c.marks > 0, `"${c.title}" draws no data marks`);
  }
  assert.deepEqual(page.missing, [], 'no section reports missing input');
  assert.ok(existsSync(shot) && statSync(shot).size > 50_000, 'screenshot written');
  const png = readFileSync(shot);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.ok(png.readUInt32BE(16) === 1280 && png.readUInt32BE(20) > 3000, `screenshot ${png.readUInt32BE(16)}×${png.readUInt32BE(20)} covers the full page`);
});
