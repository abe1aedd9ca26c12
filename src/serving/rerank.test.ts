import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rerank, RerankInputError, type RerankItem } from './rerank.js';
import { resolveRerank, type RerankRaw, type RerankParams } from './rerank-config.js';
import { Rng } from '../util/rng.js';

function params(raw: RerankRaw): RerankParams {
  const problems: string[] = [];
  const p = resolveRerank(raw, undefined, 'rerank', problems);
  assert.deepEqual(problems, []);
  return p;
}
const it = (id: string, score: number, streamer: string, category: string, kind?: string): RerankItem => ({ id, score, streamer, category, ...(kind ? { kind } : {}) });
const ids = (r: { items: RerankItem[] }) => r.items.map((x) => x.id);

function maxRun(items: RerankItem[], key: 'streamer' | 'category'): number {
  let best = 0, run = 0;
  items.forEach((x, i) => { run = i > 0 && items[i - 1][key] === x[key] ? run + 1 : 1; best = Math.max(best, run); });
  return best;
}

test('λ = 1 without rules returns pure score order (ties: input order)', () => {
  const rng = new Rng(3);
  const items = Array.from({ length: 40 }, (_, i) => it(`r${i}`, Math.round(rng.next() * 10) / 10, `s${i % 7}`, `c${i % 3}`));
  const r = rerank(items, params({ size: 40, lambda: 1 }));
  const expected = items.map((x, i) => ({ x, i })).sort((a, b) => b.x.score - a.x.score || a.i - b.i).map((e) => e.x.id);
  assert.deepEqual(ids(r), expected);
  assert.equal(r.search, 'ok');
  assert.deepEqual(r.violations, []);
  assert.equal(rerank(items, params({ size: 5 })).items.length, 5);
});

test('MMR with λ < 1 promotes a new category over a same-category item', () => {
  const items = [it('a1', 0.9, 's1', 'a'), it('a2', 0.85, 's2', 'a'), it('b1', 0.5, 's3', 'b')];
  assert.deepEqual(ids(rerank(items, params({ lambda: 1 }))), ['a1', 'a2', 'b1']);
  // λ=0.5: after a1, a2 scores 0.5·0.875 − 0.5 < b1's 0.5·0 − 0
  assert.deepEqual(ids(rerank(items, params({ lambda: 0.5 }))), ['a1', 'b1', 'a2']);
  // λ=0.9: 0.9·0.875 − 0.1 = 0.6875 > 0 → a2 stays second
  assert.deepEqual(ids(rerank(items, params({ lambda: 0.9 }))), ['a1', 'a2', 'b1']);
});

test('only-live re-check drops rooms that are no longer live', () => {
  const items = [it('a', 3, 's1', 'c'), it('b', 2, 's2', 'c'), it('c', 1, 's3', 'c')];
  const asked: string[] = [];
  const r = rerank(items, params({}), { isLive: (x) => { asked.push(x.id); return x.id !== 'b'; } });
  assert.deepEqual(ids(r), ['a', 'c']);
  assert.deepEqual(r.dropped, [{ id: 'b', reason: 'not_live' }]);
  assert.deepEqual(asked, ['a', 'b', 'c']);
});

test('run rules are never broken when a valid list exists (brute force on small random lists)', () => {
  const rng = new Rng(17);
  let satisfiable = 0, unsatisfiable = 0;
  for (let trial = 0; trial < 300; trial++) {
    const n = 3 + rng.int(5);
    const items = Array.from({ length: n }, (_, i) => it(`r${i}`, rng.next(), `s${rng.int(2)}`, `c${rng.int(3)}`));
    const k = { streamer: 1 + rng.int(2), category: 1 + rng.int(2) };
    const size = 2 + rng.int(n - 1);
    const p = params({ size, lambda: rng.next() < 0.5 ? 1 : 0.6, max_run: k });
    const r = rerank(items, p);
    assert.equal(r.items.length, Math.min(size, n), 'the list is never shortened');
    assert.equal(new Set(ids(r)).size, r.items.length);
    const ok = (seq: RerankItem[]) => maxRun(seq, 'streamer') <= k.streamer && maxRun(seq, 'category') <= k.category;
    // brute force: does any ordered selection of `size` items satisfy both rules?
    let exists = false;
    const used = new Array<boolean>(n).fill(false);
    const seq: RerankItem[] = [];
    const go = (): void => {
      if (exists) return;
      if (!ok(seq)) return;
      if (seq.length === Math.min(size, n)) { exists = true; return; }
      for (let i = 0; i < n; i++) if (!used[i]) { used[i] = true; seq.push(items[i]); go(); seq.pop(); used[i] = false; }
    };
    go();
    if (exists) {
      satisfiable++;
      assert.ok(ok(r.items), `trial ${trial}: ${JSON.stringify(r.items)}`);
      assert.equal(r.search, 'ok');
      assert.deepEqual(r.violations, []);
    } else {
      unsatisfiable++;
      assert.equal(r.search, 'infeasible');
      assert.ok(r.violations.length > 0);
      for (const v of r.violations) assert.equal(r.items[v.position].id, v.id);
    }
  }
  assert.ok(satisfiable > 50 && unsatisfiable > 10, `${satisfiable} / ${unsatisfiable}`);
});

test('backtracking finds the valid order greedy misses; with no budget the greedy fallback reports the violation', () => {
  const items = [it('x1', 0.9, 'X', 'a'), it('y1', 0.8, 'Y', 'b'), it('y2', 0.7, 'Y', 'c')];
  const r = rerank(items, params({ size: 3, max_run: { streamer: 1 } }));
  assert.deepEqual(ids(r), ['y1', 'x1', 'y2']);
  assert.equal(r.search, 'ok');
  const g = rerank(items, params({ size: 3, max_run: { streamer: 1 }, search_budget: 1 }));
  assert.equal(g.search, 'budget');
  assert.deepEqual(ids(g), ['x1', 'y1', 'y2']);
  assert.deepEqual(g.violations, [{ position: 2, id: 'y2', rule: 'streamer_run' }]);
});

test('ad/commerce slots: fixed positions, min gap (across pages), unfilled slots go organic, unslotted kinds dropped', () => {
  const organic = Array.from({ length: 12 }, (_, i) => it(`o${i}`, 1 - i / 100, `s${i}`, `c${i % 4}`));
  const ads = [it('ad1', 0.1, 'A1', 'ads', 'ad'), it('ad2', 0.3, 'A2', 'ads', 'ad'), it('m1', 5, 'M', 'shop', 'commerce'), it('v1', 9, 'V', 'v', 'video')];
  const p = params({ size: 12, slots: { min_gap: 2, positions: { ad: [1, 7], commerce: [4] } } });
  const r = rerank([...ads, ...organic], p);
  assert.equal(r.items.length, 12);
  assert.deepEqual(r.items.map((x, i) => (x.kind ? `${i}:${x.id}` : null)).filter(Boolean), ['1:ad2', '4:m1', '7:ad1']);
  assert.deepEqual(r.dropped, [{ id: 'v1', reason: 'no_slot' }]);
  // the previous page ended 1 organic item after a non-organic one: slot 1 is too close (gap 2 needs ≥ 2)
  const r2 = rerank([...ads, ...organic], p, { sinceLastNonOrganic: 0 });
  assert.deepEqual(r2.items.map((x, i) => (x.kind ? `${i}:${x.id}` : null)).filter(Boolean), ['4:m1', '7:ad2']);
  // no ads at all: every position organic, in score order
  assert.deepEqual(ids(rerank(organic, p)), organic.map((x) => x.id));
  // non-organic items never appear outside their slots, even when they outscore everything
  for (const res of [r, r2]) res.items.forEach((x, i) => { if (x.kind) assert.equal(p.slots.get(i), x.kind); });
});

test('slots and run rules together', () => {
  const organic = Array.from({ length: 10 }, (_, i) => it(`o${i}`, 1 - i / 100, i < 6 ? 'S' : `s${i}`, 'live'));
  const ads = [it('ad', 0.5, 'A', 'ads', 'ad')];
  const p = params({ size: 7, max_run: { streamer: 1, category: 3 }, slots: { positions: { ad: [3] } } });
  const r = rerank([...organic, ...ads], p);
  assert.equal(r.search, 'ok');
  assert.deepEqual(r.violations, []);
  assert.ok(maxRun(r.items, 'streamer') <= 1 && maxRun(r.items, 'category') <= 3, JSON.stringify(ids(r)));
  assert.equal(r.items[3].id, 'ad');
  // one more position would need 4 'live' items after the ad: impossible, reported, not shortened
  const q = rerank([...organic, ...ads], params({ size: 8, max_run: { streamer: 1, category: 3 }, slots: { positions: { ad: [3] } } }));
  assert.equal(q.search, 'infeasible');
  assert.equal(q.items.length, 8);
  assert.deepEqual(q.violations.map((v) => `${v.position}:${v.rule}`), ['7:streamer_run', '7:category_run']);
});

test('deterministic: same output for the same input, and for a shuffled input with distinct scores', () => {
  const rng = new Rng(9);
  const items = Array.from({ length: 60 }, (_, i) => it(`r${i}`, rng.next(), `s${rng.int(8)}`, `c${rng.int(4)}`));
  const p = params({ size: 20, lambda: 0.7, max_run: { streamer: 1, category: 2 } });
  const a = rerank(items, p);
  const shuffled = new Rng(2).permutation(items.length);
  const b = rerank([...shuffled].map((i) => items[i]), p);
  assert.deepEqual(ids(a), ids(b));
  assert.deepEqual(ids(a), ids(rerank(items, p)));
  assert.equal(a.search, 'ok');
});

test('bad input gives clear errors', () => {
  const p = params({});
  assert.throws(() => rerank('x' as never, p), RerankInputError);
  assert.throws(() => rerank([it('a', 1, 's', 'c'), it('a', 2, 's', 'c')], p), /items\[1\]\.id: "a" appears twice/);
  assert.throws(() => rerank([it('a', NaN, 's', 'c')], p), /items\[0\]\.score: expected a finite number/);
  assert.throws(() => rerank([{ id: 'a', score: 1, category: 'c' } as never], p), /items\[0\]\.streamer/);
  assert.deepEqual(rerank([], p).items, []);
});
