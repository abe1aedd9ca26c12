// Cost of the training diagnostics (issue 17: ≤ 5 % of training throughput): the demo's model and
// features (examples/demo.yaml: PLE over six tasks, batch 2048) on a smaller world, trained with
//   off        train.tensorboard: false (no hooks: the trainer does no diagnostic work)
//   on         train.tensorboard: true, diagnostics_every 100 (the default): scalars every step,
//              histograms + feature statistics every 100 steps
//   on/10      the same with diagnostics_every 10 (ten times the default snapshot rate)
// Time per training step from the hooks' timestamps (a timing hook around the real ones), leaving
// out the steps that contain a validation; variants interleaved per round, median over rounds.
// Also the time of a snapshot step minus an ordinary one, and the cost it implies at every N.
// `npm run bench -- diagnostics [--quick] [--json]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainConfig } from '../src/train/config.js';
import { train } from '../src/train/trainer.js';
import type { StepValues, TrainHooks, TrainHooksFactory } from '../src/train/hooks.js';
import { diagnosticsHooks } from '../src/diagnostics/hooks.js';
import { DEMO_CONFIG } from '../src/cli/commands/demo.js';
import type { BenchOptions } from './run.js';

interface Timing { stepMs: number[]; snapMs: number[] }

function timed(inner: TrainHooksFactory, t: Timing): TrainHooksFactory {
  return (cfg, out, resume) => {
    const h = inner(cfg, out, resume);
    let last = 0, evalSince = false;
    const hooks: TrainHooks = {
      tensorsEvery: h?.tensorsEvery ?? 0,
      onStep(step: number, v: StepValues) {
        h?.onStep?.(step, v);
        const now = performance.now();
        // the interval ending at this step holds the step's work (its snapshot, if any)
        if (last > 0 && !evalSince) (v.tensors ? t.snapMs : t.stepMs).push(now - last);
        last = now; evalSince = false;
      },
      onEval(step, split, m) { h?.onEval?.(step, split, m); evalSince = true; },
      onEnd() { h?.onEnd?.(); },
    };
    return hooks;
  };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN; };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export default async function bench(o: BenchOptions): Promise<void> {
  const impressions = o.quick ? 150_000 : 300_000;
  const epochs = o.quick ? 2 : 3;
  const rounds = o.quick ? 1 : 2;
  const variants = [
    { name: 'off', tensorboard: false, every: 100 },
    { name: 'on', tensorboard: true, every: 100 },
    { name: 'on/10', tensorboard: true, every: 10 },
  ];
  const res = new Map<string, { perStep: number[]; snap: number[]; inRun: number[]; steps: number }>(variants.map((v) => [v.name, { perStep: [], snap: [], inRun: [], steps: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const cfg = loadTrainConfig(DEMO_CONFIG);
      if (cfg.data.source === 'world') cfg.data.impressions = impressions;
      cfg.train = { ...cfg.train, epochs, eval_every: 0, early_stopping: undefined, tensorboard: v.tensorboard, diagnostics_every: v.every };
      cfg.calibration = undefined;
      const out = mkdtempSync(join(tmpdir(), 'lr-bench-diag-'));
      const t: Timing = { stepMs: [], snapMs: [] };
      try {
        const s = await train(cfg, { out, verbose: false, log: () => {}, hooks: timed(diagnosticsHooks, t) });
        const all = [...t.stepMs, ...t.snapMs];
        const x = res.get(v.name)!;
        // mean step time over every timed step (snapshots included, at their real rate)
        x.perStep.push(mean(all));
        if (t.snapMs.length) x.snap.push(mean(t.snapMs) - median(t.stepMs));
        // within the run (same load on the shared machine): all steps against the ordinary ones
        x.inRun.push(mean(all) / mean(t.stepMs) - 1);
        x.steps = s.steps;
      } finally { rmSync(out, { recursive: true, force: true }); }
    }
  }
  const base = median(res.get('off')!.perStep);
  const rows = variants.map((v) => {
    const x = res.get(v.name)!;
    const ms = median(x.perStep);
    return {
      variant: v.name, every: v.tensorboard ? v.every : null, steps: x.steps,
      ms_per_step: +ms.toFixed(1), samples_per_s: Math.round(2048 / (ms / 1000)),
      cost_pct: v.name === 'off' ? 0 : +((ms / base - 1) * 100).toFixed(1),
      in_run_snapshot_cost_pct: +(median(x.inRun) * 100).toFixed(2),
      snapshot_extra_ms: x.snap.length ? +median(x.snap).toFixed(1) : null,
    };
  });
  const snapExtra = rows.find((r) => r.variant === 'on/10')?.snapshot_extra_ms ?? null;
  const implied = snapExtra === null ? null : +((snapExtra / 100) / base * 100).toFixed(2);
  if (o.json) {
    for (const r of rows) console.log(JSON.stringify({ bench: 'diagnostics', ...r }));
    console.log(JSON.stringify({ bench: 'diagnostics', implied_snapshot_cost_pct_at_every_100: implied }));
    return;
  }
  console.log(`demo model (PLE, 6 tasks, batch 2048) on a ${impressions.toLocaleString('en-US')}-impression world, ${epochs} epochs; ${rounds} round(s), variants interleaved; ms per step = mean over steps without validation, median over rounds`);
  console.log('cost vs off compares separate runs (the shared machine\'s speed drifts by ±20 % between them); in-run snapshot cost = mean step time / mean time of the steps without a snapshot − 1, within each run');
  console.log('| variant | diagnostics_every | steps | ms/step | samples/s | cost vs off | in-run snapshot cost | snapshot step extra ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.variant} | ${r.every ?? '—'} | ${r.steps} | ${r.ms_per_step} | ${r.samples_per_s.toLocaleString('en-US')} | ${r.cost_pct.toFixed(1)} % | ${r.in_run_snapshot_cost_pct.toFixed(2)} % | ${r.snapshot_extra_ms ?? '—'} |`);
  if (implied !== null) console.log(`snapshot cost implied at the default every 100 steps: ${implied} % (extra ms per snapshot / 100 / ms per step off)`);
}
