import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_STATS_FILE, FeatureStatsWriter, readFeatureStats } from './feature-stats.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'liverank-fs-'));

test('feature_stats.jsonl: the exact line format, read back (null ↔ NaN), resume cuts later steps', () => {
  const dir = tmp();
  try {
    const w = new FeatureStatsWriter(dir);
    assert.equal(existsSync(join(dir, 'diagnostics')), false, 'nothing before the first line');
    w.append(100, { user_id: { grad_norm: 0.5, update_ratio: 0.01, touched_rows: 37 }, country: { grad_norm: NaN, update_ratio: 0, touched_rows: 2 } });
    w.append(200, { user_id: { grad_norm: 0.25, update_ratio: 0.005, touched_rows: 41 } });
    const lines = readFileSync(join(dir, FEATURE_STATS_FILE), 'utf8').split('\n');
    assert.equal(lines[0], '{"step":100,"features":{"user_id":{"grad_norm":0.5,"update_ratio":0.01,"touched_rows":37},"country":{"grad_norm":null,"update_ratio":0,"touched_rows":2}}}');
    assert.equal(lines.length, 3);
    const r = readFeatureStats(join(dir, FEATURE_STATS_FILE));
    assert.equal(r.length, 2);
    assert.equal(r[0]!.step, 100);
    assert.ok(Number.isNaN(r[0]!.features.country!.grad_norm));
    assert.deepEqual(r[1]!.features.user_id, { grad_norm: 0.25, update_ratio: 0.005, touched_rows: 41 });
    // a torn last line (killed mid-write) is skipped by the reader
    appendFileSync(join(dir, FEATURE_STATS_FILE), '{"step":300,"feat');
    assert.equal(readFeatureStats(join(dir, FEATURE_STATS_FILE)).length, 2);
    // resuming at step 100 keeps only step 100
    const w2 = new FeatureStatsWriter(dir, 100);
    w2.append(150, { user_id: { grad_norm: 1, update_ratio: 1, touched_rows: 1 } });
    assert.deepEqual(readFeatureStats(join(dir, FEATURE_STATS_FILE)).map((l) => l.step), [100, 150]);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a malformed line names the file, the line and the field', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'fs.jsonl');
    writeFileSync(p, '{"step":1,"features":{}}\n{"step":2,"features":{"a":{"grad_norm":"x","update_ratio":0,"touched_rows":1}}}\n');
    assert.throws(() => readFeatureStats(p), (e: Error) => e.message.startsWith(`${p}:2: field features.a.grad_norm`));
    writeFileSync(p, 'nope\n');
    assert.throws(() => readFeatureStats(p), new RegExp(`${p}:1: not JSON`));
    assert.throws(() => readFeatureStats(join(dir, 'missing.jsonl')), /cannot read the feature statistics/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
