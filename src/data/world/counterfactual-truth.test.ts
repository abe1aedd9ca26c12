// counterfactualTruth under the random policy (docs/world.md §12): today's columns byte for byte,
// plus exact counterfactual truth — p_click = p_examine · p_click_relevance, click_at_top drawn
// from p_click_relevance and coupled to the click (a click implies a click at the top).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStringColumn, type NumericColumn } from '../table.js';
import { generateWorld } from './generate.js';
import { examination } from './truth.js';

for (const heterogeneity of ['none', 'multi_scenario'] as const) {
  test(`counterfactualTruth with the random policy (${heterogeneity}): the other columns unchanged, the truth exact`, () => {
    const plain = generateWorld({ impressions: 40_000, seed: 7, heterogeneity });
    const w = generateWorld({ impressions: 40_000, seed: 7, heterogeneity, counterfactualTruth: true });
    for (const [name, c] of Object.entries(plain.impressions.columns)) {
      const d = w.impressions.columns[name]!;
      if (isStringColumn(c)) assert.deepEqual(d, c, name);
      else assert.deepEqual(Buffer.from((d as NumericColumn).buffer, (d as NumericColumn).byteOffset, (d as NumericColumn).byteLength), Buffer.from(c.buffer, c.byteOffset, c.byteLength), name);
    }
    const col = (n: string) => w.impressions.columns[n] as NumericColumn;
    const pClick = col('p_click'), pRel = col('p_click_relevance'), cat = col('click_at_top'), pEx = col('p_examine'), click = col('click'), pos = col('position');
    const sc = w.impressions.columns['scenario'] as (string | null)[];
    const sums: Record<string, { y: number; p: number; v: number; clicks: number; n: number }> = {};
    for (let i = 0; i < w.impressions.numRows; i++) {
      if (sc[i] === 'slide') { assert.ok(Number.isNaN(pRel[i]!) && Number.isNaN(cat[i]!) && pEx[i] === 1); continue; }
      assert.equal(pClick[i], pEx[i]! * pRel[i]!, `row ${i}: p_click = p_examine · p_click_relevance exactly`);
      if (heterogeneity === 'none') assert.equal(pEx[i], examination(pos[i]!));
      if (click[i] === 1) assert.equal(cat[i], 1, `row ${i}: a click implies a click at the top`);
      const s = (sums[sc[i]!] ??= { y: 0, p: 0, v: 0, clicks: 0, n: 0 });
      s.y += cat[i]!; s.p += pRel[i]!; s.v += pRel[i]! * (1 - pRel[i]!); s.clicks += click[i]!; s.n++;
    }
    for (const [name, s] of Object.entries(sums)) {
      assert.ok(Math.abs(s.y - s.p) < 4 * Math.sqrt(s.v), `${name}: Σ click_at_top ${s.y} vs Σ p_click_relevance ${s.p.toFixed(1)} (sd ${Math.sqrt(s.v).toFixed(1)})`);
      assert.ok(s.y > s.clicks * 1.2, `${name}: more clicks at the top (${s.y}) than logged clicks (${s.clicks})`);
    }
    assert.deepEqual(Object.keys(sums).sort(), ['home', 'outside']);
    assert.equal(w.meta.options.counterfactualTruth, true);
  });
}
