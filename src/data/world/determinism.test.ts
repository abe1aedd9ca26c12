// Same seed => identical bytes (arrays and written files); another seed => different data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashTable, hashWorld } from './fixtures/hash.js';
import { generateWorld } from './generate.js';
import { summarizeWorld } from './stats.js';
import { writeWorld } from './write.js';

const hashDir = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));

test('same seed gives identical arrays; another seed gives different data', () => {
  const a = generateWorld({ impressions: 30_000, seed: 5 });
  const b = generateWorld({ impressions: 30_000, seed: 5 });
  const c = generateWorld({ impressions: 30_000, seed: 6 });
  assert.equal(hashWorld(a), hashWorld(b));
  assert.notEqual(hashTable(a.impressions), hashTable(c.impressions));
  assert.notEqual(hashTable(a.users), hashTable(c.users));
  assert.deepEqual(a.meta.latent, c.meta.latent, 'the taste structure is shared by every seed');
});

test('same seed writes byte-identical files (csv and parquet, meta.json included)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-world-'));
  try {
    const hashes: Record<string, string>[] = [];
    for (const run of ['r1', 'r2']) {
      const w = generateWorld({ impressions: 5_000, seed: 11 });
      const st = summarizeWorld(w);
      await writeWorld(join(dir, run, 'w.csv'), w, st);
      await writeWorld(join(dir, run, 'w.parquet'), w, st);
      hashes.push(hashDir(join(dir, run)));
    }
    assert.deepEqual(Object.keys(hashes[0]!), ['w.csv', 'w.meta.json', 'w.parquet', 'w.rooms.csv', 'w.rooms.parquet', 'w.users.csv', 'w.users.parquet']);
    assert.deepEqual(hashes[0], hashes[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('liverank generate writes the impressions, side tables and meta.json with statistics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-gen-'));
  const bin = fileURLToPath(new URL('../../../bin/liverank.mjs', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'generate', ...args], { encoding: 'utf8' });
  try {
    const r = run('-n', '4000', '--seed', '3', '--out', join(dir, 'world.jsonl'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*world\.jsonl/);
    assert.match(r.stdout, /AUC click/);
    assert.match(r.stderr, /generated 4,000 impressions/);
    assert.deepEqual(readdirSync(dir).sort(), ['world.jsonl', 'world.meta.json', 'world.rooms.jsonl', 'world.users.jsonl']);
    const lines = readFileSync(join(dir, 'world.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4000);
    const row = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const k of ['user_id', 'scenario', 'p_click', 'seq_streamer_ids', 'watch_mu']) assert.ok(k in row, `column ${k} missing`);
    const meta = JSON.parse(readFileSync(join(dir, 'world.meta.json'), 'utf8')) as { options: { seed: number }; stats: { overall: { rows: number } } };
    assert.equal(meta.options.seed, 3);
    assert.equal(meta.stats.overall.rows, 4000);
    const bad = run('--out', join(dir, 'w.xlsx'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unknown output format/);
    const badN = run('-n', '12.5', '--out', join(dir, 'w.csv'));
    assert.match(badN.stderr, /--impressions: expected an integer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
