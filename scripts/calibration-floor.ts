// How many slices of the demo's calibration check (Σ pred / Σ true p in [0.95, 1.05] per task ×
// scenario × country slice with ≥ 1000 test rows) can ANY model trained on the demo's labels be
// expected to pass? Two measurements on the demo's own splits, no model involved:
//  (a) the training labels: Σy / Σp_true on each slice's training rows;
//  (b) the oracle (true probabilities) with its level in each scenario × country cell disturbed by
//      N(0, sd²) in logit — a model that ranks perfectly but must learn slice levels from labels —
//      then re-fitted exactly like the demo's calibration (offsets by scenario, country and
//      country × scenario with the configured prior, on the same number of random training rows).
//  (c) with --metrics FILE (a trained model's metrics.json for the same config): how closely the
//      model's slice errors on test, log(Σ pred / Σ p_true), follow the training labels' errors on
//      the same slices, log(Σ y / Σ p_true) — correlation and least-squares slope.
// Run: node --import tsx scripts/calibration-floor.ts [--config examples/demo.yaml] [--sd 0,0.15,0.3] [--seeds 3]
//        [--by scenario,country,cell] [--rows N] [--prior-sd S] [--world-seed N] [--metrics runs/demo/metrics.json]
import { loadTrainConfig } from '../src/train/config.js';
import { openSession } from '../src/train/trainer.js';
import { fitOffsets } from '../src/train/calibrate.js';
import { labelNoise } from '../src/train/label-noise.js';
import { hostLabels } from '../src/train/heads.js';
import type { Table } from '../src/data/table.js';
import { Rng } from '../src/util/rng.js';
import { calibrationCheck, type MatrixJSON } from '../src/metrics/index.js';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const arg = (k: string, d: string) => { const i = args.indexOf(k); return i >= 0 ? args[i + 1]! : d; };
const cfg = loadTrainConfig(arg('--config', 'examples/demo.yaml'));
if (args.includes('--world-seed')) {
  if (cfg.data.source !== 'world') throw new Error('--world-seed: the config\'s data.source is not "world"');
  cfg.data.world_seed = Number(arg('--world-seed', '1'));
}
const sds = arg('--sd', '0,0.15,0.3').split(',').map(Number);
const seeds = Number(arg('--seeds', '3'));
// Which offsets the re-fit has: any of scenario, country, cell (country × scenario); default all three, like the demo.
const byKinds = arg('--by', 'scenario,country,cell').split(',');
const MIN_ROWS = 1000, TOL = 0.05;

const s = await openSession(cfg, '/tmp/liverank-calibration-floor', () => {}, true);
const { train, test } = s.splits;
const scCol = s.slices.scenario!, coCol = s.slices.country!;
const tasks = cfg.tasks.filter((t) => t.kind === 'binary' && t.true_prob);
const cellKey = (t: Table, i: number) => `${t.columns[scCol]![i]}|${t.columns[coCol]![i]}`;

// Group ids of the three calibration groupings (scenario, country, country × scenario) per row.
const ids = new Map<string, number>();
const id = (k: string) => { let v = ids.get(k); if (v === undefined) ids.set(k, v = ids.size); return v; };
const groups = (t: Table) => {
  const g = [new Int32Array(t.numRows), new Int32Array(t.numRows), new Int32Array(t.numRows)];
  for (let i = 0; i < t.numRows; i++) {
    const k = cellKey(t, i), [sc, co] = k.split('|');
    g[0]![i] = id(`s:${sc}`); g[1]![i] = id(`c:${co}`); g[2]![i] = id(k);
  }
  return g.filter((_, j) => byKinds.includes(['scenario', 'country', 'cell'][j]!));
};
const gTrain = groups(train), gTest = groups(test);
const logit = (p: number) => { const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9); return Math.log(q / (1 - q)); };
const priorSd = Number(arg('--prior-sd', String(cfg.calibration?.prior_sd ?? 0.1))), sweeps = cfg.calibration?.sweeps ?? 3;
const fitRows = Math.min(train.numRows, Number(arg('--rows', String(cfg.calibration?.rows ?? train.numRows))));

// Slices of the check: task × cell with ≥ MIN_ROWS test rows in the task's space.
const testLabels = hostLabels(test, tasks).metricLabel;
const noise = labelNoise(train, tasks, s.slices)!;
let labelsOk = 0, slices = 0;
const passes = new Map<number, number[]>(sds.map((sd) => [sd, []]));
for (const t of tasks) {
  const yTe = testLabels[t.name]!, pTe = test.columns[t.true_prob!] as ArrayLike<number>;
  const nTest = new Map<string, number>();
  for (let i = 0; i < test.numRows; i++) if (!Number.isNaN(yTe[i]!) && Number.isFinite(pTe[i]!)) nTest.set(cellKey(test, i), (nTest.get(cellKey(test, i)) ?? 0) + 1);
  const checked = [...nTest].filter(([k, n]) => n >= MIN_ROWS && !k.includes('null')).map(([k]) => k);
  slices += checked.length;
  labelsOk += checked.filter((k) => { const c = noise[t.name]?.[k]; return c && Math.abs(c.sumY / c.sumP - 1) <= TOL; }).length;

  const yTr = hostLabels(train, [t]).metricLabel[t.name]!, pTr = train.columns[t.true_prob!] as ArrayLike<number>;
  for (const sd of sds) {
    for (let seed = 0; seed < seeds; seed++) {
      const rng = new Rng(1000 + seed);
      const shift = new Map<string, number>();
      const shiftOf = (k: string) => { let v = shift.get(k); if (v === undefined) shift.set(k, v = sd * rng.normal()); return v; };
      // the same number of random training rows as the demo's calibration
      const pick = new Uint8Array(train.numRows);
      for (let i = 0; i < train.numRows; i++) pick[i] = rng.next() < fitRows / train.numRows ? 1 : 0;
      const z = new Float64Array(train.numRows), y = new Float64Array(train.numRows), m = new Uint8Array(train.numRows);
      for (let i = 0; i < train.numRows; i++) {
        if (Number.isNaN(yTr[i]!) || !Number.isFinite(pTr[i]!)) continue;
        z[i] = logit(pTr[i]!) + shiftOf(cellKey(train, i)); y[i] = yTr[i]!; m[i] = pick[i]!;
      }
      const fit = fitOffsets(z, y, m, gTrain, priorSd, sweeps);
      const sumPred = new Map<string, number>(), sumP = new Map<string, number>();
      for (let i = 0; i < test.numRows; i++) {
        if (Number.isNaN(yTe[i]!) || !Number.isFinite(pTe[i]!)) continue;
        const k = cellKey(test, i);
        let zz = logit(pTe[i]!) + shiftOf(k) + fit.global;
        gTest.forEach((g, j) => { zz += fit.offsets[j]!.get(g[i]!) ?? 0; });
        sumPred.set(k, (sumPred.get(k) ?? 0) + 1 / (1 + Math.exp(-zz))); sumP.set(k, (sumP.get(k) ?? 0) + pTe[i]!);
      }
      const ok = checked.filter((k) => Math.abs(sumPred.get(k)! / sumP.get(k)! - 1) <= TOL).length;
      const arr = passes.get(sd)!;
      arr[seed] = (arr[seed] ?? 0) + ok;
    }
  }
}
console.log(`calibration check slices (≥ ${MIN_ROWS} test rows): ${slices}`);
console.log(`(a) training labels with Σy/Σp_true within ±${TOL * 100} %: ${labelsOk}/${slices}`);
for (const sd of sds) {
  const a = passes.get(sd)!;
  console.log(`(b) oracle, cell levels off by N(0, ${sd}²) in logit, re-fitted with offsets by ${byKinds.join(' + ')} (${fitRows.toLocaleString('en-US')} rows, prior sd ${priorSd}): ${a.join(', ')} of ${slices} (seeds ${seeds})`);
}

const metricsPath = args.includes('--metrics') ? arg('--metrics', '') : null;
if (metricsPath) {
  const rows = calibrationCheck(JSON.parse(readFileSync(metricsPath, 'utf8')) as MatrixJSON, { minRows: MIN_ROWS, tol: TOL });
  const xs: number[] = [], ys: number[] = [];
  for (const r of rows) {
    const c = noise[r.task]?.[r.slice];
    if (!c || c.sumY <= 0 || r.pcoc_true === null || r.pcoc_true <= 0) continue;
    xs.push(Math.log(c.sumY / c.sumP)); ys.push(Math.log(r.pcoc_true));
  }
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0, syy = 0;
  xs.forEach((x, i) => { sxy += (x - mx) * (ys[i]! - my); sxx += (x - mx) ** 2; syy += (ys[i]! - my) ** 2; });
  const rms = (a: number[]) => Math.sqrt(mean(a.map((v) => v * v)));
  console.log(`(c) ${metricsPath}: ${rows.filter((r) => r.ok).length}/${rows.length} slices within ±${TOL * 100} %; over ${xs.length} slices, log(Σ pred / Σ p_true) on test vs log(Σ y / Σ p_true) on training rows: ` +
    `correlation ${(sxy / Math.sqrt(sxx * syy)).toFixed(2)}, slope ${(sxy / sxx).toFixed(2)}, rms ${rms(ys).toFixed(3)} (model) vs ${rms(xs).toFixed(3)} (labels)`);
}
