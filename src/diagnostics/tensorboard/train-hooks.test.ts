// A small MMoE run on the synthetic world with the diagnostics hooks: what RUN/tb and
// RUN/diagnostics/feature_stats.jsonl hold, and that train.tensorboard: false writes neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { worldIdFeatures } from '../../train/fixtures/world-features.js';
import { diagnosticsHooks } from '../hooks.js';
import { FEATURE_STATS_FILE, readFeatureStats } from '../feature-stats.js';
import { readEventFile } from './reader.js';
import type { HistogramValue } from './schema.js';

function config(train: Record<string, unknown>): TrainConfig {
  return parseTrainConfig({
    name: 'tb', seed: 3,
    data: { source: 'world', impressions: 6000, world_seed: 2, split: [0.6, 0.2, 0.2] },
    features: {
      version: 1, defaults: { dim: 4 },
      features: [...worldIdFeatures(), { name: 'seq_categories', kind: 'sequence', column: 'seq_category_ids', max_len: 5, embedding: 'category' },
        { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] }],
    },
    tasks: [{ name: 'click', label: 'click' }, { name: 'watch_time', label: 'watch_s', kind: 'regression', loss: 'huber', label_transform: 'log1p' }],
    model: { type: 'mmoe', experts: 3, expert: [8], tower: [4] },
    optimizer: { type: 'adam', lr: 0.005 },
    train: { epochs: 1, batch_size: 256, ...train },
  }, process.cwd(), 'test config');
}

test('a run writes scalars every step, histograms and feature statistics every N steps, val/test metrics and the config', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-tb-'));
  try {
    const res = await train(config({ diagnostics_every: 5, eval_every: 7 }), { out, verbose: false, hooks: diagnosticsHooks });
    const files = readdirSync(join(out, 'tb'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^events\.out\.tfevents\.\d+\.\S+$/);
    const f = readEventFile(join(out, 'tb', files[0]!));
    assert.equal(f.error, null);
    const byTag = new Map<string, { step: number; v: number | HistogramValue | string }[]>();
    for (const { event } of f.events) {
      for (const v of event.summary?.value ?? []) {
        const x = v.simpleValue ?? v.histo ?? Buffer.from(v.tensor?.stringVal?.[0] ?? []).toString();
        if (!byTag.has(v.tag)) byTag.set(v.tag, []);
        byTag.get(v.tag)!.push({ step: event.step ?? 0, v: x });
      }
    }
    const steps = res.steps;
    assert.equal(steps, Math.ceil(3600 / 256));
    assert.deepEqual(byTag.get('loss/total')!.map((x) => x.step), Array.from({ length: steps }, (_, i) => i + 1));
    for (const t of ['loss/click', 'loss/watch_time', 'task_weight/click', 'lr', 'grad_norm']) assert.equal(byTag.get(t)?.length, steps, t);
    assert.match(byTag.get('config')![0]!.v as string, /model:\n\s+type: mmoe/);
    const snap = Array.from({ length: Math.floor(steps / 5) }, (_, i) => 5 * (i + 1));
    const h = (tag: string) => {
      const xs = byTag.get(tag);
      assert.ok(xs, `tag ${tag}; have ${[...byTag.keys()].filter((k) => !k.startsWith('feature/')).join(', ')}`);
      assert.deepEqual(xs.map((x) => x.step), snap, tag);
      return xs.map((x) => x.v as HistogramValue);
    };
    const rowsAt = (step: number) => Math.min(256, 3600 - 256 * (step - 1)); // the last batch is short
    h('tower/click/prob').forEach((hv, i) => { assert.equal(hv.num, rowsAt(snap[i]!)); assert.ok(hv.min > 0 && hv.max < 1); });
    // prob = σ(logit): the histograms' extremes agree
    h('tower/click/logit').forEach((z, i) => assert.ok(Math.abs(1 / (1 + Math.exp(-z.min)) - h('tower/click/prob')[i]!.min) < 1e-5));
    h('tower/watch_time/pred');
    const scen = [...byTag.keys()].filter((k) => /^tower\/click\/scenario=[^/]+\/prob$/.test(k));
    assert.ok(scen.length >= 2, `per-scenario histograms: ${scen.join(', ')}`);
    assert.equal(scen.reduce((n, k) => n + (byTag.get(k)![0]!.v as HistogramValue).num, 0), 256, 'the scenario slices partition the batch');
    for (let j = 0; j < 3; j++) h(`gate/click/expert_${j}`).forEach((hv, i) => assert.ok(hv.min >= 0 && hv.max <= 1 && hv.num === rowsAt(snap[i]!)));
    h('expert/mmoe.experts/expert_0');
    assert.ok(byTag.has('expert_dead_relu/mmoe.experts/expert_2'));
    h('emb_grad_norm/user_id');
    for (const t of ['val/click/auc', 'test/click/auc', 'test/watch_time/rmse']) assert.ok(byTag.has(t), t);
    assert.ok([...byTag.keys()].some((k) => /^test\/click\/scenario=\w+\/auc$/.test(k)));
    assert.ok([...byTag.keys()].some((k) => /^val\/click\/scenario=\w+\/auc$/.test(k)), 'validation metrics per scenario during training');

    const fs = readFeatureStats(join(out, FEATURE_STATS_FILE));
    assert.deepEqual(fs.map((l) => l.step), snap);
    for (const l of fs) {
      for (const name of ['user_id', 'seq_categories']) {
        const s = l.features[name]!;
        assert.ok(s, `${name} at step ${l.step}`);
        assert.ok(s.touched_rows > 0 && s.grad_norm > 0 && s.update_ratio > 0 && Number.isFinite(s.update_ratio), `${name}: ${JSON.stringify(s)}`);
      }
      assert.equal(l.features.viewers_log, undefined, 'dense features have no table');
    }
    assert.equal(h('emb_grad_norm/user_id')[0]!.num, fs[0]!.features.user_id!.touched_rows);
  } finally { rmSync(out, { recursive: true, force: true }); }
});

test('train.tensorboard: false writes no tb directory and no feature statistics', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-tb-off-'));
  try {
    await train(config({ tensorboard: false, diagnostics_every: 1, max_steps: 3 }), { out, verbose: false, hooks: diagnosticsHooks });
    assert.ok(existsSync(join(out, 'metrics.json')));
    assert.equal(existsSync(join(out, 'tb')), false);
    assert.equal(existsSync(join(out, 'diagnostics')), false);
  } finally { rmSync(out, { recursive: true, force: true }); }
});

test('a resumed run adds an event file that starts with SessionLog START at the resumed step; feature statistics continue', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-tb-resume-'));
  try {
    await train(config({ diagnostics_every: 3, max_steps: 6 }), { out, verbose: false, hooks: diagnosticsHooks });
    await train(config({ diagnostics_every: 3, max_steps: 9 }), { out, verbose: false, hooks: diagnosticsHooks, resume: true });
    const files = readdirSync(join(out, 'tb')).sort();
    assert.equal(files.length, 2);
    const evs = files.map((f) => readEventFile(join(out, 'tb', f)));
    const second = evs.find((e) => e.events.some((x) => x.event.sessionLog))!;
    assert.ok(second, 'one file holds the restart');
    const first = evs.find((e) => e !== second)!;
    const restart = second.events.find((x) => x.event.sessionLog)!;
    assert.equal(restart.event.step, 6);
    assert.equal(restart.event.sessionLog!.status, 1);
    const lossSteps = (f: typeof first) => f.events.filter((x) => x.event.summary?.value.some((v) => v.tag === 'loss/total')).map((x) => x.event.step);
    assert.deepEqual(lossSteps(first), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(lossSteps(second), [7, 8, 9]);
    assert.deepEqual(readFeatureStats(join(out, FEATURE_STATS_FILE)).map((l) => l.step), [3, 6, 9]);
  } finally { rmSync(out, { recursive: true, force: true }); }
});
