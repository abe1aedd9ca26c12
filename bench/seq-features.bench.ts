// `npm run bench -- seq-features [--json] [--quick]`: the feature side of long behaviour sequences
// (src/features/behavior/): transform() cost per row of a `sequence` feature read from the per-user
// behaviour log, for history lengths within = 20, 200, 1000: the last max_len = min(within, 50)
// behaviours, and a SIM hard search (≤ 50 with the candidate's category among the last `within`).
// Serving shape too: one request = one user × 500 candidates. Machine shared: numbers as measured.
import { loadavg } from 'node:os';
import { makeTable } from '../src/data/table.js';
import { fitFeatures } from '../src/features/fit.js';
import { transform } from '../src/features/transform.js';
import { BehaviorLogBuilder } from '../src/features/behavior/log.js';
import { Rng } from '../src/util/rng.js';
import type { BenchOptions } from './run.js';

export default async function run(opts: BenchOptions): Promise<void> {
  const rng = new Rng(1);
  const users = 2000, perUser = 1200;
  const b = new BehaviorLogBuilder(users);
  for (let u = 0; u < users; u++) { let t = 0; for (let i = 0; i < perUser; i++) { t += 1 + rng.int(600); b.push(u, t, rng.int(50_000), rng.int(20), rng.int(8), rng.int(16)); } }
  const log = b.freeze();
  const n = opts.quick ? 20_000 : 100_000;
  const table = makeTable({
    user_id: Int32Array.from({ length: n }, () => rng.int(users)), ts: Int32Array.from({ length: n }, () => 400_000 + rng.int(100_000)),
    category_id: Int32Array.from({ length: n }, () => rng.int(20)), streamer_id: Int32Array.from({ length: n }, () => rng.int(50_000)),
  });
  const req = makeTable({
    user_id: new Int32Array(500).fill(7), ts: new Int32Array(500).fill(499_000),
    category_id: Int32Array.from({ length: 500 }, () => rng.int(20)), streamer_id: Int32Array.from({ length: 500 }, () => rng.int(50_000)),
  });
  const rows: Record<string, string | number>[] = [];
  for (const within of [20, 200, 1000]) {
    for (const search of [false, true]) {
      const L = Math.min(within, 50);
      const fitted = fitFeatures({ features: [
        { name: 'streamer_id', kind: 'id', column: 'streamer_id', hash_buckets: 65536 },
        { name: 's', kind: 'sequence', column: 'user_id', max_len: L, embedding: 'streamer_id', behaviors: { field: 'streamer', within, ...(search ? { search: { by: 'category', column: 'category_id' } } : {}) } },
        { name: 'a', kind: 'sequence', column: 'user_id', max_len: L, vocab: [0, 1, 2, 3, 4, 5, 6, 7], behaviors: { field: 'action', within, ...(search ? { search: { by: 'category', column: 'category_id' } } : {}) } },
      ] }, table);
      transform(fitted, table, { behaviors: log }); // warm-up (compiles)
      let ns = Infinity; // best of 3 passes (the machine is shared)
      for (let k = 0; k < 3; k++) {
        const t0 = process.hrtime.bigint();
        transform(fitted, table, { behaviors: log });
        ns = Math.min(ns, Number(process.hrtime.bigint() - t0) / n);
      }
      const times: number[] = [];
      for (let k = 0; k < (opts.quick ? 20 : 100); k++) { const s = process.hrtime.bigint(); transform(fitted, req, { behaviors: log }); times.push(Number(process.hrtime.bigint() - s) / 1e6); }
      times.sort((x, y) => x - y);
      rows.push({ within, selection: search ? `hard search ≤ ${L}` : `last ${L}`, features: 2, ns_per_row: Math.round(ns), request500_p50_ms: +times[Math.floor(times.length / 2)]!.toFixed(3), request500_p99_ms: +times[Math.floor(times.length * 0.99)]!.toFixed(3) });
    }
  }
  if (opts.json) { for (const r of rows) console.log(JSON.stringify({ bench: 'seq-features', ...r, load: loadavg()[0] })); return; }
  console.log(`seq-features: transform of 2 log sequence features (streamer ids hashed, action vocab), ${n} rows; users with ${perUser} behaviours; load ${loadavg()[0].toFixed(1)}`);
  console.log('within  selection            ns/row  500-candidate request p50 / p99 ms');
  for (const r of rows) console.log(`${String(r.within).padStart(6)}  ${String(r.selection).padEnd(19)} ${String(r.ns_per_row).padStart(7)}  ${r.request500_p50_ms} / ${r.request500_p99_ms}`);
}
