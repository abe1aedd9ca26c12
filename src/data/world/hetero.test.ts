// The heterogeneity option (docs/world.md §10): the default world stays byte-identical, the
// heterogeneous one is deterministic, docs/world.md states its coefficients, its truth columns are
// the documented formula, and its scenarios and countries really rank differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type NumericColumn, type StringColumn } from '../table.js';
import { hashTable, hashWorld } from './fixtures/hash.js';
import { generateWorld, type World } from './generate.js';
import { COUNTRIES, CATEGORIES, SCENARIO_SPECS } from './params.js';
import { SCENARIOS } from './schema.js';
import { DRIVERS, DRIVER_SYMBOLS, HETERO_TASKS, MULTI_SCENARIO, type HeteroSpec } from './hetero-params.js';
import { computeTruthHetero, examCurve, heteroModel } from './hetero.js';
import { emptyTruth, type TruthInput } from './truth.js';
import { logNormalTail, sigmoid } from './mathx.js';
import { loadTrainConfig, parseTrainConfig } from '../../train/config.js';
import { loadSplits } from '../../train/dataset.js';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

const hashMeta = (w: World) => { const { generationMs: _g, phaseMs: _p, ...m } = w.meta; return createHash('sha256').update(JSON.stringify(m)).digest('hex'); };

test('the default world is byte-identical to the world before the heterogeneity option', () => {
  // Hashes of generateWorld({ impressions: 30000, seed: 5 }) taken before the option existed. If the
  // default world is changed on purpose, update them (and docs/world.md §7).
  const w = generateWorld({ impressions: 30_000, seed: 5 });
  assert.equal(hashWorld(w), '87ea6cbb8a51f6be7410fec8912fa879d3dd9624bf7d1258aa9b3b4fee4e000a:064224ce50e5f36a232ee901dfbb1c2356e8e278db0585e5d2243060f852a825:bda155c7e3e8d7aa5bd09b539f48b322677e33398a72ccfd2a105fe7a30e89e2');
  assert.equal(hashMeta(w), '8a7a797ddaeb28144d82eb38ffb0784642e2285972e35b2fae15f32adfbdbd96');
  const none = generateWorld({ impressions: 30_000, seed: 5, heterogeneity: 'none' });
  assert.equal(hashWorld(none), hashWorld(w));
  assert.equal(hashMeta(none), hashMeta(w));
  assert.ok(!('heterogeneity' in w.meta) && !('heterogeneity' in w.meta.options));
});

test('multi_scenario is deterministic, recorded in meta, and changes the truth', () => {
  const a = generateWorld({ impressions: 20_000, seed: 4, heterogeneity: 'multi_scenario' });
  const b = generateWorld({ impressions: 20_000, seed: 4, heterogeneity: 'multi_scenario' });
  const off = generateWorld({ impressions: 20_000, seed: 4 });
  assert.equal(hashWorld(a), hashWorld(b));
  assert.equal(hashMeta(a), hashMeta(b));
  assert.equal(a.meta.options.heterogeneity, 'multi_scenario');
  assert.deepEqual(a.meta.heterogeneity, MULTI_SCENARIO);
  assert.notEqual(hashTable(a.impressions), hashTable(off.impressions));
  assert.deepEqual(a.meta.latent, off.meta.latent, 'same taste structure');
  const pa = a.impressions.columns.p_effective_view as NumericColumn; const po = off.impressions.columns.p_effective_view as NumericColumn;
  assert.notEqual(pa[0], po[0], 'the first impression (same user, room and inputs) has another truth');
  assert.equal((a.impressions.columns.room_id as NumericColumn)[0], (off.impressions.columns.room_id as NumericColumn)[0]);
  assert.throws(() => generateWorld({ impressions: 2000, heterogeneity: 'scenario' as 'none' }), /heterogeneity: expected one of none, multi_scenario, got "scenario"/);
});

// ---- docs/world.md §10 as data ---------------------------------------------------------------

function docTables(): string[][][] {
  const md = readFileSync(root('docs/world.md'), 'utf8');
  const sec = md.slice(md.indexOf('## 10. Heterogeneity'), md.indexOf('## 11.'));
  assert.ok(sec.length > 100, 'docs/world.md has a §10 on heterogeneity');
  const tables: string[][][] = []; let cur: string[][] | null = null;
  for (const line of sec.split('\n')) {
    if (!line.startsWith('|')) { cur = null; continue; }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.every((c) => /^-+:?$/.test(c))) continue;
    if (!cur) { cur = []; tables.push(cur); }
    cur.push(cells);
  }
  return tables;
}
const docNum = (c: string) => (c === '·' ? 0 : Number(c));

/** The spec as docs/world.md states it. */
function specFromDocs(): HeteroSpec {
  const tables = docTables();
  const find = (head: string) => { const t = tables.find((x) => x[0]!.slice(0, 3).join(',') === head); assert.ok(t, `docs/world.md §10: no table starting ${head}`); return t; };
  const sym = Object.fromEntries(DRIVERS.map((d) => [DRIVER_SYMBOLS[d], d]));
  const coefs = (head: string[], row: string[], from: number) => Object.fromEntries(head.slice(from).map((h, j) => [sym[h]!, docNum(row[from + j]!)]).filter(([, v]) => v !== 0));
  const intercepts: Record<string, Record<string, number>> = {}; const coef: Record<string, Record<string, unknown>> = {};
  const [ch, ...crows] = find('task,scenario,intercept');
  for (const r of crows) {
    (intercepts[r[1]!] ??= { click0: 0 })[`${r[0]}0`] = Number(r[2]);
    (coef[r[0]!] ??= {})[r[1]!] = coefs(ch!, r, 3);
  }
  const countryDelta: Record<string, Record<string, unknown>> = {};
  const [dh, ...drows] = find('country,task,a');
  for (const r of drows) (countryDelta[r[0]!] ??= {})[r[1]!] = coefs(dh!, r, 2);
  const countryLevel: Record<string, Record<string, number>> = {};
  const [lh, ...lrows] = find('country,click,watch');
  for (const r of lrows) countryLevel[r[0]!] = Object.fromEntries(lh!.slice(1).map((t, j) => [t, docNum(r[1 + j]!)]));
  const exam: Record<string, { floor: number; power: number; decay: number }> = {};
  for (const r of find('scenario,floor,power').slice(1)) exam[r[0]!] = { floor: Number(r[1]), power: Number(r[2]), decay: Number(r[3]) };
  return { intercepts, coef, countryDelta, countryLevel, exam } as unknown as HeteroSpec;
}

test('docs/world.md §10 states every coefficient of multi_scenario', () => {
  const doc = specFromDocs();
  const norm = (s: HeteroSpec) => JSON.parse(JSON.stringify(s, (_k, v) => (v === 0 ? undefined : v))) as unknown;
  assert.deepEqual(norm(doc), norm(MULTI_SCENARIO));
  // The examination values printed beside the curves.
  const examRows = docTables().find((t) => t[0]![0] === 'scenario' && t[0]![1] === 'floor')!;
  for (const r of examRows.slice(1)) {
    const c = MULTI_SCENARIO.exam[r[0] as 'home' | 'outside'];
    [0, 1, 2, 5, 10, 19].forEach((p, j) => assert.equal(Number(r[4 + j]), Number(examCurve(c, p).toFixed(3)), `${r[0]} e(${p})`));
  }
});

// ---- the truth, recomputed from the documented formula ---------------------------------------

const N = 60_000;
let cached: { w: World; a: Float64Array } | undefined;
/** A heterogeneous world and each impression's taste affinity a(u, c) from the side tables. */
function heteroWorld(): { w: World; a: Float64Array } {
  if (cached) return cached;
  const w = generateWorld({ impressions: N, seed: 7, heterogeneity: 'multi_scenario' });
  const c = w.impressions.columns; const uc = w.users.columns; const L = w.meta.latent;
  const uid = uc.user_id as NumericColumn; const rowOf = new Int32Array(uid.length);
  for (let i = 0; i < uid.length; i++) rowOf[uid[i]!] = i;
  const taste = [0, 1, 2].map((d) => uc[`latent_taste_${d}`] as NumericColumn);
  const user = c.user_id as NumericColumn; const cat = c.category_id as NumericColumn; const k = c.country_id as NumericColumn;
  const a = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let v = L.countryTaste[k[i]!]![cat[i]!]!;
    for (let d = 0; d < 3; d++) v += taste[d]![rowOf[user[i]!]!]! * L.categoryFactor[cat[i]!]![d]!;
    a[i] = v;
  }
  cached = { w, a };
  return cached;
}

/** The documented inputs d of row i (docs/world.md §4), keyed by driver. */
function drivers(w: World, a: Float64Array, i: number): Record<string, number> {
  const c = w.impressions.columns; const num = (n: string) => (c[n] as NumericColumn)[i]!;
  const rc = w.rooms.columns; const room = num('room_id');
  const seq = (c.seq_category_ids as StringColumn)[i]!;
  const hits = seq ? seq.split('|').filter((x) => Number(x) === num('category_id')).length : 0;
  return {
    taste: a[i]!, followed: num('hist_followed'), streamerWatch: Math.min(Math.log1p(num('hist_streamer_watch_s') / 60), 6),
    followers: (Math.log1p(num('streamer_followers')) - 6.5) / 1.8, viewers: (Math.log1p(num('room_viewers')) - 2.5) / 1.5,
    sameCountry: (c.room_country as StringColumn)[i] === (c.country as StringColumn)[i] ? 1 : 0,
    activity: Math.log(num('user_activity') / w.meta.activityScale) / 1.3, seqHit: Math.min(hits, 4) / 4,
    hour: Math.cos((2 * Math.PI * (num('hour') - 21)) / 24),
    quality: (rc.latent_quality as NumericColumn)[room]!, style: (rc.latent_style as NumericColumn)[room]!,
  };
}

test('the true probabilities are the documented formula (every row recomputed from docs/world.md §10)', () => {
  const { w, a } = heteroWorld();
  const spec = specFromDocs();
  const c = w.impressions.columns; const col = (n: string) => c[n] as NumericColumn;
  const kappa = { follow: 1.5, gift: 1.2, order: 0.8 } as const;
  const seen = new Set<string>();
  let worst = 0;
  for (let i = 0; i < N; i++) {
    const s = SCENARIOS[col('scenario_id')[i]!]!; const kc = COUNTRIES[col('country_id')[i]!]!; const cat = CATEGORIES[col('category_id')[i]!]!;
    const d = drivers(w, a, i);
    const lin = (t: (typeof HETERO_TASKS)[number]) => {
      let v = spec.intercepts[s][`${t}0`] + (spec.countryLevel[kc.code]?.[t] ?? 0);
      for (const dr of DRIVERS) v += ((spec.coef[t][s]?.[dr] ?? 0) + (spec.countryDelta[kc.code]?.[t]?.[dr] ?? 0)) * d[dr]!;
      return v;
    };
    const sc = SCENARIO_SPECS[s];
    const pEnter = s === 'slide' ? 1 : (spec.exam[s as 'home' | 'outside'].floor + (1 - spec.exam[s as 'home' | 'outside'].floor)
      * Math.pow(1 + col('position')[i]!, -spec.exam[s as 'home' | 'outside'].power) * Math.pow(spec.exam[s as 'home' | 'outside'].decay, col('position')[i]!))
      * sigmoid(lin('click') + kc.click);
    const mu = lin('watch') + kc.watch + cat.watch;
    const q = logNormalTail(sc.threshold, mu, sc.watchSigma);
    const mixed = (l: number, k: number) => pEnter * (q * sigmoid(l + k) + (1 - q) * sigmoid(l));
    const expect: Record<string, number> = {
      watch_mu: mu, p_effective_view: pEnter * q, e_watch_s: pEnter * Math.exp(mu + sc.watchSigma ** 2 / 2),
      p_follow: mixed(lin('follow') + kc.follow, kappa.follow),
      p_gift: mixed(lin('gift') + kc.gift + cat.gift, kappa.gift),
      p_order: mixed(lin('order') + kc.order + cat.order, kappa.order),
    };
    if (s !== 'slide') expect.p_click = pEnter; else assert.ok(Number.isNaN(col('p_click')[i]!));
    for (const [name, v] of Object.entries(expect)) {
      const err = name === 'watch_mu' ? Math.abs(col(name)[i]! - v) : Math.abs(col(name)[i]! / v - 1);
      worst = Math.max(worst, err);
      if (!(err < 2e-5)) assert.fail(`row ${i} (${s}, ${kc.code}): ${name} ${col(name)[i]} but the documented formula gives ${v}`);
    }
    seen.add(`${s}|${kc.code}`);
  }
  // Every scenario × country cell was checked (the latents in the side tables are float32: worst error ~1e-6).
  assert.equal(seen.size, SCENARIOS.length * COUNTRIES.length);
  assert.ok(worst < 2e-5);
});

test('examination curves differ by scenario (home gentle, outside a steep cascade, none on slide)', () => {
  const m = heteroModel('multi_scenario')!;
  const x: TruthInput = { scenario: 0, position: 0, country: 1, category: 3, affinity: 0.5, followed: 0, streamerWatchS: 100, followers: 2000,
    viewers: 40, sameCountry: 1, activityZ: 0, seqHits: 1, hour: 20, style: 0, quality: 0 };
  const p = (scenario: number, position: number) => computeTruthHetero({ ...x, scenario, position }, emptyTruth(), m);
  for (const [s, g] of [['home', 0], ['outside', 2]] as const) {
    for (const pos of [1, 5, 19]) {
      assert.ok(Math.abs(p(g, pos).pClick / p(g, 0).pClick - examCurve(MULTI_SCENARIO.exam[s], pos)) < 1e-12, `${s} pos ${pos}`);
    }
  }
  assert.ok(p(0, 19).pClick / p(0, 0).pClick > 0.5, 'home: the bottom of the feed is still seen half as often');
  assert.ok(p(2, 10).pClick / p(2, 0).pClick < 0.2, 'outside: cards below the first few are seldom seen');
  assert.equal(p(1, 7).pEv, p(1, 0).pEv, 'slide has no position effect');
});

/** Pearson correlation of x and y over the rows where keep is true. */
function corr(n: number, x: (i: number) => number, y: (i: number) => number, keep: (i: number) => boolean): number {
  let k = 0; let sx = 0; let sy = 0; let sxx = 0; let syy = 0; let sxy = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    const a = x(i); const b = y(i);
    k++; sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
  }
  return (sxy - (sx * sy) / k) / Math.sqrt((sxx - (sx * sx) / k) * (syy - (sy * sy) / k));
}

test('scenario and country coefficients change the ranking (driver-to-logit correlations differ as documented)', () => {
  const { w, a } = heteroWorld();
  const off = generateWorld({ impressions: N, seed: 7 });
  const run = (world: World, exam: (s: number, pos: number) => number) => {
    const c = world.impressions.columns; const col = (n: string) => c[n] as NumericColumn;
    const sc = col('scenario_id'); const pos = col('position'); const pc = col('p_click'); const mu = col('watch_mu');
    const lf = (i: number) => Math.log1p(col('streamer_followers')[i]!); const lv = (i: number) => Math.log1p(col('room_viewers')[i]!);
    const same = (i: number) => ((c.room_country as StringColumn)[i] === (c.country as StringColumn)[i] ? 1 : 0);
    // The click logit without the examination factor.
    const lclick = (i: number) => { const p = pc[i]! / exam(sc[i]!, pos[i]!); return Math.log(p / (1 - p)); };
    const n = world.impressions.numRows; const inS = (g: number) => (i: number) => sc[i] === g;
    return {
      lfClick: [corr(n, lf, lclick, inS(0)), corr(n, lf, lclick, inS(2))],
      sameClick: [corr(n, same, lclick, inS(0)), corr(n, same, lclick, inS(2))],
      lvWatch: [0, 1, 2].map((g) => corr(n, lv, (i) => mu[i]!, inS(g))),
    };
  };
  const h = run(w, (s, p) => (s === 0 ? examCurve(MULTI_SCENARIO.exam.home, p) : examCurve(MULTI_SCENARIO.exam.outside, p)));
  const d = run(off, (_s, p) => Math.pow(1 + p, -0.4));
  // Followers: no click driver on home (−0.2), the main one outside (+0.9); the default world has one slope (+0.2).
  assert.ok(h.lfClick[0]! < 0.05 && h.lfClick[1]! > 0.3, `followers vs click logit, home / outside: ${h.lfClick}`);
  assert.ok(Math.abs(d.lfClick[0]! - d.lfClick[1]!) < 0.15, `default world: ${d.lfClick}`);
  assert.ok(h.sameClick[1]! > h.sameClick[0]! + 0.2, `same country vs click logit, home / outside: ${h.sameClick}`);
  // Live viewers drive the slide watch (β 0.8), not the home watch (0).
  assert.ok(h.lvWatch[1]! > 0.35 && Math.abs(h.lvWatch[0]!) < 0.15, `viewers vs watch mu, home / slide / outside: ${h.lvWatch}`);
  assert.ok(h.lvWatch[1]! > d.lvWatch[1]! + 0.15, `slide watch follows viewers more than in the default world: ${h.lvWatch} vs ${d.lvWatch}`);
  // Countries: taste hardly moves MX's home click (1.2 − 0.8) and moves TH's most (1.2 + 0.8).
  const c = w.impressions.columns; const col = (n: string) => c[n] as NumericColumn; const country = c.country as StringColumn;
  const sc = col('scenario_id'); const pc = col('p_click'); const pos = col('position');
  const lclick = (i: number) => { const p = pc[i]! / examCurve(MULTI_SCENARIO.exam.home, pos[i]!); return Math.log(p / (1 - p)); };
  const tasteHome = (k: string) => corr(N, (i) => a[i]!, lclick, (i) => sc[i] === 0 && country[i] === k);
  const [mx, id, th] = ['MX', 'ID', 'TH'].map(tasteHome) as [number, number, number];
  assert.ok(mx < id - 0.15 && th > id, `taste vs home click logit: MX ${mx}, ID ${id}, TH ${th}`);
});

// ---- reachable from the training config and the CLI ------------------------------------------

test('data.heterogeneity in a training config reaches the world; bad values name the field', async () => {
  const cfg = loadTrainConfig(root('examples/world-hetero.yaml'));
  assert.ok(cfg.data.source === 'world' && cfg.data.heterogeneity === 'multi_scenario');
  const { baseDir: _b, ...parsed } = cfg;
  const raw = { ...parsed, data: { source: 'world', heterogeneity: 'multi_scenario', impressions: 4000, world_seed: 3, split: [0.5, 0.25, 0.25] } };
  const small = parseTrainConfig(raw, cfg.baseDir);
  const splits = await loadSplits(small);
  const w = generateWorld({ impressions: 4000, seed: 3, heterogeneity: 'multi_scenario' });
  assert.deepEqual(Array.from((splits.train.columns.p_gift as NumericColumn).slice(0, 50)), Array.from((w.impressions.columns.p_gift as NumericColumn).slice(0, 50)));
  assert.throws(() => parseTrainConfig({ ...raw, data: { ...raw.data, heterogeneity: 'by_scenario' } }, cfg.baseDir), /data\.heterogeneity/);
});

test('liverank generate --heterogeneity multi_scenario writes the coefficients into meta.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-hetero-'));
  const run = (...args: string[]) => spawnSync(process.execPath, [root('bin/liverank.mjs'), 'generate', '-q', ...args], { encoding: 'utf8' });
  try {
    const r = run('-n', '3000', '--heterogeneity', 'multi_scenario', '--out', join(dir, 'w.csv'));
    assert.equal(r.status, 0, r.stderr);
    const meta = JSON.parse(readFileSync(join(dir, 'w.meta.json'), 'utf8')) as { options: { heterogeneity?: string }; heterogeneity?: unknown };
    assert.equal(meta.options.heterogeneity, 'multi_scenario');
    assert.deepEqual(meta.heterogeneity, JSON.parse(JSON.stringify(MULTI_SCENARIO)));
    const bad = run('-n', '3000', '--heterogeneity', 'yes', '--out', join(dir, 'x.csv'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--heterogeneity: expected one of none, multi_scenario/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
