// Served-log overhead on the fine ranker (docs/skew.md): FineRanker.score p50 / p90 for 100 and 500
// candidates without and with the served log's tap (the copy of the feature batch on the request
// path), and the background writer's throughput (records/s and bytes/record, JSON built off the
// request path). Uses runs/demo (npm run demo) and rows of a small generated world.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWorld } from '../src/data/world/generate.js';
import { sliceTable } from '../src/data/table.js';
import { FineRanker } from '../src/serving/fine-ranker.js';
import { tableRows } from '../src/serving/fine-ranker.fixtures.js';
import { attachServedLog, ServedLog } from '../src/serving/served-log.js';

interface BenchOptions { json: boolean; quick: boolean; args: string[] }

const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!; };

export default async function bench(o: BenchOptions): Promise<void> {
  const run = o.args.find((a) => a.startsWith('--run='))?.slice(6) ?? 'runs/demo'; // npm run bench -- served-log --run=DIR
  const ranker = await FineRanker.load(run, { size: 1 });
  const w = generateWorld({ impressions: 5000, seed: 2 });
  const iters = o.quick ? 40 : 200;
  const dir = mkdtempSync(join(tmpdir(), 'lr-served-bench-'));
  const out: Record<string, unknown>[] = [];
  try {
    for (const n of [100, 500]) {
      const rows = tableRows(sliceTable(w.impressions, 0, n)).map((r) => Object.fromEntries(ranker.columns.map((c) => [c, r[c] ?? null])));
      for (const mode of ['off', 'on', 'sample 0.1'] as const) {
        const log = mode === 'off' ? null : new ServedLog({ path: join(dir, `n${n}-${mode.length}`), sample: mode === 'on' ? 1 : 0.1 });
        if (log) attachServedLog(ranker, log); else ranker.tap = null;
        for (let i = 0; i < 10; i++) await ranker.score(rows);
        const t: number[] = [];
        for (let i = 0; i < iters; i++) {
          const t0 = process.hrtime.bigint();
          await ranker.score(rows);
          t.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        const f0 = process.hrtime.bigint();
        await log?.flush();
        const flushMs = Number(process.hrtime.bigint() - f0) / 1e6;
        const row: Record<string, unknown> = { candidates: n, served_log: mode, p50_ms: +q(t, 0.5).toFixed(2), p90_ms: +q(t, 0.9).toFixed(2) };
        if (log) Object.assign(row, { records: log.stats.records, bytes_per_record: Math.round(log.stats.bytes_written / Math.max(1, log.stats.records)), flush_after_ms: +flushMs.toFixed(0), dropped_requests: log.stats.dropped_requests });
        out.push(row);
      }
    }
  } finally {
    ranker.tap = null;
    await ranker.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
  if (o.json) { for (const r of out) console.log(JSON.stringify(r)); return; }
  console.log('candidates  served_log   score p50 ms  p90 ms  records  bytes/record  flush after (ms)');
  for (const r of out) console.log(`${String(r.candidates).padEnd(12)}${String(r.served_log).padEnd(13)}${String(r.p50_ms).padEnd(14)}${String(r.p90_ms).padEnd(8)}${String(r.records ?? '').padEnd(9)}${String(r.bytes_per_record ?? '').padEnd(14)}${r.flush_after_ms ?? ''}`);
}
