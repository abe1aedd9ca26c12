import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gauc, GaucAccumulator } from './gauc.js';
import { auc } from './auc.js';
import { bruteGauc } from './reference.js';
import { Rng } from '../util/rng.js';

test('spec §12 example: GAUC = 1.0 while the global AUC = 0.7', () => {
  // u1 y=[1,0] p=[.9,.8]; u2 y=[1,0] p=[.3,.2]; u3 y=[0,0,0]. The spec gives no scores for u3; any
  // scores with one of the three below 0.3 and two above give the stated global AUC 7/10.
  const p = [0.9, 0.8, 0.3, 0.2, 0.1, 0.4, 0.5];
  const y = [1, 0, 1, 0, 0, 0, 0];
  const g = ['u1', 'u1', 'u2', 'u2', 'u3', 'u3', 'u3'];
  const r = gauc(p, y, g);
  assert.equal(r.gauc, 1.0);
  assert.equal(r.groupsUsed, 2);
  assert.equal(r.groupsSkipped, 1);
  assert.equal(r.rowsUsed, 4);
  assert.equal(r.rowsSkipped, 3);
  assert.equal(auc(p, y), 0.7);
});

test('ref_numbers.py example: 3 users → AUC 0.5, 0.5, skipped; GAUC 0.5, global AUC 0.5', () => {
  const data: Record<string, [number[], number[]]> = {
    u1: [[1, 0, 0, 1], [0.9, 0.8, 0.3, 0.2]], u2: [[0, 1, 0], [0.1, 0.4, 0.7]], u3: [[0, 0], [0.5, 0.6]],
  };
  const y: number[] = []; const p: number[] = []; const g: string[] = [];
  for (const [u, [ys, ps]] of Object.entries(data)) {
    assert.equal(Number.isNaN(auc(ps, ys)) ? null : auc(ps, ys), u === 'u3' ? null : 0.5);
    y.push(...ys); p.push(...ps); g.push(...ys.map(() => u));
  }
  const r = gauc(p, y, g);
  assert.equal(r.gauc, 0.5);
  assert.equal(r.groupsUsed, 2); assert.equal(r.groupsSkipped, 1);
  assert.equal(auc(p, y), 0.5);
});

test('GAUC matches a brute force on random users; numeric and string keys agree', () => {
  const rng = new Rng(21);
  const n = 4000;
  const p = new Float64Array(n); const y = new Uint8Array(n); const g = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    g[i] = Math.floor(rng.next() ** 2 * 300); p[i] = rng.int(20) / 20; y[i] = rng.next() < 0.1 + 0.5 * p[i]! ? 1 : 0;
  }
  const r = gauc(p, y, g);
  assert.ok(Math.abs(r.gauc - bruteGauc(p, y, g)) < 1e-12);
  assert.equal(r.rowsUsed + r.rowsSkipped, n);
  const rs = gauc(p, y, Array.from(g, (x) => `user-${x}`));
  assert.equal(rs.gauc, r.gauc);
  assert.equal(rs.groupsUsed, r.groupsUsed);
});

test('GaucAccumulator: merge == all at once (a user split across workers); missing keys counted', () => {
  const rng = new Rng(4);
  const n = 3000;
  const p = Array.from({ length: n }, () => rng.next());
  const y = p.map((x) => (rng.next() < x ? 1 : 0));
  const g: (string | null)[] = p.map(() => `u${rng.int(100)}`);
  g[5] = null; g[77] = null;
  const all = new GaucAccumulator();
  all.addBatch({ scores: p, labels: y, groups: g });
  const a = new GaucAccumulator(); const b = new GaucAccumulator();
  a.addBatch({ scores: p.slice(0, 1700), labels: y.slice(0, 1700), groups: g.slice(0, 1700) });
  for (let i = 1700; i < n; i++) b.add(p[i]!, y[i]!, g[i]);
  const m = a.merge(b).compute();
  const r = all.compute();
  assert.deepEqual(m, r);
  assert.equal(r.rowsMissingGroup, 2);
  assert.equal(r.rowsUsed + r.rowsSkipped + r.rowsMissingGroup, n);
});

test('GAUC weighting modes: impressions, positives, uniform', () => {
  // user a: 4 rows AUC 1 (1 positive); user b: 2 rows AUC 0 (1 positive)
  const p = [0.9, 0.1, 0.2, 0.3, 0.1, 0.8];
  const y = [1, 0, 0, 0, 1, 0];
  const g = ['a', 'a', 'a', 'a', 'b', 'b'];
  assert.equal(gauc(p, y, g).gauc, 4 / 6);
  assert.equal(gauc(p, y, g, { weighting: 'positives' }).gauc, 0.5);
  assert.equal(gauc(p, y, g, { weighting: 'uniform' }).gauc, 0.5);
  // sample weights scale impressions
  assert.equal(gauc(p, y, g, { weights: [1, 1, 1, 1, 3, 3] }).gauc, 4 / 10);
});
