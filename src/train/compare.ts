// `liverank compare`: train every model of a compare config on the same data and splits (one normal
// run directory each, DIR/<name>/ or DIR/<name>-seed<s>/ when several seeds run), then rank them by
// the mean AUC gap to the oracle over task × scenario slices and over the smallest countries. The
// gaps are reported on the test split (metrics.json) and on the validation split
// (metrics_val.json) — choose on validation, read test once. compare.json is rewritten after
// every run, so an interrupted compare keeps what finished; `resume` reuses finished runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gapSummary, meanSd, type GapSummary } from '../metrics/compare.js';
import type { MatrixJSON } from '../metrics/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { CompareConfig } from './compare-config.js';
import { METRICS_FILE, VAL_METRICS_FILE } from './run-dir.js';
import { checkSameRun } from './run-prepare.js';
import { train } from './trainer.js';

export interface CompareEntry {
  name: string;
  type: string;
  seed?: number;
  run_dir: string;
  mean_gap_all: number | null;
  mean_gap_small_countries: number | null;
  val_mean_gap_all: number | null;
  val_mean_gap_small_countries: number | null;
  samples_per_s: number | null;
  train_seconds: number | null;
  steps: number | null;
  small_countries: string[];
  slices: GapSummary['slices'];
  /** Tasks with counterfactual truth (metrics.json "counterfactual"): the served score's AUC against the counterfactual label. */
  counterfactual?: Record<string, CounterfactualSummary>;
  error?: string;
}

/** One task's counterfactual AUCs of a run: validation and test, all rows and per scenario (test). */
export interface CounterfactualSummary {
  val_auc: number | null;
  val_oracle_auc: number | null;
  auc: number | null;
  oracle_auc: number | null;
  by_scenario: Record<string, { auc: number | null; oracle_auc: number | null }>;
}

export interface CompareSummaryRow {
  name: string;
  type: string;
  seeds: number;
  mean_gap_all: { mean: number | null; sd: number | null };
  mean_gap_small_countries: { mean: number | null; sd: number | null };
  val_mean_gap_all: { mean: number | null; sd: number | null };
  val_mean_gap_small_countries: { mean: number | null; sd: number | null };
  samples_per_s: number | null;
}

export interface CompareResult {
  name: string;
  config: string;
  seeds: number[];
  gap_tasks: string[];
  models: CompareEntry[];
  summary: CompareSummaryRow[];
}

export interface CompareOptions {
  out: string;
  seeds?: number[];
  /** Reuse runs that finished (metrics.json present) and continue killed ones. */
  resume?: boolean;
  overwrite?: boolean;
  /** Trainer progress and log lines (default false: one line per run). */
  verbose?: boolean;
  log?: (line: string) => void;
}

export const COMPARE_FILE = 'compare.json';

function readMatrix(path: string): MatrixJSON {
  return JSON.parse(readFileSync(path, 'utf8')) as MatrixJSON;
}

function summarize(entries: CompareEntry[], order: string[]): CompareSummaryRow[] {
  return order.map((name) => {
    const es = entries.filter((e) => e.name === name && !e.error);
    const ms = (k: keyof CompareEntry) => { const r = meanSd(es.map((e) => e[k] as number | null)); return { mean: r.mean, sd: r.sd }; };
    return {
      name, type: entries.find((e) => e.name === name)?.type ?? '?', seeds: es.length,
      mean_gap_all: ms('mean_gap_all'), mean_gap_small_countries: ms('mean_gap_small_countries'),
      val_mean_gap_all: ms('val_mean_gap_all'), val_mean_gap_small_countries: ms('val_mean_gap_small_countries'),
      samples_per_s: meanSd(es.map((e) => e.samples_per_s)).mean,
    };
  });
}

const fmtGap = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
const finite = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The counterfactual AUCs of a run (undefined when its metrics have none). */
function counterfactualOf(test: MatrixJSON, val: MatrixJSON): Record<string, CounterfactualSummary> | undefined {
  if (!test.counterfactual) return undefined;
  return Object.fromEntries(Object.entries(test.counterfactual).map(([task, r]) => [task, {
    val_auc: finite(val.counterfactual?.[task]?.all.auc), val_oracle_auc: finite(val.counterfactual?.[task]?.all.oracle_auc),
    auc: finite(r.all.auc), oracle_auc: finite(r.all.oracle_auc),
    by_scenario: Object.fromEntries(Object.entries(r.by_scenario).map(([sc, v]) => [sc, { auc: finite(v.auc), oracle_auc: finite(v.oracle_auc) }])),
  }]));
}

export async function runCompare(cc: CompareConfig, o: CompareOptions): Promise<CompareResult> {
  const log = o.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const seeds = o.seeds ?? cc.seeds;
  const several = seeds.length > 1;
  const file = join(o.out, COMPARE_FILE);
  const previous: CompareEntry[] = o.resume && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CompareResult).models : [];
  const entries: CompareEntry[] = [];
  let gapTasks = cc.gapTasks ?? [];
  const result = (): CompareResult => ({
    name: cc.name, config: cc.path, seeds, gap_tasks: gapTasks, models: entries, summary: summarize(entries, cc.models.map((m) => m.name)),
  });
  const total = seeds.length * cc.models.length;
  let k = 0;
  for (const seed of seeds) {
    for (const m of cc.models) {
      k++;
      const runDir = join(o.out, several ? `${m.name}-seed${seed}` : m.name);
      const tag = `[${k}/${total}] ${m.name} (${m.type})${several ? ` seed ${seed}` : ''}`;
      const base: CompareEntry = {
        name: m.name, type: m.type, ...(several ? { seed } : {}), run_dir: runDir, mean_gap_all: null, mean_gap_small_countries: null,
        val_mean_gap_all: null, val_mean_gap_small_countries: null, samples_per_s: null, train_seconds: null, steps: null, small_countries: [], slices: [],
      };
      const before = previous.find((e) => e.run_dir === runDir && !e.error);
      const finished = o.resume && before && [METRICS_FILE, VAL_METRICS_FILE, 'model.onnx.sha256'].every((f) => existsSync(join(runDir, f))); // the trainer writes them last, in this order
      let entry: CompareEntry;
      try {
        if (finished) {
          checkSameRun(runDir, { ...m.config, seed }); // a finished run is reused only if it was trained with this config
          log(`${tag}: finished before, reusing ${runDir}`);
          entry = { ...base, samples_per_s: before.samples_per_s, train_seconds: before.train_seconds, steps: before.steps };
        } else {
          log(`${tag}: training into ${runDir} …`);
          const res = await train(m.config, { out: runDir, seed, resume: o.resume, overwrite: o.overwrite, verbose: !!o.verbose, valMetrics: true, command: `liverank compare ${cc.path}` });
          entry = { ...base, samples_per_s: res.trainSamplesPerSecond, train_seconds: res.seconds, steps: res.steps };
        }
        const testM = readMatrix(join(runDir, METRICS_FILE)), valM = readMatrix(join(runDir, VAL_METRICS_FILE));
        const test = gapSummary(testM, { tasks: cc.gapTasks, smallCountries: cc.smallCountries });
        const val = gapSummary(valM, { tasks: cc.gapTasks, smallCountries: cc.smallCountries });
        const cf = counterfactualOf(testM, valM);
        if (cf) entry.counterfactual = cf;
        gapTasks = test.tasks;
        Object.assign(entry, {
          mean_gap_all: test.mean_gap_all, mean_gap_small_countries: test.mean_gap_small_countries,
          val_mean_gap_all: val.mean_gap_all, val_mean_gap_small_countries: val.mean_gap_small_countries,
          small_countries: test.small_countries, slices: test.slices,
        });
        log(`${tag}: ${entry.train_seconds?.toFixed(0) ?? '?'} s, ${Math.round(entry.samples_per_s ?? 0).toLocaleString('en-US')} samples/s; mean AUC gap to the oracle (val / test): all ${fmtGap(entry.val_mean_gap_all)} / ${fmtGap(entry.mean_gap_all)}, small countries ${fmtGap(entry.val_mean_gap_small_countries)} / ${fmtGap(entry.mean_gap_small_countries)}`
          + Object.entries(cf ?? {}).map(([t, c]) => `; counterfactual ${t} AUC (val / test) ${fmtGap(c.val_auc)} / ${fmtGap(c.auc)}, oracle ${fmtGap(c.oracle_auc)}`).join(''));
      } catch (e) {
        entry = { ...base, error: (e as Error).message };
        log(`${tag}: FAILED: ${entry.error}`);
      }
      entries.push(entry);
      writeFileAtomic(file, `${JSON.stringify(result(), null, 1)}\n`);
    }
  }
  return result();
}
