// Golden test: pins the exact output of a fixed config on a fixed table. If this fails, hashing,
// canonical encoding, bucketing or fitting changed: every trained model and serving cache would
// silently disagree with the new code. Update the numbers only for a deliberate, versioned change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceTable } from '../data/table.js';
import { cityHash64 } from './cityhash/index.js';
import { parseFeatureConfigText } from './config.js';
import { CounterReplay } from './counters/replay.js';
import { fitFeatures } from './fit.js';
import { fittedToJson, parseFitted } from './fitted.js';
import { GOLDEN_CONFIG_YAML, goldenTable } from './golden.fixture.js';
import { materializeCounters } from './index.js';
import { transform } from './transform.js';

const GOLDEN_IDS: Record<string, number[]> = {
  user_id: [812, 812, 433, 812, 812, 866],
  room: [232, 232, 232, 232, 128, 232],
  country: [2, 2, 3, 0, 1, 4],
  scenario: [2, 3, 2, 1, 3, 2],
  followers_q: [2, 2, 3, 0, 1, 3],
  followers_log2: [3, 3, 5, 0, 1, 4],
  viewers_b: [1, 2, 3, 4, 0, 3],
  hour: [1, 1, 1, 1, 2, 8],
  dow: [1, 1, 1, 1, 1, 4],
  views_1h_b: [1, 2, 1, 2, 1, 1],
  user_x_country: [3256, 3256, 3877, 1190, 3482, 449],
  scenario_x_position: [93, 224, 144, 97, 224, 182],
  country_x_hour_x_fq: [638, 638, 683, 611, 274, 65],
};
const GOLDEN_MULTI = {
  tags: { ids: [66, 13, 0, 0, 0, 0, 0, 0, 0, 66, 66, 57, 94, 60, 0, 66, 0, 0], lengths: [2, 0, 0, 3, 2, 1] },
  seq_rooms: { ids: [128, 232, 0, 0, 232, 0, 0, 0, 0, 0, 0, 0, 232, 232, 128, 432, 0, 0, 0, 0, 128, 0, 0, 0], lengths: [2, 1, 0, 4, 0, 1] },
};
const GOLDEN_DENSE = [
  -0.36698204278945923, 0, 120, 0,
  -0.36698204278945923, 0, 120, 3.4339871406555176,
  1.7394675016403198, 0, 5000, 0,
  0, 1, -1, 3.4339871406555176,
  -1.2771490812301636, 0, 0, 0,
  0.27164557576179504, 0, 3500, 0,
];

function run() {
  const cfg = parseFeatureConfigText(GOLDEN_CONFIG_YAML, 'golden');
  const table = goldenTable();
  const fitted = fitFeatures(cfg, table);
  return { cfg, table, fitted, fb: transform(fitted, table, { counters: CounterReplay.fromConfig(cfg) }) };
}

test('golden: fitted state and specs', () => {
  const { fitted } = run();
  assert.deepEqual(fitted.vocabs, { country: ['ID', 'BR', 'US'], scenario: ['home', 'slide'] });
  assert.deepEqual(fitted.state.followers_q, { boundaries: [120, 3500], present: 5 });
  assert.ok(Math.abs(fitted.state.followers_log!.mean! - 6.72946744735845) < 1e-12);
  assert.ok(Math.abs(fitted.state.followers_log!.std! - 5.269132379228528) < 1e-12);
  const specs = fitted.specs.map((s) => `${s.name}:${s.output}:${s.table}:${s.buckets}:${s.dim}:${s.offset}`);
  assert.deepEqual(specs, [
    'user_id:ids:user_id:1000:16:0', 'room:ids:room:500:8:16', 'country:ids:country:5:8:24', 'scenario:ids:scenario:4:8:32',
    'tags:multi:tags:97:8:40', 'seq_rooms:multi:room:500:8:48', 'followers_log:dense:null:0:2:0', 'followers_raw:dense:null:0:1:2',
    'followers_q:ids:followers_q:4:8:56', 'followers_log2:ids:followers_log2:6:8:64', 'viewers_b:ids:viewers_b:5:8:72',
    'hour:ids:hour:25:8:80', 'dow:ids:dow:8:8:88', 'watch_1h:dense:null:0:1:3', 'views_1h_b:ids:views_1h_b:4:8:96',
    'user_x_country:ids:user_x_country:4096:8:104', 'scenario_x_position:ids:scenario_x_position:256:8:112',
    'country_x_hour_x_fq:ids:country_x_hour_x_fq:1024:8:120',
  ]);
  assert.deepEqual(fitted.tables.find((t) => t.name === 'room')!.features, ['room', 'seq_rooms']);
});

test('golden: ids, multi-ids, masks and dense values are pinned', () => {
  const { fb } = run();
  assert.deepEqual(Object.keys(fb.ids).sort(), Object.keys(GOLDEN_IDS).sort()); // position: emit false
  for (const [k, v] of Object.entries(GOLDEN_IDS)) assert.deepEqual([...fb.ids[k]!], v, k);
  for (const [k, v] of Object.entries(GOLDEN_MULTI)) {
    assert.deepEqual([...fb.multi[k]!.ids], v.ids, k);
    assert.deepEqual([...fb.multi[k]!.lengths], v.lengths, k);
    const L = fb.multi[k]!.maxLen;
    assert.deepEqual([...fb.multi[k]!.mask], v.ids.map((_, j) => (j % L < v.lengths[Math.floor(j / L)]! ? 1 : 0)), k);
  }
  assert.equal(fb.denseWidth, 4);
  assert.equal(fb.dense.length, GOLDEN_DENSE.length);
  fb.dense.forEach((x, i) => assert.ok(Math.abs(x - GOLDEN_DENSE[i]!) < 1e-6, `dense[${i}] = ${x}, golden ${GOLDEN_DENSE[i]}`));
});

test('golden: buckets equal an independent BigInt CityHash64 of the documented key bytes', () => {
  const bucket = (parts: (string | null)[], m: number): number => {
    const bytes: number[] = [];
    parts.forEach((p, i) => {
      if (i > 0) bytes.push(0xfe);
      if (p === null) bytes.push(0xff); else bytes.push(...Buffer.from(p, 'utf8'));
    });
    return Number(cityHash64(Uint8Array.from(bytes)) % BigInt(m));
  };
  const { fb } = run();
  assert.equal(fb.ids.user_id![0], bucket(['user_id', '42'], 1000));
  assert.equal(fb.ids.user_id![5], bucket(['user_id', '-3'], 1000));
  assert.equal(fb.ids.room![4], bucket(['room', '9002'], 500));
  assert.equal(fb.multi.seq_rooms!.ids[0], bucket(['room', '9002'], 500)); // shared table: same tag, same bucket
  assert.equal(fb.multi.tags!.ids[12], bucket(['tags', 'ünï'], 97));
  assert.equal(fb.multi.tags!.ids[9], bucket(['tags', 'game'], 97));
  assert.equal(fb.ids.user_x_country![0], bucket(['user_x_country', '42', 'ID'], 4096));
  assert.equal(fb.ids.user_x_country![3], bucket(['user_x_country', '42', null], 4096));
  assert.equal(fb.ids.scenario_x_position![2], bucket(['scenario_x_position', 'home', '3'], 256));
  // bucketized / time fields enter crosses as their decimal id (hour 0 → id 1; followers_q id 3)
  assert.equal(fb.ids.country_x_hour_x_fq![2], bucket(['country_x_hour_x_fq', 'BR', '1', '3'], 1024));
});

test('golden: JSON round trip, one row at a time, materialized counters and buffer reuse agree', () => {
  const { cfg, table, fitted, fb } = run();
  const loaded = parseFitted(JSON.parse(fittedToJson(fitted)));
  const mat = materializeCounters(loaded, table, CounterReplay.fromConfig(cfg));
  const again = transform(loaded, mat);
  assert.deepEqual(again.ids, fb.ids);
  assert.deepEqual(again.multi, fb.multi);
  assert.deepEqual([...again.dense], [...fb.dense]);
  let out: ReturnType<typeof transform> | undefined;
  for (let r = 0; r < table.numRows; r++) {
    const one = transform(loaded, sliceTable(mat, r, r + 1), out ? { out } : {});
    out = one;
    for (const k of Object.keys(fb.ids)) assert.equal(one.ids[k]![0], fb.ids[k]![r], `${k} row ${r}`);
    for (const k of Object.keys(fb.multi)) {
      const L = fb.multi[k]!.maxLen;
      assert.deepEqual([...one.multi[k]!.ids], [...fb.multi[k]!.ids.subarray(r * L, r * L + L)], `${k} row ${r}`);
    }
    assert.deepEqual([...one.dense], [...fb.dense.subarray(r * 4, r * 4 + 4)], `dense row ${r}`);
  }
  const tampered = JSON.parse(fittedToJson(fitted));
  tampered.specs[0].buckets = 999;
  assert.throws(() => parseFitted(tampered, 'x.json'), /x\.json: stored feature specs differ/);
});
