// Re-fits the world's per-scenario intercepts (click0, watch0, follow0, gift0, order0 in
// src/data/world/params.ts) so the realised rates hit the targets after an effect size changes.
// Run: node --import tsx scripts/calibrate-world.ts [--impressions 300000] — prints the new values.
import { generateWorld } from '../src/data/world/generate.js';
import { SCENARIO_SPECS } from '../src/data/world/params.js';

const TARGET: Record<string, { click?: number; watch: number; follow: number; gift: number; order: number }> = {
  home: { click: 0.0796, watch: 177, follow: 0.0076, gift: 0.0046, order: 0.0040 },
  slide: { watch: 29.7, follow: 0.0117, gift: 0.0057, order: 0.0029 },
  outside: { click: 0.0388, watch: 58.4, follow: 0.0049, gift: 0.0015, order: 0.0014 },
};
const N = Number(process.argv[process.argv.indexOf('--impressions') + 1] || 300000);
const specs = SCENARIO_SPECS as unknown as Record<string, Record<string, number>>;
const logit = (p: number) => Math.log(p / (1 - p));
for (let it = 0; it < 4; it++) {
  const w = generateWorld({ impressions: N, seed: 11 + it });
  const c = w.impressions.columns as unknown as Record<string, ArrayLike<number> & ArrayLike<string>>;
  const sum: Record<string, Record<string, number>> = {};
  for (let i = 0; i < w.impressions.numRows; i++) {
    const s = c.scenario[i] as unknown as string;
    const a = (sum[s] ??= { n: 0, click: 0, follow: 0, gift: 0, order: 0, watch: 0, entered: 0 });
    a.n!++;
    if (s !== 'slide') a.click! += c.p_click[i] as number;
    a.follow! += c.p_follow[i] as number; a.gift! += c.p_gift[i] as number; a.order! += c.p_order[i] as number;
    const ws = c.watch_s[i] as number;
    if (ws > 0) { a.watch! += ws; a.entered!++; }
  }
  for (const [s, t] of Object.entries(TARGET)) {
    const a = sum[s]!, sp = specs[s]!;
    if (t.click) sp.click0! += logit(t.click) - logit(a.click! / a.n!);
    sp.watch0! += Math.log(t.watch / (a.watch! / a.entered!));
    sp.follow0! += logit(t.follow) - logit(a.follow! / a.n!);
    sp.gift0! += logit(t.gift) - logit(a.gift! / a.n!);
    sp.order0! += logit(t.order) - logit(a.order! / a.n!);
    console.log(`iter ${it} ${s}: click ${t.click ? (a.click! / a.n!).toFixed(4) : '-'} watch ${(a.watch! / a.entered!).toFixed(1)} follow ${(a.follow! / a.n!).toFixed(4)} gift ${(a.gift! / a.n!).toFixed(4)} order ${(a.order! / a.n!).toFixed(4)}`);
  }
}
for (const s of Object.keys(TARGET)) {
  const sp = specs[s]!;
  console.log(`${s}: click0 ${sp.click0!.toFixed(2)}, watch0 ${sp.watch0!.toFixed(2)}, follow0 ${sp.follow0!.toFixed(2)}, gift0 ${sp.gift0!.toFixed(2)}, order0 ${sp.order0!.toFixed(2)}`);
}
