// Recall end to end on a tiny world: a two-tower run trained by the trainer, item-CF built before the
// test period, the evaluation's report (every source, the merged recall with its quotas, the
// oracle), ANN vs exact on the run's item vectors, the leakage guard, and build-cf through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { parseTrainConfig } from '../../train/config.js';
import { train } from '../../train/trainer.js';
import { generateWorld } from '../../data/world/generate.js';
import { parseRecallConfig } from '../../serving/recall/config.js';
import { parseCfBuildOptions } from '../../serving/recall/cf-build.js';
import { exactSearch } from '../../serving/recall/ann.js';
import { liveIndexFromRooms } from '../../serving/recall/live-index.js';
import { requestViews } from '../../serving/recall/eval.js';
import { TwoTowerSource } from '../../serving/recall/two-tower.js';
import { readNeighbourTable } from '../../serving/recall/neighbour-store.js';
import type { Row } from '../../serving/fine-ranker.js';
import { buildProgram } from '../main.js';
import { runRecallEval } from './recall.js';

const WORLD = { impressions: 30000, seed: 2, days: 2, liveRoomsPerMillionPerDay: 2500, usersPerImpression: 0.008 };
const dir = mkdtempSync(join(tmpdir(), 'lr-recall-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

async function twoTowerRun(): Promise<string> {
  const raw = YAML.parse(readFileSync('examples/two-tower.yaml', 'utf8'));
  raw.data = { source: 'world', impressions: WORLD.impressions, world_seed: WORLD.seed, days: WORLD.days, live_rooms_per_million_per_day: 2500, users_per_impression: 0.008, split: [0.7, 0.15, 0.15] };
  raw.train = { epochs: 1, batch_size: 256, tensorboard: false, log_every: 50 };
  delete raw.schedule;
  const out = join(dir, 'tt');
  await train(parseTrainConfig(raw, join(process.cwd(), 'examples'), 'recall test two-tower'), { out, verbose: false, hooks: null });
  return out;
}
const cf = parseCfBuildOptions({});

test('recall eval on a tiny world: every source, the union with quotas, the oracle, ANN ≈ exact on the real item vectors; the two-tower source = exact live top k', async () => {
  const run = await twoTowerRun();
  const cfg = parseRecallConfig({
    total: 100,
    sources: [{ name: 'followed_live', quota: 0.1 }, { name: 'item_cf', quota: 0.3 }, { name: 'two_tower', quota: 0.6 }],
    two_tower: { dir: run }, item_cf: { neighbours: join(dir, 'unused.json') },
  });
  const { report, json } = await runRecallEval({ world: WORLD, cfg, from: 0.85, count: 120, seed: 1, ks: [10, 50], cf });
  assert.equal(report.requests, 120);
  assert.equal(report.liveMismatch, 0, 'the live index gives exactly the snapshot candidates');
  assert.deepEqual(Object.keys(report.results), ['two_tower', 'item_cf', 'followed_live', 'popularity', 'union', 'oracle']);
  for (const [name, r] of Object.entries(report.results)) {
    assert.ok(r.recall[10]! <= r.recall[50]!, `${name}: recall grows with K`);
    assert.ok(r.returned[10]! <= 10 + 1e-9 && r.returned[50]! <= 50 + 1e-9, `${name}: at most K rooms`);
    assert.equal(r.failed, 0, `${name} never failed`);
  }
  assert.ok(report.results.oracle!.recall[10]! > 10 / report.meanCandidates, 'the oracle is far above chance');
  // Chance level of K rooms out of the candidates: two-tower must beat it at K = 10.
  assert.ok(report.results.two_tower!.recall[10]! > 10 / report.meanCandidates, `two-tower ${report.results.two_tower!.recall[10]} vs chance ${10 / report.meanCandidates}`);
  const mix = report.unionMix;
  assert.ok((mix.two_tower ?? 0) > (mix.item_cf ?? 0), `quotas shape the union: ${JSON.stringify(mix)}`);
  const ann = json.ann as { recall_at_10: number; items: number };
  assert.ok(ann.recall_at_10 >= 0.95, `ANN recall@10 ${ann.recall_at_10}`);
  console.log(`tiny world recall: ${JSON.stringify(Object.fromEntries(Object.entries(report.results).map(([k, v]) => [k, v.recall])))}; ann ${ann.recall_at_10}`);

  // The source's live rooms are the exact top k over the live streamers' vectors.
  const w = generateWorld({ ...WORLD, requests: { from: 0.85, count: 20, onlyEffectiveView: true, seed: 3 } });
  const live = liveIndexFromRooms(w.rooms);
  const tt = await TwoTowerSource.load(run, live);
  try {
    let agree = 0, total = 0;
    for (const v of requestViews(w.requests!)) {
      const got = await tt.retrieve(v.ctx, 10);
      const u = await tt.tower.embed([v.ctx.row as Row]);
      const ex = exactSearch(tt.items.vectors, tt.items.dim, u, tt.items.count);
      const want: (string | number)[] = [];
      for (const r of ex.rows) { const room = live.liveRoomOfStreamer(tt.items.ids[r]!, v.ctx.ts); if (room !== undefined) want.push(room); if (want.length === 10) break; }
      for (const c of got) if (want.includes(c.room)) agree++;
      assert.deepEqual(tt.searchLive(u, 10, v.ctx.ts, 'live_exact').map((c) => c.room), want, 'live_exact = the exact live top 10');
      total += want.length;
      for (const c of got) assert.ok(live.isLive(c.room, v.ctx.ts), 'only live rooms');
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.score >= got[i]!.score, 'best first');
    }
    assert.ok(agree / total >= 0.95, `two-tower source vs exact live top 10: ${agree}/${total}`);
    const v0 = [...requestViews(w.requests!)][0]!;
    const bare = await tt.retrieve({ ...v0.ctx, row: {} }, 10); // no profile: a vector from the context alone
    assert.equal(bare.length, 10);
  } finally { await tt.dispose(); }
});

test('build-cf through the CLI writes a table whose window ends before the cut; eval refuses a table that reaches into the test period', async () => {
  const out = join(dir, 'cf.json');
  const program = await buildProgram();
  program.exitOverride();
  const args = ['--impressions', String(WORLD.impressions), '--world-seed', '2', '--days', '2', '--live-rooms', '2500', '--users-per-impression', '0.008'];
  await program.parseAsync(['node', 'liverank', 'recall', 'build-cf', ...args, '--to', '0.85', '--method', 'cosine', '--top-k', '5', '--out', out]);
  const t = readNeighbourTable(out);
  assert.deepEqual(t.window.rows, [0, Math.floor(0.85 * WORLD.impressions)]);
  assert.equal(t.options.method, 'cosine');
  assert.ok(t.neighbours.size > 100);
  for (const l of t.neighbours.values()) assert.ok(l.length <= 5);
  assert.ok([...t.popularity.values()].reduce((a, b) => a + b, 0) === t.interactions);
  const leaky = join(dir, 'leaky.json');
  await program.parseAsync(['node', 'liverank', 'recall', 'build-cf', ...args, '--to', '0.9', '--out', leaky]);
  const cfg = parseRecallConfig({ sources: [{ name: 'item_cf', quota: 1 }], item_cf: { neighbours: leaky } });
  await assert.rejects(runRecallEval({ world: WORLD, cfg, from: 0.85, count: 10, seed: 1, ks: [10], cf, neighbours: leaky }), /reach into the test period/);
  writeFileSync(join(dir, 'bad.json'), '{"kind":"x"}');
  assert.throws(() => readNeighbourTable(join(dir, 'bad.json')), /not an item-CF neighbour table/);
});
