// `liverank diagnose skew --served LOG --run RUN [--config CFG]`: training/serving skew — the served
// log (serve --served-log) joined with the offline recomputation of the same rows (docs/streaming.md "Skew").
import type { Command } from 'commander';
import { diagnoseSkew, writeSkewJson } from '../../diagnostics/skew-run.js';

function frac(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x >= 0) || !Number.isFinite(x)) throw new Error(`${name}: expected a number >= 0, got ${JSON.stringify(v)}`);
  return x;
}

export function register(program: Command): void {
  const diagnose = program.command('diagnose').description('diagnostics of a running system (skew: served vs offline)');
  diagnose
    .command('skew')
    .description('join the served log with the offline recomputation of the same rows: score |Δ|, per-feature agreement and PSI, online vs offline AUC; names the features that differ')
    .requiredOption('--served <file|dir>', 'served log (serve --served-log): a .jsonl file (+ its rotations) or a directory')
    .requiredOption('--run <dir>', 'the run whose model served (its features.json and model.onnx recompute the rows)')
    .option('--config <yaml>', 'a world training config: join each served row with the logged impression (user_id, room_id, ts) of that world, counters replayed as in training; labels → online vs offline AUC')
    .option('--limit <n>', 'read at most this many records', '200000')
    .option('--max-mismatch <x>', 'a feature differs when more than this fraction of rows disagree', '0.01')
    .option('--max-psi <x>', 'a feature differs when its PSI served vs offline exceeds this', '0.1')
    .option('--json', 'print the report as JSON')
    .option('--out <file>', 'also write the JSON report here')
    .option('--fail-on-skew', 'exit with code 3 when a feature differs')
    .action(async (o: { served: string; run: string; config?: string; limit: string; maxMismatch: string; maxPsi: string; json?: boolean; out?: string; failOnSkew?: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit: expected an integer >= 1, got ${JSON.stringify(o.limit)}`);
      const r = await diagnoseSkew({
        served: o.served, run: o.run, config: o.config, limit, maxMismatch: frac(o.maxMismatch, '--max-mismatch'), maxPsi: frac(o.maxPsi, '--max-psi'),
        log: (s) => process.stderr.write(`${s}\n`),
      });
      if (o.out) writeSkewJson(o.out, r);
      process.stdout.write(o.json ? `${JSON.stringify({ ...r.header, bad_lines: r.bad, ...r.report }, null, 1)}\n` : `${r.text}\n`);
      if (o.failOnSkew && r.report.differing_features.length) process.exitCode = 3;
    });
}
