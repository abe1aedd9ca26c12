// Realised statistics of a world: shares, label rates, mean true probabilities, watch means and
// oracle AUCs (true probability vs drawn label), overall and per scenario and country.
import type { NumericColumn, StringColumn } from '../table.js';
import { auc } from './auc.js';
import type { World } from './generate.js';
import { SCENARIOS } from './schema.js';

export interface SliceStats {
  rows: number;
  share: number;
  clickRate: number; pClickMean: number;
  evRate: number; pEvMean: number;
  followRate: number; giftRate: number; orderRate: number;
  pFollowMean: number; pGiftMean: number; pOrderMean: number;
  /** Mean watch seconds over entered impressions (clicked on home/outside, all on slide). */
  watchMeanEntered: number;
  /** Mean watch seconds per impression, and the mean true expectation. */
  watchMeanPerImpression: number; eWatchMean: number;
  oracleAuc: { click: number; effective_view: number; follow: number; gift: number; order: number };
  meanUserActivity: number;
  meanLogFollowers: number;
  medianFollowers: number;
}

export interface WorldStats {
  overall: SliceStats;
  byScenario: Record<string, SliceStats>;
  byCountry: Record<string, SliceStats>;
  /** Mean hist_followed (share of impressions showing a followed streamer). */
  followedShare: number;
  avgLiveRooms: number;
}

function sliceStats(w: World, rows: Int32Array): SliceStats {
  const c = w.impressions.columns;
  const num = (n: string) => c[n] as NumericColumn;
  const click = num('click'); const pClick = num('p_click'); const ev = num('effective_view'); const pEv = num('p_effective_view');
  const fo = num('follow'); const gi = num('gift'); const or = num('order');
  const pFo = num('p_follow'); const pGi = num('p_gift'); const pOr = num('p_order');
  const watch = num('watch_s'); const eW = num('e_watch_s'); const act = num('user_activity'); const fol = num('streamer_followers');
  const scen = c.scenario as StringColumn;
  let nClickRows = 0; let sClick = 0; let sPClick = 0; let sEv = 0; let sPEv = 0; let sFo = 0; let sGi = 0; let sOr = 0;
  let sPFo = 0; let sPGi = 0; let sPOr = 0; let nEntered = 0; let sWatchEntered = 0; let sWatch = 0; let sEW = 0; let sAct = 0; let sLF = 0;
  const fols = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j]!;
    if (!Number.isNaN(click[i]!)) { nClickRows++; sClick += click[i]!; sPClick += pClick[i]!; }
    sEv += ev[i]!; sPEv += pEv[i]!; sFo += fo[i]!; sGi += gi[i]!; sOr += or[i]!;
    sPFo += pFo[i]!; sPGi += pGi[i]!; sPOr += pOr[i]!;
    const entered = scen[i] === 'slide' || click[i] === 1;
    if (entered) { nEntered++; sWatchEntered += watch[i]!; }
    sWatch += watch[i]!; sEW += eW[i]!; sAct += act[i]!; sLF += Math.log1p(fol[i]!); fols[j] = fol[i]!;
  }
  fols.sort();
  const n = rows.length;
  const sub = (col: NumericColumn) => { const a = new Float64Array(n); for (let j = 0; j < n; j++) a[j] = col[rows[j]!]!; return a; };
  return {
    rows: n, share: n / w.impressions.numRows,
    clickRate: sClick / nClickRows, pClickMean: sPClick / nClickRows,
    evRate: sEv / n, pEvMean: sPEv / n,
    followRate: sFo / n, giftRate: sGi / n, orderRate: sOr / n,
    pFollowMean: sPFo / n, pGiftMean: sPGi / n, pOrderMean: sPOr / n,
    watchMeanEntered: sWatchEntered / nEntered,
    watchMeanPerImpression: sWatch / n, eWatchMean: sEW / n,
    oracleAuc: {
      click: auc(sub(pClick), sub(click)),
      effective_view: auc(sub(pEv), sub(ev)),
      follow: auc(sub(pFo), sub(fo)),
      gift: auc(sub(pGi), sub(gi)),
      order: auc(sub(pOr), sub(or)),
    },
    meanUserActivity: sAct / n,
    meanLogFollowers: sLF / n,
    medianFollowers: n ? fols[Math.floor(n / 2)]! : NaN,
  };
}

function groupRows(col: StringColumn, keys: readonly string[]): Record<string, Int32Array> {
  const lists: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < col.length; i++) lists[col[i]!]?.push(i);
  return Object.fromEntries(keys.map((k) => [k, Int32Array.from(lists[k]!)]));
}

export function summarizeWorld(w: World): WorldStats {
  const n = w.impressions.numRows;
  const all = new Int32Array(n); for (let i = 0; i < n; i++) all[i] = i;
  const byS = groupRows(w.impressions.columns.scenario as StringColumn, SCENARIOS);
  const byK = groupRows(w.impressions.columns.country as StringColumn, w.meta.countries);
  const hf = w.impressions.columns.hist_followed as NumericColumn;
  let f = 0; for (let i = 0; i < n; i++) f += hf[i]!;
  return {
    overall: sliceStats(w, all),
    byScenario: Object.fromEntries(SCENARIOS.map((s) => [s, sliceStats(w, byS[s]!)])),
    byCountry: Object.fromEntries(w.meta.countries.map((k) => [k, sliceStats(w, byK[k]!)])),
    followedShare: f / n,
    avgLiveRooms: w.meta.sizes.avgLiveRooms,
  };
}

const pct = (x: number, d = 2) => (Number.isFinite(x) ? `${(100 * x).toFixed(d)}%` : 'n/a');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** A plain-text table of the statistics (what `liverank generate` prints). */
export function formatWorldStats(st: WorldStats): string {
  const head = ['slice', 'rows', 'share', 'CTR', 'EV', 'follow', 'gift', 'order', 'watch|entered', 'AUC click', 'AUC EV', 'AUC follow', 'AUC gift', 'AUC order'];
  const line = (name: string, s: SliceStats) => [name, String(s.rows), pct(s.share, 1), pct(s.clickRate), pct(s.evRate), pct(s.followRate),
    pct(s.giftRate), pct(s.orderRate), `${s.watchMeanEntered.toFixed(1)} s`, f3(s.oracleAuc.click), f3(s.oracleAuc.effective_view),
    f3(s.oracleAuc.follow), f3(s.oracleAuc.gift), f3(s.oracleAuc.order)];
  const rows = [head, line('all', st.overall), ...Object.entries(st.byScenario).map(([k, s]) => line(k, s)),
    ...Object.entries(st.byCountry).map(([k, s]) => line(k, s))];
  const widths = head.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((v, j) => (j === 0 ? v.padEnd(widths[j]!) : v.padStart(widths[j]!))).join('  ')).join('\n');
}
