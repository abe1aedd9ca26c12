import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itemSimilarity, type Interaction } from './item-sim.js';

// Users A {1,2,3}, B {1,2}, C {1,2,3}, D {3}.
const EVENTS: Interaction[] = [
  { user: 'A', item: 1 }, { user: 'A', item: 2 }, { user: 'A', item: 3 },
  { user: 'B', item: 1 }, { user: 'B', item: 2 },
  { user: 'C', item: 1 }, { user: 'C', item: 2 }, { user: 'C', item: 3 }, { user: 'C', item: 1 },
  { user: 'D', item: 3 },
];
const sim = (m: Map<string | number, { item: string | number; sim: number }[]>, i: number, j: number) => m.get(i)!.find((n) => n.item === j)?.sim ?? 0;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('Swing, unweighted (β = 0, α = 1): hand-computed', () => {
  const m = itemSimilarity(EVENTS, { method: 'swing', alpha: 1, user_weight_pow: 0 });
  // (1,2): U1∩U2 = {A,B,C}; pairs {A,B}: |I_A∩I_B| = 2 → 1/3; {A,C}: 3 → 1/4; {B,C}: 2 → 1/3.
  close(sim(m, 1, 2), 1 / 3 + 1 / 4 + 1 / 3);
  close(sim(m, 2, 1), 11 / 12);
  // (1,3) and (2,3): U∩ = {A,C}, |I_A∩I_C| = 3 → 1/4.
  close(sim(m, 1, 3), 1 / 4);
  close(sim(m, 3, 2), 1 / 4);
  assert.deepEqual(m.get(1)!.map((n) => n.item), [2, 3], 'best first');
  assert.deepEqual(m.get(3)!.map((n) => n.item), [1, 2], 'ties by id');
});

test('Swing with the user weight w_u = |I_u|^-0.5 and α = 2', () => {
  const m = itemSimilarity(EVENTS, { method: 'swing', alpha: 2, user_weight_pow: 0.5 });
  const wA = 1 / Math.sqrt(3), wB = 1 / Math.sqrt(2), wC = 1 / Math.sqrt(3);
  close(sim(m, 1, 2), (wA * wB) / (2 + 2) + (wA * wC) / (2 + 3) + (wB * wC) / (2 + 2));
  close(sim(m, 1, 3), (wA * wC) / (2 + 3));
});

test('co-occurrence cosine |U_i ∩ U_j| / sqrt(|U_i||U_j|)', () => {
  const m = itemSimilarity(EVENTS, { method: 'cosine' });
  close(sim(m, 1, 2), 3 / Math.sqrt(3 * 3));
  close(sim(m, 1, 3), 2 / Math.sqrt(3 * 3));
  close(sim(m, 3, 2), 2 / 3);
});

test('caps: a user keeps the most recent max_items_per_user items; top_k cuts the list', () => {
  // E views 9, 1, 2, 3; with max 3 items E keeps {1, 2, 3} (A–D have ≤ 3 and are unchanged).
  const ev = [{ user: 'E', item: 9 }, ...EVENTS, { user: 'E', item: 1 }, { user: 'E', item: 2 }, { user: 'E', item: 3 }];
  const m = itemSimilarity(ev, { method: 'cosine', max_items_per_user: 3, top_k: 1 });
  assert.deepEqual(m.get(9), [], "item 9 fell out of E's capped items");
  // |U_1| = |U_2| = |U_3| = 4: (1,2) = 4/4, (1,3) = 3/4; top_k 1 keeps only (1,2).
  assert.deepEqual(m.get(1), [{ item: 2, sim: 1 }]);
  assert.deepEqual(m.get(3), [{ item: 1, sim: 0.75 }]);
  // A popular-item cap of 2 users keeps each item's 2 most recent users: U_1 = U_2 = {C, E}, U_3 = {D, E}.
  const capped = itemSimilarity(ev, { method: 'cosine', max_users_per_item: 2 });
  close(sim(capped, 1, 2), 1);
  close(sim(capped, 1, 3), 1 / 2);
});
