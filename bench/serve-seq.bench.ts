// `npm run bench -- serve-seq [--json] [--quick] [--run=runs/wl-sim-s1] [--config=examples/world-long-sim.yaml] [--workers=2]`:
// the service's fine-ranking stage (FineRanker.score: rows → table, featurization incl. the behaviour-log
// reads and SIM hard search over ≤ 1 000 behaviours, int64 feeds, ORT on the worker pool, 2 workers)
// for 500 candidates of one request, on a run whose model reads behaviour sequences with DIN — by
// default the long-history SIM run (DIN over the last 20 streamers and categories + DIN over the ≤ 50
// same-category behaviours of the last 1 000; docs/sequences.md). Needs that run and its world
// (`npx liverank generate --long-history …`, docs/sequences.md §5, then `liverank train -c examples/world-long-sim.yaml`).
// A run exported with a request model (model.request.onnx) scores each request's candidates with it:
// the user's sequences gathered, pooled and attended once (serving/fine-ranker.ts).
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadTrainConfig } from '../src/train/config.js';
import { openRun } from '../src/train/eval-run.js';
import { takeRows } from '../src/data/table.js';
import { FineRanker } from '../src/serving/fine-ranker.js';
import { REQUEST_MODEL_FILE } from '../src/train/run-dir.js';
import { tableRows } from '../src/serving/fine-ranker.fixtures.js';
import { Rng } from '../src/util/rng.js';
import { quantile } from './serve-load.js';
import type { BenchOptions } from './run.js';

const arg = (o: BenchOptions, k: string, d: string) => o.args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;

export default async function bench(o: BenchOptions): Promise<void> {
  const run = arg(o, 'run', 'runs/wl-sim-s1'), config = arg(o, 'config', 'examples/world-long-sim.yaml');
  if (!existsSync(`${run}/model.onnx`)) { console.log(`serve-seq: ${run}/model.onnx not found; train it first (see the header of bench/serve-seq.bench.ts)`); return; }
  const cfg = loadTrainConfig(config);
  const { s } = await openRun(cfg, run, { verbose: false });
  const test = s.splits.test;
  const workers = Number(arg(o, 'workers', '2'));
  const ranker = await FineRanker.load(run, { size: workers, threads: 1 });
  const rng = new Rng(5);
  const REQ = o.quick ? 10 : 40, REP = o.quick ? 5 : 10, N = 500;
  const users = test.columns.user_id as ArrayLike<number>, ts = test.columns.ts as ArrayLike<number>;
  const total: number[] = [], feat: number[] = [], infer: number[] = [];
  const graphs = { request: 0, rows: 0 }; // which graph scored each request (the request model: the user's sequences once)
  for (let q = 0; q < REQ; q++) {
    const anchor = rng.int(test.numRows);
    const rows = tableRows(takeRows(test, Array.from({ length: N }, () => rng.int(test.numRows))));
    const base = { user_id: users[anchor]!, ts: ts[anchor]! }; // one user at one time, 500 rooms
    await ranker.score(rows, base); // warm-up of this request's shapes
    for (let r = 0; r < REP; r++) {
      const t0 = performance.now();
      const res = await ranker.score(rows, base);
      total.push(performance.now() - t0); feat.push(res.timings.featurize_ms); infer.push(res.timings.infer_ms);
      graphs[res.graph]++;
    }
  }
  await ranker.dispose();
  const row = (stage: string, v: number[]) => ({ bench: 'serve-seq', case: 'fine_rank_500_sim_din', run, stage, p50_ms: quantile(v, 0.5), p99_ms: quantile(v, 0.99), min_ms: Math.min(...v), n: v.length, graphs });
  const out = [row('total', total), row('featurize', feat), row('infer', infer)];
  if (o.json) { for (const x of out) console.log(JSON.stringify(x)); return; }
  console.log(`  ${run}: ${REQ} requests × ${N} candidates × ${REP} runs; ${workers} worker(s), 1 ORT thread each; scored by ${graphs.request ? `the request model (${REQUEST_MODEL_FILE}) ${graphs.request}×` : ''}${graphs.request && graphs.rows ? ', ' : ''}${graphs.rows ? `model.onnx ${graphs.rows}×` : ''}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| stage | p50 ms | p99 ms | min ms |\n|---|---|---|---|');
  for (const x of out) console.log(`| ${x.stage} | ${x.p50_ms.toFixed(2)} | ${x.p99_ms.toFixed(2)} | ${x.min_ms.toFixed(2)} |`);
}
