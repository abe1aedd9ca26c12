import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureConfigError, parseFeatureConfig, parseFeatureConfigText } from './config.js';

function problems(raw: unknown): string[] {
  try {
    parseFeatureConfig(raw);
  } catch (e) {
    assert.ok(e instanceof FeatureConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected the config to be rejected');
}

const base = [
  { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 1024 },
  { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 2 } },
];

test('unknown cross field names the feature, the field and the known features', () => {
  const p = problems({ features: [...base, { name: 'hour', kind: 'time', unit: 'hour_of_day' },
    { name: 'user_x_cat', kind: 'cross', fields: ['user_id', 'catgory'], hash_buckets: 4096 }] });
  assert.deepEqual(p, ['features[3] "user_x_cat": cross.fields[1]: unknown feature "catgory"; known: user_id, category, hour']);
});

test('shape errors carry the feature, kind and field path', () => {
  const p = problems({ features: [...base,
    { name: 'x', kind: 'dense', column: 'x', ops: ['log2'] },
    { name: 'y', kind: 'bucketized', column: 'y', boundaries: [0, 2, 1] },
    { name: 'z', kind: 'crosss', fields: [] },
    { name: 'w', kind: 'id', column: 'w', hash_bucket: 10 }] });
  assert.equal(p.length, 4, p.join('\n'));
  assert.match(p[0]!, /^features\[2\] "x": dense\.ops\[0\]: /);
  assert.equal(p[1], 'features[3] "y": bucketized.boundaries[2]: 1 is not greater than 2 (must be strictly increasing)');
  assert.match(p[2]!, /^features\[4\] "z": kind: unknown kind "crosss"; expected one of id, multi_id/);
  assert.match(p[3]!, /^features\[5\] "w": id\.: Unrecognized key: "hash_bucket"/);
});

test('cross fields must be single-id kinds; hashed ids need exactly one mapping', () => {
  const p = problems({ features: [...base,
    { name: 'fol', kind: 'dense', column: 'f' },
    { name: 'c', kind: 'cross', fields: ['user_id', 'fol', 'user_id'], hash_buckets: 8 },
    { name: 'v', kind: 'id', column: 'v' }] });
  assert.ok(p.some((s) => s.startsWith('features[3] "c": cross.fields[1]: feature "fol" is dense')), p.join('\n'));
  assert.ok(p.some((s) => s === 'features[3] "c": cross.fields[2]: "user_id" is listed twice'), p.join('\n'));
  assert.ok(p.includes('features[4] "v": id.hash_buckets: give exactly one of hash_buckets or vocab'), p.join('\n'));
});

test('shared embeddings: dims must agree; missing fields are inherited from the owner', () => {
  const p = problems({ features: [
    { name: 'streamer', kind: 'id', column: 's', hash_buckets: 4096, dim: 8 },
    { name: 'seq', kind: 'sequence', column: 'q', max_len: 5, embedding: 'streamer', dim: 16 }] });
  assert.deepEqual(p, ['features[1] "seq": sequence.embedding: table "streamer" has dim 8 (feature "streamer") but this feature has dim 16']);
  const cfg = parseFeatureConfig({ features: [
    { name: 'streamer', kind: 'id', column: 's', hash_buckets: 4096, dim: 8, lr: 0.1 },
    { name: 'seq', kind: 'sequence', column: 'q', max_len: 5, embedding: 'streamer' }] });
  const seq = cfg.features[1]!;
  assert.equal(seq.kind, 'sequence');
  if (seq.kind !== 'sequence') return;
  assert.equal(seq.hash_buckets, 4096);
  assert.equal(seq.dim, 8);
  assert.equal(seq.lr, 0.1);
  assert.equal(seq.tag, 'streamer');
  assert.equal(seq.table, 'streamer');
  const q = problems({ features: [
    { name: 'a', kind: 'id', column: 'a', hash_buckets: 10, embedding: 't' },
    { name: 'b', kind: 'bucketized', column: 'b', boundaries: [1], embedding: 't' }] });
  assert.ok(q.some((s) => s.includes('only id, multi_id and sequence features can share')), q.join('\n'));
});

test('counters: windows, unknown counter and window errors', () => {
  const p = problems({
    counters: [{ name: 'us', key: ['user_id', 'streamer_id'], value: 'watch_s', windows: ['1h/5m', '5m/7m'] }],
    features: [{ name: 'a', kind: 'counter', counter: 'us', window: '2h' },
      { name: 'b', kind: 'counter', counter: 'nope', window: '1h' }],
  });
  assert.ok(p.includes('counters[0] "us": windows[1]: span 300s is not a multiple of the slot 420s'), p.join('\n'));
  assert.ok(p.includes('features[0] "a": counter.window: counter "us" has no 7200s window; it has 3600s'), p.join('\n'));
  assert.ok(p.includes('features[1] "b": counter.counter: unknown counter "nope"; known: us'), p.join('\n'));
});

test('YAML with defaults resolves dims, tags, columns and counter windows', () => {
  const cfg = parseFeatureConfigText(`
defaults: { dim: 12, time_column: event_ts }
counters:
  - { name: room_views, key: [room_id], windows: [5m, 1h/5m], slot: 1m }
features:
  - { name: hour, kind: time, unit: hour_of_day }
  - { name: room_5m, kind: counter, counter: room_views, window: 5m, quantiles: 8 }
  - { name: room_1h, kind: counter, counter: room_views, window: 1h, ops: [log1p] }
`);
  assert.equal(cfg.counters[0]!.time, 'event_ts');
  assert.deepEqual(cfg.counters[0]!.windows, [{ span: 300, slot: 60 }, { span: 3600, slot: 300 }]);
  assert.equal(cfg.counters[0]!.idleTtl, 3900);
  const [hour, r5, r1] = cfg.features;
  assert.equal(hour!.kind === 'time' && hour!.column, 'event_ts');
  assert.equal(hour!.kind === 'time' && hour!.dim, 12);
  assert.equal(r5!.kind === 'counter' && r5!.output, 'ids');
  assert.equal(r1!.kind === 'counter' && r1!.output, 'dense');
});

test('invalid YAML names the source', () => {
  assert.throws(() => parseFeatureConfigText('features: [', 'x.yaml'), /feature config x\.yaml: not valid YAML/);
});
