// IPS (ips.ts): on synthetic missing-not-at-random data with known propensities, the training loss
// the graph computes (buildHeads → reduceTaskLoss, fed by hostLabels + Ips.apply) is an unbiased
// estimate of the full-matrix loss (mean over 100 seeds within 2 standard errors) in both forms,
// while the naive loss over the observed rows is not; SNIPS; clipping; the fitted propensity
// recovers the examination curve where positions are random; bad propensities and configs are
// refused naming the key and the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Graph } from '../engine/graph.js';
import { Runner } from '../engine/runtime.js';
import type { Table } from '../data/table.js';
import type { Forward } from '../models/assemble.js';
import { Rng } from '../util/rng.js';
import { parseTrainConfig, type TaskConfig } from './config.js';
import { Debias } from './debias.js';
import { buildHeads, hostLabels, labelFeeds, lossOutput } from './heads.js';
import { fitPropensity, Ips, ipsWeight } from './ips.js';
import { TaskWeighting, TASK_WEIGHTS_INPUT } from './weighting.js';

const base = (task: Record<string, unknown>, debias?: Record<string, unknown>) => ({
  data: { source: 'world' }, features: {}, model: { type: 'dnn' }, tasks: [{ name: 't', label: 'y', ...task }], ...(debias ? { debias } : {}),
});
const cfgOf = (task: Record<string, unknown>, debias: Record<string, unknown>) => parseTrainConfig(base(task, debias), process.cwd(), 'test.yaml');

/** The task loss exactly as training computes it, for a table whose model logit/prediction is `z`. */
async function lossRunner(task: TaskConfig, debias: Debias) {
  const g = new Graph();
  const z = g.input('z', g.float, ['B', 1]);
  const f = { out: { logits: { [task.name]: z } }, preds: {} } as unknown as Forward;
  const h = buildHeads(g, [task], f, new TaskWeighting({ type: 'fixed' }, [task.name]), {}, debias);
  g.output('l', h.outputs[lossOutput(task.name)]!);
  const runner = await Runner.fromGraph(g);
  return async (table: Table, zs: Float32Array): Promise<number> => {
    const hl = hostLabels(table, [task]);
    debias.apply(hl, Int32Array.from({ length: table.numRows }, (_, i) => i));
    const out = await runner.run({ ...labelFeeds(hl, [task]), z: { data: zs, dims: [zs.length, 1] }, [TASK_WEIGHTS_INPUT]: { data: Float32Array.of(1), dims: [1] } });
    return (out.l!.data as Float32Array)[0]!;
  };
}

const meanSe = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, se: Math.sqrt(v / xs.length) };
};

test('selection IPS (Schnabel): unbiased for the full-matrix loss over 100 seeds (within 2 s.e.); the naive observed-row mean is not; SNIPS is close', async () => {
  // A full matrix of ratings y ∈ {1..5} and fixed predictions; high ratings are observed more
  // (MNAR: p = 0.05·y², as in Schnabel et al.'s simulation the observation depends on the rating).
  const N = 2000, rng = new Rng(7);
  const y = Float64Array.from({ length: N }, () => 1 + rng.int(5));
  const pred = Float32Array.from(y, (v) => v + rng.normal(0, 1) + (v <= 2 ? 1.5 : 0)); // worse on the rarely observed low ratings
  const p = Float64Array.from(y, (v) => Math.min(1, 0.05 * v * v));
  let full = 0;
  for (let i = 0; i < N; i++) full += (pred[i]! - y[i]!) ** 2;
  full /= N;
  const estimates = async (selfNormalize: boolean) => {
    const cfg = cfgOf({ kind: 'regression', loss: 'mse' }, { ips: { task: 't', form: 'selection', propensity_column: 'p', self_normalize: selfNormalize } });
    const ips: number[] = [], naive: number[] = [];
    let run: Awaited<ReturnType<typeof lossRunner>> | null = null;
    for (let seed = 1; seed <= 100; seed++) {
      const r = new Rng(1000 + seed);
      const obs = Float64Array.from(y, (v, i) => (r.bernoulli(p[i]!) ? v : NaN)); // unobserved: missing label
      const table: Table = { numRows: N, columns: { y: obs, p } };
      const debias = new Debias(cfg.debias!, table, cfg.tasks);
      run ??= await lossRunner(cfg.tasks[0]!, debias);
      ips.push(await run(table, pred));
      let s = 0, n = 0;
      for (let i = 0; i < N; i++) if (!Number.isNaN(obs[i]!)) { s += (pred[i]! - y[i]!) ** 2; n++; }
      naive.push(s / n);
    }
    return { ips: meanSe(ips), naive: meanSe(naive) };
  };
  const plain = await estimates(false);
  assert.ok(Math.abs(plain.ips.mean - full) < 2 * plain.ips.se, `IPS ${plain.ips.mean} ± ${plain.ips.se} vs full-matrix loss ${full}`);
  assert.ok(Math.abs(plain.naive.mean - full) > 10 * plain.naive.se, `the naive estimate must be visibly biased: ${plain.naive.mean} vs ${full}`);
  const sn = await estimates(true);
  // SNIPS is consistent (bias O(1/n)) with a smaller spread than IPS here.
  assert.ok(Math.abs(sn.ips.mean - full) < 0.02 * full, `SNIPS ${sn.ips.mean} vs ${full}`);
  assert.ok(sn.ips.se < plain.ips.se, `SNIPS s.e. ${sn.ips.se} < IPS s.e. ${plain.ips.se}`);
});

test('examination IPS (clicks = examined × relevant): the BCE with target c/p is unbiased for the relevance BCE over 100 seeds; the click BCE is not', async () => {
  const N = 3000, rng = new Rng(11);
  const pos = Float64Array.from({ length: N }, () => rng.int(20));
  const e = Float64Array.from(pos, (k) => (1 + k) ** -0.4); // today's world's examination curve
  const rel = Float64Array.from({ length: N }, () => (rng.bernoulli(0.3) ? 1 : 0)); // the full relevance matrix
  const z = Float32Array.from({ length: N }, (_, i) => (rel[i] ? 0.5 : -1.2) + rng.normal(0, 0.8));
  const bce = (zi: number, yi: number) => Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - yi * zi;
  let full = 0;
  for (let i = 0; i < N; i++) full += bce(z[i]!, rel[i]!);
  full /= N;
  const cfg = cfgOf({}, { ips: { task: 't', propensity_column: 'p_examine', clip: 0.05 } });
  const est: number[] = [], naive: number[] = [];
  let run: Awaited<ReturnType<typeof lossRunner>> | null = null;
  for (let seed = 1; seed <= 100; seed++) {
    const r = new Rng(5000 + seed);
    const click = Float64Array.from(rel, (v, i) => (v && r.bernoulli(e[i]!) ? 1 : 0));
    const table: Table = { numRows: N, columns: { y: click, p_examine: e } };
    const debias = new Debias(cfg.debias!, table, cfg.tasks);
    run ??= await lossRunner(cfg.tasks[0]!, debias);
    est.push(await run(table, z));
    let s = 0;
    for (let i = 0; i < N; i++) s += bce(z[i]!, click[i]!);
    naive.push(s / N);
  }
  const a = meanSe(est), b = meanSe(naive);
  assert.ok(Math.abs(a.mean - full) < 2 * a.se, `IPS ${a.mean} ± ${a.se} vs relevance loss ${full}`);
  assert.ok(Math.abs(b.mean - full) > 10 * b.se, `the click loss must be visibly biased: ${b.mean} vs ${full}`);
});

test('clipping: weights are 1 / max(p, clip); the examination target of a click at p = 0.01 with clip 0.05 is 20', () => {
  assert.equal(ipsWeight(0.5, 0.05), 2);
  assert.equal(ipsWeight(0.01, 0.05), 20);
  const cfg = cfgOf({}, { ips: { task: 't', propensity_column: 'p' } });
  const table: Table = { numRows: 3, columns: { y: Float64Array.of(1, 1, 0), p: Float64Array.of(0.01, 0.5, 0.2) } };
  const d = new Debias(cfg.debias!, table, cfg.tasks);
  const h = hostLabels(table, cfg.tasks);
  d.apply(h, [0, 1, 2]);
  assert.deepEqual(Array.from(h.label.t!), [20, 2, 0]);
  assert.deepEqual(Array.from(h.mask.t!), [1, 1, 1]);
  assert.match(d.notes[0]!, /33\.3 % clipped at 0\.05/);
});

test('fitted propensity: per-position click-rate ratios recover (1 + pos)^-0.4 where positions are random (per scenario; 1 everywhere on a scenario without the bias)', () => {
  const N = 400_000, rng = new Rng(3);
  const pos = new Float64Array(N), y = new Float64Array(N);
  const scen: string[] = [];
  for (let i = 0; i < N; i++) {
    const home = rng.bernoulli(0.5);
    pos[i] = rng.int(10);
    const r = 1 / (1 + Math.exp(-rng.normal(-1.5, 1)));
    y[i] = rng.bernoulli(r * (home ? (1 + pos[i]!) ** -0.4 : 1)) ? 1 : 0;
    scen.push(home ? 'home' : 'flat');
  }
  const task = cfgOf({}, { ips: { task: 't', fit: { column: 'position', by: 'scenario' } } }).tasks[0]!;
  const fit = fitPropensity({ numRows: N, columns: { y, position: pos, scenario: scen } }, task, { column: 'position', by: 'scenario', reference: 0, min_rows: 100 }, 'debias.ips');
  const home = fit.curves.find((c) => c.slice === 'home')!, flat = fit.curves.find((c) => c.slice === 'flat')!;
  for (let k = 0; k < 10; k++) {
    const want = (1 + k) ** -0.4;
    // Relative standard error of a ratio of two binomial rates ≈ √(1/positives_k + 1/positives_0).
    const se = (c: typeof home) => Math.sqrt(1 / (c.values[k]!.rate * c.values[k]!.rows) + 1 / (c.values[0]!.rate * c.values[0]!.rows));
    assert.ok(Math.abs(home.values[k]!.propensity / want - 1) < 4 * se(home), `home pos ${k}: ${home.values[k]!.propensity} vs ${want} (4 s.e. = ${4 * se(home)})`);
    assert.ok(flat.values[k]!.propensity > 1 - 4 * se(flat), `flat pos ${k}: ${flat.values[k]!.propensity}`);
  }
  assert.ok(Math.abs(fit.of({ numRows: 1, columns: { position: [3], scenario: ['home'] } } as unknown as Table, 0) - home.values[3]!.propensity) < 1e-12);
});

test('bad propensities stop the run naming the key, the column and the row', () => {
  const cfg = cfgOf({}, { ips: { task: 't', propensity_column: 'p_examine' } });
  const mk = (p: number[], y = p.map(() => 1)) => ({ numRows: p.length, columns: { y: Float64Array.from(y), p_examine: Float64Array.from(p) } });
  assert.throws(() => new Debias(cfg.debias!, mk([0.5, 0, 0.3]), cfg.tasks), /debias\.ips\.propensity_column "p_examine": training row 1 has propensity 0 for task "t"; IPS divides by it/);
  assert.throws(() => new Debias(cfg.debias!, mk([0.5, 0.2, -0.1]), cfg.tasks), /training row 2 has propensity -0\.1/);
  assert.throws(() => new Debias(cfg.debias!, mk([NaN, 0.2]), cfg.tasks), /training row 0 has propensity NaN/);
  assert.throws(() => new Debias(cfg.debias!, mk([0.5, 1.5]), cfg.tasks), /training row 1 has propensity 1\.5 .*a probability in \(0, 1\]/);
  // A row outside the task's space (label missing) needs no propensity.
  assert.doesNotThrow(() => new Debias(cfg.debias!, mk([0.5, NaN], [1, NaN]), cfg.tasks));
  assert.throws(() => new Debias(cfg.debias!, { numRows: 1, columns: { y: Float64Array.of(1) } }, cfg.tasks), /debias\.ips\.propensity_column: column "p_examine" is not in the training data/);
  // Selection: an unobserved row may have p = 0 (it was never going to be observed); an observed one may not.
  const sel = cfgOf({ kind: 'regression' }, { ips: { task: 't', form: 'selection', propensity_column: 'p' } });
  assert.doesNotThrow(() => new Debias(sel.debias!, { numRows: 2, columns: { y: Float64Array.of(3, NaN), p: Float64Array.of(0.4, 0) } }, sel.tasks));
  assert.throws(() => new Debias(sel.debias!, { numRows: 2, columns: { y: Float64Array.of(3, 2), p: Float64Array.of(0.4, 0) } }, sel.tasks), /training row 1 has propensity 0/);
});

test('config errors name the field', () => {
  assert.throws(() => cfgOf({}, { ips: { task: 'nope', propensity_column: 'p' } }), /test\.yaml: debias\.ips\.task: no task "nope"; tasks: t/);
  assert.throws(() => cfgOf({}, { ips: { task: 't' } }), /debias\.ips\.propensity_column.*exactly one of `propensity_column`/s);
  assert.throws(() => cfgOf({}, { ips: { task: 't', propensity_column: 'p', fit: { column: 'position' } } }), /exactly one of/);
  assert.throws(() => cfgOf({}, { ips: { task: 't', propensity_column: 'p', self_normalize: true } }), /debias\.ips\.self_normalize.*examination form never observes/s);
  assert.throws(() => cfgOf({}, { ips: { task: 't', propensity_column: 'p', clip: 0 } }), /debias\.ips\.clip/);
  assert.throws(() => cfgOf({ kind: 'regression' }, { ips: { task: 't', propensity_column: 'p' } }), /debias\.ips\.form: examination .*needs a binary task with loss bce/);
  assert.throws(() => cfgOf({ loss: 'focal' }, { ips: { task: 't', propensity_column: 'p' } }), /loss "focal"/);
  assert.throws(() => parseTrainConfig({ ...base({}, { ips: { task: 't', propensity_column: 'p' } }), balance: { negative_sampling: { t: 0.1 } } }), /debias\.ips\.task: task "t" also has balance\.negative_sampling/);
  assert.throws(() => cfgOf({}, { ips: [{ task: 't', propensity_column: 'p' }, { task: 't', propensity_column: 'q' }] }), /debias\.ips\[1\]\.task: task "t" has IPS twice/);
  const fit = cfgOf({}, { ips: { task: 't', fit: { column: 'position' } } });
  const one = (p: number[], y: number[]) => new Debias(fit.debias!, { numRows: p.length, columns: { y: Float64Array.from(y), position: Float64Array.from(p) } }, fit.tasks);
  assert.throws(() => one([1, 2], [1, 0]), /debias\.ips\.fit\.reference: value 0 of "position" never occurs/);
  assert.throws(() => one([0, 1], [0, 1]), /debias\.ips\.fit\.reference: task "t" has no positive at position = 0/);
  assert.throws(() => one([0, 1], [1, 1]), /debias\.ips\.fit\.min_rows: position = 0 has 1 training rows/);
  const fit1 = cfgOf({}, { ips: { task: 't', fit: { column: 'position', min_rows: 1 } } });
  assert.throws(() => new Debias(fit1.debias!, { numRows: 3, columns: { y: Float64Array.of(1, 0, 0), position: Float64Array.of(0, 1, 1) } }, fit1.tasks), /debias\.ips\.fit: position = 1 has no positive of task "t" among its 2 training rows: its fitted propensity would be 0/);
});

test('Ips on its own: selection IPS asks the graph for the full-space denominator, SNIPS does not', () => {
  const t = cfgOf({ kind: 'regression' }, { ips: { task: 't', form: 'selection', propensity_column: 'p' } }).tasks[0]!;
  // Row 1 was not observed (p 0.3), row 2 lies outside the full space (no propensity).
  const table: Table = { numRows: 3, columns: { y: Float64Array.of(1, NaN, NaN), p: Float64Array.of(0.5, 0.3, NaN) } };
  const a = new Ips({ task: 't', form: 'selection', propensity_column: 'p', clip: 0.05, self_normalize: false }, table, t);
  assert.equal(a.needsDenominator, true);
  const h = hostLabels(table, [t]);
  a.apply(h, [0, 1, 2]);
  assert.deepEqual(Array.from(h.mask.t!), [2, 0, 0]);
  assert.deepEqual(Array.from(h.denominator!.t!), [1, 1, 0]);
  const b = new Ips({ task: 't', form: 'selection', propensity_column: 'p', clip: 0.05 }, { numRows: 1, columns: { y: Float64Array.of(1), p: Float64Array.of(0.5) } }, t);
  assert.equal(b.needsDenominator, false);
});
