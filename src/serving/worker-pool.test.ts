// WorkerPool: runs spread over the workers; a worker whose thread died is replaced, so only the
// request that found it dead fails and later ones are served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { openSession } from '../train/session.js';
import { sliceTable } from '../data/table.js';
import { tableRows, tinyServeConfig } from './fine-ranker.fixtures.js';
import { FineRanker } from './fine-ranker.js';
import type { WorkerPool } from './worker-pool.js';

test('WorkerPool: a dead worker thread is replaced; the request that hit it fails with a message, later ones score the same', async () => {
  const run = mkdtempSync(join(tmpdir(), 'lr-pool-'));
  const cfg = tinyServeConfig();
  await train(cfg, { out: run, verbose: false });
  const rows = tableRows(sliceTable((await openSession(cfg, run, () => {}, true)).splits.test, 0, 20));
  const ranker = await FineRanker.load(run, { size: 1 });
  try {
    const want = (await ranker.score(rows)).preds.click!;
    const pool = (ranker as unknown as { pool: WorkerPool }).pool;
    await (pool as unknown as { threads: { dispose(): Promise<void> }[] }).threads[0]!.dispose(); // the thread is gone
    await assert.rejects(ranker.score(rows), /disposed/);
    assert.equal(pool.respawns, 1);
    for (let i = 0; i < 3; i++) assert.deepEqual((await ranker.score(rows)).preds.click, want);
    assert.equal(pool.respawns, 1);
  } finally {
    await ranker.dispose();
  }
});
