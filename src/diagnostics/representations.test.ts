// Representations: which layers are analysed (kinds, per-expert split), and on a tiny trained MMoE
// the probes beat a shuffled label by > 0.1 AUC (models-and-methods.md §15) and the CLI writes the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { register } from '../cli/commands/gates.js';
import { openDiagRun, type Fetched } from './gates-run.js';
import { trainTinyRun } from './gates-run.fixtures.js';
import { analyseRepresentations, layersOf } from './representations.js';
import type { RepresentationsFile } from './types.js';

const f = (dims: number[]): Fetched => ({ data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i), dims });

test('layersOf: PLE levels (last = tower input), shared levels, experts split per member', () => {
  const got = {
    'g.click.l0': f([2, 3]), 'g.click.l1': f([2, 3]), 'g.shared.l0': f([2, 3]), 'g.bottom': f([2, 4]),
    'experts.ple.l0.experts.shared': f([2, 2, 3]),
  };
  const L = layersOf(got, ['click']);
  assert.deepEqual(L.map((l) => [l.layer, l.kind, l.task ?? '-', l.width]), [
    ['experts.ple.l0.experts.shared/shared.0', 'expert_output', '-', 3],
    ['experts.ple.l0.experts.shared/shared.1', 'expert_output', '-', 3],
    ['g.bottom', 'shared_level', '-', 4],
    ['g.click.l0', 'level_output', 'click', 3],
    ['g.click.l1', 'tower_input', 'click', 3],
    ['g.shared.l0', 'shared_level', '-', 3],
  ]);
  // Member 1 of row 1: elements (1·2 + 1)·3 … +3 of the bank output.
  assert.deepEqual(Array.from(L[1]!.data as Float32Array).slice(3), [9, 10, 11]);
  assert.equal(layersOf(got, ['click'], false).length, 4);
});

test('tiny trained MMoE: tower inputs and experts; own-label probe ≥ shuffled + 0.1; CLI writes representations.json', async () => {
  const { dir } = await trainTinyRun();
  const r = await openDiagRun(dir, { rows: 1000 });
  const rep = await analyseRepresentations(r, { points: 200 });
  assert.deepEqual(rep.layers.map((l) => `${l.layer}:${l.kind}`), [
    'experts.mmoe.experts/e0:expert_output', 'experts.mmoe.experts/e1:expert_output', 'experts.mmoe.experts/e2:expert_output',
    'g.click:tower_input', 'g.like:tower_input',
  ]);
  for (const l of rep.layers) {
    const ev = l.explained_variance;
    assert.ok(ev.every((v, i) => i === 0 || v <= ev[i - 1]! + 1e-12), 'descending');
    assert.ok(ev.reduce((a, b) => a + b, 0) <= 1 + 1e-9);
    assert.equal(l.points.length, 200);
    assert.ok(l.points.every((p) => p.scenario === 'home' || p.scenario === 'slide'));
    for (const t of ['click', 'like']) {
      assert.ok(l.probe_auc[t]! >= l.probe_auc_shuffled[t]! + 0.1, `${l.layer} ${t}: ${l.probe_auc[t]} vs shuffled ${l.probe_auc_shuffled[t]}`);
    }
  }
  assert.deepEqual(rep.similarity!.map((x) => `${x.a}~${x.b}`), ['g.click~g.like']);
  const cka = rep.similarity![0]!.cka!;
  assert.ok(cka > 0 && cka <= 1 + 1e-9, String(cka));
  const program = new Command().exitOverride();
  register(program);
  const orig = console.log;
  console.log = () => {};
  try { await program.parseAsync(['node', 'liverank', 'representations', dir, '--rows', '300', '--no-experts', '-q']); } finally { console.log = orig; }
  const file = JSON.parse(readFileSync(join(dir, 'diagnostics', 'representations.json'), 'utf8')) as RepresentationsFile;
  assert.deepEqual(file.layers.map((l) => l.layer), ['g.click', 'g.like']);
  assert.equal(file.probe.fit_rows + file.probe.score_rows, 300);
  assert.deepEqual(file.probe.by_task, { click: { fit_rows: 150, score_rows: 150 }, like: { fit_rows: 150, score_rows: 150 } });
});
