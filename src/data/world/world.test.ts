// Statistical and consistency tests of the synthetic world (one 200k-impression world, seed 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NumericColumn, StringColumn } from '../table.js';
import { generateWorld, DEFAULT_START_TS, type World } from './generate.js';
import { summarizeWorld, type WorldStats } from './stats.js';
import { COUNTRIES, SCENARIO_SHARES, SCENARIO_SPECS } from './params.js';
import { SCENARIOS, TRUE_PROB_OF } from './schema.js';

const N = 200_000;
let cached: { w: World; s: WorldStats } | undefined;
function world(): { w: World; s: WorldStats } {
  if (!cached) { const w = generateWorld({ impressions: N, seed: 1 }); cached = { w, s: summarizeWorld(w) }; }
  return cached;
}
const num = (w: World, n: string) => w.impressions.columns[n] as NumericColumn;
const str = (w: World, n: string) => w.impressions.columns[n] as StringColumn;
const inRange = (x: number, lo: number, hi: number, what: string) => assert.ok(x >= lo && x <= hi, `${what} = ${x}, expected in [${lo}, ${hi}]`);

test('sizes scale with the number of impressions', () => {
  const { w } = world();
  assert.equal(w.impressions.numRows, N);
  assert.equal(w.meta.sizes.users, N * 0.05);
  inRange(w.meta.sizes.avgLiveRooms, 0.8 * 2400, 1.25 * 2400, 'average live rooms (12k per 1M)');
  assert.equal(w.users.numRows, w.meta.sizes.users);
  assert.equal(w.rooms.numRows, w.meta.sizes.rooms);
});

test('country and scenario shares match the targets', () => {
  const { s } = world();
  for (const k of COUNTRIES) inRange(s.byCountry[k.code]!.share, k.share - Math.max(0.003, 0.12 * k.share), k.share + Math.max(0.003, 0.12 * k.share), `share of ${k.code}`);
  for (const sc of SCENARIOS) inRange(s.byScenario[sc]!.share, SCENARIO_SHARES[sc] - 0.01, SCENARIO_SHARES[sc] + 0.01, `share of ${sc}`);
});

test('label rates are in the stated ranges', () => {
  const { s } = world();
  inRange(s.byScenario.home!.clickRate, 0.06, 0.10, 'home CTR');
  inRange(s.byScenario.outside!.clickRate, 0.03, 0.05, 'outside CTR');
  inRange(s.byScenario.slide!.evRate, 0.25, 0.35, 'slide effective-view rate');
  inRange(s.overall.followRate, 0.005, 0.015, 'follow rate');
  inRange(s.overall.giftRate, 0.0025, 0.0075, 'gift rate');
  inRange(s.overall.orderRate, 0.001, 0.01, 'order rate');
  assert.ok(Number.isNaN(s.byScenario.slide!.clickRate), 'slide has no click');
});

test('watch time per entered impression: home ~180 s, slide ~30 s, outside ~60 s (within 20 %)', () => {
  const { s } = world();
  const target: Record<string, number> = { home: 180, slide: 30, outside: 60 };
  for (const sc of SCENARIOS) inRange(s.byScenario[sc]!.watchMeanEntered / target[sc]!, 0.8, 1.2, `${sc} watch mean / target`);
});

test('oracle AUC of click and effective view is in [0.70, 0.88] overall and per scenario', () => {
  const { s } = world();
  inRange(s.overall.oracleAuc.click, 0.7, 0.88, 'overall click AUC');
  inRange(s.overall.oracleAuc.effective_view, 0.7, 0.88, 'overall effective-view AUC');
  for (const sc of ['home', 'outside']) inRange(s.byScenario[sc]!.oracleAuc.click, 0.7, 0.88, `${sc} click AUC`);
  for (const sc of SCENARIOS) inRange(s.byScenario[sc]!.oracleAuc.effective_view, 0.7, 0.88, `${sc} effective-view AUC`);
});

test('outside flow: more active users and streamers with more followers than inside flow', () => {
  const { w } = world();
  const scen = num(w, 'scenario_id'); const act = num(w, 'user_activity'); const fol = num(w, 'streamer_followers');
  let aIn = 0; let aOut = 0; let fIn = 0; let fOut = 0; let nIn = 0; let nOut = 0;
  for (let i = 0; i < w.impressions.numRows; i++) {
    const lf = Math.log1p(fol[i]!);
    if (scen[i] === 2) { aOut += act[i]!; fOut += lf; nOut++; } else { aIn += act[i]!; fIn += lf; nIn++; }
  }
  assert.ok(aOut / nOut > 1.5 * (aIn / nIn), `user_activity outside ${aOut / nOut} vs inside ${aIn / nIn}`);
  assert.ok(fOut / nOut > fIn / nIn + 0.4, `mean log followers outside ${fOut / nOut} vs inside ${fIn / nIn}`);
});

test('only live rooms are shown, and room/context columns agree with the side tables', () => {
  const { w } = world();
  const rc = w.rooms.columns;
  const start = rc.start_ts as NumericColumn; const end = rc.end_ts as NumericColumn;
  const rs = rc.streamer_id as NumericColumn; const rcat = rc.category_id as NumericColumn;
  const ts = num(w, 'ts'); const room = num(w, 'room_id'); const live = num(w, 'room_live_s'); const hour = num(w, 'hour');
  const sid = num(w, 'streamer_id'); const cat = num(w, 'category_id'); const pos = num(w, 'position'); const scen = num(w, 'scenario_id');
  for (let i = 0; i < w.impressions.numRows; i++) {
    const r = room[i]!;
    if (!(start[r]! <= ts[i]! && ts[i]! < end[r]!)) assert.fail(`row ${i}: room ${r} live [${start[r]}, ${end[r]}) but shown at ${ts[i]}`);
    if (live[i] !== ts[i]! - start[r]! || sid[i] !== rs[r] || cat[i] !== rcat[r]) assert.fail(`row ${i}: room columns disagree with the rooms table`);
    if (hour[i] !== Math.floor(((ts[i]! - DEFAULT_START_TS) % 86400) / 3600)) assert.fail(`row ${i}: hour`);
    if (i > 0 && ts[i]! < ts[i - 1]!) assert.fail(`row ${i}: not in time order`);
    if (scen[i] === 1 ? pos[i] !== 0 : pos[i]! > 19) assert.fail(`row ${i}: position ${pos[i]} in scenario ${scen[i]}`);
  }
});

test('true probabilities are in (0, 1), click exists exactly off slide, labels follow their definitions', () => {
  const { w } = world();
  const scen = num(w, 'scenario_id'); const click = num(w, 'click'); const pc = num(w, 'p_click'); const watch = num(w, 'watch_s');
  const ev = num(w, 'effective_view'); const ew = num(w, 'e_watch_s');
  const thr = SCENARIOS.map((s) => SCENARIO_SPECS[s].threshold);
  const ps = ['p_effective_view', 'p_follow', 'p_gift', 'p_order'].map((n) => num(w, n));
  const ys = ['follow', 'gift', 'order'].map((n) => num(w, n));
  for (let i = 0; i < w.impressions.numRows; i++) {
    const slide = scen[i] === 1;
    if (slide !== Number.isNaN(click[i]!) || slide !== Number.isNaN(pc[i]!)) assert.fail(`row ${i}: click/p_click NaN must mean slide`);
    if (!slide && !(pc[i]! > 0 && pc[i]! < 1)) assert.fail(`row ${i}: p_click ${pc[i]}`);
    for (const p of ps) if (!(p[i]! > 0 && p[i]! < 1)) assert.fail(`row ${i}: probability ${p[i]} not in (0,1)`);
    if (!(ew[i]! > 0)) assert.fail(`row ${i}: e_watch_s ${ew[i]}`);
    if (ev[i] !== (watch[i]! >= thr[scen[i]!]! ? 1 : 0)) assert.fail(`row ${i}: effective_view disagrees with watch_s`);
    const entered = slide || click[i] === 1;
    if (entered ? !(watch[i]! > 0) : watch[i] !== 0 || ys.some((y) => y[i] !== 0)) assert.fail(`row ${i}: watch/follow/gift/order without entering`);
  }
});

test('the generator is calibrated: positive rates match mean true probabilities within sampling error', () => {
  const { w } = world();
  const scen = num(w, 'scenario_id');
  for (const [label, pcol] of Object.entries(TRUE_PROB_OF)) {
    const y = num(w, label); const p = num(w, pcol);
    for (let g = 0; g < 3; g++) {
      let sy = 0; let sp = 0; let v = 0; let n = 0;
      for (let i = 0; i < w.impressions.numRows; i++) {
        if (scen[i] !== g || Number.isNaN(y[i]!)) continue;
        sy += y[i]!; sp += p[i]!; v += p[i]! * (1 - p[i]!); n++;
      }
      if (label === 'click' && g === 1) { assert.equal(n, 0); continue; }
      assert.ok(Math.abs(sy - sp) <= 4 * Math.sqrt(v) + 1, `${label} in ${SCENARIOS[g]}: ${sy} positives vs ${sp.toFixed(1)} expected (sd ${Math.sqrt(v).toFixed(1)})`);
    }
  }
  // Watch seconds: (ln W - watch_mu) / sigma is standard normal over entered impressions.
  const watch = num(w, 'watch_s'); const mu = num(w, 'watch_mu'); const click = num(w, 'click');
  for (let g = 0; g < 3; g++) {
    const sigma = SCENARIO_SPECS[SCENARIOS[g]!].watchSigma;
    let s1 = 0; let s2 = 0; let n = 0;
    for (let i = 0; i < w.impressions.numRows; i++) {
      if (scen[i] !== g || (g !== 1 && click[i] !== 1)) continue;
      const z = (Math.log(watch[i]!) - mu[i]!) / sigma; s1 += z; s2 += z * z; n++;
    }
    assert.ok(Math.abs(s1 / n) < 4 / Math.sqrt(n), `${SCENARIOS[g]}: mean z ${s1 / n}`);
    assert.ok(Math.abs(s2 / n - 1) < 6 * Math.sqrt(2 / n), `${SCENARIOS[g]}: mean z^2 ${s2 / n}`);
  }
});

test('position bias: the true click probability falls with position on home and outside', () => {
  const { w } = world();
  const scen = num(w, 'scenario_id'); const pos = num(w, 'position'); const pc = num(w, 'p_click');
  for (const g of [0, 2]) {
    let top = 0; let nt = 0; let low = 0; let nl = 0;
    for (let i = 0; i < w.impressions.numRows; i++) {
      if (scen[i] !== g) continue;
      if (pos[i]! <= 1) { top += pc[i]!; nt++; } else if (pos[i]! >= 10) { low += pc[i]!; nl++; }
    }
    assert.ok(top / nt > 1.5 * (low / nl), `${SCENARIOS[g]}: mean p_click top ${top / nt} vs pos>=10 ${low / nl}`);
  }
});

test('history columns are consistent with the world\'s own earlier events', () => {
  const { w } = world();
  const u = num(w, 'user_id'); const s = num(w, 'streamer_id'); const watch = num(w, 'watch_s'); const fo = num(w, 'follow');
  const ev = num(w, 'effective_view'); const hsw = num(w, 'hist_streamer_watch_s'); const hf = num(w, 'hist_followed');
  const tot = num(w, 'hist_total_watch_s'); const fc = num(w, 'user_follow_count'); const seq = str(w, 'seq_streamer_ids');
  const lastPair = new Map<string, number>(); const lastUser = new Map<number, number>();
  let pairs = 0; let evChecks = 0;
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.abs(b) + 0.01;
  for (let i = 0; i < w.impressions.numRows; i++) {
    const key = `${u[i]},${s[i]}`;
    const j = lastPair.get(key);
    if (j !== undefined) {
      pairs++;
      if (!close(hsw[i]!, hsw[j]! + watch[j]!)) assert.fail(`row ${i}: hist_streamer_watch_s ${hsw[i]} != ${hsw[j]} + ${watch[j]}`);
      if (hf[i] !== (hf[j] || fo[j] ? 1 : 0)) assert.fail(`row ${i}: hist_followed ${hf[i]} after followed=${hf[j]} follow=${fo[j]}`);
    }
    const k = lastUser.get(u[i]!);
    if (k !== undefined) {
      if (!close(tot[i]!, tot[k]! + watch[k]!)) assert.fail(`row ${i}: hist_total_watch_s`);
      if (fc[i] !== fc[k]! + (fo[k] && !hf[k] ? 1 : 0)) assert.fail(`row ${i}: user_follow_count ${fc[i]} after ${fc[k]}`);
      if (ev[k]) { evChecks++; if (!(seq[i] === String(s[k]) || seq[i]!.startsWith(`${s[k]}|`))) assert.fail(`row ${i}: sequence does not start with ${s[k]}: ${seq[i]}`); }
      else if (seq[i] !== seq[k]) assert.fail(`row ${i}: sequence changed without an effective view`);
    }
    if (seq[i] !== '' && seq[i]!.split('|').length > 20) assert.fail(`row ${i}: sequence longer than 20`);
    lastPair.set(key, i); lastUser.set(u[i]!, i);
  }
  assert.ok(pairs > 5000 && evChecks > 10000, `too few repeated pairs (${pairs}) or sequence checks (${evChecks}) to be meaningful`);
});

test('followed streamers and category taste raise the true rates markedly', () => {
  const { w } = world();
  const hf = num(w, 'hist_followed'); const scen = num(w, 'scenario_id');
  for (const p of ['p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order']) {
    const pc = num(w, p);
    let a = 0; let na = 0; let b = 0; let nb = 0;
    for (let i = 0; i < w.impressions.numRows; i++) {
      if (scen[i] !== 0) continue; // home
      if (hf[i]) { a += pc[i]!; na++; } else { b += pc[i]!; nb++; }
    }
    const ratio = a / na / (b / nb);
    if (p === 'p_follow') assert.ok(ratio < 0.1, `already-followed streamers are rarely followed again (${ratio})`);
    else assert.ok(ratio > 1.5, `${p}: followed / not followed = ${ratio}`);
  }
  // Taste: a(u, c) from the users table and meta.latent; top vs bottom third of impressions.
  const uc = w.users.columns; const L = w.meta.latent;
  const taste = [0, 1, 2].map((d) => uc[`latent_taste_${d}`] as NumericColumn);
  const uid = num(w, 'user_id'); const cat = num(w, 'category_id'); const k = num(w, 'country_id');
  const a = new Float64Array(w.impressions.numRows);
  for (let i = 0; i < a.length; i++) {
    let v = L.countryTaste[k[i]!]![cat[i]!]!;
    for (let d = 0; d < 3; d++) v += taste[d]![uid[i]!]! * L.categoryFactor[cat[i]!]![d]!;
    a[i] = v;
  }
  const sorted = Float64Array.from(a).sort();
  const lo = sorted[Math.floor(a.length / 3)]!; const hi = sorted[Math.floor((2 * a.length) / 3)]!;
  for (const p of ['p_click', 'p_effective_view', 'p_follow', 'p_gift', 'p_order']) {
    const pc = num(w, p);
    let t = 0; let nt = 0; let b = 0; let nb = 0;
    for (let i = 0; i < a.length; i++) {
      if (scen[i] !== 0) continue;
      if (a[i]! >= hi) { t += pc[i]!; nt++; } else if (a[i]! <= lo) { b += pc[i]!; nb++; }
    }
    assert.ok(t / nt > 1.5 * (b / nb), `${p}: preferred-category third ${t / nt} vs least-preferred third ${b / nb}`);
  }
});
