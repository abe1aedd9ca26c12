// The scenario / country shift of every feature for a run: the existing PSI/KS feature report
// (src/features/report, `liverank features report --by scenario,country`) computed on a split of the
// run's own data with the run's fitted features, stored as RUN/diagnostics/shift.json so the report
// reads it on the next call instead of reloading the data.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { takeRows, type Table } from '../../data/table.js';
import { loadFitted, parseFeatureConfig } from '../../features/index.js';
import { FeatureReporter } from '../../features/report/collect.js';
import type { ShiftResult } from '../../features/report/groups.js';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import { counterPreparer } from '../../train/counters.js';
import { loadSplits } from '../../train/dataset.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { digestFile } from '../../util/checksum.js';
import { Rng } from '../../util/rng.js';
import { hasKeys, readJsonIfExists } from './read.js';

export const SHIFT_FILE = join('diagnostics', 'shift.json');

export interface ShiftFile {
  version: 1;
  /** Split of the run's data the rows came from. */
  split: 'train' | 'val' | 'test';
  /** Rows compared (a seeded sample of the split when it is larger than the limit). */
  rows: number;
  split_rows: number;
  /** Group columns (e.g. ["scenario", "country"]). */
  by: string[];
  created: string;
  /** SHA-256 of RUN/features.json when the shift was computed (a retrained run has other features: recompute). */
  features_sha256?: string;
  /** One entry per group column, as in `liverank features report --out` (non-finite numbers are null). */
  shift: ShiftResult[];
  notes: string[];
}

export interface ShiftOptions {
  split?: 'train' | 'val' | 'test';
  /** Rows compared at most (default 200 000; a seeded sample above). */
  maxRows?: number;
  seed?: number;
  /** The training config (needed when its data paths are relative to it); default RUN/config.json. */
  config?: TrainConfig;
  /** The split's rows already in memory (as the trainer loaded them, counters included): no second load of the data. */
  table?: Table;
  log?: (s: string) => void;
}

const EXPECTED = 'shift.json as written by `liverank report` (version, split, rows, by[], shift[])';

export function readShift(path: string): ShiftFile | null {
  return readJsonIfExists<ShiftFile>(path, EXPECTED, hasKeys([], ['by', 'shift']));
}

/** The stored shift when it was computed for the run's current features.json (else null: recompute). */
export function currentShift(run: string, log: (s: string) => void = () => {}): ShiftFile | null {
  const path = join(run, SHIFT_FILE);
  const file = readShift(path);
  if (!file) return null;
  const fpath = join(run, 'features.json');
  if (file.features_sha256 && existsSync(fpath) && digestFile(fpath).sha256 !== file.features_sha256) {
    log(`${path} was computed for other fitted features (the run was retrained): recomputing`);
    return null;
  }
  return file;
}

/** The run's training config: `config` when given, else RUN/config.json (paths then resolve against the working directory). */
export function runConfig(run: string, config?: TrainConfig): TrainConfig {
  if (config) return config;
  const p = join(run, 'config.json');
  if (!existsSync(p)) throw new Error(`${p} not found: is ${run} a liverank run directory?`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(p, 'utf8')); } catch (e) { throw new Error(`${p}: not valid JSON (${(e as Error).message}); expected the run's training config`); }
  return parseTrainConfig(raw, process.cwd(), p);
}

/** A seeded sample of at most `max` rows, in the original order. */
function sample(t: Table, max: number, seed: number): Table {
  if (t.numRows <= max) return t;
  const idx = new Rng(seed).permutation(t.numRows).subarray(0, max).sort();
  return takeRows(t, idx);
}

/** Compute the shift of the run's features between scenarios and countries and store it in RUN/diagnostics/shift.json. */
export async function computeShift(run: string, o: ShiftOptions = {}): Promise<ShiftFile> {
  const log = o.log ?? (() => {});
  const split = o.split ?? 'train';
  const fpath = join(run, 'features.json');
  if (!existsSync(fpath)) throw new Error(`${fpath} not found: the run has no fitted features (train it first)`);
  const fitted = loadFitted(fpath);
  const cfg = runConfig(run, o.config);
  const features = parseFeatureConfig(fitted.config, `${fpath} config`);
  // the slice columns loadSplits gives: scenario / country for the world, none for census and files
  const world = cfg.data.source === 'world';
  const by = [cfg.eval.scenario_column ?? (world ? 'scenario' : undefined), cfg.eval.country_column ?? (world ? 'country' : undefined)].filter((c): c is string => !!c);
  const notes: string[] = [];
  const path = join(run, SHIFT_FILE);
  const save = (out: ShiftFile): ShiftFile => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1));
    return out;
  };
  if (!by.length) {
    notes.push('the data has no scenario or country column (set eval.scenario_column / eval.country_column)');
    return save({ version: 1, split, rows: 0, split_rows: 0, by, created: new Date().toISOString(), features_sha256: digestFile(fpath).sha256, shift: [], notes });
  }
  let table = o.table;
  if (!table) {
    log(`shift: loading the ${split} split of the run's data (${cfg.data.source}) …`);
    table = (await loadSplits(cfg, log, counterPreparer(features)))[split];
  }
  const rows = sample(table, o.maxRows ?? 200_000, o.seed ?? 1);
  if (rows.numRows < table.numRows) notes.push(`a seeded sample of ${rows.numRows} of the ${table.numRows} ${split} rows`);
  const missing = by.filter((c) => !rows.columns[c]);
  if (missing.length) throw new Error(`shift: the ${split} split has no column ${missing.map((c) => `"${c}"`).join(', ')} (from eval.scenario_column / eval.country_column or the data's default slices)`);
  const rep = new FeatureReporter(fitted, { by });
  rep.update(rows);
  const r = rep.finish();
  // a feature that reads the group column itself (country id by country) differs between groups by construction
  const shift: ShiftResult[] = r.shift.map((s) => {
    const self = features.features.filter((f) => 'column' in f && f.column === s.column).map((f) => f.name);
    if (self.length) notes.push(`by ${s.column}: left out ${self.join(', ')} (they read the "${s.column}" column itself)`);
    return { ...s, features: s.features.filter((f) => !self.includes(f.name)) };
  });
  notes.push(...r.notes);
  return save({ version: 1, split, rows: rows.numRows, split_rows: table.numRows, by, created: new Date().toISOString(), features_sha256: digestFile(fpath).sha256, shift, notes });
}
