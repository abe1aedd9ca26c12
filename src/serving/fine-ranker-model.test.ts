// feedsFor / toInt64: the int64 ids ORT reads equal the featurized int32 ids (sign included), and a
// row range takes exactly those rows of every input (ids, sequence ids and masks, dense).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureBatch } from '../features/index.js';
import { feedsFor, toInt64, type ModelManifest } from './fine-ranker-model.js';

test('toInt64: every int32 value (negative, extremes) and sub-ranges', () => {
  const a = Int32Array.from([0, 1, -1, 2147483647, -2147483648, 12345]);
  assert.deepEqual([...toInt64(a)], [0n, 1n, -1n, 2147483647n, -2147483648n, 12345n]);
  assert.deepEqual([...toInt64(a, 2, 4)], [-1n, 2147483647n]);
  assert.equal(toInt64(a, 3, 3).length, 0);
});

test('feedsFor: a row range slices ids, sequences with masks and dense rows; arrays are copies', () => {
  const fb = {
    numRows: 3, specs: [], denseWidth: 2,
    ids: { user: Int32Array.from([5, 6, 7]) },
    multi: { seq: { ids: Int32Array.from([1, 2, 3, 4, 5, 6]), mask: Uint8Array.from([1, 0, 1, 1, 0, 0]), lengths: Int32Array.from([1, 2, 0]), maxLen: 2 } },
    dense: Float32Array.from([0.5, 1, 1.5, 2, 2.5, 3]),
  } as unknown as FeatureBatch;
  const manifest: ModelManifest = {
    model: 'model.onnx', features: 'features.json', outputs: [{ name: 'pred.click', task: 'click' }],
    inputs: [
      { name: 'ids.user', dtype: 'int64', shape: ['B'], feature: 'user' },
      { name: 'ids.seq', dtype: 'int64', shape: ['B', 2], feature: 'seq', mask: 'ids.seq_mask' },
      { name: 'dense', dtype: 'float32', shape: ['B', 2], columns: ['a', 'b'] },
    ],
  };
  const all = feedsFor(manifest, fb);
  assert.deepEqual([...all['ids.user']!.data], [5n, 6n, 7n]);
  const f = feedsFor(manifest, fb, 1, 3);
  assert.deepEqual([...f['ids.user']!.data], [6n, 7n]);
  assert.deepEqual(f['ids.user']!.dims, [2]);
  assert.deepEqual([...f['ids.seq']!.data], [3n, 4n, 5n, 6n]);
  assert.deepEqual(f['ids.seq']!.dims, [2, 2]);
  assert.deepEqual([...f['ids.seq_mask']!.data], [1, 1, 0, 0]);
  assert.ok(f['ids.seq_mask']!.data instanceof Float32Array);
  assert.deepEqual([...f.dense!.data], [1.5, 2, 2.5, 3]);
  assert.deepEqual(f.dense!.dims, [2, 2]);
  assert.notEqual(f.dense!.data.buffer, fb.dense.buffer, 'a copy: its buffer can be transferred');
  assert.throws(() => feedsFor(manifest, fb, 2, 4), /row range \[2, 4\) outside 0\.\.3/);
});
