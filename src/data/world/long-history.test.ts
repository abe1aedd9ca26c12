import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateWorld, type World } from './generate.js';
import { computeTruth, emptyTruth, type TruthInput } from './truth.js';
import { LONG_TERM } from './params.js';
import { parseLongHistory } from './long-history.js';
import { checkLog, readBehaviorLog } from '../../features/behavior/log.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { visibleEnd, longSliceColumn } from '../../features/behavior/select.js';

const OPTS = { impressions: 40_000, days: 2, seed: 3, usersPerImpression: 0.01, liveRoomsPerMillionPerDay: 2500 };
let cached: World | null = null;
const world = (): World => (cached ??= generateWorld({ ...OPTS, longHistory: { max_len: 400, prior_mean: 150 } }));

test('long_history: the log is well formed, capped and holds every entered impression', () => {
  const w = world();
  const log = w.behaviors!;
  checkLog(log);
  const st = w.meta.longHistory!.stats;
  const c = w.impressions.columns;
  const watch = c.watch_s as Float32Array, users = c.user_id as Int32Array, ts = c.ts as Int32Array;
  let entered = 0;
  for (let i = 0; i < w.impressions.numRows; i++) if (watch[i]! > 0) entered++;
  assert.equal(st.worldBehaviors, entered);
  assert.equal(log.ts.length, st.priorBehaviors + st.worldBehaviors);
  const start = OPTS.impressions > 0 ? (c.ts as Int32Array)[0]! - 86400 : 0;
  // prior behaviours (before the world's first second) never exceed max_len per user
  let maxPrior = 0;
  for (let u = 0; u < log.users; u++) {
    let k = 0;
    for (let i = log.offsets[u]!; i < log.offsets[u + 1]!; i++) if (log.ts[i]! < start) k++;
    maxPrior = Math.max(maxPrior, k);
  }
  assert.ok(maxPrior <= 400, `prior ${maxPrior}`);
  assert.ok(st.meanPriorLen > 100 && st.meanPriorLen < 250, `mean prior ${st.meanPriorLen}`);
  // the row's own entered impression is in the log at its ts, after what the row could see
  for (let i = 0; i < 2000; i++) {
    if (!(watch[i]! > 0)) continue;
    const e = visibleEnd(log, users[i]!, ts[i]!);
    const hi = log.offsets[users[i]! + 1]!;
    let found = false;
    for (let j = e; j < hi && log.ts[j] === ts[i]; j++) if (log.streamer[j] === (c.streamer_id as Int32Array)[i]) found = true;
    assert.ok(found, `row ${i}`);
  }
});

test('long_history: seq_category_ids are the last effective views of the log before the row', () => {
  const w = world();
  const log = w.behaviors!;
  const c = w.impressions.columns;
  const users = c.user_id as Int32Array, ts = c.ts as Int32Array, seq = c.seq_category_ids as string[];
  let checked = 0, sameSecond = 0;
  const firstRow = new Map<string, number>();
  for (let i = 0; i < w.impressions.numRows; i++) if (!firstRow.has(`${users[i]} ${ts[i]}`)) firstRow.set(`${users[i]} ${ts[i]}`, i);
  for (let i = 0; i < w.impressions.numRows; i += 7) {
    const u = users[i]!;
    const e = visibleEnd(log, u, ts[i]!);
    // an earlier row of the same user in the same second is seen by the world but not by "ts < t"
    if (firstRow.get(`${u} ${ts[i]}`)! < i) { sameSecond++; continue; }
    const want: number[] = [];
    for (let j = e - 1; j >= log.offsets[u]! && want.length < 20; j--) if (log.action[j]! & 1) want.push(log.category[j]!);
    assert.equal(seq[i], want.join('|'), `row ${i}`);
    checked++;
  }
  assert.ok(checked > 5000 && sameSecond < checked / 100, `${checked} checked, ${sameSecond} same-second`);
});

test('long_history: dormant interests fill the old prior, not its last recent_days, and set long_term', () => {
  const w = generateWorld({ ...OPTS, impressions: 20_000, longHistory: { max_len: 400, prior_mean: 200 } });
  const log = w.behaviors!;
  const first = (w.impressions.columns.ts as Int32Array)[0]!;
  const recentFrom = w.meta.options.startTs - 30 * 86400;
  // Re-derive dormant categories: users x categories with long_term on some row.
  const c = w.impressions.columns;
  const users = c.user_id as Int32Array, cats = c.category_id as Uint8Array, lt = c.long_term as Uint8Array;
  const dormant = new Map<number, Set<number>>();
  for (let i = 0; i < w.impressions.numRows; i++) if (lt[i]! > 0) (dormant.get(users[i]!) ?? dormant.set(users[i]!, new Set()).get(users[i]!)!).add(cats[i]!);
  let old = 0, oldHit = 0, rec = 0, recHit = 0;
  for (const [u, set] of dormant) {
    for (let j = log.offsets[u]!; j < log.offsets[u + 1]!; j++) {
      if (log.ts[j]! >= w.meta.options.startTs) continue;
      const hit = set.has(log.category[j]!) ? 1 : 0;
      if (log.ts[j]! < recentFrom) { old++; oldHit += hit; } else { rec++; recHit += hit; }
    }
  }
  assert.ok(first >= w.meta.options.startTs);
  assert.ok(old > 1000 && rec > 200, `${old} old, ${rec} recent`);
  assert.ok(oldHit / old > 0.25, `old share ${oldHit / old}`);
  assert.ok(recHit / rec < 0.12, `recent share ${recHit / rec}`);
  assert.ok(oldHit / old > 3 * (recHit / rec));
  // long_term is 0, 1 or 2 and present on a few per cent of rows
  let on = 0;
  for (let i = 0; i < lt.length; i++) { assert.ok(lt[i]! <= 2); on += lt[i]! > 0 ? 1 : 0; }
  assert.ok(on / lt.length > 0.03 && on / lt.length < 0.3, `lt share ${on / lt.length}`);
  // the slice: rows whose category is in the long history but not in the last 20 behaviours
  const sl = longSliceColumn(log, users, c.ts as Int32Array, cats);
  let ns = 0; for (const v of sl) ns += v;
  assert.ok(ns / sl.length > 0.05 && ns / sl.length < 0.6, `slice share ${ns / sl.length}`);
});

test('long_history: the truth adds LONG_TERM per unit of lt; absent lt = the old truth bit for bit', () => {
  const x: TruthInput = { scenario: 0, position: 2, country: 1, category: 4, affinity: 0.3, followed: 0, streamerWatchS: 100, followers: 500, viewers: 30, sameCountry: 1, activityZ: 0.2, seqHits: 1, hour: 20, style: 0.1, quality: -0.1 };
  const a = { ...computeTruth(x, emptyTruth()) };
  const b = { ...computeTruth({ ...x, longTerm: 0 }, emptyTruth()) };
  assert.deepEqual(a, b);
  const c = computeTruth({ ...x, longTerm: 2 }, emptyTruth());
  const logit = (p: number) => Math.log(p / (1 - p));
  const e = Math.pow(3, -0.4);
  assert.ok(Math.abs(logit(c.pClick / e) - logit(a.pClick / e) - 2 * LONG_TERM.click) < 1e-9);
  assert.ok(Math.abs(c.watchMu - a.watchMu - 0.7 * 2 * LONG_TERM.watch) < 1e-12);
  assert.ok(Math.abs(c.lGift - a.lGift - 2 * LONG_TERM.gift) < 1e-12);
});

test('long_history: same seed, same log; options are validated with the field named', () => {
  const a = generateWorld({ ...OPTS, impressions: 20_000, longHistory: { max_len: 100, prior_mean: 50 } }).behaviors!;
  const b = generateWorld({ ...OPTS, impressions: 20_000, longHistory: { max_len: 100, prior_mean: 50 } }).behaviors!;
  assert.deepEqual(a.streamer, b.streamer); assert.deepEqual(a.ts, b.ts); assert.deepEqual(a.offsets, b.offsets);
  assert.throws(() => parseLongHistory({ max_len: 5 }), /long_history\.max_len/);
  assert.throws(() => parseLongHistory({ max_lenn: 5 }), /long_history/);
  assert.throws(() => parseLongHistory({ recent_days: 200, prior_days: 100 }), /long_history\.recent_days/);
  assert.throws(() => generateWorld({ ...OPTS, impressions: 20_000, longHistory: true, loggingPolicy: 'biased' }), /not combined with logging_policy/);
  assert.equal(parseLongHistory(undefined), null);
  assert.equal(parseLongHistory(true)!.max_len, 1000);
  // the default world has no behaviours, no long_term column and no meta block
  const d = generateWorld({ ...OPTS, impressions: 20_000 });
  assert.equal(d.behaviors, undefined); assert.equal(d.impressions.columns.long_term, undefined); assert.equal(d.meta.longHistory, undefined);
});

test('long_history: truthWithoutLongTerm is the truth itself where lt = 0 and undoes the term where lt > 0', async () => {
  const { truthWithoutLongTerm } = await import('./long-value.js');
  const w = world();
  const c = w.impressions.columns;
  const { pClick, pEv } = truthWithoutLongTerm(w.impressions);
  const lt = c.long_term as Uint8Array, pc = c.p_click as Float64Array, pe = c.p_effective_view as Float64Array;
  let on = 0;
  for (let i = 0; i < w.impressions.numRows; i++) {
    if (lt[i] === 0) {
      assert.ok(Object.is(pClick[i], pc[i]) || Math.abs(pClick[i]! - pc[i]!) < 1e-12, `click row ${i}`);
      assert.ok(Math.abs(pEv[i]! - pe[i]!) < 1e-9, `ev row ${i}: ${pEv[i]} vs ${pe[i]}`);
    } else { on++; assert.ok(pEv[i]! < pe[i]!, `row ${i}`); if (!Number.isNaN(pc[i]!)) assert.ok(pClick[i]! < pc[i]!); }
  }
  assert.ok(on > 100);
});

test('liverank generate --long-history writes the world, its behaviour log and the long-term truth; bad options name the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-long-'));
  const cli = join(dirname(fileURLToPath(import.meta.url)), '../../../bin/liverank.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'generate', '-q', ...args], { encoding: 'utf8' });
  try {
    const r = run('-n', '3000', '--users-per-impression', '0.02', '--long-history', '{"max_len":200}', '--out', join(dir, 'w.csv'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /behaviour log .*w\.behaviors\.bin: [\d,]+ prior \+ [\d,]+ world behaviours/);
    const log = readBehaviorLog(join(dir, 'w.behaviors.bin'));
    const meta = JSON.parse(readFileSync(join(dir, 'w.meta.json'), 'utf8')) as { sizes: { users: number }; longHistory: { options: { max_len: number } } };
    assert.equal(log.offsets.length - 1, meta.sizes.users, 'one log segment per user');
    assert.equal(meta.longHistory.options.max_len, 200, 'the JSON options reach the world');
    assert.ok(log.offsets[meta.sizes.users]! > 0);
    const csv = readFileSync(join(dir, 'w.long.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'impression_id,long_term,long_slice');
    assert.equal(csv.length - 1, 3000);
    const bad = run('-n', '3000', '--long-history', '{max_len:1}', '--out', join(dir, 'x.csv'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--long-history: expected JSON options/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
