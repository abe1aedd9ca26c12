// Gate and expert analysis: constructed gate / expert / δ outputs (alarms, labels, divergence), then
// a tiny trained MMoE and PLE (the analysis reproduces the session's own gate outputs; the CLI
// writes gates.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { Evaluator } from '../engine/step.js';
import { register } from '../cli/commands/gates.js';
import { analyseBanks, analyseGateOutputs, analyseGates, deltaAlarms, deltaSummary, describeGate } from './gates.js';
import { featureBatch, openDiagRun, type Fetched } from './gates-run.js';
import { trainTinyRun } from './gates-run.fixtures.js';
import type { GatesFile } from './types.js';

const mmoeShape = { ple: false, taskExperts: 1, sharedExperts: 1, tasks: ['click', 'like'] };
const fetched = (rows: number[][]): Fetched => ({ data: Float32Array.from(rows.flat()), dims: [rows.length, rows[0]!.length] });

test('PLE gate names → task, level and expert labels (own experts ⊕ shared; the shared gate sees all)', () => {
  const ple = { ple: true, taskExperts: 2, sharedExperts: 1, tasks: ['click', 'like'] };
  assert.deepEqual(describeGate('gate.click.l1', 3, ple), { task: 'click', level: 1, experts: ['click.0', 'click.1', 'shared.0'] });
  assert.deepEqual(describeGate('gate.shared.l0', 5, ple), { task: 'shared', level: 0, experts: ['click.0', 'click.1', 'like.0', 'like.1', 'shared.0'] });
  assert.deepEqual(describeGate('gate.click', 3, mmoeShape), { task: 'click', level: 0, experts: ['e0', 'e1', 'e2'] });
});

test('identical uniform gates: entropy 1, JS 0, uniform + no_differentiation alarms; per-scenario stats', () => {
  const u = Array.from({ length: 100 }, () => [0.25, 0.25, 0.25, 0.25]);
  const scenario = Array.from({ length: 100 }, (_, i) => (i < 60 ? 'home' : 'slide'));
  const r = analyseGateOutputs({ 'gate.click': fetched(u), 'gate.like': fetched(u) }, scenario, mmoeShape);
  assert.equal(r.gates.length, 2);
  assert.ok(Math.abs(r.gates[0]!.all.entropy - 1) < 1e-6);
  assert.deepEqual(Object.keys(r.gates[0]!.by_scenario!), ['home', 'slide']);
  assert.equal(r.gates[0]!.by_scenario!.home!.rows, 60);
  assert.equal(r.divergence.length, 1);
  assert.ok(r.divergence[0]!.js < 1e-9);
  assert.equal(r.divergence[0]!.aligned, 'experts');
  const kinds = r.alarms.map((a) => `${a.kind}:${a.subject}`).sort();
  assert.deepEqual(kinds, ['no_differentiation:gate.click, gate.like', 'uniform:gate.click', 'uniform:gate.like']);
});

test('task-private one-hot gates: entropy 0, JS = ln 2 between tasks, collapse alarms, an unused expert is dead', () => {
  const a = Array.from({ length: 80 }, () => [1, 0, 0]);
  const b = Array.from({ length: 80 }, () => [0, 1, 0]);
  const r = analyseGateOutputs({ 'gate.click': fetched(a), 'gate.like': fetched(b) }, [], mmoeShape);
  assert.equal(r.gates[0]!.all.entropy, 0);
  assert.ok(Math.abs(r.divergence[0]!.js_normalised - 1) < 1e-9);
  assert.equal(r.gates[0]!.by_scenario, undefined);
  const kinds = r.alarms.map((x) => `${x.kind}:${x.subject}`).sort();
  assert.deepEqual(kinds, ['collapse:gate.click', 'collapse:gate.like', 'dead_expert:L0/e2']);
});

test('expert banks: an all-zero expert is dead (share 1, every unit dead), a live one is not', () => {
  const N = 10, n = 2, d = 3;
  const data = new Float32Array(N * n * d);
  for (let r = 0; r < N; r++) for (let u = 0; u < d; u++) data[(r * n + 1) * d + u] = u === 0 ? 0 : 1 + r; // expert 1: unit 0 dead
  const { banks, alarms } = analyseBanks({ 'experts.mmoe.experts': { data, dims: [N, n, d] } }, 'relu');
  const [e0, e1] = banks[0]!.experts;
  assert.equal(e0!.dead_relu_share, 1);
  assert.equal(e0!.dead_units, 1);
  assert.ok(Math.abs(e1!.dead_relu_share - 1 / 3) < 1e-9);
  assert.ok(Math.abs(e1!.dead_units - 1 / 3) < 1e-9);
  assert.ok(Math.abs(e1!.output_norm_mean - Array.from({ length: N }, (_, r) => Math.SQRT2 * (1 + r)).reduce((s, x) => s + x, 0) / N) < 1e-4);
  assert.deepEqual(alarms.map((a) => a.subject), ['experts.mmoe.experts/e0']);
  assert.equal(banks[0]!.experts[0]!.expert, 'e0');
  const ple = analyseBanks({ 'experts.ple.l0.experts.click': { data, dims: [N, n, d] } }, 'relu');
  assert.deepEqual(ple.banks[0]!.experts.map((e) => e.expert), ['click.0', 'click.1']);
});

test('Gate NU δ summary: quantiles, saturation shares and the stuck alarm', () => {
  const rows = Array.from({ length: 100 }, (_, i) => [i / 50, 1.99]);
  const s = deltaSummary('delta.epnet', fetched(rows), Array.from({ length: 100 }, (_, i) => (i % 2 ? 'a' : 'b')));
  assert.equal(s.width, 2);
  assert.ok(Math.abs(s.column_mean[0]! - 0.99) < 1e-6);
  assert.ok(Math.abs(s.near_two - 102 / 200) < 1e-9, String(s.near_two)); // all of column 1 and rows 98, 99 of column 0 (1.96, 1.98)
  assert.ok(Math.abs(s.near_zero - 3 / 200) < 1e-9, String(s.near_zero)); // 0, 0.02, 0.04
  assert.ok(Math.abs(s.max - 1.99) < 1e-6 && s.min === 0);
  assert.deepEqual(Object.keys(s.by_scenario!), ['a', 'b']);
  assert.deepEqual(deltaAlarms(s).map((a) => a.kind), ['delta_stuck']);
  assert.deepEqual(deltaAlarms(deltaSummary('d', fetched([[1, 1]]), [])), []);
});

test('tiny trained MMoE: statistics of the session\'s own gates, per scenario, experts; the CLI writes gates.json', async () => {
  const { dir } = await trainTinyRun();
  const r = await openDiagRun(dir, { rows: 800 });
  assert.equal(r.source.split, 'val');
  assert.equal(r.source.scenario_column, 'scenario');
  const g = await analyseGates(r);
  assert.deepEqual(g.gates.map((x) => x.name), ['gate.click', 'gate.like']);
  // The same means from the session's own graph (the trainer's build, which outputs gate.*).
  const ev = await Evaluator.create(r.s.build, r.store, { substitute: r.s.asm.substitute });
  const out = await ev.run(r.s.asm.feeds(featureBatch(r)), ['gate.click']);
  const w = out['gate.click']!.data as Float32Array;
  const mean = [0, 1, 2].map((i) => Array.from({ length: 800 }, (_, k) => w[k * 3 + i]!).reduce((s, x) => s + x, 0) / 800);
  g.gates[0]!.all.mean.forEach((m, i) => assert.ok(Math.abs(m - mean[i]!) < 1e-5, `expert ${i}: ${m} vs ${mean[i]}`));
  for (const gate of g.gates) {
    assert.ok(Math.abs(gate.all.mean.reduce((s, x) => s + x, 0) - 1) < 1e-5);
    assert.ok(gate.all.entropy > 0 && gate.all.entropy <= 1);
    const sc = gate.by_scenario!;
    assert.deepEqual(Object.keys(sc), ['home', 'slide']);
    assert.equal(sc.home!.rows + sc.slide!.rows, 800);
  }
  assert.equal(g.divergence.length, 1);
  assert.equal(g.banks[0]!.bank, 'mmoe.experts');
  assert.equal(g.banks[0]!.experts.length, 3);
  assert.equal(g.banks[0]!.units, 16);

  const program = new Command().exitOverride();
  register(program);
  const logged: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => { logged.push(a.join(' ')); };
  try { await program.parseAsync(['node', 'liverank', 'gates', dir, '--rows', '300', '-q']); } finally { console.log = orig; }
  const path = join(dir, 'diagnostics', 'gates.json');
  assert.ok(existsSync(path));
  const file = JSON.parse(readFileSync(path, 'utf8')) as GatesFile;
  assert.equal(file.version, 1);
  assert.equal(file.source.rows, 300);
  assert.match(logged.join('\n'), /gate\.click \(task click, level 0\)[\s\S]*Jensen–Shannon[\s\S]*expert bank mmoe\.experts/);
  await assert.rejects(program.parseAsync(['node', 'liverank', 'gates', dir, '--rows', 'x']), /--rows: expected an integer ≥ 2, got "x"/);
  await assert.rejects(program.parseAsync(['node', 'liverank', 'gates', join(dir, 'nope')]), /config\.json not found/);
});

test('tiny trained PLE (2 levels): level gates with their expert labels, the shared gate, every bank', async () => {
  const { dir } = await trainTinyRun({ type: 'ple', levels: 2, task_experts: 1, shared_experts: 2, expert: [8], tower: [8] });
  const g = await analyseGates(await openDiagRun(dir, { rows: 400 }));
  assert.deepEqual(g.gates.map((x) => x.name), ['gate.click.l0', 'gate.click.l1', 'gate.like.l0', 'gate.like.l1', 'gate.shared.l0']);
  assert.deepEqual(g.gates[0]!.experts, ['click.0', 'shared.0', 'shared.1']);
  assert.deepEqual(g.gates[4]!.experts, ['click.0', 'like.0', 'shared.0', 'shared.1']);
  assert.deepEqual(g.divergence.map((d) => [d.level, d.aligned]), [[0, 'position'], [1, 'position']]);
  assert.deepEqual(g.banks.map((b) => b.bank), ['ple.l0.experts.click', 'ple.l0.experts.like', 'ple.l0.experts.shared', 'ple.l1.experts.click', 'ple.l1.experts.like', 'ple.l1.experts.shared']);
});

test('tiny trained PEPNet: Gate NU δ summaries in (0, 2), no softmax gates (said so); representations report no layers', async () => {
  const { dir } = await trainTinyRun({ type: 'pepnet', domain_features: ['scenario'], prior_features: ['scenario'], tower: [8] });
  const r = await openDiagRun(dir, { rows: 300 });
  const g = await analyseGates(r);
  assert.deepEqual(g.gates, []);
  assert.deepEqual(g.deltas.map((d) => d.name), ['delta.epnet', 'delta.ppnet.h0', 'delta.ppnet.h1']);
  for (const d of g.deltas) {
    assert.ok(d.min > 0 && d.max < 2 && d.p05 <= d.p50 && d.p50 <= d.p95, JSON.stringify(d));
    assert.deepEqual(Object.keys(d.by_scenario!), ['home', 'slide']);
  }
  assert.match(g.notes.join('\n'), /no softmax gates/);
  const { analyseRepresentations } = await import('./representations.js');
  const rep = await analyseRepresentations(r);
  assert.deepEqual(rep.layers, []);
  assert.match(rep.notes.join('\n'), /exposes no intermediate layers/);
});
