// `liverank features check|fit|report`: validate a feature config, fit it on data (→ JSON the
// trainer and server load), and report missing rates, cardinalities, hash collisions (with bucket
// advice) and the distribution shift between scenarios / countries (PSI, KS).
import { Command } from 'commander';
import type { Schema } from '../../data/schema.js';
import type { Table } from '../../data/table.js';
import { readTable } from '../../data/io/index.js';
import type { ReadOptions } from '../../data/io/types.js';
import { addReadFlags, readOptionsFromFlags, toReaderOptions } from '../../data/io/options.js';
import { expandPaths } from '../../data/io/paths.js';
import {
  FeatureFitter, loadFeatureConfig, loadFitted, outputOf, saveFitted, type FeatureConfig, type FittedFeatures,
} from '../../features/index.js';
import { FeatureReporter } from '../../features/report/collect.js';
import { formatReport } from '../../features/report/format.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { registerHealth } from './features-health.js';

type DataOpts = Parameters<typeof readOptionsFromFlags>[0] & { data: string; maxRows?: string };

/** A reader schema for the columns a config reads: numeric uses → float, the rest (ids, lists) → string. */
export function schemaFor(cfg: FeatureConfig, extra: readonly string[] = []): Schema {
  const numeric = new Set<string>();
  const text = new Set<string>();
  for (const f of cfg.features) {
    if (f.kind === 'dense' || f.kind === 'bucketized' || f.kind === 'time') numeric.add(f.column);
    else if ('column' in f && f.column) text.add(f.column);
  }
  for (const c of cfg.counters) {
    numeric.add(c.time);
    if (c.value) numeric.add(c.value);
    if (c.delayColumn) numeric.add(c.delayColumn);
    for (const k of c.key) text.add(k);
  }
  for (const c of extra) text.add(c);
  const names = [...new Set([...numeric, ...text])];
  return names.map((name) => ({ name, type: numeric.has(name) ? 'float' as const : 'string' as const, nullable: true }));
}

function readOptions(o: DataOpts, schema: Schema, log: (s: string) => void): ReadOptions {
  return { schema, ...toReaderOptions(readOptionsFromFlags(o)), onWarning: () => undefined, onProgress: (n) => { if (n % 200_000 < 8192) log(`  … ${n} rows`); } };
}

async function* batches(o: DataOpts, schema: Schema, log: (s: string) => void): AsyncGenerator<Table> {
  const max = o.maxRows ? Number(o.maxRows) : Infinity;
  let seen = 0;
  for (const file of expandPaths(o.data, process.cwd(), '--data')) {
    for await (const t of readTable(file, readOptions(o, schema, log))) {
      yield t;
      seen += t.numRows;
      if (seen >= max) return;
    }
  }
}

function dataOptions(c: Command): Command {
  return addReadFlags(c)
    .requiredOption('-c, --config <file>', 'feature config (YAML or JSON)')
    .requiredOption('--data <path>', 'data: a file, a glob (quote it) or a directory (.csv, .tsv, .jsonl, .parquet; gzip detected by content)')
    .option('--max-rows <n>', 'read at most about n rows');
}

const log = (s: string) => process.stderr.write(`${s}\n`);

export function register(program: Command): void {
  const features = program.command('features').description('feature configs: check, fit, report; health of a trained run');
  registerHealth(features);

  features.command('check')
    .description('validate a feature config and list the features')
    .requiredOption('-c, --config <file>', 'feature config (YAML or JSON)')
    .action((o: { config: string }) => {
      const cfg = loadFeatureConfig(o.config);
      const kinds = new Map<string, number>();
      for (const f of cfg.features) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      console.log(`${o.config}: ${cfg.features.length} features (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), ${cfg.counters.length} counters, CityHash64 ${cfg.hash}`);
      for (const f of cfg.features) {
        const e = f as { table?: string; dim?: number; hash_buckets?: number };
        const out = outputOf(f);
        console.log(`  ${f.name.padEnd(32)} ${f.kind.padEnd(10)} ${out.padEnd(5)} ${out === 'dense' ? '' : `table ${e.table} dim ${e.dim}${e.hash_buckets ? ` M ${e.hash_buckets}` : ''}`}${f.emit ? '' : ' (not emitted)'}`);
      }
    });

  dataOptions(features.command('fit'))
    .description('fit vocabularies, quantile boundaries and mean/std; write the fitted JSON')
    .requiredOption('-o, --out <file>', 'fitted features JSON')
    .action(async (o: DataOpts & { config: string; out: string }) => {
      const cfg = loadFeatureConfig(o.config);
      const fit = new FeatureFitter(cfg);
      for await (const t of batches(o, schemaFor(cfg), log)) fit.update(t);
      const fitted = fit.finish();
      saveFitted(o.out, fitted);
      log(`fitted ${fitted.rows} rows → ${o.out} (${fitted.specs.length} emitted features, ${fitted.tables.length} embedding tables)`);
    });

  dataOptions(features.command('report'))
    .description('missing rates, cardinality, hash collisions vs 1−e^(−n/M) with bucket advice, and PSI/KS shift between groups')
    .option('--fitted <file>', 'fitted features JSON (default: fit on the same data first)')
    .option('--by <columns>', 'comma-separated group columns for the distribution shift, e.g. scenario,country')
    .option('--out <file>', 'write the report as JSON')
    .option('--exact-limit <n>', 'distinct keys tracked exactly per feature', '500000')
    .option('--target <rate>', 'colliding-key rate the bucket advice aims at', '0.05')
    .action(async (o: DataOpts & { config: string; fitted?: string; by?: string; out?: string; exactLimit: string; target: string }) => {
      const cfg = loadFeatureConfig(o.config);
      const by = o.by ? o.by.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const schema = schemaFor(cfg, by);
      let fitted: FittedFeatures;
      if (o.fitted) fitted = loadFitted(o.fitted);
      else {
        log(`fitting ${o.config} on ${o.data} …`);
        const fit = new FeatureFitter(cfg);
        for await (const t of batches(o, schema, log)) fit.update(t);
        fitted = fit.finish();
      }
      log(`reporting …`);
      const rep = new FeatureReporter(fitted, { by, exactLimit: Number(o.exactLimit), collisionTarget: Number(o.target) });
      for await (const t of batches(o, schema, log)) rep.update(t);
      const report = rep.finish();
      console.log(formatReport(report));
      if (o.out) {
        const json = JSON.stringify({ config: o.config, data: o.data, ...report }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
        writeFileAtomic(o.out, json);
        log(`report → ${o.out}`);
      }
    });
}
