// What the long history is worth (docs/sequences.md): the true click and effective-view
// probabilities with the long-term term removed (lt = 0), i.e. the best a model could do without any
// knowledge of the dormant interests. The AUC difference between the oracle and this "no long-term"
// oracle, on a slice, bounds what reading the long history can add there.
import type { Table } from '../table.js';
import { logNormalTail, sigmoid } from './mathx.js';
import { LONG_TERM, SCENARIO_SPECS } from './params.js';
import { SCENARIOS } from './schema.js';
import { examination } from './truth.js';
import { auc } from './auc.js';

/** p_click and p_effective_view of every row as if lt were 0 (NaN click on slide, as in the world). */
export function truthWithoutLongTerm(t: Table): { pClick: Float64Array; pEv: Float64Array } {
  const c = t.columns;
  const need = ['long_term', 'p_click', 'watch_mu', 'scenario_id', 'position'];
  for (const k of need) if (!c[k]) throw new Error(`truthWithoutLongTerm: column "${k}" missing (a long-history world's impressions are needed)`);
  const lt = c.long_term as ArrayLike<number>, pc = c.p_click as ArrayLike<number>, mu = c.watch_mu as ArrayLike<number>;
  const g = c.scenario_id as ArrayLike<number>, pos = c.position as ArrayLike<number>;
  const n = t.numRows;
  const pClick = new Float64Array(n), pEv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const sc = SCENARIO_SPECS[SCENARIOS[g[i]!]!];
    const l = lt[i]!;
    let enter = 1;
    if (sc.positional) {
      const e = examination(pos[i]!);
      const r = pc[i]! / e;
      enter = e * sigmoid(Math.log(r / (1 - r)) - LONG_TERM.click * l);
      pClick[i] = enter;
    } else pClick[i] = NaN;
    pEv[i] = enter * logNormalTail(sc.threshold, mu[i]! - sc.watchGain * LONG_TERM.watch * l, sc.watchSigma);
  }
  return { pClick, pEv };
}

export interface ValueCell { n: number; oracle: number; withoutLongTerm: number; value: number }

/**
 * Oracle AUC vs the no-long-term oracle AUC of click and effective view on rows [from, n) of a
 * long-history world's impressions, on all rows, the long slice (`slice[i] = 1`), its dormant part
 * (long_term > 0) and the rest.
 */
export function longTermValue(t: Table, slice: Uint8Array, from = 0): Record<string, Record<string, ValueCell>> {
  const { pClick, pEv } = truthWithoutLongTerm(t);
  const c = t.columns;
  const lt = c.long_term as ArrayLike<number>;
  const masks: Record<string, (i: number) => boolean> = {
    all: (i) => i >= from, long_slice: (i) => i >= from && slice[i] === 1,
    long_slice_dormant: (i) => i >= from && slice[i] === 1 && lt[i]! > 0, not_slice: (i) => i >= from && slice[i] === 0,
  };
  const out: Record<string, Record<string, ValueCell>> = {};
  for (const [task, y, p, q] of [['click', c.click, c.p_click, pClick], ['effective_view', c.effective_view, c.p_effective_view, pEv]] as const) {
    out[task] = {};
    for (const [name, m] of Object.entries(masks)) {
      let n = 0; for (let i = from; i < t.numRows; i++) if (m(i) && Number.isFinite((y as ArrayLike<number>)[i]!)) n++;
      const a = auc(p as ArrayLike<number>, y as ArrayLike<number>, m), b = auc(q, y as ArrayLike<number>, m);
      out[task]![name] = { n, oracle: a, withoutLongTerm: b, value: a - b };
    }
  }
  return out;
}
