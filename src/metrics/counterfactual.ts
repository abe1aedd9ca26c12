// Counterfactual ranking quality: served scores judged against what the user would have done at
// the top (a counterfactual label, e.g. the synthetic world's click_at_top) rather than against the
// logged label, beside the oracle (the true position-free relevance probability scored the same
// way). Rows whose counterfactual label is missing (NaN, e.g. slide has no click) are skipped and
// counted; every other row must have a finite score, a finite oracle and a 0/1 label.
import { auc } from './auc.js';

export interface CounterfactualSlice {
  /** AUC of the served scores against the counterfactual labels (NaN when a class is missing). */
  auc: number;
  /** AUC of the oracle relevance probability against the same labels. */
  oracle_auc: number;
  /** Rows used. */
  n: number;
}

export interface CounterfactualResult {
  all: CounterfactualSlice;
  by_scenario: Record<string, CounterfactualSlice>;
  /** Rows skipped because their counterfactual label is NaN. */
  skipped: number;
}

export interface CounterfactualInput {
  /** Served score per row (bias features at their canonical values). */
  scores: ArrayLike<number>;
  /** Counterfactual label per row: 0, 1, or NaN (skipped). */
  labels: ArrayLike<number>;
  /** Oracle: the true relevance probability per row. */
  oracle: ArrayLike<number>;
  /** Scenario per row. */
  scenarios: ArrayLike<string | null>;
}

/** `{ all: { auc, oracle_auc, n }, by_scenario: { <scenario>: … }, skipped }`, scenarios in order of first appearance. */
export function counterfactualAuc(input: CounterfactualInput, what = 'counterfactual'): CounterfactualResult {
  const { scores, labels, oracle, scenarios } = input;
  const n = labels.length;
  for (const [name, a] of [['scores', scores], ['oracle', oracle], ['scenarios', scenarios]] as const) {
    if (a.length !== n) throw new Error(`${what}: ${name} has ${a.length} rows, labels has ${n}`);
  }
  const rows = new Map<string, number[]>();
  const all: number[] = [];
  let skipped = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (Number.isNaN(y)) { skipped++; continue; }
    if (y !== 0 && y !== 1) throw new Error(`${what}: row ${i}: label ${y} is not 0, 1 or NaN (missing)`);
    if (!Number.isFinite(scores[i]!)) throw new Error(`${what}: row ${i}: score ${scores[i]} is not a finite number (the label is ${y})`);
    if (!Number.isFinite(oracle[i]!)) throw new Error(`${what}: row ${i}: oracle probability ${oracle[i]} is not a finite number (the label is ${y})`);
    const s = scenarios[i];
    if (typeof s !== 'string') throw new Error(`${what}: row ${i}: scenario is missing (${String(s)})`);
    let list = rows.get(s);
    if (!list) { list = []; rows.set(s, list); }
    list.push(i);
    all.push(i);
  }
  return {
    all: slice(all, scores, labels, oracle),
    by_scenario: Object.fromEntries([...rows].map(([s, idx]) => [s, slice(idx, scores, labels, oracle)])),
    skipped,
  };
}

function slice(idx: number[], scores: ArrayLike<number>, labels: ArrayLike<number>, oracle: ArrayLike<number>): CounterfactualSlice {
  const m = idx.length;
  const s = new Float64Array(m); const o = new Float64Array(m); const y = new Uint8Array(m);
  for (let j = 0; j < m; j++) { const i = idx[j]!; s[j] = scores[i]!; o[j] = oracle[i]!; y[j] = labels[i]!; }
  return { auc: auc(s, y), oracle_auc: auc(o, y), n: m };
}
