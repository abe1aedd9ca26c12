import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildFusionConfig, parseFusionConfig, FusionConfigError, type FusionParams } from './fusion-config.js';
import { fuse, fuseOne, fuseColumns, FusionInputError } from './fusion.js';
import { Rng } from '../util/rng.js';

const base = {
  version: 1,
  fusion: { form: 'multiplicative', gate: { task: 'click', power: 2 }, terms: { ev: { weight: 3 }, gift: { weight: 10, power: 0.5, base: 2 } } },
};

test('multiplicative: hand-computed score', () => {
  const cfg = buildFusionConfig(base);
  // 0.2^2 · (1 + 3·0.5)^1 · (2 + 10·0.1)^0.5 = 0.04 · 2.5 · √3
  const s = fuseOne(cfg.defaults.fusion, { click: 0.2, ev: 0.5, gift: 0.1 });
  assert.ok(Math.abs(s - 0.04 * 2.5 * Math.sqrt(3)) < 1e-12, String(s));
});

test('additive: hand-computed score', () => {
  const cfg = buildFusionConfig({ version: 1, fusion: { form: 'additive', terms: { click: { weight: 1 }, ev: { weight: 2, power: 2 } } } });
  assert.ok(Math.abs(fuseOne(cfg.defaults.fusion, { click: 0.3, ev: 0.5 }) - (0.3 + 2 * 0.25)) < 1e-12);
});

test('all weights 0: the multiplicative form is CTR order', () => {
  const cfg = buildFusionConfig({ ...base, fusion: { ...base.fusion, gate: { task: 'click' }, terms: { ev: { weight: 0 }, gift: { weight: 0 } } } });
  const rng = new Rng(5);
  const cands = Array.from({ length: 50 }, () => ({ click: rng.next(), ev: rng.next(), gift: rng.next() }));
  const s = fuse(cfg.defaults.fusion, cands);
  cands.forEach((c, i) => assert.equal(s[i], c.click));
});

test('both forms are non-decreasing in every task probability', () => {
  const forms: FusionParams[] = [
    buildFusionConfig(base).defaults.fusion,
    buildFusionConfig({ version: 1, fusion: { form: 'additive', terms: { click: { weight: 1 }, ev: { weight: 2, power: 2 }, gift: { weight: 0.5, power: 0.3 } } } }).defaults.fusion,
  ];
  const rng = new Rng(11);
  for (const p of forms) {
    for (let trial = 0; trial < 500; trial++) {
      const row = { click: rng.next(), ev: rng.next(), gift: rng.next() };
      for (const task of ['click', 'ev', 'gift'] as const) {
        const up = { ...row, [task]: Math.min(1, row[task] + rng.next() * 0.5) };
        assert.ok(fuseOne(p, up) >= fuseOne(p, row), `${p.form} ${task} ${JSON.stringify(row)}`);
      }
    }
    // and strictly increasing in each task with a positive weight when the others are positive
    const mid = { click: 0.5, ev: 0.5, gift: 0.5 };
    for (const task of ['click', 'ev', 'gift'] as const) assert.ok(fuseOne(p, { ...mid, [task]: 0.6 }) > fuseOne(p, mid), `${p.form} ${task}`);
  }
});

test('per-scenario overrides merge per task; null removes a term', () => {
  const cfg = buildFusionConfig({
    ...base,
    scenarios: {
      slide: { terms: { ev: { weight: 5 }, gift: null } },
      explore: { form: 'additive', gate: null, terms: { click: { weight: 1 } } },
    },
  });
  const slide = cfg.forScenario('slide').fusion;
  assert.deepEqual(slide.terms, [{ task: 'ev', weight: 5, power: 1, base: 1 }]);
  assert.deepEqual(slide.gate, { task: 'click', power: 2 });
  assert.ok(Math.abs(fuseOne(slide, { click: 0.5, ev: 0.2 }) - 0.25 * 2) < 1e-12);
  const explore = cfg.forScenario('explore').fusion;
  assert.equal(explore.form, 'additive');
  assert.ok(Math.abs(fuseOne(explore, { click: 0.5, ev: 0.2, gift: 0.04 }) - (0.5 + 0.6 + 10 * 0.2)) < 1e-12);
  assert.equal(cfg.forScenario('unknown'), cfg.defaults);
  assert.deepEqual(cfg.tasks, ['click', 'ev', 'gift']);
});

test('bad configs are refused with the field named', () => {
  const bad: [unknown, RegExp][] = [
    [{ ...base, version: 2 }, /version/],
    [{ ...base, fusion: { ...base.fusion, terms: { ev: { weight: -1 } } } }, /fusion\.terms\.ev\.weight/],
    [{ ...base, fusion: { ...base.fusion, terms: { ev: { weight: 1, base: 0 } } } }, /fusion\.terms\.ev\.base/],
    [{ ...base, fusion: { ...base.fusion, form: 'max' } }, /fusion\.form/],
    [{ ...base, fusion: { ...base.fusion, terms: { ev: { weight: 1, wieght: 2 } } } }, /fusion\.terms\.ev: unknown key.*wieght/],
    [{ ...base, fusion: { form: 'additive', gate: { task: 'click' }, terms: { ev: { weight: 1 } } } }, /fusion\.gate: the additive form has no gate/],
    [{ ...base, scenarios: { slide: { form: 'additive' } } }, /scenarios\.slide\.gate/],
    [{ ...base, scenarios: { slide: { terms: { follow: { power: 2 } } } } }, /scenarios\.slide\.terms\.follow\.weight: required/],
    [{ ...base, rerank: { lambda: 1.5 } }, /rerank\.lambda/],
    [{ ...base, rerank: { slots: { min_gap: 3, positions: { ad: [2, 4] } } } }, /rerank\.slots: positions 2 and 4 are closer than min_gap 3/],
    [{ ...base, scenarios: { slide: { rerank: { slots: { positions: { ad: [1], commerce: [1] } } } } } }, /scenarios\.slide\.rerank\.slots\.positions\.commerce: position 1/],
  ];
  for (const [raw, re] of bad) {
    assert.throws(() => buildFusionConfig(raw), (e: unknown) => e instanceof FusionConfigError && re.test(e.message), JSON.stringify(raw));
  }
  assert.throws(() => parseFusionConfig('fusion: [', 'x.yaml'), /x\.yaml: not valid YAML/);
  assert.throws(() => parseFusionConfig('', 'x.yaml'), /x\.yaml: empty file/);
});

test('bad task outputs throw naming candidate and task', () => {
  const p = buildFusionConfig(base).defaults.fusion;
  assert.throws(() => fuse(p, [{ click: 0.1, ev: 0.1, gift: 0.1 }, { click: 0.1, ev: 0.1 }]), /candidate 1: task "gift" is missing/);
  assert.throws(() => fuseOne(p, { click: NaN, ev: 0.1, gift: 0.1 }), FusionInputError);
  assert.throws(() => fuseOne(p, { click: 0.1, ev: -0.1, gift: 0.1 }), /task "ev" = -0.1/);
  assert.throws(() => fuseColumns(p, { click: [0.1], ev: [0.1] }, 1), /column "gift" is missing/);
  assert.throws(() => fuseColumns(p, { click: [0.1], ev: [0.1], gift: [] }, 1), /"gift" has 0 rows/);
});

test('a term floor raises finite outputs below it, keeps NaN an error, and merges per scenario', () => {
  const cfg = buildFusionConfig({ ...base, fusion: { ...base.fusion, terms: { ev: { weight: 3, floor: 0 }, gift: base.fusion.terms.gift } },
    scenarios: { s: { terms: { ev: { weight: 1 } } } } });
  const p = cfg.defaults.fusion;
  // ev = -0.014 (a log1p-seconds head dipping below 0) scores as ev = 0.
  assert.equal(fuseOne(p, { click: 0.2, ev: -0.014, gift: 0.1 }), fuseOne(p, { click: 0.2, ev: 0, gift: 0.1 }));
  assert.ok(fuseOne(p, { click: 0.2, ev: 0.5, gift: 0.1 }) > fuseOne(p, { click: 0.2, ev: 0, gift: 0.1 }));
  assert.throws(() => fuseOne(p, { click: 0.2, ev: NaN, gift: 0.1 }), /task "ev" = NaN/);
  // gift has no floor: a negative gift is still refused.
  assert.throws(() => fuseOne(p, { click: 0.2, ev: 0.1, gift: -0.1 }), /task "gift" = -0.1/);
  const ev = cfg.forScenario('s').fusion.terms.find((t) => t.task === 'ev');
  assert.deepEqual(ev, { task: 'ev', weight: 1, power: 1, base: 1, floor: 0 });
  assert.throws(() => buildFusionConfig({ ...base, fusion: { ...base.fusion, terms: { ev: { weight: 1, floor: -1 } } } }), /floor/);
});

test('fuseColumns equals fuse row by row', () => {
  const p = buildFusionConfig(base).defaults.fusion;
  const rows = [{ click: 0.1, ev: 0.2, gift: 0.3 }, { click: 0.9, ev: 0, gift: 0 }];
  const cols = { click: rows.map((r) => r.click), ev: rows.map((r) => r.ev), gift: rows.map((r) => r.gift) };
  assert.deepEqual([...fuseColumns(p, cols, 2)], [...fuse(p, rows)]);
});

test('examples/fusion.yaml is valid', () => {
  const path = new URL('../../examples/fusion.yaml', import.meta.url);
  const cfg = parseFusionConfig(readFileSync(path, 'utf8'), 'examples/fusion.yaml');
  assert.equal(cfg.defaults.rerank.size, 20);
  assert.equal(cfg.forScenario('slide').rerank.slots.get(5), 'ad');
  assert.equal(cfg.forScenario('slide').rerank.slots.get(8), undefined);
  assert.equal(cfg.forScenario('explore').fusion.form, 'additive');
  assert.deepEqual(cfg.tasks, ['click', 'effective_view', 'follow', 'gift', 'order', 'watch_time']);
});
