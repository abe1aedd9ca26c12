// Embedding-table hot path: 26 fields × 16 dims, 100k-row table(s), batch 1024 and 4096, random
// 64-bit keys. Measures per training step: key → row lookup (mod64), gather into an interleaved
// [B, 26·16] buffer, and accumulate + sparse update for lazy Adam (row / global bias correction),
// Adagrad and SGD. Per phase: median and minimum wall-clock ms over the timed iterations (after
// warm-up). The machine is shared and noisy; the minimum is the best estimate of the intrinsic cost.
// Args: --per-field  (26 separate 100k-row tables instead of one shared table; ~0.5 GB with Adam)
//       --rows=N     (rows per table, default 100000)
//       --grad=row|slot|auto  (gradient buffer mode, default auto)
import { Rng } from '../src/util/rng.js';
import { EmbeddingTable } from '../src/embedding/table.js';
import type { OptimizerConfig } from '../src/embedding/optimizers.js';

interface Opts { json: boolean; quick: boolean; args: string[] }

const F = 26, DIM = 16;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export default async function run(opts: Opts): Promise<void> {
  const perField = opts.args.includes('--per-field');
  const rowsArg = opts.args.find((a) => a.startsWith('--rows='));
  const ROWS = rowsArg ? Number(rowsArg.slice(7)) : 100000;
  const gradArg = opts.args.find((a) => a.startsWith('--grad='));
  const gradBuffer = (gradArg ? gradArg.slice(7) : 'auto') as 'row' | 'slot' | 'auto';
  const iters = opts.quick ? 5 : 25, warm = opts.quick ? 2 : 5;
  const optimizers: [string, OptimizerConfig][] = [
    ['adam(row)', { kind: 'adam', lr: 0.001 }],
    ['adam(global)', { kind: 'adam', lr: 0.001, biasCorrection: 'global' }],
    ['adagrad', { kind: 'adagrad', lr: 0.01 }],
    ['sgd', { kind: 'sgd', lr: 0.01 }],
  ];
  const results: Record<string, number | string>[] = [];
  for (const B of [1024, 4096]) {
    const rng = new Rng(B);
    const stride = F * DIM;
    const x = new Float32Array(B * stride), dx = new Float32Array(B * stride);
    for (let i = 0; i < dx.length; i++) dx[i] = rng.normal() * 1e-3;
    const hi = Array.from({ length: F }, () => new Uint32Array(B));
    const lo = Array.from({ length: F }, () => new Uint32Array(B));
    const rows = Array.from({ length: F }, () => new Int32Array(B));
    const newKeys = () => {
      for (let f = 0; f < F; f++) for (let b = 0; b < B; b++) { hi[f]![b] = rng.u32(); lo[f]![b] = rng.u32(); }
    };
    for (const [label, oc] of optimizers) {
      const nTables = perField ? F : 1;
      const tables = Array.from({ length: nTables }, (_, i) => new EmbeddingTable({ name: `t${i}`, dim: DIM, rows: ROWS, seed: i, optimizer: oc, gradBuffer }));
      const tab = (f: number) => tables[perField ? f : 0]!;
      const tLookup: number[] = [], tGather: number[] = [], tUpdate: number[] = [];
      const cLookup: number[] = [], cGather: number[] = [], cUpdate: number[] = [];
      let uniq = 0;
      for (let it = 0; it < warm + iters; it++) {
        newKeys();
        const c0 = cpuMs(), t0 = performance.now();
        for (let f = 0; f < F; f++) tab(f).lookup(hi[f]!, lo[f]!, rows[f]!);
        const c1 = cpuMs(), t1 = performance.now();
        for (let f = 0; f < F; f++) tab(f).gather(rows[f]!, x, f * DIM, stride);
        const c2 = cpuMs(), t2 = performance.now();
        for (let f = 0; f < F; f++) tab(f).accumulate(rows[f]!, dx, f * DIM, stride);
        let u = 0;
        for (const t of tables) u += t.step().uniqueRows;
        const c3 = cpuMs(), t3 = performance.now();
        if (it >= warm) {
          tLookup.push(t1 - t0); tGather.push(t2 - t1); tUpdate.push(t3 - t2); uniq = u;
          cLookup.push(c1 - c0); cGather.push(c2 - c1); cUpdate.push(c3 - c2);
        }
      }
      const r = {
        bench: 'embedding', layout: perField ? `${F} tables × ${ROWS}` : `1 table × ${ROWS}`, gradBuffer, batch: B, fields: F, dim: DIM,
        optimizer: label, uniqueRows: uniq,
        lookupMs: +median(tLookup).toFixed(3), gatherMs: +median(tGather).toFixed(3), updateMs: +median(tUpdate).toFixed(3),
        totalMs: +(median(tLookup) + median(tGather) + median(tUpdate)).toFixed(3),
        lookupMinMs: +Math.min(...tLookup).toFixed(3), gatherMinMs: +Math.min(...tGather).toFixed(3), updateMinMs: +Math.min(...tUpdate).toFixed(3),
        totalMinMs: +(Math.min(...tLookup) + Math.min(...tGather) + Math.min(...tUpdate)).toFixed(3),
        lookupCpuMs: +median(cLookup).toFixed(3), gatherCpuMs: +median(cGather).toFixed(3), updateCpuMs: +median(cUpdate).toFixed(3),
      };
      results.push(r);
      if (opts.json) console.log(JSON.stringify(r));
    }
  }
  if (!opts.json) {
    console.log(`${results[0]!['layout']} (gradient buffer ${gradBuffer}), ${F} fields × ${DIM} dims, random keys; ${iters} timed steps`);
    console.log('ms as "median / min"');
    console.log('batch | optimizer    | unique rows | lookup          | gather          | accumulate+update | total');
    console.log('------|--------------|-------------|-----------------|-----------------|-------------------|----------------');
    const c = (med: unknown, min: unknown, n: number) => `${med} / ${min}`.padStart(n);
    for (const r of results) {
      console.log(`${String(r['batch']).padStart(5)} | ${String(r['optimizer']).padEnd(12)} | ${String(r['uniqueRows']).padStart(11)} | ` +
        `${c(r['lookupMs'], r['lookupMinMs'], 15)} | ${c(r['gatherMs'], r['gatherMinMs'], 15)} | ${c(r['updateMs'], r['updateMinMs'], 17)} | ${c(r['totalMs'], r['totalMinMs'], 15)}`);
    }
  }
}
