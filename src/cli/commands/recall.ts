// `liverank recall build-cf` — the item-CF neighbour table (Swing or co-occurrence cosine) from the
// world's impression log before a cut; `liverank recall eval` — recall@K of every source, the merged
// recall and the oracle on the world's test-period request snapshots (docs/recall.md).
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateWorld, type World, type WorldOptions } from '../../data/world/generate.js';
import { loadTrainConfig } from '../../train/config.js';
import { worldOptionsOf } from '../../train/world-options.js';
import { annRecallAtK, exactSearch } from '../../serving/recall/ann.js';
import { buildNeighbourTable, parseCfBuildOptions, type CfBuildOptions } from '../../serving/recall/cf-build.js';
import { loadRecallConfig, type RecallConfig } from '../../serving/recall/config.js';
import { createRecall } from '../../serving/recall/factory.js';
import { evaluateRecall, formatRecallReport, formatScenarioTable, requestViews, SnapshotFollows, type RecallReport } from '../../serving/recall/eval.js';
import { liveIndexFromRooms } from '../../serving/recall/live-index.js';
import { readNeighbourTable, writeNeighbourTable, type NeighbourTable } from '../../serving/recall/neighbour-store.js';
import { PopularitySource } from '../../serving/recall/popularity.js';
import type { Row } from '../../serving/fine-ranker.js';

const num = (flag: string, v: string, min: number, max: number, int = false): number => {
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || x > max || (int && !Number.isInteger(x))) throw new Error(`${flag}: expected ${int ? 'an integer' : 'a number'} in [${min}, ${max}], got "${v}"`);
  return x;
};

/** World options of a training config whose data.source is world (e.g. examples/demo.yaml). */
export function worldOf(configPath: string): WorldOptions {
  const cfg = loadTrainConfig(configPath);
  if (cfg.data.source !== 'world') throw new Error(`--world ${configPath}: data.source is "${cfg.data.source}"; recall evaluation needs the synthetic world (data.source: world)`);
  if (cfg.data.path) throw new Error(`--world ${configPath}: data.path reads a world file; give a config that generates the world in memory`);
  return worldOptionsOf(cfg.data);
}

function cfOptions(o: { method: string; alpha: string; userWeightPow: string; topK: string; interaction: string; minWatch: string }): CfBuildOptions {
  return parseCfBuildOptions({
    similarity: { method: o.method, alpha: Number(o.alpha), user_weight_pow: Number(o.userWeightPow), top_k: Number(o.topK) },
    interaction: o.interaction, min_watch_s: Number(o.minWatch),
  }, 'recall build-cf options');
}

/** Item-CF from impressions [0, floor(to·N)) of the world (to = the test period's start: no leakage). */
export function buildCfFromWorld(w: World, to: number, o: CfBuildOptions): NeighbourTable {
  const hi = Math.floor(to * w.impressions.numRows);
  return buildNeighbourTable(w.impressions, 0, hi, o, { impressions_fraction: [0, to] });
}

const worldFlags = (c: Command) => c
  .option('--world <config.yaml>', 'the world of a training config with data.source: world (e.g. examples/demo.yaml)')
  .option('--impressions <n>', 'or: world impressions (without --world)')
  .option('--world-seed <n>', 'world seed (without --world)', '1')
  .option('--days <n>', 'world days (without --world)', '1')
  .option('--live-rooms <n>', 'live rooms per million impressions a day (without --world)')
  .option('--users-per-impression <x>', 'users per impression (without --world)');

interface WorldFlags { world?: string; impressions?: string; worldSeed: string; days: string; liveRooms?: string; usersPerImpression?: string }

export function worldFromFlags(o: WorldFlags): WorldOptions {
  if (o.world) {
    if (o.impressions) throw new Error('give either --world or --impressions (and the other world flags), not both');
    return worldOf(o.world);
  }
  if (!o.impressions) throw new Error('--world <config.yaml> or --impressions <n> is required');
  return {
    impressions: num('--impressions', o.impressions, 1000, 1e9, true), seed: num('--world-seed', o.worldSeed, 0, 2 ** 31, true),
    days: num('--days', o.days, 1, 366, true),
    ...(o.liveRooms ? { liveRoomsPerMillionPerDay: num('--live-rooms', o.liveRooms, 1, 1e7) } : {}),
    ...(o.usersPerImpression ? { usersPerImpression: num('--users-per-impression', o.usersPerImpression, 1e-6, 1) } : {}),
  };
}

const cfFlags = (c: Command) => c
  .option('--method <swing|cosine>', 'similarity', 'swing')
  .option('--alpha <a>', 'Swing smoothing α', '1')
  .option('--user-weight-pow <b>', 'Swing user weight |I_u|^-b', '0.5')
  .option('--top-k <n>', 'neighbours kept per streamer', '200')
  .option('--interaction <effective_view|watch>', 'what counts as an interaction', 'effective_view')
  .option('--min-watch <s>', 'watch seconds for --interaction watch', '10');

export function register(program: Command): void {
  const recall = program.command('recall').description('Recall: item-CF neighbour tables and recall evaluation');

  cfFlags(worldFlags(recall.command('build-cf')
    .description('build the item-CF neighbour table from the world\'s impression log before a cut'))
    .option('--to <fraction>', 'use impressions [0, to·N): the test period starts at 0.85 in the demo split', '0.85')
    .requiredOption('--out <file.json>', 'neighbour table to write'))
    .action((o: WorldFlags & { to: string; out: string; method: string; alpha: string; userWeightPow: string; topK: string; interaction: string; minWatch: string }) => {
      const to = num('--to', o.to, 0.01, 1);
      const opts = cfOptions(o);
      const t0 = Date.now();
      const w = generateWorld(worldFromFlags(o));
      const t1 = Date.now();
      const table = buildCfFromWorld(w, to, opts);
      writeNeighbourTable(o.out, table);
      const withNb = [...table.neighbours.values()].filter((l) => l.length).length;
      process.stdout.write(`${o.out}: ${opts.similarity.method}, ${table.interactions} interactions (${table.window.rule}) from impressions [0, ${Math.floor(to * w.impressions.numRows)}), `
        + `${table.neighbours.size} streamers (${withNb} with neighbours); world ${((t1 - t0) / 1000).toFixed(1)} s, build ${((Date.now() - t1) / 1000).toFixed(1)} s\n`);
    });

  cfFlags(worldFlags(recall.command('eval')
    .description('recall@K of two-tower, item-CF, followed-live, popularity, the merged recall and the oracle on test-period request snapshots'))
    .requiredOption('--recall <recall.yaml>', 'recall config (sources, quotas; examples/recall.yaml)')
    .option('--requests <n>', 'test requests (effective views sampled from [from, 1))', '2000')
    .option('--from <fraction>', 'requests from here (fraction of the impression index; item-CF is built before it)', '0.85')
    .option('--to <fraction>', 'requests up to here (0.85 with --from 0.775: the validation period, for choosing quotas)', '1')
    .option('--seed <n>', 'request sampling seed', '1')
    .option('--ks <list>', 'cut-offs', '50,200')
    .option('--neighbours <file.json>', 'use this neighbour table (its window must end before --from) instead of building one in memory')
    .option('--out <report.json>', 'write the report as JSON'))
    .action(async (o: WorldFlags & { recall: string; requests: string; from: string; to: string; seed: string; ks: string; neighbours?: string; out?: string; method: string; alpha: string; userWeightPow: string; topK: string; interaction: string; minWatch: string }) => {
      const from = num('--from', o.from, 0.01, 0.999);
      const to = num('--to', o.to, 0.02, 1);
      if (!(to > from)) throw new Error(`--to ${o.to} must be greater than --from ${o.from}`);
      const count = num('--requests', o.requests, 1, 1_000_000, true);
      const seed = num('--seed', o.seed, 0, 2 ** 31, true);
      const ks = o.ks.split(',').map((k) => num('--ks', k.trim(), 1, 100_000, true));
      const cfg: RecallConfig = loadRecallConfig(o.recall);
      const report = await runRecallEval({ world: worldFromFlags(o), cfg, from, to, count, seed, ks, neighbours: o.neighbours, cf: cfOptions(o), log: (s) => process.stderr.write(s) });
      process.stdout.write(`${report.text}\n`);
      if (o.out) {
        mkdirSync(dirname(o.out), { recursive: true });
        writeFileSync(o.out, `${JSON.stringify({ command: process.argv.slice(2).join(' '), ...report.json }, null, 1)}\n`);
      }
    });
}

export interface RecallEvalRun {
  world: WorldOptions; cfg: RecallConfig; from: number; to?: number; count: number; seed: number; ks: number[];
  neighbours?: string; cf: CfBuildOptions; log?: (s: string) => void;
}

export async function runRecallEval(r: RecallEvalRun): Promise<{ text: string; json: Record<string, unknown>; report: RecallReport }> {
  const log = r.log ?? (() => {});
  const t0 = Date.now();
  const w = generateWorld({ ...r.world, requests: { from: r.from, to: r.to ?? 1, count: r.count, onlyEffectiveView: true, seed: r.seed } });
  const N = w.impressions.numRows; const cut = Math.floor(r.from * N); const end = Math.floor((r.to ?? 1) * N);
  log(`world: ${N} impressions, ${w.rooms.numRows} rooms, ${w.requests!.numRows} snapshot rows (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  let table: NeighbourTable;
  const t1 = Date.now();
  if (r.neighbours) {
    table = readNeighbourTable(r.neighbours);
    const rows = table.window.rows as [number, number] | undefined;
    if (!rows || rows[1] > cut) throw new Error(`--neighbours ${r.neighbours}: built from impression rows ${JSON.stringify(rows)}, which reach into the test period (from row ${cut}): leakage`);
  } else {
    table = buildCfFromWorld(w, r.from, r.cf);
  }
  log(`item-CF: ${table.interactions} interactions from impressions [0, ${cut}) (${((Date.now() - t1) / 1000).toFixed(1)} s)\n`);
  const live = liveIndexFromRooms(w.rooms, 'world rooms');
  const follows = new SnapshotFollows();
  // Quality, not latency: a loaded machine must not time a source out of the union.
  const cfg: RecallConfig = { ...r.cfg, source_timeout_ms: 60_000 };
  const stack = await createRecall(cfg, { live, follows, neighbours: table });
  try {
    const sources = new Map(stack.sources);
    if (!sources.has('popularity')) sources.set('popularity', new PopularitySource(table.popularity, live));
    const order = ['two_tower', 'item_cf', 'followed_live', 'popularity'].filter((s) => sources.has(s));
    const ordered = new Map(order.map((s) => [s, sources.get(s)!]));
    const t2 = Date.now();
    const report = await evaluateRecall(w.requests!, ordered, stack.recaller, live, follows, r.ks,
      (d) => { if (d % 500 === 0) log(`  ${d} requests (${((Date.now() - t2) / 1000).toFixed(1)} s)\n`); });
    let ann: Record<string, number> | undefined;
    if (stack.twoTower) {
      const tt = stack.twoTower;
      const rows = [...requestViews(w.requests!)].map((v) => v.ctx.row as Row);
      const q = await tt.tower.embed(rows);
      const recall10 = annRecallAtK(tt.ann, tt.items.vectors, q, 10);
      const nq = rows.length; const dim = tt.items.dim;
      const ta = performance.now(); for (let i = 0; i < nq; i++) tt.ann.search(q.subarray(i * dim, (i + 1) * dim), 200);
      const annMs = (performance.now() - ta) / nq;
      const te = performance.now(); for (let i = 0; i < nq; i++) exactSearch(tt.items.vectors, dim, q.subarray(i * dim, (i + 1) * dim), 200);
      const exactMs = (performance.now() - te) / nq;
      ann = { items: tt.items.count, dim, queries: nq, recall_at_10: recall10, ann_ms_top200: annMs, exact_ms_top200: exactMs };
    }
    const lines = [
      `recall on ${report.requests} requests (effective views sampled from impressions [${cut}, ${end})), ${report.users} users, ${report.meanCandidates.toFixed(0)} live candidates on average`,
      `item-CF (${String(table.options.method)}) and popularity from impressions [0, ${cut}) (${table.interactions} interactions, ${String(table.window.rule)}); union = ${r.cfg.sources.map((s) => `${s.name}×${s.quota}`).join(' + ')} with total = K`,
      formatRecallReport(report),
      'by scenario (per request):',
      formatScenarioTable(report),
      `union mix at K=${report.ks[report.ks.length - 1]}: ${Object.entries(report.unionMix).map(([s, c]) => `${s} ${c.toFixed(1)}`).join(', ')}`,
      ...(report.liveMismatch ? [`WARNING: ${report.liveMismatch} requests whose snapshot candidates differ from the live index`] : []),
      ...(ann ? [`ANN (usearch HNSW) recall@10 vs exact on the ${ann.items} real item vectors (dim ${ann.dim}), ${ann.queries} user vectors of the test requests as queries: ${ann.recall_at_10!.toFixed(4)}; top-200 search ${ann.ann_ms_top200!.toFixed(3)} ms (ANN) vs ${ann.exact_ms_top200!.toFixed(3)} ms (exact) per query`] : []),
    ];
    const json = { world: r.world, from: r.from, to: r.to ?? 1, requests: r.count, seed: r.seed, item_cf: { options: table.options, window: table.window, interactions: table.interactions }, recall_config: r.cfg, report, ann };
    return { text: lines.join('\n'), json, report };
  } finally {
    await stack.dispose();
  }
}
