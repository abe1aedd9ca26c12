// The drifting world: off → byte-identical to the world without the option; on → the category
// appeal schedule is real (a day-1 fitted per-category CTR ranks later days worse against the
// oracle's own per-category truth), new streamers appear only from their birth day, and bad options
// are refused naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashWorld } from './fixtures/hash.js';
import { generateWorld, type World } from './generate.js';
import { parseDrift } from './drift.js';

const DAYS = 5;
const opts = { impressions: 60_000, seed: 3, days: DAYS, liveRoomsPerMillionPerDay: 20_000 };

/**
 * Per day d: the AUC (soft labels = the true p_click) of the day-0 empirical per-category CTR as a
 * scorer, and of day d's own true per-category CTR (the best category-only scorer that day).
 */
function categoryAucs(w: World): { stale: number[]; oracle: number[] } {
  const c = w.impressions.columns;
  const ts = c.ts as Int32Array, cat = c.category_id as Uint8Array, click = c.click as Float32Array, p = c.p_click as Float64Array;
  const NC = w.meta.categories.length, n = w.impressions.numRows, start = w.meta.options.startTs;
  const day = (i: number) => Math.floor((ts[i]! - start) / 86400);
  const hits = new Float64Array(NC), shown = new Float64Array(NC);
  for (let i = 0; i < n; i++) if (day(i) === 0 && Number.isFinite(click[i]!)) { hits[cat[i]!]! += click[i]!; shown[cat[i]!]! += 1; }
  const ctr0 = Array.from(hits, (h, k) => (h + 0.05) / (shown[k]! + 1));
  const stale: number[] = [], oracle: number[] = [];
  for (let d = 0; d < DAYS; d++) {
    const P = new Float64Array(NC), N = new Float64Array(NC);
    for (let i = 0; i < n; i++) if (day(i) === d && Number.isFinite(p[i]!)) { P[cat[i]!]! += p[i]!; N[cat[i]!]! += 1 - p[i]!; }
    const softAuc = (s: readonly number[]) => {
      let num = 0, tp = 0, tn = 0;
      for (let a = 0; a < NC; a++) {
        tp += P[a]!; tn += N[a]!;
        for (let b = 0; b < NC; b++) num += s[a]! > s[b]! ? P[a]! * N[b]! : s[a] === s[b] ? 0.5 * P[a]! * N[b]! : 0;
      }
      return num / (tp * tn);
    };
    stale.push(softAuc(ctr0));
    oracle.push(softAuc(Array.from(P, (x, k) => x / (x + N[k]!))));
  }
  return { stale, oracle };
}

test('drift off (absent or false) leaves the world byte-identical', () => {
  const a = generateWorld({ impressions: 20_000, seed: 9, days: 2 });
  const b = generateWorld({ impressions: 20_000, seed: 9, days: 2, drift: false });
  assert.equal(hashWorld(a), hashWorld(b));
  assert.equal(a.meta.drift, undefined);
});

test('drift on: a day-1 per-category CTR goes stale against the oracle; no such decay without drift', () => {
  const gaps = (w: World) => { const r = categoryAucs(w); return r.oracle.map((o, d) => o - r.stale[d]!); };
  const off = gaps(generateWorld(opts));
  const on = gaps(generateWorld({ ...opts, drift: true }));
  const late = (g: number[]) => (g[2]! + g[3]! + g[4]!) / 3;
  console.log(`# category-CTR AUC gap to the day's oracle by day: drift ${on.map((x) => x.toFixed(4)).join(' ')}; no drift ${off.map((x) => x.toFixed(4)).join(' ')}`);
  assert.ok(late(on) - on[0]! > 0.01, `drift: the gap grows from day 1 (${on[0]!.toFixed(4)}) to days 3-5 (${late(on).toFixed(4)})`);
  assert.ok(late(on) > late(off) + 0.01, `drift ${late(on).toFixed(4)} vs no drift ${late(off).toFixed(4)} on days 3-5`);
});

test('drift on: the schedule is in meta, seeded, and new streamers appear only from their birth day with fresh ids', () => {
  const w = generateWorld({ ...opts, impressions: 30_000, drift: { walkSd: 0.3, newStreamersPerDay: 0.1 } });
  const w2 = generateWorld({ ...opts, impressions: 30_000, drift: { walkSd: 0.3, newStreamersPerDay: 0.1 } });
  assert.equal(hashWorld(w), hashWorld(w2));
  const m = w.meta.drift!;
  assert.equal(m.options.walkSd, 0.3);
  assert.equal(m.appeal.length, w.meta.categories.length);
  assert.equal(m.appeal[0]!.length, DAYS + 1);
  assert.equal(m.newStreamers.perDay[0], 0);
  assert.equal(m.newStreamers.count, m.newStreamers.perDay.reduce((s, x) => s + x, 0));
  const c = w.impressions.columns;
  const sid = c.streamer_id as Int32Array, ts = c.ts as Int32Array;
  const birthDay = (s: number) => { let acc = m.newStreamers.first; for (let d = 0; d < m.newStreamers.perDay.length; d++) { acc += m.newStreamers.perDay[d]!; if (s < acc) return d; } return Infinity; };
  let newborn = 0;
  for (let i = 0; i < w.impressions.numRows; i++) {
    if (sid[i]! < m.newStreamers.first) continue;
    newborn++;
    assert.ok(ts[i]! - w.meta.options.startTs >= birthDay(sid[i]!) * 86400, `row ${i}: streamer ${sid[i]} shown before its birth day`);
  }
  assert.ok(newborn > 500, `newborn streamers got ${newborn} impressions`);
  // no prior history: nobody's first sequence (row of day 0) holds a newborn id
  const seq = c.seq_streamer_ids as (string | null)[];
  for (let i = 0; i < w.impressions.numRows && ts[i]! - w.meta.options.startTs < 86400; i++) {
    for (const x of (seq[i] ?? '').split(/[^0-9]+/).filter(Boolean)) assert.ok(Number(x) < m.newStreamers.first, `row ${i}: newborn ${x} in a day-1 sequence`);
  }
});

test('bad drift options are refused naming the field', () => {
  assert.throws(() => parseDrift({ walkSd: -1 }), /drift\.walkSd: expected a finite number >= 0/);
  assert.throws(() => parseDrift({ speed: 1 }), /drift\.speed: unknown option/);
  assert.throws(() => parseDrift('yes'), /drift: expected true\/false/);
  assert.throws(() => generateWorld({ impressions: 5000, drift: { trends: 2.5 } }), /world: drift\.trends/);
});
