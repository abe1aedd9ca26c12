// The biased logging policy (docs/world.md §12): today's world stays byte-identical, the biased one
// writes exact counterfactual truth (p_click = p_examine · p_click_relevance, click_at_top drawn
// from p_click_relevance) and confounds position with relevance, alone and with multi_scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../util/rng.js';
import { type NumericColumn, type StringColumn } from '../table.js';
import { hashTable, hashWorld } from './fixtures/hash.js';
import { generateWorld, type World } from './generate.js';
import { examination } from './truth.js';
import { examCurve } from './hetero.js';
import { MULTI_SCENARIO } from './hetero-params.js';
import { BIASED_LOG, BiasedLogger, parseLoggingNoise, parseLoggingPolicy } from './biased-log.js';
import { BIASED_LOG_COLUMNS, FEATURE_COLUMNS, IMPRESSION_COLUMNS, TRUTH_COLUMNS, impressionColumnsOf } from './schema.js';
import { summarizeWorld } from './stats.js';
import { writeWorld } from './write.js';
import { loadTrainConfig, parseTrainConfig } from '../../train/config.js';
import { loadSplits } from '../../train/dataset.js';

const num = (w: World, n: string) => w.impressions.columns[n] as NumericColumn;
const CF = ['p_click_relevance', 'click_at_top', 'p_examine'];

test('logging_policy random (the default) is today\'s world byte for byte, without the counterfactual columns', () => {
  const w = generateWorld({ impressions: 30_000, seed: 5, loggingPolicy: 'random' });
  // The pinned hash of generateWorld({ impressions: 30000, seed: 5 }) (hetero.test.ts).
  assert.equal(hashWorld(w), '87ea6cbb8a51f6be7410fec8912fa879d3dd9624bf7d1258aa9b3b4fee4e000a:064224ce50e5f36a232ee901dfbb1c2356e8e278db0585e5d2243060f852a825:bda155c7e3e8d7aa5bd09b539f48b322677e33398a72ccfd2a105fe7a30e89e2');
  for (const c of CF) assert.ok(!(c in w.impressions.columns), `${c} only in the biased world`);
  assert.ok(!('loggingPolicy' in w.meta) && !('loggingPolicy' in w.meta.options));
});

const cache = new Map<string, World>();
function world(het: 'none' | 'multi_scenario', policy: 'random' | 'biased' = 'biased'): World {
  const key = `${het}:${policy}`;
  if (!cache.has(key)) cache.set(key, generateWorld({ impressions: 60_000, seed: 3, heterogeneity: het, loggingPolicy: policy }));
  return cache.get(key)!;
}

for (const het of ['none', 'multi_scenario'] as const) {
  test(`biased log (${het}): p_click = p_examine · p_click_relevance exactly; p_examine is the documented curve; slide NaN / 1`, () => {
    const w = world(het);
    const sc = w.impressions.columns.scenario as StringColumn;
    const pos = num(w, 'position'); const pc = num(w, 'p_click'); const pr = num(w, 'p_click_relevance');
    const pe = num(w, 'p_examine'); const cat = num(w, 'click_at_top'); const click = num(w, 'click');
    const curve = (s: string, k: number) => (het === 'none' ? examination(k) : examCurve(MULTI_SCENARIO.exam[s as 'home' | 'outside'], k));
    let positional = 0;
    for (let i = 0; i < w.impressions.numRows; i++) {
      if (sc[i] === 'slide') {
        assert.ok(Number.isNaN(pr[i]!) && Number.isNaN(cat[i]!) && Number.isNaN(click[i]!), `row ${i}: slide has no click`);
        assert.equal(pe[i], 1);
        continue;
      }
      positional++;
      assert.equal(pc[i], pe[i]! * pr[i]!, `row ${i}: p_click = p_examine · p_click_relevance`);
      assert.equal(pe[i], curve(sc[i]!, pos[i]!), `row ${i}: e(${pos[i]}) on ${sc[i]}`);
      assert.ok(pr[i]! > 0 && pr[i]! < 1);
      assert.ok(cat[i] === 0 || cat[i] === 1);
      assert.ok(click[i]! <= cat[i]!, `row ${i}: a click implies a click at the top (coupled draw)`);
    }
    assert.ok(positional > 20_000);
    const m = w.meta.loggingPolicy!;
    assert.equal(m.kind, 'biased');
    assert.equal(m.noise, BIASED_LOG.noise); assert.equal(m.streamerNoise, BIASED_LOG.streamerNoise);
    for (const s of ['home', 'outside']) assert.deepEqual(m.examination[s], Array.from({ length: 20 }, (_, k) => curve(s, k)));
    assert.equal(w.meta.options.loggingPolicy, 'biased');
  });

  test(`biased log (${het}): click_at_top counts match Σ p_click_relevance and click counts Σ p_click within 4 sd per scenario`, () => {
    const w = world(het);
    const sc = w.impressions.columns.scenario as StringColumn;
    for (const s of ['home', 'outside']) {
      for (const [label, prob] of [['click_at_top', 'p_click_relevance'], ['click', 'p_click']] as const) {
        const y = num(w, label); const p = num(w, prob);
        let sy = 0; let sp = 0; let v = 0;
        for (let i = 0; i < w.impressions.numRows; i++) if (sc[i] === s) { sy += y[i]!; sp += p[i]!; v += p[i]! * (1 - p[i]!); }
        assert.ok(Math.abs(sy - sp) < 4 * Math.sqrt(v), `${s} ${label}: Σy ${sy} vs Σp ${sp.toFixed(1)} (sd ${Math.sqrt(v).toFixed(1)})`);
      }
    }
  });
}

/** Mean p_click_relevance per position band and corr(position, logit p_rel) on one scenario. */
function confounding(w: World, s: string, het: 'none' | 'multi_scenario'): { bands: number[]; corr: number } {
  const e = (k: number) => (het === 'none' ? examination(k) : examCurve(MULTI_SCENARIO.exam[s as 'home' | 'outside'], k));
  const sc = w.impressions.columns.scenario as StringColumn;
  const pos = num(w, 'position'); const pc = num(w, 'p_click');
  const pr = 'p_click_relevance' in w.impressions.columns ? num(w, 'p_click_relevance') : null;
  const rel = (i: number) => (pr ? pr[i]! : pc[i]! / e(pos[i]!)); // the random world: p_click / e(pos)
  const edges = [[0, 1], [2, 5], [6, 11], [12, 19]];
  const sum = new Float64Array(4); const cnt = new Float64Array(4);
  let n = 0; let sx = 0; let sy = 0; let sxx = 0; let syy = 0; let sxy = 0;
  for (let i = 0; i < w.impressions.numRows; i++) {
    if (sc[i] !== s) continue;
    const b = edges.findIndex(([a, z]) => pos[i]! >= a! && pos[i]! <= z!);
    sum[b] += rel(i); cnt[b]++;
    const x = pos[i]!; const y = Math.log(rel(i) / (1 - rel(i)));
    n++; sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
  }
  const corr = (sxy - sx * sy / n) / Math.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
  return { bands: Array.from(sum, (v, b) => v / cnt[b]!), corr };
}

test('confounding: under the biased policy mean relevance falls with position; under random it does not', () => {
  for (const het of ['none', 'multi_scenario'] as const) {
    for (const s of ['home', 'outside']) {
      const b = confounding(world(het, 'biased'), s, het);
      for (let k = 1; k < 4; k++) assert.ok(b.bands[k]! < 0.85 * b.bands[k - 1]!, `${het} ${s} biased: band means ${b.bands.map((v) => v.toFixed(4))}`);
      assert.ok(b.corr < -0.35, `${het} ${s} biased: corr(position, logit p_rel) = ${b.corr.toFixed(3)}`);
      const r = confounding(world(het, 'random'), s, het);
      assert.ok(Math.abs(r.corr) < 0.03, `${het} ${s} random: corr(position, logit p_rel) = ${r.corr.toFixed(3)}`);
      const mean = r.bands.reduce((a, v) => a + v, 0) / 4;
      for (const v of r.bands) assert.ok(Math.abs(v / mean - 1) < 0.06, `${het} ${s} random: band means ${r.bands.map((x) => x.toFixed(4))}`);
    }
  }
});

test('biased log: positions keep the scroll marginal P(k) ∝ 0.9^k (within 2 points a band)', () => {
  const w = world('none');
  const sc = w.impressions.columns.scenario as StringColumn; const pos = num(w, 'position');
  const z = Array.from({ length: 20 }, (_, k) => 0.9 ** k).reduce((a, v) => a + v, 0);
  for (const s of ['home', 'outside']) {
    const cnt = new Float64Array(20); let n = 0;
    for (let i = 0; i < w.impressions.numRows; i++) if (sc[i] === s) { cnt[pos[i]!]++; n++; }
    for (const [a, b] of [[0, 0], [1, 2], [3, 5], [6, 10], [11, 19]] as const) {
      let got = 0; let want = 0;
      for (let k = a; k <= b; k++) { got += cnt[k]! / n; want += 0.9 ** k / z; }
      assert.ok(Math.abs(got - want) < 0.02, `${s} positions ${a}-${b}: ${got.toFixed(3)} vs ${want.toFixed(3)}`);
    }
  }
});

test('biased log is deterministic, recorded in meta, combines with multi_scenario, and the noise options are used', () => {
  const a = generateWorld({ impressions: 8_000, seed: 2, loggingPolicy: 'biased', heterogeneity: 'multi_scenario' });
  const b = generateWorld({ impressions: 8_000, seed: 2, loggingPolicy: 'biased', heterogeneity: 'multi_scenario' });
  assert.equal(hashWorld(a), hashWorld(b));
  assert.equal(a.meta.options.heterogeneity, 'multi_scenario');
  assert.deepEqual(a.meta.heterogeneity, MULTI_SCENARIO);
  const quiet = generateWorld({ impressions: 8_000, seed: 2, loggingPolicy: 'biased', heterogeneity: 'multi_scenario', loggingNoise: 0, loggingStreamerNoise: 0 });
  assert.notEqual(hashTable(quiet.impressions), hashTable(a.impressions));
  assert.equal(quiet.meta.options.loggingNoise, 0);
  assert.equal(quiet.meta.loggingPolicy!.streamerNoise, 0);
  assert.throws(() => generateWorld({ impressions: 2000, loggingPolicy: 'ranked' as 'biased' }), /loggingPolicy: expected one of random, biased, got "ranked"/);
  assert.throws(() => generateWorld({ impressions: 2000, loggingNoise: 0.5 }), /loggingNoise: only the biased logging policy has a noise/);
  assert.throws(() => generateWorld({ impressions: 2000, loggingPolicy: 'biased', loggingStreamerNoise: -1 }), /loggingStreamerNoise: expected a finite number >= 0, got -1/);
  assert.equal(parseLoggingPolicy(undefined), 'random');
  assert.equal(parseLoggingNoise(undefined, 'random'), BIASED_LOG.noise);
});

test('the counterfactual columns are truth: never features, written only for the biased world', async () => {
  for (const c of CF) {
    assert.ok(TRUTH_COLUMNS.includes(c), `${c} is a truth column`);
    assert.ok(!FEATURE_COLUMNS.includes(c), `${c} is not a feature`);
  }
  assert.deepEqual(BIASED_LOG_COLUMNS.map((c) => c.role), ['truth', 'truth', 'truth']);
  assert.equal(impressionColumnsOf('random'), IMPRESSION_COLUMNS);
  assert.deepEqual(impressionColumnsOf('biased').map((c) => c.name).slice(-3), CF);
  const dir = mkdtempSync(join(tmpdir(), 'liverank-biased-'));
  try {
    const w = generateWorld({ impressions: 3_000, seed: 4, loggingPolicy: 'biased' });
    await writeWorld(join(dir, 'w.csv'), w, summarizeWorld(w));
    const lines = readFileSync(join(dir, 'w.csv'), 'utf8').trim().split('\n');
    const head = lines[0]!.split(',');
    assert.deepEqual(head.slice(-3), CF);
    const slideRow = lines.slice(1).map((l) => l.split(',')).find((r) => r[head.indexOf('scenario')] === 'slide')!;
    assert.equal(slideRow[head.indexOf('p_examine')], '1');
    const meta = JSON.parse(readFileSync(join(dir, 'w.meta.json'), 'utf8')) as { loggingPolicy: { examination: Record<string, number[]> } };
    assert.equal(meta.loggingPolicy.examination.home!.length, 20);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BiasedLogger: the rank counts the request\'s higher scores (own recent candidates, then the pool)', () => {
  const rng = new Rng(1);
  const L = new BiasedLogger(2, 1, 1, 0, 0, rng, 4, 8); // requests of 4 cards: 3 others
  assert.equal(L.rank(0, 0, 1.0, rng), 0, 'first candidate: nothing to beat');
  assert.equal(L.rank(0, 0, 0.5, rng), 3, 'own {1.0} + two pool draws from {1.0}: all higher');
  assert.equal(L.rank(0, 0, 2.0, rng), 0, 'own {1.0, 0.5} + one pool draw: none higher');
  assert.equal(L.rank(0, 0, 0.7, rng), 2, 'own ring {1.0, 0.5, 2.0} fills the request: two higher');
  assert.equal(L.rank(0, 0, 0.6, rng), 2, 'the oldest (1.0) was replaced: ring {0.7, 0.5, 2.0}');
  // user 1 has no own candidates: all 3 others come from the pool {1, .5, 2, .7, .6}; a score above all ranks 0, below all 3.
  assert.equal(L.rank(1, 0, 9, rng), 0);
  const L2 = new BiasedLogger(2, 1, 1, 0, 0, rng, 4, 8);
  for (const v of [5, 6, 7]) L2.rank(0, 0, v, rng);
  assert.equal(L2.rank(1, 0, -1, rng), 3);
  assert.equal(L.score(0.3, 0, rng), 0.3, 'no noise: the score is the true logit');
  const noisy = new BiasedLogger(1, 3, 1, 0, 2, new Rng(9));
  assert.notEqual(noisy.streamerError[0], noisy.streamerError[1]);
  assert.equal(noisy.score(0.3, 1, rng), 0.3 + noisy.streamerError[1]!);
});

test('liverank generate --logging-policy biased writes the counterfactual columns; bad options name the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-gen-biased-'));
  const bin = fileURLToPath(new URL('../../../bin/liverank.mjs', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'generate', '-q', '-n', '3000', ...args], { encoding: 'utf8' });
  try {
    const r = run('--logging-policy', 'biased', '--logging-noise', '0.3', '--heterogeneity', 'multi_scenario', '--out', join(dir, 'w.jsonl'));
    assert.equal(r.status, 0, r.stderr);
    const row = JSON.parse(readFileSync(join(dir, 'w.jsonl'), 'utf8').split('\n')[0]!) as Record<string, unknown>;
    for (const c of CF) assert.ok(c in row, `column ${c}`);
    const meta = JSON.parse(readFileSync(join(dir, 'w.meta.json'), 'utf8')) as { options: Record<string, unknown> };
    assert.deepEqual([meta.options.loggingPolicy, meta.options.loggingNoise, meta.options.heterogeneity], ['biased', 0.3, 'multi_scenario']);
    assert.match(run('--logging-noise', '0.3', '--out', join(dir, 'x.csv')).stderr, /--logging-noise: only the biased logging policy has a noise/);
    assert.match(run('--logging-policy', 'biased', '--logging-streamer-noise', 'lots', '--out', join(dir, 'x.csv')).stderr, /--logging-streamer-noise: expected a finite number >= 0, got "lots"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data.logging_policy in a training config reaches the world (examples/world-biased.yaml); bad keys name the field', async () => {
  const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
  const cfg = loadTrainConfig(root('examples/world-biased.yaml'));
  assert.ok(cfg.data.source === 'world' && cfg.data.logging_policy === 'biased');
  const cf = loadTrainConfig(root('examples/world-biased-cf.yaml'));
  assert.deepEqual([cf.tasks[0]!.label, cf.tasks[0]!.true_prob], ['click_at_top', 'p_click_relevance']);
  const { baseDir: _b, ...parsed } = cfg;
  const raw = { ...parsed, data: { source: 'world', logging_policy: 'biased', logging_noise: 0.2, impressions: 4000, world_seed: 3, split: [0.5, 0.25, 0.25] } };
  const splits = await loadSplits(parseTrainConfig(raw, cfg.baseDir));
  const w = generateWorld({ impressions: 4000, seed: 3, loggingPolicy: 'biased', loggingNoise: 0.2 });
  for (const c of ['p_click_relevance', 'click_at_top', 'position']) {
    assert.deepEqual(Array.from((splits.train.columns[c] as NumericColumn).slice(0, 50)), Array.from(num(w, c).slice(0, 50)), c);
  }
  assert.throws(() => parseTrainConfig({ ...raw, data: { ...raw.data, logging_policy: 'ranked' } }, cfg.baseDir), /data\.logging_policy/);
  assert.throws(() => parseTrainConfig({ ...raw, data: { ...raw.data, logging_policy: 'random' } }, cfg.baseDir), /data\.logging_noise: only logging_policy: biased has a noise/);
  assert.throws(() => parseTrainConfig({ ...raw, data: { ...raw.data, logging_streamer_noise: -1 } }, cfg.baseDir), /data\.logging_streamer_noise/);
});

test('a biased world file read back through data.path keeps its counterfactual columns; today\'s file has none', async () => {
  const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
  const cfg = loadTrainConfig(root('examples/world-biased.yaml'));
  const { baseDir: _b, ...parsed } = cfg;
  const dir = mkdtempSync(join(tmpdir(), 'liverank-biased-read-'));
  try {
    for (const policy of ['biased', 'random'] as const) {
      const w = generateWorld({ impressions: 12_000, seed: 6, loggingPolicy: policy });
      const file = join(dir, `${policy}.parquet`);
      await writeWorld(file, w, summarizeWorld(w));
      const splits = await loadSplits(parseTrainConfig({ ...parsed, data: { source: 'world', path: file, split: [0.5, 0.25, 0.25] } }, cfg.baseDir));
      for (const c of CF) assert.equal(c in splits.train.columns, policy === 'biased', `${policy}: ${c}`);
      if (policy === 'biased') {
        const got = splits.train.columns.click_at_top as NumericColumn;
        const want = num(w, 'click_at_top');
        for (let i = 0; i < 200; i++) assert.ok(Object.is(got[i], want[i]) || (Number.isNaN(got[i]!) && Number.isNaN(want[i]!)), `row ${i}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
