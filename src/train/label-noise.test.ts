// Σy / Σp_true of the training labels per task × scenario × country slice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeTable } from '../data/table.js';
import { labelNoise } from './label-noise.js';
import type { TaskConfig } from './config.js';

const task = (t: Partial<TaskConfig> & { name: string; label: string }): TaskConfig => ({ kind: 'binary', loss: 'bce', weight: 1, ...t } as TaskConfig);

test('labelNoise: sums labels and true probabilities per slice inside each task space', () => {
  const tb = makeTable({
    scenario: ['home', 'home', 'slide', 'slide', 'home'],
    country: ['BR', 'BR', 'BR', 'BR', 'US'],
    click: Float32Array.of(1, 0, NaN, NaN, 1),
    ev: Float32Array.of(1, 0, 1, 0, 0),
    p_click: Float64Array.of(0.5, 0.25, NaN, NaN, 0.75),
    p_ev: Float64Array.of(0.5, 0.5, 0.5, NaN, 0.25),
    clicked: Float32Array.of(1, 0, 1, 1, 1),
  });
  const tasks = [
    task({ name: 'click', label: 'click', true_prob: 'p_click' }),
    task({ name: 'ev', label: 'ev', true_prob: 'p_ev', sample_space: { column: 'clicked', equals: 1 } }),
    task({ name: 'no_truth', label: 'ev' }),
  ];
  const n = labelNoise(tb, tasks, { scenario: 'scenario', country: 'country' })!;
  assert.deepEqual(Object.keys(n), ['click', 'ev']);
  assert.deepEqual(n.click, { 'home|BR': { n: 2, sumY: 1, sumP: 0.75 }, 'home|US': { n: 1, sumY: 1, sumP: 0.75 } });
  // row 1 is outside ev's space (not clicked); row 3 has no true probability
  assert.deepEqual(n.ev, { 'home|BR': { n: 1, sumY: 1, sumP: 0.5 }, 'slide|BR': { n: 1, sumY: 1, sumP: 0.5 }, 'home|US': { n: 1, sumY: 0, sumP: 0.25 } });
  assert.equal(labelNoise(tb, tasks, { scenario: 'scenario' }), null);
});
