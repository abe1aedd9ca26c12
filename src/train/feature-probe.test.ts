// Per-feature statistics against hand-computed values on real embedding tables (SGD, so Δw = −lr·g).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingTable } from '../embedding/index.js';
import type { FeatureBatch, FeatureSpec } from '../features/index.js';
import { FeatureProbe } from './feature-probe.js';

const spec = (s: Partial<FeatureSpec>) => s as FeatureSpec;

function setup(lrA: number) {
  const a = new EmbeddingTable({ name: 'a', dim: 2, rows: 8, optimizer: { kind: 'sgd', lr: lrA }, init: { kind: 'normal', std: 0.5 }, seed: 1 });
  const m = new EmbeddingTable({ name: 'm', dim: 1, rows: 8, optimizer: { kind: 'sgd', lr: 1 }, init: { kind: 'normal', std: 0.5 }, seed: 2 });
  const specs = [
    spec({ name: 'fa', output: 'ids', table: 'a', dim: 2, offset: 0 }),
    spec({ name: 'd', output: 'dense', dim: 1, offset: 0 }),
    spec({ name: 'fm', output: 'multi', table: 'm', dim: 1, offset: 2, pooling: 'mean' }),
  ];
  // 3 rows; fa reads rows 1, 1, 3; fm reads bags [2, 5], [5, pad], [] (mean pooling)
  const fb = {
    numRows: 3, specs,
    ids: { fa: Int32Array.of(1, 1, 3) },
    multi: { fm: { ids: Int32Array.of(2, 5, 5, 0, 0, 0), mask: Uint8Array.of(1, 1, 1, 0, 0, 0), lengths: Int32Array.of(2, 1, 0), maxLen: 2 } },
    dense: new Float32Array(3), denseWidth: 1,
  } as unknown as FeatureBatch;
  // d loss / d emb [3 × 3]: columns 0-1 fa, column 2 fm
  const grad = Float32Array.of(1, 2, 4, 3, -2, 0, 0, 1, 9);
  return { a, m, specs, fb, grad, tables: new Map([['a', a], ['m', m]]) };
}

test('grad_norm, update_ratio and touched_rows per feature, hand-computed', () => {
  const { a, m, specs, fb, grad, tables } = setup(0.5);
  const w1 = [a.values[2]!, a.values[3]!], w3 = [a.values[6]!, a.values[7]!];
  const m2 = m.values[2]!, m5 = m.values[5]!;
  const probe = FeatureProbe.begin(specs, tables, fb, grad, 3);
  // the trainer's sparse update
  a.accumulate(fb.ids.fa!, grad, 0, 3); a.step();
  m.accumulatePooled(fb.multi.fm!.ids, fb.multi.fm!.mask, 2, 'mean', grad, 2, 3); m.step();
  const s = probe.finish();
  assert.deepEqual(Object.keys(s), ['fa', 'fm']);
  // fa: row 1 gets (1+3, 2-2) = (4, 0), row 3 gets (0, 1)
  assert.equal(s.fa!.touched_rows, 2);
  assert.ok(Math.abs(s.fa!.grad_norm - (4 + 1) / 2) < 1e-6);
  const wn = Math.hypot(...w1, ...w3);
  assert.ok(Math.abs(s.fa!.update_ratio - (0.5 * Math.hypot(4, 0, 0, 1)) / wn) < 1e-5, `${s.fa!.update_ratio}`);
  assert.deepEqual(Array.from(s.fa!.rowGradNorms), [4, 1]);
  // fm: row 2 gets 4/2 = 2; row 5 gets 4/2 + 0/1 = 2; the empty bag touches nothing
  assert.equal(s.fm!.touched_rows, 2);
  assert.ok(Math.abs(s.fm!.grad_norm - 2) < 1e-6);
  assert.ok(Math.abs(s.fm!.update_ratio - Math.hypot(2, 2) / Math.hypot(m2, m5)) < 1e-5);
});

test('a frozen feature (lr 0) has update ratio 0 and its gradient norm unchanged', () => {
  const { a, specs, fb, grad, tables } = setup(0);
  const probe = FeatureProbe.begin(specs, tables, fb, grad, 3);
  a.accumulate(fb.ids.fa!, grad, 0, 3); a.step();
  const s = probe.finish();
  assert.equal(s.fa!.update_ratio, 0);
  assert.ok(Math.abs(s.fa!.grad_norm - 2.5) < 1e-6);
});
