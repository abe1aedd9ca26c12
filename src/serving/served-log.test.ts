// The served log's writer on its own: valid JSON lines whatever the values (quotes, NaN, missing),
// the dense row round-trips through base64, files rotate at the size cap keeping max_files, sampling
// keeps about the asked fraction of requests, and bad options are refused naming the field.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeatureBatch } from '../features/index.js';
import { decodeDense, ServedLog, servedLogFiles } from './served-log.js';

const dir = mkdtempSync(join(tmpdir(), 'lr-served-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const specs: FeatureBatch['specs'] = [
  { name: 'user_id', kind: 'id', output: 'ids', table: 'user_id', buckets: 100, dim: 4, offset: 0 },
  { name: 'seq', kind: 'sequence', output: 'multi', table: 'user_id', buckets: 100, dim: 4, offset: 4, maxLen: 3 },
  { name: 'viewers', kind: 'dense', output: 'dense', table: null, buckets: 0, dim: 2, offset: 0 },
];
function batch(n: number): FeatureBatch {
  return {
    numRows: n, specs, ids: { user_id: Int32Array.from({ length: n }, (_, i) => i + 2) },
    multi: { seq: { ids: Int32Array.from({ length: n * 3 }, (_, k) => k), mask: new Uint8Array(n * 3), lengths: Int32Array.from({ length: n }, (_, i) => i % 4 === 3 ? 0 : (i % 4)), maxLen: 3 } },
    dense: Float32Array.from({ length: n * 2 }, (_, k) => k / 3), denseWidth: 2,
  };
}

test('records are valid JSON with the row, ids, the dense row and the scores', async () => {
  const path = join(dir, 'a.jsonl');
  const log = new ServedLog({ path }, 'cityhash-v102');
  const rows = [{ user_id: 7, room_id: 'r"1', x: 'a\nb' }, { user_id: 8, room_id: 2, x: null }];
  const done = log.capture(rows, { scenario: 'home', ts: 100, country: 'BR' }, true, batch(2), 'sha', ['user_id', 'x', 'scenario'])!;
  done({ click: Float32Array.from([0.5, NaN]) });
  await log.close();
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0]!.row, { user_id: 7, x: 'a\nb', scenario: 'home' });
  assert.equal(lines[0]!.room, 'r"1'); assert.equal(lines[0]!.ts, 100); assert.equal(lines[0]!.country, 'BR'); assert.equal(lines[0]!.inject, 'cityhash-v102');
  assert.deepEqual(lines[1]!.enc, { user_id: 3, seq: [3] });
  assert.deepEqual(lines[1]!.scores, { click: null });
  assert.deepEqual(decodeDense(lines[1]!.dense as string, specs), { viewers: [Math.fround(2 / 3), Math.fround(1)] });
  assert.equal(log.stats.records, 2);
});

test('rotation keeps max_files; sampling keeps about the fraction; the reader lists oldest first', async () => {
  const d = join(dir, 'rot');
  const log = new ServedLog({ path: d, max_file_bytes: 8192, max_files: 3 });
  const rows = Array.from({ length: 20 }, (_, i) => ({ user_id: i, room_id: i }));
  for (let k = 0; k < 40; k++) { log.capture(rows, undefined, true, batch(20), 'sha', ['user_id'])!({ click: new Float32Array(20) }); await log.flush(); }
  await log.close();
  const files = readdirSync(d);
  assert.equal(files.length, 3, files.join(', '));
  assert.ok(log.stats.files > 3);
  assert.deepEqual(await servedLogFiles(d), files.sort().map((f) => join(d, f)));
  const f = join(dir, 'rot.jsonl');
  const log2 = new ServedLog({ path: f, max_file_bytes: 8192, max_files: 2 });
  for (let k = 0; k < 20; k++) { log2.capture(rows, undefined, true, batch(20), 'sha', ['user_id'])!({ click: new Float32Array(20) }); await log2.flush(); }
  await log2.close();
  assert.deepEqual(await servedLogFiles(f), [`${f}.1`, f]);
  const s = new ServedLog({ path: join(dir, 's.jsonl'), sample: 0.25 });
  let kept = 0;
  for (let k = 0; k < 2000; k++) if (s.capture(rows.slice(0, 1), undefined, true, batch(1), 'sha', ['user_id'])) kept++;
  assert.ok(kept > 400 && kept < 600, `kept ${kept} of 2000`);
  // a short run of consecutive requests too (the decision must not depend on the id's length)
  let k2 = 0;
  for (let k = 0; k < 200; k++) if (s.capture(rows.slice(0, 1), undefined, true, batch(1), 'sha', ['user_id'])) k2++;
  assert.ok(k2 >= 30 && k2 <= 70, `kept ${k2} of 200 consecutive`);
});

test('a full queue drops whole requests and counts them; bad options name the field', async () => {
  const log = new ServedLog({ path: join(dir, 'q.jsonl'), max_queue_bytes: 1024 });
  const rows = Array.from({ length: 50 }, (_, i) => ({ user_id: i }));
  assert.equal(log.capture(rows, undefined, true, batch(50), 'sha', ['user_id']), null);
  assert.equal(log.stats.dropped_requests, 1);
  assert.throws(() => new ServedLog({ path: 'x', sample: 2 }), /served log: sample: /);
  assert.throws(() => new ServedLog({ path: 'x', nope: 1 }), /served log: .*nope/);
});
