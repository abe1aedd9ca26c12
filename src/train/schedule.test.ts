import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleSchema, scheduledLr } from './schedule.js';

test('warmup ramps linearly, cosine ends at min_ratio, step decays per epoch', () => {
  const w = scheduleSchema.parse({ type: 'constant', warmup_steps: 4 });
  assert.deepEqual([0, 1, 2, 3, 10].map((s) => scheduledLr(w, 1, s, 100, 0)), [0.25, 0.5, 0.75, 1, 1]);
  const c = scheduleSchema.parse({ type: 'cosine', min_ratio: 0.1 });
  assert.equal(scheduledLr(c, 2, 0, 100, 0), 2);
  assert.ok(Math.abs(scheduledLr(c, 2, 50, 100, 0) - 2 * (0.1 + 0.9 * 0.5)) < 1e-12);
  assert.ok(Math.abs(scheduledLr(c, 2, 100, 100, 0) - 0.2) < 1e-12);
  const st = scheduleSchema.parse({ type: 'step', every_epochs: 2, gamma: 0.1 });
  assert.deepEqual([0, 1, 2, 5].map((e) => +scheduledLr(st, 1, 0, 10, e).toFixed(6)), [1, 1, 0.1, 0.01]);
});
