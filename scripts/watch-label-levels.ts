// Run: node --import tsx scripts/watch-label-levels.ts CONFIG  (world data: needs watch_mu, e_watch_s, p_click)
// Per split × scenario: how far the watch labels themselves are from the truth (Σ y / Σ e_watch_s, with its
// standard error √Σ(y − e)² / Σ e), and the log-normal hurdle's level error from the same rows (delta method:
// click level √Σp(1−p)/Σp, conditional level √(σ²/n₊ + σ⁴/(2n₊))).
import { loadTrainConfig } from '../src/train/config.js';
import { loadSplits } from '../src/train/dataset.js';
const SIGMA: Record<string, number> = { home: 1.5, slide: 1.7, outside: 1.7 };
async function main() {
  const cfg = loadTrainConfig(process.argv[2]!);
  const sp = await loadSplits(cfg);
  for (const split of ['train', 'val', 'test'] as const) {
    const t = sp[split];
    const sc = t.columns.scenario as string[], y = t.columns.watch_s as Float32Array, e = t.columns.e_watch_s as Float64Array, mu = t.columns.watch_mu as Float64Array, p = t.columns.p_click as Float64Array;
    const A: Record<string, number[]> = {};
    for (let i = 0; i < t.numRows; i++) {
      const a = (A[sc[i]!] ??= new Array(10).fill(0));
      a[0]! += 1; a[1]! += y[i]!; a[2]! += e[i]!; a[3]! += (y[i]! - e[i]!) ** 2;
      if (y[i]! > 0) { const r = Math.log(y[i]!) - mu[i]!; a[4]! += 1; a[5]! += r; a[6]! += r * r; }
      if (sc[i] !== 'slide') { a[7]! += p[i]!; a[8]! += p[i]! * (1 - p[i]!); }
    }
    for (const [k, a] of Object.entries(A)) {
      const s2 = SIGMA[k]! ** 2, np = a[4]!, m = a[5]! / np, v = a[6]! / np - m * m;
      const seMean = Math.sqrt(a[3]!) / a[2]!;
      const seLN = Math.sqrt((a[7]! > 0 ? a[8]! / a[7]! ** 2 : 0) + s2 / np + s2 * s2 / (2 * np));
      console.log(`${split} ${k}: rows ${a[0]}, y>0 ${np}; Σy/Σe_watch ${(a[1]! / a[2]!).toFixed(3)} (se ${seMean.toFixed(3)}); ln y − μ: mean ${m.toFixed(3)}, var ${v.toFixed(3)} (σ² ${s2.toFixed(2)}); log-normal hurdle level se ${seLN.toFixed(3)}`);
    }
  }
}
main();
