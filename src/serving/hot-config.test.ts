import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, renameSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HotConfig } from './hot-config.js';
import { parseFusionConfig, type FusionConfig } from './fusion-config.js';
import { fuseOne } from './fusion.js';

const yaml = (gift: number | string) => `version: 1\nfusion:\n  form: multiplicative\n  gate: { task: click }\n  terms:\n    gift: { weight: ${gift} }\n`;
const score = (h: HotConfig<FusionConfig>) => fuseOne(h.current.defaults.fusion, { click: 0.5, gift: 0.1 });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-hot-'));
  const path = join(dir, 'fusion.yaml');
  writeFileSync(path, yaml(10));
  const logs: string[] = [];
  const h = new HotConfig(path, parseFusionConfig, { log: (m) => logs.push(m), debounceMs: 20 });
  return { dir, path, logs, h, done: () => { h.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

test('reload() accepts a valid change, refuses an invalid one and keeps the old config', () => {
  const { path, logs, h, done } = setup();
  try {
    assert.equal(h.version, 1);
    assert.ok(Math.abs(score(h) - 0.5 * 2) < 1e-12);
    assert.deepEqual(h.reload(), { ok: true, changed: false, version: 1 });
    writeFileSync(path, yaml(-3));
    const bad = h.reload();
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.error : '', /fusion\.terms\.gift\.weight/);
    assert.equal(h.version, 1);
    assert.ok(Math.abs(score(h) - 1) < 1e-12, 'old config still serving');
    assert.match(h.lastError ?? '', /gift\.weight/);
    assert.match(logs.join('\n'), /reload refused, keeping version 1: .*fusion\.terms\.gift\.weight/s);
    writeFileSync(path, yaml(30));
    assert.deepEqual(h.reload(), { ok: true, changed: true, version: 2 });
    assert.ok(Math.abs(score(h) - 0.5 * 4) < 1e-12);
    assert.equal(h.lastError, null);
    rmSync(path);
    assert.equal(h.reload().ok, false, 'a deleted file is refused too');
    assert.equal(h.version, 2);
  } finally { done(); }
});

test('the watcher picks up a valid change (also an atomic rename) and ignores an invalid one', async () => {
  const { dir, path, logs, h, done } = setup();
  const seen: number[] = [];
  h.onChange((_, v) => seen.push(v));
  h.start();
  try {
    writeFileSync(path, yaml(30));
    await until(() => h.version === 2, 'version 2');
    assert.ok(Math.abs(score(h) - 2) < 1e-12);
    writeFileSync(path, 'version: 1\nfusion: {form: additive}\n');
    await until(() => h.lastError !== null, 'the refusal');
    assert.equal(h.version, 2);
    assert.ok(Math.abs(score(h) - 2) < 1e-12, 'old config still serving');
    assert.ok(logs.some((l) => /reload refused.*fusion\.terms/s.test(l)), logs.join('\n'));
    // editors / atomic writers replace the file by rename
    const tmp = join(dir, 'fusion.yaml.tmp');
    writeFileSync(tmp, yaml(50));
    renameSync(tmp, path);
    await until(() => h.version === 3, 'version 3');
    assert.ok(Math.abs(score(h) - 0.5 * 6) < 1e-12);
    assert.equal(h.lastError, null);
    assert.deepEqual(seen, [2, 3]);
    assert.equal(readFileSync(path, 'utf8'), yaml(50));
  } finally { done(); }
});

test('a bad initial file throws (nothing to keep)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-hot-'));
  try {
    const path = join(dir, 'f.yaml');
    writeFileSync(path, yaml('"x"'));
    assert.throws(() => new HotConfig(path, parseFusionConfig), /f\.yaml: invalid config:\n  fusion\.terms\.gift\.weight/);
    assert.throws(() => new HotConfig(join(dir, 'missing.yaml'), parseFusionConfig), /ENOENT/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
