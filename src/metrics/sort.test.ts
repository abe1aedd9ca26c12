import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortRecords, sortRecordsU32, argsortF64 } from './sort.js';
import { Rng } from '../util/rng.js';

function checkSorted(keys: ArrayLike<number>, label: string): void {
  const n = keys.length;
  const idx = new Uint32Array(n).map((_, i) => i);
  const s = sortRecords(keys, n, [idx]);
  const seen = new Uint8Array(n);
  let prev = -Infinity; let prevIdx = -1;
  for (let i = 0; i < n; i++) {
    const r = s.rec[i * s.W + s.offsets[0]!]!;
    assert.equal(seen[r], 0, `${label}: row ${r} twice`);
    seen[r] = 1;
    const v = keys[r]! === 0 ? 0 : keys[r]!;
    assert.ok(v >= prev, `${label}: not ascending at ${i}: ${prev} then ${v}`);
    if (i > 0 && v === prev) {
      assert.ok(r > prevIdx, `${label}: not stable at ${i}`);
      assert.equal(s.newRun[i], 0, `${label}: tie not marked at ${i}`);
    } else assert.equal(s.newRun[i], 1, `${label}: new run not marked at ${i}`);
    prev = v; prevIdx = r;
  }
}

test('sortRecords: ascending, stable, runs marked (random, ties, signs, -0, ±Inf)', () => {
  const rng = new Rng(7);
  const n = 20000;
  const a = new Float64Array(n).map(() => rng.normal() * 100);
  checkSorted(a, 'normal');
  const ties = new Float64Array(n).map(() => rng.int(50) / 7 - 3);
  ties[3] = -0; ties[4] = 0; ties[5] = Infinity; ties[6] = -Infinity;
  checkSorted(ties, 'ties');
  checkSorted(Float64Array.from(Float32Array.from(a.map((x) => 1 / (1 + Math.exp(-x / 50))))), 'float32-valued');
  // values sharing the high word (differ only in the low 32 bits): long runs for the low-word fix-up
  const close = new Float64Array(n).map(() => 0.5 + rng.int(1 << 20) * 2 ** -50);
  checkSorted(close, 'same-high-word');
  // > 32 varying bits with long runs of equal top-32 bits: exercises the low-word fix-up (insertion
  // sort for short runs, radix for long ones)
  const runs = new Float64Array(n).map(() => 1 + rng.int(4) + rng.int(1 << 20) * 2 ** -40);
  checkSorted(runs, 'long-low-runs');
  const few = new Float64Array(n).map(() => 1 + rng.int(4) + rng.int(1 << 24) * 2 ** -44); // runs of ~5
  checkSorted(few, 'short-low-runs');
  checkSorted(new Float64Array(100).fill(0.25), 'constant');
  checkSorted([3, 1, 2], 'plain array');
  checkSorted([], 'empty');
});

test('sortRecords on > 65536 rows (MSD bucket path): probabilities, coarse ties, float32 values', () => {
  const rng = new Rng(17);
  const n = 150_000;
  const p = new Float64Array(n).map(() => 1 / (1 + Math.exp(-(rng.normal() - 2))));
  checkSorted(p, 'big probabilities');
  checkSorted(p.map((x) => Math.round(x * 1000) / 1000), 'big coarse');
  checkSorted(Float64Array.from(Float32Array.from(p)), 'big float32-valued');
  const g = new Uint32Array(n).map(() => rng.int(1 << 22) + (5 << 26));
  const s = sortRecordsU32(g, n, [new Uint32Array(n).map((_, i) => i)]);
  for (let i = 1; i < n; i++) {
    const a = s.rec[(i - 1) * s.W]!; const b = s.rec[i * s.W]!;
    assert.ok(a < b || (a === b && s.rec[(i - 1) * s.W + 1]! < s.rec[i * s.W + 1]!), `u32 order at ${i}`);
  }
});

test('sortRecords carries u32 and float64 payloads', () => {
  const keys = [0.3, 0.1, 0.2, 0.1];
  const w = new Float64Array([1.5, 2.5, 3.5, 4.5]);
  const lab = new Uint8Array([1, 0, 1, 1]);
  const s = sortRecords(keys, 4, [lab, w]);
  const got = [0, 1, 2, 3].map((i) => [s.rec[i * s.W + s.offsets[0]!], s.f64[(i * s.W + s.offsets[1]!) >> 1]]);
  assert.deepEqual(got, [[0, 2.5], [1, 4.5], [1, 3.5], [1, 1.5]]);
  assert.deepEqual([...s.newRun], [1, 0, 1, 1]);
});

test('sortRecordsU32 sorts by key stably; argsortF64 matches a comparator sort', () => {
  const rng = new Rng(3);
  const keys = new Uint32Array(5000).map(() => rng.int(300) * 12345);
  const pos = new Uint32Array(5000).map((_, i) => i);
  const s = sortRecordsU32(keys, keys.length, [pos]);
  for (let i = 1; i < keys.length; i++) {
    const k0 = s.rec[(i - 1) * s.W]!; const k1 = s.rec[i * s.W]!;
    assert.ok(k0 < k1 || (k0 === k1 && s.rec[(i - 1) * s.W + s.offsets[0]!]! < s.rec[i * s.W + s.offsets[0]!]!));
  }
  const x = new Float64Array(3000).map(() => rng.int(100) - 50.5);
  const ref = [...x.keys()].sort((i, j) => x[i]! - x[j]! || i - j);
  assert.deepEqual([...argsortF64(x)], ref);
});
