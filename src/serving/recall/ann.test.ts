import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import { AnnIndex, annRecallAtK, exactSearch } from './ann.js';

function gaussian(n: number, dim: number, rng: Rng): Float32Array {
  const v = new Float32Array(n * dim);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return v;
}

/** n points around c centres (sd 0.15 around unit-scale centres): the shape learned embeddings have. */
function clustered(n: number, dim: number, c: number, rng: Rng): Float32Array {
  const centres = gaussian(c, dim, rng);
  const v = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const k = rng.int(c);
    for (let d = 0; d < dim; d++) v[i * dim + d] = centres[k * dim + d]! + 0.15 * rng.normal();
  }
  return v;
}

test('exact search: the top k of a brute-force sort (ip and cosine)', () => {
  const rng = new Rng(3); const dim = 5; const v = gaussian(300, dim, rng); const q = gaussian(1, dim, rng);
  for (const metric of ['ip', 'cos'] as const) {
    const sc = Array.from({ length: 300 }, (_, r) => {
      let s = 0, nv = 0, nq = 0;
      for (let d = 0; d < dim; d++) { s += v[r * dim + d]! * q[d]!; nv += v[r * dim + d]! ** 2; nq += q[d]! ** 2; }
      return { r, s: metric === 'ip' ? s : s / Math.sqrt(nv * nq) };
    }).sort((a, b) => b.s - a.s);
    const got = exactSearch(v, dim, q, 7, metric);
    assert.deepEqual([...got.rows], sc.slice(0, 7).map((x) => x.r));
    for (let i = 0; i < 7; i++) assert.ok(Math.abs(got.scores[i]! - sc[i]!.s) < 1e-5);
  }
});

test('HNSW recall@10 ≥ 0.95 of exact search: random and clustered vectors, inner product and cosine', () => {
  const rng = new Rng(11); const dim = 32;
  const cases = [
    { name: 'random', v: gaussian(5000, dim, rng) },
    { name: 'clustered', v: clustered(5000, dim, 40, rng) },
  ];
  for (const { name, v } of cases) {
    for (const metric of ['ip', 'cos'] as const) {
      const idx = AnnIndex.build(v, dim, { metric });
      const r = annRecallAtK(idx, v, gaussian(200, dim, rng), 10);
      console.log(`ann recall@10 ${name} ${metric}: ${r.toFixed(4)}`);
      assert.ok(r >= 0.95, `${name}/${metric}: recall@10 ${r}`);
    }
  }
});

test('ANN scores are the similarity (1 − distance) and the top hit of an indexed vector under cosine is itself', () => {
  const rng = new Rng(5); const dim = 8; const v = gaussian(500, dim, rng);
  const idx = AnnIndex.build(v, dim, { metric: 'cos' });
  const h = idx.search(v.subarray(17 * dim, 18 * dim), 3);
  assert.equal(h.rows[0], 17);
  assert.ok(Math.abs(h.scores[0]! - 1) < 1e-5);
  const ip = AnnIndex.build(v, dim, { metric: 'ip' });
  const q = gaussian(1, dim, rng);
  const a = ip.search(q, 5); const e = exactSearch(v, dim, q, 5);
  for (let i = 0; i < a.rows.length; i++) {
    const row = a.rows[i]!; let s = 0; for (let d = 0; d < dim; d++) s += v[row * dim + d]! * q[d]!;
    assert.ok(Math.abs(a.scores[i]! - s) < 1e-4, `score ${a.scores[i]} vs dot ${s}`);
  }
  assert.equal(a.rows[0], e.rows[0]);
  assert.equal(ip.search(q, 10_000).rows.length, 500, 'k larger than n returns every row once');
});

test('save / load: the same answers; a graph of other vectors is refused; loadOrBuild rebuilds it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ann-'));
  try {
    const rng = new Rng(9); const dim = 16; const v = gaussian(1000, dim, rng);
    const idx = AnnIndex.build(v, dim);
    const path = join(dir, 'items.usearch');
    idx.save(path);
    const back = AnnIndex.load(path, v, dim);
    const q = gaussian(1, dim, rng);
    assert.deepEqual([...back.search(q, 10).rows], [...idx.search(q, 10).rows]);
    const other = v.slice(); other[0] = other[0]! + 1;
    assert.throws(() => AnnIndex.load(path, other, dim), /built from other vectors/);
    assert.throws(() => AnnIndex.load(path, v.subarray(0, 999 * dim), dim), /built for 1000 × 16 vectors/);
    const r = AnnIndex.loadOrBuild(path, other, dim);
    assert.equal(r.built, true);
    assert.equal(AnnIndex.loadOrBuild(path, other, dim).built, false);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
