// The serving coarse scorer on a tiny trained run: request columns from ctx.row + candidate columns
// score exactly like the full rows through the trainer's evaluator; a missing task is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { train } from '../train/trainer.js';
import { sliceTable } from '../data/table.js';
import { Teacher } from '../train/distill-teacher.js';
import { OnnxCoarseScorer } from './coarse.js';
import { tableRows, tinyServeConfig } from './fine-ranker.fixtures.js';
import type { Scalar } from './funnel/types.js';

test('OnnxCoarseScorer: ctx.row + candidate rows score like the run\'s exported model on the full rows; bad task refused', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lr-coarse-'));
  try {
    const res = await train(tinyServeConfig(), { out, verbose: false, hooks: null });
    const test = sliceTable(res.splits!.test, 0, 40);
    const full = tableRows(test);
    // request-level columns go in ctx.row (from the first row); the candidate rows keep only room-level ones
    const userCols = ['user_id', 'country', 'scenario', 'user_age', 'user_gender', 'user_device', 'seq_streamer_ids', 'ts', 'hour'];
    const ctxRow = Object.fromEntries(userCols.map((c) => [c, full[0]![c] ?? null])) as Record<string, Scalar>;
    const rows = full.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !userCols.includes(k))) as Record<string, Scalar>);
    const scorer = await OnnxCoarseScorer.load(out, { task: 'click' });
    try {
      const ctx = { user: ctxRow.user_id as number, scenario: String(ctxRow.scenario), country: String(ctxRow.country), ts: ctxRow.ts as number, row: ctxRow };
      const got = await scorer.score(ctx, rows);
      assert.equal(got.length, 40);
      // the reference: every row with the first row's request columns, scored in-process by the exported model
      const cols: Record<string, unknown> = { ...test.columns };
      for (const c of userCols) {
        const col = test.columns[c];
        if (!col) continue;
        cols[c] = Array.isArray(col) ? Array(40).fill(col[0]) : (col as Float64Array).slice().fill((col as Float64Array)[0]!);
      }
      const teacher = await Teacher.load(out);
      const want = (await teacher.predict({ numRows: 40, columns: cols as never })).click!;
      await teacher.dispose();
      for (let i = 0; i < 40; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-6, `row ${i}: ${got[i]} vs ${want[i]}`);
      assert.ok(new Set(Array.from(got)).size > 1, 'candidates must get different scores');
      assert.deepEqual(Array.from(await scorer.score(ctx, [])), []);
      // a column the model reads that neither the request nor any candidate carries is named
      const noViewers = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'room_viewers')) as Record<string, Scalar>);
      await assert.rejects(scorer.score(ctx, noViewers), /no candidate row carries column\(s\) room_viewers/);
      const ac = new AbortController(); ac.abort();
      await assert.rejects(scorer.score(ctx, rows, ac.signal), /aborted/);
    } finally { await scorer.dispose(); }
    await assert.rejects(OnnxCoarseScorer.load(out, { task: 'gift' }), /no task "gift" \(tasks: click, watch_time\)/);
  } finally { rmSync(out, { recursive: true, force: true }); }
});
