import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateWorld } from '../world/generate.js';
import { DelayModel, type DelayModelOptions } from './delays.js';
import { TASK_OF } from './events.js';
import { Joiner, type JoinConfigInput, type Sample } from './join.js';
import { worldEvents } from './world-events.js';

const world = generateWorld({ impressions: 4000, seed: 5 });
const T = world.impressions;
const col = (n: string) => T.columns[n] as ArrayLike<number>;
// more offline uploads than the default so every task has late events in a small world
const delays: DelayModelOptions = { seed: 3, offline_p: 0.05 };
const cfg: JoinConfigInput = { windows_s: { click: 300, watch: 3600, follow: 1800, gift: 1800, order: 1800 }, allowed_lateness_s: 30 };

function runAll(j: Joiner, bodies: Iterable<string>): Sample[] {
  const out: Sample[] = [];
  for (const b of bodies) out.push(...j.processBody(b).samples);
  return out;
}
const bodies = [...worldEvents(T, { delays })].map((e) => JSON.stringify(e));

test('join: one sample per impression; labels = the world\'s wherever every label fell in its window; late counts = the delay model\'s', () => {
  const j = new Joiner(cfg);
  const samples = runAll(j, bodies);
  assert.equal(samples.length, T.numRows);
  assert.equal(new Set(samples.map((s) => s.sample_id)).size, T.numRows);
  // the delay model replayed independently: which labels are late?
  const dm = new DelayModel(delays);
  const windows = j.cfg.windows_s;
  const predictedLate = { click: 0, watch: 0, follow: 0, gift: 0, order: 0 };
  const byId = new Map(samples.map((s) => [s.sample_id, s]));
  const scen = T.columns.scenario as string[];
  let checked = 0, withLate = 0;
  for (let i = 0; i < T.numRows; i++) {
    const o = { ts: col('ts')[i]!, scenario: scen[i]!, click: col('click')[i]!, watch_s: col('watch_s')[i]!, follow: col('follow')[i]!, gift: col('gift')[i]!, order: col('order')[i]! };
    const labels = dm.labelsOf(o);
    const late = labels.filter((l) => l.ts - o.ts > windows[TASK_OF[l.type]]);
    for (const l of late) predictedLate[TASK_OF[l.type]]++;
    const s = byId.get(String(col('impression_id')[i]))!;
    assert.ok(s, `sample for impression ${i}`);
    if (late.length === 0) {
      checked++;
      const click = col('click')[i]!;
      assert.equal(s.click, Number.isNaN(click) ? null : click, `click of ${i}`);
      for (const k of ['watch_s', 'effective_view', 'follow', 'gift', 'order']) assert.equal(s[k], col(k)[i], `${k} of ${i}`);
    } else {
      withLate++;
      for (const l of late) {
        const k = l.type === 'watch_end' ? 'watch_s' : l.type;
        assert.equal(s[k], 0, `late ${l.type} of ${i} not applied`);
      }
    }
    // features as served
    assert.equal(s.user_id, col('user_id')[i]);
    assert.equal(s.hist_total_watch_s, col('hist_total_watch_s')[i]);
    assert.equal(s.seq_streamer_ids, (T.columns.seq_streamer_ids as string[])[i]);
  }
  const st = j.stats();
  assert.deepEqual(st.late, predictedLate);
  for (const t of ['click', 'watch', 'gift'] as const) assert.ok(predictedLate[t] > 0, `some late ${t} events (${predictedLate[t]})`);
  assert.ok(checked > 3000 && withLate > 50, `checked ${checked}, with late labels ${withLate}`);
  assert.equal(st.samples, T.numRows);
  assert.equal(Object.values(st.dead).reduce((a, b) => a + b, 0), 0);
  assert.equal(j.openCount, 0);
});

test('join: duplicated events change nothing (counted); snapshot/restore mid-stream gives the same samples', () => {
  const ref = runAll(new Joiner(cfg), bodies);
  const dup = new Joiner(cfg);
  const got: Sample[] = [];
  for (const b of bodies) { got.push(...dup.processBody(b).samples); got.push(...dup.processBody(b).samples); }
  assert.deepEqual(got, ref);
  const full = new Joiner(cfg);
  runAll(full, bodies);
  const lateOf = (j: Joiner) => Object.values(j.stats().late).reduce((x, y) => x + y, 0);
  // every copy is a duplicate (all but the final heartbeat), except copies of labels whose sample
  // was already out: those are late again (a closed impression's labels are not remembered)
  assert.equal(dup.stats().duplicates + lateOf(dup) - lateOf(full), bodies.length - 1);
  assert.ok(dup.stats().duplicates > bodies.length * 0.9);
  for (const cut of [1, 777, Math.floor(bodies.length / 2), bodies.length - 2]) {
    const a = new Joiner(cfg);
    const first = runAll(a, bodies.slice(0, cut));
    const b = new Joiner(cfg, JSON.parse(JSON.stringify(a.snapshot())));
    const rest = runAll(b, bodies.slice(cut));
    assert.deepEqual([...first, ...rest], ref, `cut at ${cut}`);
    assert.deepEqual(b.stats(), full.stats(), `counters after a restore at ${cut}`);
  }
});

test('join: malformed events are dead letters with their reason; the join goes on', () => {
  const j = new Joiner(cfg);
  const half = Math.floor(bodies.length / 2);
  const samples = runAll(j, bodies.slice(0, half));
  const last = JSON.parse(bodies[half - 1]!) as { ts: number };
  const bad = [
    '{"type":"click",', // bad JSON
    JSON.stringify({ type: 'click', event_id: 'x1', ts: last.ts, impression_id: 1, impression_ts: last.ts, user_id: 1, extra: true }), // unknown field
    JSON.stringify({ type: 'gift', event_id: 'x2', ts: last.ts, impression_id: 1, impression_ts: last.ts, user_id: 1, value: 'ten' }), // wrong type
    JSON.stringify({ type: 'nonsense', event_id: 'x3', ts: last.ts }), // unknown type
    JSON.stringify({ type: 'click', event_id: 'x4', ts: last.ts - 3600, impression_id: 2, impression_ts: last.ts - 3600, user_id: 1 }), // out of order
    JSON.stringify({ type: 'follow', event_id: 'x5', ts: last.ts, impression_id: 'ghost', impression_ts: last.ts, user_id: 1 }), // never-arriving impression
  ];
  const dead = bad.flatMap((b, k) => j.processBody(b, `9-${k}`).dead);
  samples.push(...runAll(j, bodies.slice(half)));
  const ghost = j.stats().dead.unknown_impression;
  assert.equal(samples.length, T.numRows);
  assert.deepEqual(j.stats().dead, { bad_json: 1, invalid: 3, out_of_order: 1, unknown_impression: 1 });
  assert.equal(ghost, 1);
  assert.match(dead[0]!.reason, /bad JSON/);
  assert.match(dead[1]!.reason, /Unrecognized key.*extra/);
  assert.match(dead[2]!.reason, /value/);
  assert.match(dead[4]!.reason, /out of order: .*3600\.000 s behind.*allowed lateness 30 s/);
  assert.equal(dead[0]!.source_id, '9-0');
});

test('join: a label arriving before its impression (within the lateness) is still joined', () => {
  const j = new Joiner({ allowed_lateness_s: 10 });
  const imp = JSON.parse(bodies.find((b) => b.includes('"impression"'))!) as { ts: number; impression_id: number; user_id: number };
  const click = { type: 'click', event_id: 'c', ts: imp.ts + 2, impression_id: imp.impression_id, impression_ts: imp.ts, user_id: imp.user_id };
  j.processBody(JSON.stringify(click));
  assert.equal(j.orphanCount, 1);
  j.processBody(JSON.stringify(imp));
  const out = j.processBody(JSON.stringify({ type: 'heartbeat', event_id: 'h', ts: imp.ts + 1e6 }));
  assert.equal(out.samples.length, 1);
  assert.equal(out.samples[0]!.sample_id, String(imp.impression_id));
  assert.equal(out.samples[0]!.click, (JSON.parse(bodies[0]!) as { scenario: string }).scenario === 'slide' ? null : 1);
  assert.equal(j.orphanCount, 0);
});

test('events: the fast validator never accepts what the schema rejects (mutations of real events)', async () => {
  const { fastValid, StreamEvent } = await import('./events.js');
  const { Rng } = await import('../../util/rng.js');
  const rng = new Rng(11);
  const samples = bodies.slice(0, 400).map((b) => JSON.parse(b) as Record<string, unknown>);
  const junk: unknown[] = [null, -1, 1.5, '', 'x', [], {}, true, Number.NaN, 1e400, { a: 1 }];
  let fastOk = 0, checked = 0;
  for (const ev of samples) {
    assert.equal(fastValid(ev), StreamEvent.safeParse(ev).success);
    for (let m = 0; m < 30; m++) {
      const c = structuredClone(ev);
      const keys = Object.keys(c);
      const k = keys[rng.int(keys.length)]!;
      const r = rng.int(4);
      const target = (k === 'features' || k === 'truth') && rng.next() < 0.7 ? c[k] as Record<string, unknown> : c;
      const tk = target === c ? k : Object.keys(target)[rng.int(Object.keys(target).length)]!;
      if (r === 0) delete target[tk];
      else if (r === 1) target[tk] = junk[rng.int(junk.length)];
      else if (r === 2) target[`extra_${m}`] = 1;
      else target[tk] = structuredClone(samples[rng.int(samples.length)]![tk] ?? null);
      const f = fastValid(c);
      if (f) { fastOk++; assert.ok(StreamEvent.safeParse(c).success, `fast accepted an invalid event: ${JSON.stringify(c).slice(0, 300)}`); }
      checked++;
    }
  }
  assert.ok(checked === 12_000 && fastOk > 1000, `fast path used on ${fastOk} of ${checked}`);
});
