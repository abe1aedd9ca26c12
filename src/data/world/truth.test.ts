import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../util/rng.js';
import { computeTruth, drawLabels, emptyLabels, emptyTruth, examination, type TruthInput } from './truth.js';

const base: TruthInput = {
  scenario: 0, position: 0, country: 0, category: 7, affinity: 1.2, followed: 1, streamerWatchS: 3000, followers: 50_000,
  viewers: 300, sameCountry: 1, activityZ: 1, seqHits: 2, hour: 21, style: 0.5, quality: 0.2,
};

test('drawn labels occur at exactly the true probabilities (Monte Carlo, 3 scenarios)', () => {
  const rng = new Rng(42);
  for (const scenario of [0, 1, 2]) {
    const t = computeTruth({ ...base, scenario }, emptyTruth());
    const lab = emptyLabels();
    const n = 300_000;
    const cnt = { entered: 0, ev: 0, follow: 0, gift: 0, order: 0 };
    let logW = 0; let nW = 0;
    for (let i = 0; i < n; i++) {
      drawLabels(t, rng, lab);
      cnt.entered += lab.entered; cnt.ev += lab.ev; cnt.follow += lab.follow; cnt.gift += lab.gift; cnt.order += lab.order;
      if (lab.entered) { logW += Math.log(lab.watch); nW++; }
    }
    const check = (k: keyof typeof cnt, p: number) => {
      const sd = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(cnt[k] / n - p) <= 4.5 * sd + 1e-12, `scenario ${scenario} ${k}: ${cnt[k] / n} vs ${p}`);
    };
    check('entered', t.pEnter); check('ev', t.pEv); check('follow', t.pFollow); check('gift', t.pGift); check('order', t.pOrder);
    assert.ok(Math.abs(logW / nW - t.watchMu) < 4.5 * t.watchSigma / Math.sqrt(nW), `scenario ${scenario}: mean log watch`);
    assert.ok(Math.abs(t.eWatch - t.pEnter * Math.exp(t.watchMu + t.watchSigma ** 2 / 2)) < 1e-9 * t.eWatch);
  }
});

test('slide has no click and no position effect; home/outside click falls with position', () => {
  const slide0 = computeTruth({ ...base, scenario: 1, position: 0 }, emptyTruth());
  const slide9 = computeTruth({ ...base, scenario: 1, position: 9 }, emptyTruth());
  assert.ok(Number.isNaN(slide0.pClick));
  assert.equal(slide0.pEnter, 1);
  assert.equal(slide0.pEv, slide9.pEv);
  for (const scenario of [0, 2]) {
    const p0 = computeTruth({ ...base, scenario, position: 0 }, emptyTruth()).pClick;
    const p5 = computeTruth({ ...base, scenario, position: 5 }, emptyTruth()).pClick;
    assert.ok(Math.abs(p5 / p0 - examination(5)) < 1e-12, 'examination is a multiplicative factor');
  }
  assert.equal(examination(0), 1);
  assert.ok(examination(19) < 0.35 && examination(19) > 0.25);
});

test('each effect moves the rates in its documented direction', () => {
  const t = (x: Partial<TruthInput>) => computeTruth({ ...base, ...x }, emptyTruth());
  const b = t({});
  const notFollowed = t({ followed: 0 });
  for (const k of ['pClick', 'pEv', 'pGift', 'pOrder'] as const) assert.ok(b[k] > notFollowed[k], `followed raises ${k}`);
  assert.ok(b.pFollow < notFollowed.pFollow, 'an already followed streamer is rarely followed again');
  const lowTaste = t({ affinity: -1 });
  for (const k of ['pClick', 'pEv', 'pFollow', 'pGift', 'pOrder', 'eWatch'] as const) assert.ok(b[k] > lowTaste[k], `taste raises ${k}`);
  // Conflict: a gift-oriented streamer style raises gifting but lowers watch time.
  const giftStyle = t({ style: 2 }); const watchStyle = t({ style: -2 });
  assert.ok(giftStyle.pGift > watchStyle.pGift && giftStyle.watchMu < watchStyle.watchMu);
  // Country: SA gifts more than BR; TH orders more than SA.
  assert.ok(t({ country: 7 }).lGift > t({ country: 1 }).lGift);
  assert.ok(t({ country: 6 }).lOrder > t({ country: 7 }).lOrder);
  // Real-time popularity raises click.
  assert.ok(t({ viewers: 5000 }).pClick > t({ viewers: 5 }).pClick);
});
