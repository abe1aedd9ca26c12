// A tiny run directory for the report tests, written into a temp dir: metrics.json computed by the
// real MetricMatrix on 1200 seeded rows (two binary tasks with true probabilities, one regression
// task, 2 scenarios × 3 countries), a train_log.jsonl, and small part-B files (gates.json,
// feature_health.json, representations.json) and a stored shift.json, shaped by src/diagnostics/types.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricMatrix, type MatrixJSON } from '../../metrics/index.js';
import { Rng } from '../../util/rng.js';
import type { FeatureHealthFile, GatesFile, GateStats, RepresentationsFile } from '../types.js';
import type { ShiftFile } from './shift.js';

const SCEN = ['home', 'slide'];
const CTRY = ['BR', 'ID', 'US'];
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** The metric matrix of 1200 seeded rows: predictions = truth + noise, so the oracle beats the model. */
export function fixtureMatrix(seed = 7, n = 1200): MatrixJSON {
  const r = new Rng(seed);
  const click = new Float64Array(n), pClick = new Float64Array(n), yClick = new Float64Array(n);
  const ev = new Float64Array(n), pEv = new Float64Array(n), yEv = new Float64Array(n);
  const watch = new Float64Array(n), eWatch = new Float64Array(n), yWatch = new Float64Array(n);
  const scenario: string[] = [], country: string[] = [], user: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = SCEN[i % 2]!; scenario.push(s); country.push(CTRY[r.int(3)]!); user.push(`u${r.int(60)}`);
    const z = r.normal();
    pClick[i] = sig(-1.5 + 1.2 * z); click[i] = sig(-1.5 + 1.2 * z + 0.8 * r.normal()); yClick[i] = s === 'slide' ? NaN : Number(r.next() < pClick[i]!);
    pEv[i] = sig(-0.8 + z); ev[i] = sig(-0.8 + z + 0.6 * r.normal()); yEv[i] = Number(r.next() < pEv[i]!);
    eWatch[i] = Math.exp(3 + 0.5 * z); watch[i] = eWatch[i]! * Math.exp(0.3 * r.normal()); yWatch[i] = eWatch[i]! * Math.exp(0.5 * r.normal());
  }
  const m = new MetricMatrix({ tasks: [{ name: 'click', kind: 'binary' }, { name: 'effective_view', kind: 'binary' }, { name: 'watch_time', kind: 'regression' }] });
  m.add({
    preds: { click, effective_view: ev, watch_time: watch },
    labels: { click: yClick, effective_view: yEv, watch_time: yWatch },
    trueProbs: { click: pClick, effective_view: pEv, watch_time: eWatch },
    scenario, country, user,
  });
  return m.toJSON();
}

function trainLog(): string {
  const out: string[] = [];
  for (let step = 10; step <= 60; step += 10) {
    const loss = 1.2 - step / 200;
    out.push(JSON.stringify({ kind: 'train', step, epoch: 0, lr: 0.01 * (1 - step / 80), loss, grad_norm: 0.5 / Math.sqrt(step),
      task_loss: { click: loss * 0.4, effective_view: loss * 0.5, watch_time: loss * 0.1 }, task_weight: { click: 1, effective_view: 1, watch_time: 1 + step / 100 } }));
    if (step % 30 === 0) {
      out.push(JSON.stringify({ kind: 'val', step, epoch: 0, metrics: {
        click: { n: 300, auc: 0.70 + step / 1000, pcoc: 1.1 - step / 1000 }, effective_view: { n: 600, auc: 0.75 + step / 2000, pcoc: 0.97 },
        watch_time: { n: 600, xauc: 0.62 + step / 3000, rmse: 30 },
      } }));
    }
  }
  return `${out.join('\n')}\n`;
}

const gs = (mean: number[], entropy: number): GateStats => ({ rows: 400, mean, std: mean.map(() => 0.05), top1_share: mean, entropy, entropy_of_mean: entropy, collapsed_rows: 0 });
const source = { run: 'fixture', model: 'mmoe', checkpoint: 'checkpoints/step-000000060', split: 'val' as const, rows: 400, seed: 1, scenario_column: 'scenario', created: '2026-12-06T00:00:00.000Z' };

export function fixtureGates(): GatesFile {
  return {
    version: 1, source,
    thresholds: { collapse_weight: 0.9, collapse_rows: 0.5, uniform_entropy: 0.98, uniform_std: 0.01, dead_expert_weight: 0.02, dead_relu: 0.95 },
    gates: [
      { name: 'gate.click', task: 'click', level: 0, experts: ['e0', 'e1', 'e2'], all: gs([0.6, 0.3, 0.1], 0.8), by_scenario: { home: gs([0.7, 0.2, 0.1], 0.72), slide: gs([0.5, 0.4, 0.1], 0.85) } },
      { name: 'gate.effective_view', task: 'effective_view', level: 0, experts: ['e0', 'e1', 'e2'], all: gs([0.2, 0.5, 0.3], 0.93), by_scenario: { home: gs([0.2, 0.5, 0.3], 0.93), slide: gs([0.25, 0.45, 0.3], 0.95) } },
    ],
    divergence: [{ a: 'click', b: 'effective_view', level: 0, aligned: 'experts', js: 0.1, js_normalised: 0.1 / Math.LN2, by_scenario: { home: 0.12, slide: 0.05 } }],
    banks: [{ bank: 'mmoe.experts', units: 8, experts: [
      { expert: 'e0', dead_relu_share: 0.2, dead_units: 0, output_norm_mean: 1.3, output_norm_std: 0.4 },
      { expert: 'e1', dead_relu_share: 0.45, dead_units: 0.125, output_norm_mean: 0.9, output_norm_std: 0.3 },
      { expert: 'e2', dead_relu_share: 0.97, dead_units: 0.75, output_norm_mean: 0.1, output_norm_std: 0.05 },
    ] }],
    deltas: [],
    alarms: [{ kind: 'dead_relu', subject: 'mmoe.experts/e2', message: '97 % of e2\'s outputs are 0 after the ReLU' }],
    notes: [],
  };
}

export function fixtureHealth(): FeatureHealthFile {
  const series = (peak: number, decay: number) => [10, 20, 30, 40, 50, 60].map((step) => ({ step, grad_norm: peak * Math.exp(-decay * step), update_ratio: 0.01 * Math.exp(-decay * step), touched_rows: 100 }));
  return {
    version: 1, source, stats_file: 'diagnostics/feature_stats.jsonl',
    convergence: { fraction: 0.1, window: 3, dead_grad_norm: 1e-8 },
    traces: [
      { feature: 'user_id', points: 6, peak_grad_norm: 0.5, peak_step: 10, last_grad_norm: 0.5 * Math.exp(-0.3), last_update_ratio: 0.0005, touched_rows_total: 600, converged_step: 40, status: 'converged', series: series(0.5 * Math.exp(0.05), 0.05) },
      { feature: 'category', points: 6, peak_grad_norm: 0.2, peak_step: 10, last_grad_norm: 0.19, last_update_ratio: 0.009, touched_rows_total: 600, converged_step: null, status: 'not_converged', series: series(0.2, 0.001) },
    ],
    permutation: { repeats: 2, baseline_auc: { click: 0.74, effective_view: 0.78 }, features: [
      { feature: 'user_id', drop: { click: 0.031, effective_view: 0.02 }, drop_std: { click: 0.004, effective_view: 0.003 } },
      { feature: 'category', drop: { click: 0.004, effective_view: -0.001 }, drop_std: { click: 0.002, effective_view: 0.002 } },
    ] },
    alarms: [{ kind: 'never_converged', subject: 'category', message: 'gradient norm 0.19 is still 95 % of its peak at the last step' }],
    notes: [],
  };
}

export function fixtureRepresentations(): RepresentationsFile {
  const r = new Rng(3);
  const points = Array.from({ length: 80 }, (_, i) => ({ x: r.normal() + (i % 2), y: r.normal(), scenario: SCEN[i % 2]!, labels: { click: i % 2 ? null : Number(r.next() < 0.3), effective_view: Number(r.next() < 0.4) } }));
  return {
    version: 1, source, probe: { l2: 1, fit_rows: 200, score_rows: 200 },
    layers: [
      { layer: 'g.click', kind: 'tower_input', task: 'click', width: 8, explained_variance: [0.41, 0.22, 0.1], points, probe_auc: { click: 0.72, effective_view: 0.7 }, probe_auc_shuffled: { click: 0.51, effective_view: 0.49 } },
      { layer: 'g.effective_view', kind: 'tower_input', task: 'effective_view', width: 8, explained_variance: [0.35, 0.25, 0.12], points, probe_auc: { click: 0.7, effective_view: 0.77 }, probe_auc_shuffled: { click: 0.5, effective_view: 0.52 } },
    ],
    notes: [],
  };
}

export function fixtureShift(): ShiftFile {
  const feat = (name: string, psi: number[], ks?: number[]) => ({
    name, kind: ks ? 'numeric' as const : 'categorical' as const,
    vsRest: psi.map((p, i) => ({ a: SCEN[i]!, b: 'rest', psi: p, ...(ks ? { ks: ks[i]! } : {}) })), pairs: [{ a: 'slide', b: 'home', psi: Math.max(...psi), ...(ks ? { ks: Math.max(...ks) } : {}) }],
    maxPsi: Math.max(...psi), ...(ks ? { maxKs: Math.max(...ks) } : {}),
  });
  return {
    version: 1, split: 'train', rows: 1000, split_rows: 1000, by: ['scenario'], created: '2026-12-06T00:00:00.000Z',
    shift: [{ column: 'scenario', groups: [{ value: 'home', rows: 500 }, { value: 'slide', rows: 500 }], features: [feat('position', [0.8, 0.8]), feat('viewers_log', [0.05, 0.05], [0.1, 0.1])] }],
    notes: [],
  };
}

export interface FixtureParts { partB?: boolean; shift?: boolean }

/** Write the fixture run into `dir` (created); part-B files and shift.json unless switched off. */
export function writeFixtureRun(dir: string, o: FixtureParts = {}): string {
  mkdirSync(join(dir, 'diagnostics'), { recursive: true });
  const json = (p: string, v: unknown) => writeFileSync(join(dir, p), JSON.stringify(v, null, 1));
  json('config.json', { name: 'fixture', model: { type: 'mmoe' }, tasks: [{ name: 'click' }, { name: 'effective_view' }, { name: 'watch_time' }], data: { source: 'world' } });
  json('data_report.json', { source: 'world', splits: { train: 3000, val: 600, test: 1200 } });
  json('metrics.json', fixtureMatrix());
  writeFileSync(join(dir, 'train_log.jsonl'), trainLog());
  if (o.partB ?? true) {
    json('diagnostics/gates.json', fixtureGates());
    json('diagnostics/feature_health.json', fixtureHealth());
    json('diagnostics/representations.json', fixtureRepresentations());
  }
  if (o.shift ?? true) json('diagnostics/shift.json', fixtureShift());
  return dir;
}
