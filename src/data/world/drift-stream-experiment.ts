// Tracking drift with the STREAMING trainer (issue 19; STREAM-B's trainStream): the drifting world's
// impressions are appended to an in-process event stream in `--chunks` pieces a day (labels with the
// impression: the delayed-label join is not in this experiment); `trainStream` consumes each piece and
// pushes the model at its end. Every piece of a later day is scored BEFORE the model trains on it by
//   stream: the model as pushed after the previous piece (predict-then-train at the piece's grain;
//           --chunks 1: the model of the end of the previous day for the whole day);
//   once:   the same trainer's model frozen at the end of day 1 (trained once on day 1).
// Per day: AUC, the oracle's AUC (the true probability) on the same rows, their gap, and Σ pred / Σ p_true.
//   npx tsx src/data/world/drift-stream-experiment.ts [--impressions 600000] [--days 6] [--chunks 12] [--world-seed 1] [--out runs/drift-stream] [--json]
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sliceTable, type Table } from '../table.js';
import { MemoryEventStream } from '../stream/memory.js';
import { auc } from '../../metrics/auc.js';
import { parseTrainConfig } from '../../train/config.js';
import { ModelDirReader } from '../../train/stream/model-dir.js';
import { Pusher } from '../../train/stream/push.js';
import { trainStream } from '../../train/stream/trainer.js';
import { tableToSamples } from '../../train/stream/fixture.js';
import { worldOptionsOf } from '../../train/world-options.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { generateWorld } from './generate.js';

const TASKS = [{ name: 'click', label: 'click', p: 'p_click' }, { name: 'effective_view', label: 'effective_view', p: 'p_effective_view' }];

function config(impressions: number, days: number, worldSeed: number) {
  return parseTrainConfig({
    name: 'drift-stream', seed: 1,
    data: { source: 'world', impressions, world_seed: worldSeed, days, drift: true, live_rooms_per_million_per_day: 2500, users_per_impression: 0.008 },
    features: {
      version: 1, defaults: { dim: 8 },
      features: [
        { name: 'user_id', kind: 'id', column: 'user_id', hash_buckets: 1 << 16 },
        { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 1 << 16 },
        { name: 'category', kind: 'id', column: 'category_id', vocab: { min_count: 1 } },
        { name: 'country', kind: 'id', column: 'country', vocab: { min_count: 1 } },
        { name: 'scenario', kind: 'id', column: 'scenario', vocab: ['home', 'slide', 'outside'], dim: 4 },
        { name: 'position', kind: 'id', column: 'position', hash_buckets: 64, dim: 4 },
        { name: 'followed', kind: 'id', column: 'hist_followed', vocab: [0, 1], dim: 4 },
        { name: 'hour', kind: 'time', unit: 'hour_of_day', dim: 4 },
        { name: 'user_x_category', kind: 'cross', fields: ['user_id', 'category'], hash_buckets: 1 << 16 },
        { name: 'activity_log', kind: 'dense', column: 'user_activity', ops: ['log1p', 'standardize'] },
        { name: 'followers_log', kind: 'dense', column: 'streamer_followers', ops: ['log1p', 'standardize'] },
        { name: 'viewers_log', kind: 'dense', column: 'room_viewers', ops: ['log1p', 'standardize'] },
        { name: 'live_time_log', kind: 'dense', column: 'room_live_s', ops: ['log1p', 'standardize'] },
        { name: 'streamer_watch_log', kind: 'dense', column: 'hist_streamer_watch_s', ops: ['log1p', 'standardize'] },
        { name: 'category_watch_log', kind: 'dense', column: 'hist_category_watch_s', ops: ['log1p', 'standardize'] },
        { name: 'total_watch_log', kind: 'dense', column: 'hist_total_watch_s', ops: ['log1p', 'standardize'] },
      ],
    },
    tasks: [{ name: 'click', label: 'click', true_prob: 'p_click' }, { name: 'effective_view', label: 'effective_view', true_prob: 'p_effective_view' }],
    model: { type: 'mmoe', experts: 3, expert: [64], tower: [32] },
    optimizer: { type: 'adam', lr: 0.002 },
    embedding: { optimizer: 'adam', lr: 0.01 },
    train: { epochs: 1, batch_size: 512 },
  }, process.cwd(), 'drift stream experiment config');
}

interface Row { model: string; day: number; task: string; rows: number; auc: number; oracle: number; gap: number; pcoc: number }

function metrics(model: string, day: number, t: Table, preds: Record<string, Float32Array>): Row[] {
  return TASKS.map((k) => {
    const y = t.columns[k.label] as ArrayLike<number>, p = t.columns[k.p] as ArrayLike<number>, q = preds[k.name]!;
    const yy: number[] = [], pp: number[] = [], qq: number[] = [];
    for (let i = 0; i < t.numRows; i++) if (Number.isFinite(y[i]!)) { yy.push(y[i]!); pp.push(p[i]!); qq.push(q[i]!); }
    const a = auc(Float64Array.from(qq), Float64Array.from(yy)), o = auc(Float64Array.from(pp), Float64Array.from(yy));
    return { model, day, task: k.name, rows: yy.length, auc: a, oracle: o, gap: o - a, pcoc: qq.reduce((s, x) => s + x, 0) / pp.reduce((s, x) => s + x, 0) };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'world-seed': { type: 'string', default: '1' }, chunks: { type: 'string', default: '12' }, impressions: { type: 'string', default: '600000' }, days: { type: 'string', default: '6' }, out: { type: 'string', default: 'runs/drift-stream' }, json: { type: 'boolean', default: false } } });
  const N = Number(values.impressions), D = Number(values.days), out = values.out!;
  const cfg = config(N, D, Number(values['world-seed']));
  if (cfg.data.source !== 'world') throw new Error('world config expected');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const w = generateWorld(worldOptionsOf(cfg.data)).impressions;
  const ts = w.columns.ts as ArrayLike<number>, start = ts[0]! - (ts[0]! % 86400);
  const bounds = [0];
  for (let d = 1; d <= D; d++) { let i = bounds[d - 1]!; while (i < w.numRows && ts[i]! < start + d * 86400) i++; bounds.push(i); }
  const stream = new MemoryEventStream();
  const run = join(out, 'run'), push = join(out, 'push'), once = join(out, 'push-day1');
  const rows: Row[] = [];
  let reader: ModelDirReader | null = null, frozen: ModelDirReader | null = null;
  const logLines: string[] = [];
  const K = Number(values.chunks);
  for (let d = 0; d < D; d++) {
    const day = sliceTable(w, bounds[d]!, bounds[d + 1]!);
    const pred = { stream: TASKS.map(() => new Float32Array(day.numRows)), once: TASKS.map(() => new Float32Array(day.numRows)) };
    const t0 = Date.now();
    let trained = 0;
    for (let k = 0; k < K; k++) {
      const a = Math.floor((k * day.numRows) / K), b = Math.floor(((k + 1) * day.numRows) / K);
      const piece = sliceTable(day, a, b);
      if (reader && frozen) {
        await reader.poll();
        const ps = await reader.score(piece), po = await frozen.score(piece);
        TASKS.forEach((t, j) => { pred.stream[j]!.set(ps[t.name]!, a); pred.once[j]!.set(po[t.name]!, a); });
      }
      await stream.append('lr:samples', tableToSamples(piece));
      const s = await trainStream(cfg, { out: run, stream, untilIdleMs: 200, pusher: new Pusher({ dir: push, everySamples: 1e12, everySeconds: 0 }), log: (l) => logLines.push(l) });
      trained += s.records;
      if (d === 0 && k === 0) reader = await ModelDirReader.open(push, cfg);
    }
    if (d > 0) {
      const as = (p: Float32Array[]) => Object.fromEntries(TASKS.map((t, j) => [t.name, p[j]!]));
      rows.push(...metrics('stream', d + 1, day, as(pred.stream)), ...metrics('once', d + 1, day, as(pred.once)));
    }
    process.stderr.write(`day ${d + 1}: ${d > 0 ? 'scored piece by piece, then ' : ''}trained ${trained} samples in ${K} piece(s) in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    if (d === 0) {
      cpSync(push, once, { recursive: true });
      frozen = await ModelDirReader.open(once, cfg);
    }
  }
  writeFileAtomic(join(out, 'trainer.log'), `${logLines.join('\n')}\n`);
  writeFileAtomic(join(out, 'drift-stream.json'), `${JSON.stringify(rows, null, 1)}\n`);
  if (values.json) { for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`); return; }
  process.stdout.write('model   day  task            rows     AUC     oracle  gap     Σpred/Σp\n');
  for (const r of [...rows].sort((a, b) => a.model.localeCompare(b.model) || a.day - b.day)) {
    process.stdout.write(`${r.model.padEnd(7)} ${String(r.day).padEnd(4)} ${r.task.padEnd(15)} ${String(r.rows).padEnd(8)} ${r.auc.toFixed(4)}  ${r.oracle.toFixed(4)}  ${r.gap.toFixed(4)}  ${r.pcoc.toFixed(3)}\n`);
  }
}

await main();
