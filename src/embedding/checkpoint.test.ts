import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { EmbeddingTable } from './table.js';
import type { OptimizerConfig } from './optimizers.js';
import { loadEmbeddingTable, restoreEmbeddingTable, saveEmbeddingTable, CHECKPOINT_MAGIC } from './checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'liverank-emb-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function train(t: EmbeddingTable, rng: Rng, steps: number): void {
  for (let s = 0; s < steps; s++) {
    const ids = new Int32Array(16).map(() => rng.int(t.rows - 2));
    const g = new Float32Array(16 * t.dim).map(() => rng.normal());
    t.applyGradients(ids, g);
  }
}

const CONFIGS: OptimizerConfig[] = [
  { kind: 'adam', lr: 0.01 }, { kind: 'adam', lr: 0.01, biasCorrection: 'global' },
  { kind: 'adagrad', lr: 0.05, initialAccumulator: 0.2 }, { kind: 'ftrl', lr: 0.1, l1: 0.001 }, { kind: 'sgd', lr: 0.1 },
];

test('checkpoint round trip is bit-exact (values, optimizer state, step counters) and training continues identically', () => {
  for (const opt of CONFIGS) {
    const mk = () => new EmbeddingTable({ name: 'item_id', dim: 5, rows: 40, seed: 3, optimizer: opt, l2: 1e-4, init: { kind: 'uniform', limit: 0.1 } });
    const t = mk();
    const rng = new Rng(1);
    train(t, rng, 7);
    t.takeDirtyRows();
    train(t, rng, 1);
    const path = join(dir, `${opt.kind}-${opt.kind === 'adam' ? opt.biasCorrection ?? 'row' : ''}.emb`);
    saveEmbeddingTable(t, path);
    const u = loadEmbeddingTable(path, { name: 'item_id', dim: 5, rows: 40 });
    assert.deepEqual(u.values, t.values, opt.kind);
    assert.equal(u.steps, 8);
    assert.deepEqual(u.optimizer.config, t.optimizer.config);
    assert.deepEqual(u.optimizer.stateScalars(), t.optimizer.stateScalars());
    const sa = t.optimizer.stateArrays(), sb = u.optimizer.stateArrays();
    assert.deepEqual(Object.keys(sb), Object.keys(sa));
    for (const k of Object.keys(sa)) assert.deepEqual(sb[k], sa[k], `${opt.kind} state ${k}`);
    assert.deepEqual(u.init, t.init);
    assert.equal(u.l2, t.l2);
    // restore into a fresh table of the same config
    const w = mk();
    restoreEmbeddingTable(w, path);
    assert.deepEqual(w.values, t.values);
    // identical continuation, and the dirty set survived
    const r1 = new Rng(99), r2 = new Rng(99), r3 = new Rng(99);
    train(t, r1, 3); train(u, r2, 3); train(w, r3, 3);
    assert.deepEqual(u.values, t.values, `${opt.kind} continuation`);
    assert.deepEqual(w.values, t.values, `${opt.kind} continuation after restore`);
    assert.deepEqual(u.takeDirtyRows(), t.takeDirtyRows());
  }
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temp files left behind');
});

test('file layout: magic, little-endian header length, JSON header, 8-byte aligned float32 payload', () => {
  const t = new EmbeddingTable({ name: 'cat', dim: 2, rows: 3, optimizer: { kind: 'sgd' } });
  t.values.set([1, 2, 3, 4, 5, 6]);
  const path = join(dir, 'layout.emb');
  saveEmbeddingTable(t, path);
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 8).toString('latin1'), CHECKPOINT_MAGIC);
  const hlen = b.readUInt32LE(8);
  const h = JSON.parse(b.subarray(12, 12 + hlen).toString('utf8'));
  assert.equal(h.name, 'cat'); assert.equal(h.dim, 2); assert.equal(h.rows, 3); assert.equal(h.version, 1);
  const start = (12 + hlen + 7) & ~7;
  const vs = h.sections.find((s: { name: string }) => s.name === 'values');
  assert.deepEqual(vs, { name: 'values', dtype: 'f32', length: 6, offset: 0 });
  for (let i = 0; i < 6; i++) assert.equal(b.readFloatLE(start + 4 * i), i + 1);
});

test('loading validates the header with clear errors', () => {
  const t = new EmbeddingTable({ name: 'user_id', dim: 4, rows: 10, optimizer: { kind: 'adam' } });
  const path = join(dir, 'user.emb');
  saveEmbeddingTable(t, path);
  assert.throws(() => loadEmbeddingTable(path, { name: 'item_id' }), /user\.emb: name is "user_id", expected "item_id"/);
  assert.throws(() => loadEmbeddingTable(path, { dim: 8, rows: 11 }), /dim is 4, expected 8; rows is 10, expected 11/);
  const other = new EmbeddingTable({ name: 'user_id', dim: 4, rows: 12, optimizer: { kind: 'adam' } });
  assert.throws(() => restoreEmbeddingTable(other, path), /rows is 10, expected 12/);
  const ada = new EmbeddingTable({ name: 'user_id', dim: 4, rows: 10, optimizer: { kind: 'adagrad' } });
  assert.throws(() => restoreEmbeddingTable(ada, path), /optimizer is \{"kind":"adam".*table "user_id" uses \{"kind":"adagrad"/);

  const bytes = readFileSync(path);
  const bad = join(dir, 'bad.emb');
  writeFileSync(bad, bytes.subarray(0, bytes.length - 4));
  assert.throws(() => loadEmbeddingTable(bad), /bad\.emb: file is \d+ bytes but the header promises \d+ \(truncated or corrupt\)/);
  const notEmb = Buffer.from(bytes); notEmb.write('PK\u0003\u0004XXXX', 0, 'latin1');
  writeFileSync(bad, notEmb);
  assert.throws(() => loadEmbeddingTable(bad), /bad magic .* not an embedding table checkpoint/);
  const hlen = bytes.readUInt32LE(8);
  const hdr = bytes.subarray(12, 12 + hlen).toString('utf8');
  const v2 = Buffer.from(bytes); v2.write(hdr.replace('"version":1', '"version":9'), 12, 'utf8');
  writeFileSync(bad, v2);
  assert.throws(() => loadEmbeddingTable(bad), /version 9 is not supported \(this build reads version 1\)/);
  writeFileSync(bad, bytes.subarray(0, 6));
  assert.throws(() => loadEmbeddingTable(bad), /too short for a header/);
});
