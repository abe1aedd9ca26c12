import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStreamConfig, worldOptionsOfStream } from './config.js';

test('stream config: defaults, a training config\'s world section, errors naming the field', () => {
  const d = parseStreamConfig({});
  assert.equal(d.world.impressions, 100_000);
  assert.deepEqual(d.join.windows_s, { click: 300, watch: 3600, follow: 3600, gift: 1800, order: 1800 });
  assert.equal(d.join.allowed_lateness_s, 60);
  assert.equal(d.streams.events, 'lr:events');
  assert.equal(d.streams.late, undefined);
  assert.equal(d.delays.offline_p, 0.005);
  const t = parseStreamConfig({ data: { source: 'world', impressions: 5000, world_seed: 3, days: 2, drift: true }, model: { kind: 'mmoe' } });
  assert.deepEqual(worldOptionsOfStream(t), { impressions: 5000, seed: 3, days: 2, drift: true });
  assert.throws(() => parseStreamConfig({ data: { source: 'csv' } }, 'x.yaml'), /x\.yaml: a training config must have data\.source: world/);
  assert.throws(() => parseStreamConfig({ join: { windows_s: { click: -1 } } }, 'x.yaml'), /x\.yaml: join\.windows_s\.click/);
  assert.throws(() => parseStreamConfig({ join: { window: 3 } }, 'x.yaml'), /x\.yaml: join: Unrecognized key/);
  const p = parseStreamConfig({ join: { windows_s: { gift: 600 } } });
  assert.equal(p.join.windows_s.gift, 600);
  assert.equal(p.join.windows_s.click, 300);
});
