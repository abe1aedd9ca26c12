// `liverank compare` on a biased-log world whose click task names counterfactual truth: every entry
// of compare.json carries the served score's AUC against click_at_top (val and test, per scenario)
// and the printed report has the counterfactual table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MatrixJSON } from '../metrics/index.js';
import { loadCompareConfig } from './compare-config.js';
import { runCompare, type CompareResult } from './compare.js';
import { formatCompare } from './compare-report.js';

const BASE = `
name: tiny-biased
seed: 3
data: { source: world, impressions: 5000, world_seed: 2, logging_policy: biased, split: [0.6, 0.2, 0.2] }
features:
  version: 1
  defaults: { dim: 4 }
  features:
    - { name: user_id, kind: id, column: user_id, hash_buckets: 512 }
    - { name: scenario, kind: id, column: scenario, vocab: [home, slide, outside] }
    - { name: position, kind: id, column: position, vocab: { min_count: 1 } }
tasks:
  - { name: click, label: click, true_prob: p_click, counterfactual: { label: click_at_top, true_prob: p_click_relevance } }
model: { type: shared_bottom, bottom: [8], tower: [4] }
optimizer: { type: adam, lr: 0.005 }
train: { epochs: 1, batch_size: 256 }
`;

test('compare: counterfactual AUCs per entry (val, test, by scenario) and a counterfactual table', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-compare-cf-'));
  writeFileSync(join(dir, 'base.yaml'), BASE);
  const cfg = join(dir, 'cmp.yaml');
  writeFileSync(cfg, 'name: tiny\nbase: base.yaml\nsmall_countries: 1\nmodels:\n'
    + '  - { name: position_feature, model: { type: shared_bottom, bottom: [8], tower: [4], serve_as: { position: 0 } } }\n'
    + '  - { name: pal, model: { type: pal, base: { type: shared_bottom, bottom: [8], tower: [4] }, bias_features: [position], context_features: [scenario] } }\n');
  const out = join(dir, 'out');
  const r = await runCompare(loadCompareConfig(cfg), { out, log: () => {} });
  const j = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareResult;
  for (const e of j.models) {
    assert.equal(e.error, undefined, e.error);
    const c = e.counterfactual?.click;
    assert.ok(c, `${e.name}: counterfactual.click`);
    const m = JSON.parse(readFileSync(join(e.run_dir, 'metrics.json'), 'utf8')) as MatrixJSON;
    const mv = JSON.parse(readFileSync(join(e.run_dir, 'metrics_val.json'), 'utf8')) as MatrixJSON;
    assert.equal(c.auc, m.counterfactual!.click!.all.auc);
    assert.equal(c.oracle_auc, m.counterfactual!.click!.all.oracle_auc);
    assert.equal(c.val_auc, mv.counterfactual!.click!.all.auc);
    assert.deepEqual(Object.keys(c.by_scenario).sort(), ['home', 'outside']);
  }
  // same data, same labels: the oracle's AUC does not depend on the model
  assert.equal(j.models[0]!.counterfactual!.click!.oracle_auc, j.models[1]!.counterfactual!.click!.oracle_auc);
  const text = formatCompare(r);
  assert.match(text, /counterfactual: the served score/);
  assert.match(text, /click\s+position_feature\s+0\.\d{4}\s+0\.\d{4}\s+0\.\d{4}/);
  assert.match(text, /click\s+pal\s+/);
});
