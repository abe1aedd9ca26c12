// The level of a watch-time run per scenario against the world's truth (docs/training.md, "The
// log-normal hurdle head"): Σ pred / Σ e_watch_s split into the p_enter part Σ p̂·c / Σ p·c and the
// conditional part Σ p·ĉ / Σ p·c (c = exp(watch_mu + σ_s²/2), ĉ = exp(logmean.<task>) of a lognormal
// task; p̂ = p = 1 on slide), the labels' Σ y / Σ e_watch_s, and ln y − watch_mu on the entered rows.
// σ_s are the world's constants (docs/world.md). Assumes tasks named click and watch_time.
// Run: node --import tsx scripts/watch-levels.ts CONFIG RUN_DIR train|val|test [ROWS] [final|best]
import { loadTrainConfig } from '../src/train/config.js';
import { openSession } from '../src/train/trainer.js';
import { takeRows } from '../src/data/table.js';
import { transform } from '../src/features/index.js';
import { findCheckpoint, restoreParams } from '../src/train/run-dir.js';
import { Evaluator, ensureLayout } from '../src/engine/step.js';
import { ParameterStore } from '../src/engine/store.js';
import { Rng } from '../src/util/rng.js';
const SIGMA: Record<string, number> = { home: 1.5, slide: 1.7, outside: 1.7 };
async function main() {
  const [cfgPath, dir, split, rowsArg, ckptKind] = process.argv.slice(2);
  const cfg = loadTrainConfig(cfgPath!);
  const s = await openSession(cfg, dir!, () => {}, true);
  const store = new ParameterStore(cfg.seed);
  ensureLayout(s.build, store, s.asm.substitute);
  restoreParams(findCheckpoint(dir!, (ckptKind ?? 'final') as any)!, store, s.asm);
  const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
  const table = (s.splits as any)[split!];
  const N = table.numRows, n = Math.min(N, Number(rowsArg ?? N));
  const idx = n === N ? Int32Array.from({ length: N }, (_, i) => i) : new Rng(5).permutation(N).subarray(0, n);
  const acc: Record<string, number[]> = {};
  const hasLogmean = cfg.tasks.some((t) => t.loss === 'lognormal');
  for (let a = 0; a < n; a += 8192) {
    const part = takeRows(table, idx.subarray(a, Math.min(n, a + 8192)));
    const fb = transform(s.fitted, part);
    const outs = ['pred.watch_time', 'pred.click', ...(hasLogmean ? ['logmean.watch_time'] : [])];
    const o = await ev.run(s.asm.feeds(fb), outs);
    const pw = o['pred.watch_time']!.data as Float32Array, pc = o['pred.click']!.data as Float32Array;
    const lm = hasLogmean ? (o['logmean.watch_time']!.data as Float32Array) : null;
    const sc = part.columns.scenario as string[], y = part.columns.watch_s as Float32Array, ew = part.columns.e_watch_s as Float64Array;
    const mu = part.columns.watch_mu as Float64Array, p = part.columns.p_click as Float64Array;
    for (let i = 0; i < part.numRows; i++) {
      const k = sc[i]!, slide = k === 'slide';
      const c = Math.exp(mu[i]! + SIGMA[k]! ** 2 / 2), pe = slide ? 1 : p[i]!, pehat = slide ? 1 : pc[i]!;
      const chat = lm ? Math.exp(lm[i]!) : NaN;
      const A = (acc[k] ??= new Array(14).fill(0));
      A[0]! += 1; A[1]! += pw[i]!; A[2]! += ew[i]!; A[3]! += y[i]!;
      A[4]! += pehat * c; A[5]! += pe * chat; A[6]! += pe * c;
      if (y[i]! > 0) { const r = Math.log(y[i]!) - mu[i]!; A[7]! += 1; A[8]! += r; A[9]! += r * r; if (lm) { const e = lm[i]! - mu[i]!; A[10]! += e; A[11]! += e * e; } }
      A[12]! += pe; A[13]! += pehat;
    }
  }
  console.log(`${dir} ${split} rows ${n}`);
  console.log('scenario n | Σpred/Σe_watch | p part Σp̂·c/Σp·c | cond part Σp·ĉ/Σp·c | Σy/Σe_watch | Σp̂/Σp | positives: mean,var(ln y − μ) | mean(μ̂+d − μ), sd');
  for (const [k, A] of Object.entries(acc)) {
    const m = A[8]! / A[7]!, v = A[9]! / A[7]! - m * m, me = A[10]! / A[7]!, ve = A[11]! / A[7]! - me * me;
    console.log(`${k} ${A[0]} | ${(A[1]! / A[2]!).toFixed(3)} | ${(A[4]! / A[6]!).toFixed(3)} | ${(A[5]! / A[6]!).toFixed(3)} | ${(A[3]! / A[2]!).toFixed(3)} | ${(A[13]! / A[12]!).toFixed(3)} | ${A[7]} ${m.toFixed(3)} ${v.toFixed(3)} (σ² ${(SIGMA[k]! ** 2).toFixed(2)}) | ${me.toFixed(3)} ${Math.sqrt(ve).toFixed(3)}`);
  }
}
main();
