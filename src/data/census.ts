// UCI Census-Income (KDD) loader: the MMoE/PLE multi-task benchmark (see
// /work/shared/data/census-income-kdd/README.md). Reads the comma+space, header-less file, builds
// 0/1 labels, removes the label sources (and instance_weight) from the inputs and splits the rows
// into train/val/test by a seeded shuffle.
import { Rng } from '../util/rng.js';
import { readAll } from './io/read.js';
import type { Schema } from './schema.js';
import { takeRows, type Column, type Table } from './table.js';

export const CENSUS_DEFAULT_PATH = '/work/shared/data/census-income-kdd/census-income.test.gz';

/** The 42 fields of each line, in file order. */
export const CENSUS_COLUMNS: readonly string[] = [
  'age', 'class_worker', 'det_ind_code', 'det_occ_code', 'education', 'wage_per_hour', 'hs_college',
  'marital_stat', 'major_ind_code', 'major_occ_code', 'race', 'hisp_origin', 'sex', 'union_member',
  'unemp_reason', 'full_or_part_emp', 'capital_gains', 'capital_losses', 'stock_dividends',
  'tax_filer_stat', 'region_prev_res', 'state_prev_res', 'det_hh_fam_stat', 'det_hh_summ',
  'instance_weight', 'mig_chg_msa', 'mig_chg_reg', 'mig_move_reg', 'mig_same', 'mig_prev_sunbelt',
  'num_emp', 'fam_under_18', 'country_father', 'country_mother', 'country_self', 'citizenship',
  'own_or_self', 'vet_question', 'vet_benefits', 'weeks_worked', 'year', 'income_50k',
];

export const CENSUS_DENSE_COLUMNS: readonly string[] = [
  'age', 'wage_per_hour', 'capital_gains', 'capital_losses', 'stock_dividends', 'num_emp', 'weeks_worked',
];

/** Education values counted as "at least college" (MMoE's second task group). */
export const AT_LEAST_COLLEGE: ReadonlySet<string> = new Set([
  'Associates degree-academic program', 'Associates degree-occup /vocational', 'Bachelors degree(BA AB BS)',
  'Masters degree(MA MS MEng MEd MSW MBA)', 'Prof school degree (MD DDS DVM LLB JD)', 'Doctorate degree(PhD EdD)',
]);

export type CensusTaskGroup = 'income-marital' | 'marital-education';

export interface CensusOptions {
  path?: string;
  /** Seed of the split shuffle (default 1). */
  seed?: number;
  /** Train/val/test fractions (default [0.5, 0.25, 0.25]); must be ≥ 0 and sum to 1. */
  split?: [number, number, number];
  /** 'income-marital' (default): labels income, never_married. 'marital-education': college, never_married. */
  taskGroup?: CensusTaskGroup;
}

export interface CensusDataset {
  train: Table;
  val: Table;
  test: Table;
  /** Float64Array inputs. */
  denseColumns: string[];
  /** String inputs (never null in this file). */
  categoricalColumns: string[];
  /** Float32Array 0/1 labels, in task order. */
  labelColumns: string[];
  /** Original file row (0-based) of every split row, in split order. */
  indices: { train: Int32Array; val: Int32Array; test: Int32Array };
}

const DENSE = new Set(CENSUS_DENSE_COLUMNS);
const CENSUS_SCHEMA: Schema = CENSUS_COLUMNS.map((name) => ({ name, type: DENSE.has(name) ? 'float' as const : 'string' as const }));

/** The file as a 42-column Table (dense columns Float64Array, the rest strings). Any bad row aborts. */
export async function readCensusFile(path: string = CENSUS_DEFAULT_PATH): Promise<Table> {
  const { table } = await readAll(path, {
    schema: CENSUS_SCHEMA, format: 'csv', maxErrorRate: 0,
    csv: { header: false, columns: [...CENSUS_COLUMNS], trim: true },
  });
  return table;
}

function labelFrom(raw: Table, column: string, path: string, isPositive: (v: string) => boolean, check?: (v: string) => boolean): Float32Array {
  const src = raw.columns[column] as (string | null)[];
  const out = new Float32Array(raw.numRows);
  for (let i = 0; i < raw.numRows; i++) {
    const v = src[i]!;
    if (v === null || (check && !check(v))) throw new Error(`${path}: row ${i}: unexpected ${column} value ${JSON.stringify(v)}`);
    out[i] = isPositive(v) ? 1 : 0;
  }
  return out;
}

/** Labels, input selection and the seeded split, from a table read by readCensusFile. */
export function prepareCensus(raw: Table, opts: CensusOptions = {}): CensusDataset {
  const path = opts.path ?? CENSUS_DEFAULT_PATH;
  const group = opts.taskGroup ?? 'income-marital';
  const split = opts.split ?? [0.5, 0.25, 0.25];
  if (split.length !== 3 || split.some((f) => !(f >= 0)) || Math.abs(split[0] + split[1] + split[2] - 1) > 1e-9) {
    throw new Error(`census split must be three fractions ≥ 0 summing to 1, got [${split.join(', ')}]`);
  }
  const neverMarried = labelFrom(raw, 'marital_stat', path, (v) => v === 'Never married');
  const labels: Record<string, Float32Array> = {};
  const removed = new Set(['instance_weight', 'income_50k', 'marital_stat']);
  if (group === 'income-marital') {
    labels.income = labelFrom(raw, 'income_50k', path, (v) => v === '50000+.', (v) => v === '50000+.' || v === '- 50000.');
    labels.never_married = neverMarried;
  } else if (group === 'marital-education') {
    labels.college = labelFrom(raw, 'education', path, (v) => AT_LEAST_COLLEGE.has(v));
    labels.never_married = neverMarried;
    removed.add('education');
  } else {
    throw new Error(`unknown census taskGroup "${String(group)}" (expected "income-marital" or "marital-education")`);
  }
  const denseColumns = CENSUS_DENSE_COLUMNS.filter((c) => !removed.has(c));
  const categoricalColumns = CENSUS_COLUMNS.filter((c) => !DENSE.has(c) && !removed.has(c));
  const columns: Record<string, Column> = {};
  for (const c of [...denseColumns, ...categoricalColumns]) columns[c] = raw.columns[c]!;
  Object.assign(columns, labels);
  const all: Table = { numRows: raw.numRows, columns };

  const n = raw.numRows;
  const perm = new Rng(opts.seed ?? 1).permutation(n);
  const nTrain = Math.round(split[0] * n);
  const nVal = Math.min(n - nTrain, Math.round(split[1] * n));
  const indices = {
    train: perm.slice(0, nTrain),
    val: perm.slice(nTrain, nTrain + nVal),
    test: perm.slice(nTrain + nVal),
  };
  return {
    train: takeRows(all, indices.train),
    val: takeRows(all, indices.val),
    test: takeRows(all, indices.test),
    denseColumns,
    categoricalColumns,
    labelColumns: Object.keys(labels),
    indices,
  };
}

export async function loadCensus(opts: CensusOptions = {}): Promise<CensusDataset> {
  return prepareCensus(await readCensusFile(opts.path ?? CENSUS_DEFAULT_PATH), opts);
}
