import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTable, takeRows } from '../../data/table.js';
import { parseFeatureConfig } from '../config.js';
import { fitFeatures } from '../fit.js';
import { transform } from '../transform.js';
import { reportFeatures } from '../report/collect.js';
import { formatReport } from '../report/format.js';
import { Rng } from '../../util/rng.js';
import { BehaviorLogBuilder, readBehaviorLog, writeBehaviorLog, type BehaviorLog } from './log.js';
import { inLongSlice, selectBehaviors, timeSinceBucket, visibleEnd, type SelectResult } from './select.js';

/** User 0: 10 behaviours at t = 100..1000 (category i % 3, streamer 50 + i); user 1: none; user 2: 3 at t = 500. */
function smallLog(): BehaviorLog {
  const b = new BehaviorLogBuilder(3);
  for (let i = 0; i < 10; i++) b.push(0, 100 * (i + 1), 50 + i, i % 3, i % 8, i);
  for (let i = 0; i < 3; i++) b.push(2, 500, 70 + i, 1, 1, 3);
  return b.freeze();
}
const res = (): SelectResult => ({ n: 0, visible: 0, truncated: 0, dropped: 0 });

test('selectBehaviors: strictly before t, most recent first, within truncation and max_len overflow counted', () => {
  const log = smallLog();
  const out = new Int32Array(10);
  const r = selectBehaviors(log, 0, 650, { maxLen: 4, within: 10 }, NaN, out, res());
  assert.deepEqual([...out.subarray(0, r.n)].map((i) => log.streamer[i]), [55, 54, 53, 52]); // t 600, 500, 400, 300
  assert.deepEqual({ ...r }, { n: 4, visible: 6, truncated: 0, dropped: 2 });
  const r2 = selectBehaviors(log, 0, 600, { maxLen: 4, within: 3 }, NaN, out, res()); // t = 600 itself is not visible
  assert.deepEqual([...out.subarray(0, r2.n)].map((i) => log.streamer[i]), [54, 53, 52]);
  assert.deepEqual({ ...r2 }, { n: 3, visible: 5, truncated: 2, dropped: 0 });
  // hard search by category: categories of t=100..1000 are 0 1 2 0 1 2 0 1 2 0
  const r3 = selectBehaviors(log, 0, 2000, { maxLen: 2, within: 10, search: 'category' }, 0, out, res());
  assert.deepEqual([...out.subarray(0, r3.n)].map((i) => log.ts[i]), [1000, 700]);
  assert.equal(r3.dropped, 2); // matches at 400 and 100 beyond k = 2
  const r4 = selectBehaviors(log, 0, 2000, { maxLen: 5, within: 4, search: 'category' }, 0, out, res()); // only t 700..1000 considered
  assert.deepEqual([...out.subarray(0, r4.n)].map((i) => log.ts[i]), [1000, 700]);
  assert.equal(r4.truncated, 6);
  const r5 = selectBehaviors(log, 0, 2000, { maxLen: 5, within: 10, search: 'streamer' }, 53, out, res());
  assert.deepEqual([...out.subarray(0, r5.n)].map((i) => log.ts[i]), [400]);
  // empty user, unknown users, missing time or key: nothing, no crash
  for (const [u, t, key] of [[1, 5000, NaN], [7, 5000, NaN], [-1, 5000, NaN], [0.5, 5000, NaN], [0, NaN, NaN]] as const) {
    assert.equal(selectBehaviors(log, u, t, { maxLen: 3, within: 10 }, key, out, res()).n, 0);
  }
  assert.equal(selectBehaviors(log, 0, 5000, { maxLen: 3, within: 10, search: 'category' }, NaN, out, res()).n, 0);
  assert.equal(visibleEnd(log, 2, 500), log.offsets[2]);
  assert.equal(timeSinceBucket(1000, 1000), 0);
  assert.equal(timeSinceBucket(60 * 7 + 10, 10), 3); // 7 minutes → log2(8)
  assert.equal(timeSinceBucket(1e9, 0), 19);
});

test('long slice: the category is in the long history but not in the recent behaviours', () => {
  const log = smallLog();
  // at t = 2000 the last 2 behaviours have categories 0 (t 1000), 2 (t 900); category 1 is older (t 800 …)
  assert.equal(inLongSlice(log, 0, 2000, 1, 2, 10), true);
  assert.equal(inLongSlice(log, 0, 2000, 0, 2, 10), false);
  assert.equal(inLongSlice(log, 0, 2000, 5, 2, 10), false); // never seen
  assert.equal(inLongSlice(log, 0, 2000, 1, 2, 3), true); // t 800 is within the last 3
  assert.equal(inLongSlice(log, 0, 2000, 1, 3, 3), false);
  assert.equal(inLongSlice(log, 9, 2000, 1), false);
});

test('behaviour log files round-trip; a bad file is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behlog-'));
  const log = smallLog();
  writeBehaviorLog(join(dir, 'a.bin'), log);
  const back = readBehaviorLog(join(dir, 'a.bin'));
  assert.deepEqual(back, log);
  writeFileSync(join(dir, 'bad.bin'), 'hello');
  assert.throws(() => readBehaviorLog(join(dir, 'bad.bin')), /bad\.bin: not a behaviour log/);
  const b = new BehaviorLogBuilder(2);
  b.push(1, 100, 1, 1, 1, 1);
  assert.throws(() => b.push(1, 50, 1, 1, 1, 1), /user 1: behaviour at ts 50 after one at 100/);
  assert.throws(() => b.push(2, 50, 1, 1, 1, 1), /user 2 out of range/);
});

const FEATURES = {
  features: [
    { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 1024 },
    { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 4096 },
    { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
    { name: 'beh_streamers', kind: 'sequence', column: 'user_id', max_len: 4, embedding: 'streamer_id', behaviors: { field: 'streamer', within: 8 } },
    { name: 'beh_categories', kind: 'sequence', column: 'user_id', max_len: 4, embedding: 'category', behaviors: { field: 'category', within: 8 } },
    { name: 'beh_actions', kind: 'sequence', column: 'user_id', max_len: 4, vocab: [0, 1, 2, 3, 4, 5, 6, 7], behaviors: { field: 'action', within: 8 } },
    { name: 'beh_age', kind: 'sequence', column: 'user_id', max_len: 4, hash_buckets: 32, behaviors: { field: 'time_bucket', within: 8 } },
    { name: 'sim_streamers', kind: 'sequence', column: 'user_id', max_len: 2, embedding: 'streamer_id', behaviors: { field: 'streamer', search: { by: 'category', column: 'category_id' } } },
    { name: 'recent', kind: 'sequence', column: 'seq', max_len: 2, embedding: 'streamer_id' },
  ],
};

function rows() {
  return makeTable({
    user_id: Int32Array.from([0, 0, 1, 2, 9, 0]),
    ts: Int32Array.from([650, 2000, 2000, 500, 2000, 2000]),
    streamer_id: Int32Array.from([55, 53, 1, 70, 2, 59]),
    category_id: Float64Array.from([0, 1, 2, 1, 0, NaN]),
    seq: ['55|54|53', '', null, '70', '1|2|3|4|5', '9'],
  });
}

test('transform: behaviour sequences as ids + mask, shared tables, unknown users / keys empty (never a crash)', () => {
  const log = smallLog();
  const t = rows();
  const fitted = fitFeatures(FEATURES, t);
  const fb = transform(fitted, t, { behaviors: log });
  const s = fb.multi.beh_streamers!;
  assert.equal(s.maxLen, 4);
  assert.deepEqual([...s.lengths], [4, 4, 0, 0, 4, 4].map((x, i) => (i === 4 ? 0 : x)));
  // streamer 55 in the sequence has the id of streamer_id 55 (row 0's candidate): the table is shared
  assert.equal(s.ids[0], fb.ids.streamer_id![0]);
  assert.deepEqual([...s.mask.subarray(0, 8)], [1, 1, 1, 1, 1, 1, 1, 1]);
  const c = fb.multi.beh_categories!;
  // categories of streamers 55 54 53 52 are 2 1 0 2 → the category vocab ids of those values
  const vocab = fitted.vocabs.category!;
  assert.deepEqual([...c.ids.subarray(0, 4)], [2, 1, 0, 2].map((v) => vocab.indexOf(String(v)) + 2));
  assert.deepEqual([...fb.multi.beh_actions!.ids.subarray(0, 4)], [5 + 2, 4 + 2, 3 + 2, 2 + 2]); // actions i % 8 of i = 5..2
  // SIM: row 1 (t 2000, category 1): behaviours with category 1, most recent first: streamers 57 (t 800), 54 (t 500)
  const sim = fb.multi.sim_streamers!;
  assert.deepEqual([...sim.lengths], [2, 2, 0, 0, 0, 0]);
  const ref = transform(fitted, makeTable({ ...rows().columns, streamer_id: Int32Array.from([57, 54, 0, 0, 0, 0]) }), { behaviors: log });
  assert.deepEqual([...sim.ids.subarray(2, 4)], [ref.ids.streamer_id![0], ref.ids.streamer_id![1]]);
  // row 3 (user 2 at t = 500: its behaviours are at 500, not before) and unknown user 9: empty
  assert.equal(fb.multi.beh_streamers!.lengths[3], 0);
  assert.equal(fb.multi.beh_streamers!.lengths[4], 0);
});

test('transform: the same row gives the same sequence in any batch (training batches = serving requests)', () => {
  const rng = new Rng(5);
  const b = new BehaviorLogBuilder(20);
  for (let u = 0; u < 20; u++) { let t = 0; for (let i = 0; i < 40; i++) { t += 1 + rng.int(100); b.push(u, t, rng.int(30), rng.int(5), rng.int(8), rng.int(16)); } }
  const log = b.freeze();
  const n = 200;
  const t = makeTable({
    user_id: Int32Array.from({ length: n }, () => rng.int(22)), ts: Int32Array.from({ length: n }, () => rng.int(4500)),
    streamer_id: Int32Array.from({ length: n }, () => rng.int(30)), category_id: Float64Array.from({ length: n }, () => rng.int(5)),
    seq: Array.from({ length: n }, () => '1|2'),
  });
  const fitted = fitFeatures(FEATURES, t);
  const all = transform(fitted, t, { behaviors: log });
  const perm = rng.permutation(n);
  const shuffled = transform(fitted, takeRows(t, perm), { behaviors: log });
  for (const name of ['beh_streamers', 'sim_streamers', 'beh_age']) {
    const a = all.multi[name]!, s = shuffled.multi[name]!, L = a.maxLen;
    for (let k = 0; k < n; k++) {
      const i = perm[k]!;
      assert.deepEqual([...s.ids.subarray(k * L, k * L + L)], [...a.ids.subarray(i * L, i * L + L)], `${name} row ${i}`);
    }
    const one = transform(fitted, takeRows(t, [7]), { behaviors: log }).multi[name]!;
    assert.deepEqual([...one.ids], [...a.ids.subarray(7 * L, 8 * L)]);
  }
});

test('feature report counts truncated, over-length, empty and unknown-user sequences', () => {
  const log = smallLog();
  const t = rows();
  const fitted = fitFeatures(FEATURES, t);
  const r = reportFeatures(fitted, t, { behaviors: log });
  const st = (name: string) => r.features.find((f) => f.name === name)!.truncation!;
  // beh_streamers (within 8, max_len 4): rows 1 and 5 see 10 behaviours (2 truncated each), row 0 sees 6 (2 over max_len), rows 1 and 5 keep 4 of 8
  assert.deepEqual({ ...st('beh_streamers') }, { truncatedRows: 2, truncatedElements: 4, overflowRows: 3, overflowElements: 10, emptyRows: 3, unknownUsers: 1, missingKeys: 0 });
  // sim (within 1000, max_len 2): row 0 (t 650, cat 0): matches at 100, 400 → 2, none dropped; row 1 (cat 1): 800 500 200 → 1 dropped; row 5: NaN category
  assert.deepEqual({ ...st('sim_streamers') }, { truncatedRows: 0, truncatedElements: 0, overflowRows: 1, overflowElements: 1, emptyRows: 4, unknownUsers: 1, missingKeys: 1 });
  // the joined-string sequence (max_len 2): '55|54|53' keeps 2 (1 cut), '1|2|3|4|5' keeps 2 (3 cut); '' and null are empty
  assert.deepEqual({ ...st('recent') }, { truncatedRows: 2, truncatedElements: 4, overflowRows: 0, overflowElements: 0, emptyRows: 2, unknownUsers: 0, missingKeys: 0 });
  assert.match(formatReport(r), /truncated 2 rows \(33\.3%, 4 elements\)/);
});

test('behaviours config: zod errors name the field; no log is a clear error', () => {
  const bad = (f: object) => () => parseFeatureConfig({ features: [{ name: 'streamer_id', kind: 'id', column: 's', hash_buckets: 8 }, { name: 'b', kind: 'sequence', column: 'user_id', max_len: 50, embedding: 'streamer_id', ...f }] });
  assert.throws(bad({ behaviors: { field: 'streamr' } }), /features\[1\] "b": sequence\.behaviors\.field/);
  assert.throws(bad({ behaviors: { field: 'streamer', within: 20 } }), /features\[1\] "b": sequence\.behaviors\.within: 20 is smaller than max_len 50/);
  assert.throws(bad({ behaviors: { field: 'streamer', search: { by: 'room', column: 'x' } } }), /sequence\.behaviors\.search\.by/);
  assert.throws(bad({ behaviors: { field: 'streamer', serch: {} } }), /sequence\.behaviors/);
  assert.throws(() => parseFeatureConfig({ features: [{ name: 'b', kind: 'sequence', column: 'user_id', max_len: 5, vocab: { min_count: 1 }, behaviors: { field: 'category' } }] }), /a fitted vocab needs another feature/);
  const t = rows();
  const fitted = fitFeatures(FEATURES, t);
  assert.throws(() => transform(fitted, t), /feature "beh_streamers": sequence\.behaviors needs a behaviour log/);
  const dir = mkdtempSync(join(tmpdir(), 'behlog-'));
  writeBehaviorLog(join(dir, 'log.bin'), smallLog());
  const withFile = { features: FEATURES.features.map((f) => ('behaviors' in f ? { ...f, behaviors: { ...f.behaviors, log: join(dir, 'log.bin') } } : f)) };
  const f2 = fitFeatures(withFile, t);
  assert.deepEqual([...transform(f2, t).multi.sim_streamers!.ids], [...transform(fitted, t, { behaviors: smallLog() }).multi.sim_streamers!.ids]);
});

test('hard search over a request (one user and time × many candidates) = the per-row selection', () => {
  const rng = new Rng(9);
  const b = new BehaviorLogBuilder(3);
  for (let u = 0; u < 3; u++) { let t = 0; for (let i = 0; i < 300; i++) { t += 1 + rng.int(50); b.push(u, t, rng.int(40), rng.int(6), rng.int(8), rng.int(16)); } }
  const log = b.freeze();
  const n = 60;
  // rows 0..29: user 1 at t 5000 (one request); 30..59: alternating users (no groups)
  const t = makeTable({
    user_id: Int32Array.from({ length: n }, (_, i) => (i < 30 ? 1 : i % 3)), ts: Int32Array.from({ length: n }, (_, i) => (i < 30 ? 5000 : 3000 + i)),
    streamer_id: Int32Array.from({ length: n }, () => rng.int(40)), category_id: Float64Array.from({ length: n }, (_, i) => (i === 3 ? NaN : rng.int(7))),
    seq: Array.from({ length: n }, () => ''),
  });
  const fitted = fitFeatures(FEATURES, t);
  const all = transform(fitted, t, { behaviors: log });
  for (let i = 0; i < n; i++) {
    const one = transform(fitted, takeRows(t, [i]), { behaviors: log });
    for (const name of ['sim_streamers', 'beh_streamers']) {
      const L = all.multi[name]!.maxLen;
      assert.deepEqual([...one.multi[name]!.ids], [...all.multi[name]!.ids.subarray(i * L, i * L + L)], `${name} row ${i}`);
    }
  }
  const r = reportFeatures(fitted, t, { behaviors: log });
  const sum = (rows: number[]) => {
    let s = 0; for (const i of rows) s += reportFeatures(fitted, takeRows(t, [i]), { behaviors: log }).features.find((f) => f.name === 'sim_streamers')!.truncation!.overflowElements; return s;
  };
  assert.equal(r.features.find((f) => f.name === 'sim_streamers')!.truncation!.overflowElements, sum(Array.from({ length: n }, (_, i) => i)));
});

test('rows repeating the previous (user, time) (a request\'s candidates) copy its sequence: same ids, values and report counts as one row at a time', () => {
  const log = smallLog();
  // a request of user 0 at t 1050 (10 behaviours: truncated and over max_len), of unknown user 9, of user 1 (none), then user 0 again at NaN time
  const users = [0, 0, 0, 9, 9, 1, 1, 0, 0], times = [1050, 1050, 1050, 700, 700, 900, 900, NaN, NaN];
  const n = users.length;
  const t = makeTable({
    user_id: Int32Array.from(users), ts: Float64Array.from(times),
    streamer_id: Int32Array.from({ length: n }, (_, i) => 50 + i), category_id: Float64Array.from({ length: n }, (_, i) => i % 3),
    seq: Array.from({ length: n }, () => ''),
  });
  const fitted = fitFeatures(FEATURES, t);
  const all = transform(fitted, t, { behaviors: log });
  const names = ['beh_streamers', 'beh_categories', 'beh_age'];
  for (let i = 0; i < n; i++) {
    const one = transform(fitted, takeRows(t, [i]), { behaviors: log });
    for (const name of names) {
      const L = all.multi[name]!.maxLen;
      assert.deepEqual([...all.multi[name]!.ids.subarray(i * L, i * L + L)], [...one.multi[name]!.ids], `${name} row ${i}`);
      assert.deepEqual([...all.multi[name]!.mask.subarray(i * L, i * L + L)], [...one.multi[name]!.mask], `${name} mask row ${i}`);
      assert.equal(all.multi[name]!.lengths[i], one.multi[name]!.lengths[0]);
    }
  }
  const trunc = (tb: typeof t) => reportFeatures(fitted, tb, { behaviors: log }).features.find((f) => f.name === 'beh_streamers')!.truncation!;
  const summed = Array.from({ length: n }, (_, i) => trunc(takeRows(t, [i]))).reduce((a, b) => {
    for (const k of Object.keys(a) as (keyof typeof a)[]) a[k] += b[k];
    return a;
  });
  assert.deepEqual({ ...trunc(t) }, { ...summed });
  assert.equal(summed.unknownUsers, 4); // users 9 ×2 and the NaN times ×2
  assert.ok(summed.truncatedRows === 3 && summed.overflowRows === 3, JSON.stringify(summed));
});

test('unknown ids in the log: a category outside the fitted vocab is OOV (id 1) and counted by the report', () => {
  const b = new BehaviorLogBuilder(1);
  b.push(0, 10, 5, 1, 1, 1); b.push(0, 20, 6, 9, 1, 1); // category 9 was never seen while fitting
  const log = b.freeze();
  const t = makeTable({ user_id: Int32Array.from([0]), ts: Int32Array.from([100]), streamer_id: Int32Array.from([5]), category_id: Float64Array.from([1]), seq: [''] });
  const fitted = fitFeatures(FEATURES, makeTable({ ...t.columns, category_id: Float64Array.from([1]) }));
  const fb = transform(fitted, t, { behaviors: log });
  assert.deepEqual([...fb.multi.beh_categories!.ids.subarray(0, 2)], [1, 2]); // most recent first: 9 → OOV, 1 → vocab id 2
  const r = reportFeatures(fitted, t, { behaviors: log });
  const st = r.features.find((f) => f.name === 'beh_categories')!;
  assert.equal(st.vocab!.oov, 1);
  assert.equal(st.vocab!.oovRate, 0.5);
});

test('a live log (frozen base + appended behaviours) gives the features of the frozen log holding the same behaviours', async () => {
  const { LiveBehaviorLog } = await import('./live.js');
  const rng = new Rng(11);
  const events: [number, number, number, number, number, number][] = [];
  for (let u = 0; u < 6; u++) { let t = 0; for (let i = 0; i < 80; i++) { t += 1 + rng.int(30); events.push([u, t, rng.int(25), rng.int(5), rng.int(8), rng.int(16)]); } }
  const full = new BehaviorLogBuilder(7); // user 6 only in the live part
  const base = new BehaviorLogBuilder(6);
  for (const e of events) { full.push(...e); if (e[1] < 1000) base.push(...e); }
  const late: typeof events = [];
  for (let i = 0; i < 30; i++) late.push([6, 100 + 40 * i, rng.int(25), rng.int(5), rng.int(8), rng.int(16)]);
  for (const e of late) full.push(...e);
  const live = new LiveBehaviorLog(base.freeze());
  for (const e of [...events.filter((x) => x[1] >= 1000), ...late]) live.append(...e);
  assert.equal(live.appended, events.filter((x) => x[1] >= 1000).length + 30);
  const frozen = full.freeze();
  const n = 120;
  const t = makeTable({
    user_id: Int32Array.from({ length: n }, (_, i) => (i < 40 ? 6 : rng.int(8))), ts: Int32Array.from({ length: n }, (_, i) => (i < 40 ? 2000 : rng.int(2600))),
    streamer_id: Int32Array.from({ length: n }, () => rng.int(25)), category_id: Float64Array.from({ length: n }, () => rng.int(6)),
    seq: Array.from({ length: n }, () => ''),
  });
  const fitted = fitFeatures(FEATURES, t);
  const a = transform(fitted, t, { behaviors: frozen }), b = transform(fitted, t, { behaviors: live });
  for (const name of ['beh_streamers', 'beh_categories', 'beh_actions', 'beh_age', 'sim_streamers']) {
    assert.deepEqual([...b.multi[name]!.ids], [...a.multi[name]!.ids], name);
    assert.deepEqual([...b.multi[name]!.lengths], [...a.multi[name]!.lengths], name);
  }
  assert.ok(a.multi.sim_streamers!.lengths.some((l, i) => i < 40 && l > 0)); // the live-only user is served
  assert.throws(() => live.append(6, 5, 1, 1, 1, 1), /user 6: behaviour at ts 5 after one at/);
  const capped = new LiveBehaviorLog(null, 8);
  for (let i = 0; i < 20; i++) capped.append(0, i, i, 0, 1, 1);
  const r = selectBehaviors(capped, 0, 100, { maxLen: 50, within: 50 }, NaN, new Int32Array(50), res());
  assert.ok(r.n <= 8 && r.n >= 7, `kept ${r.n}`);
});
