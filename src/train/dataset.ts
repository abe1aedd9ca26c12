// Loads the train / validation / test tables a config asks for: the synthetic world (generated in
// memory or read from a file), census-income, or files (CSV / JSONL / Parquet with a schema).
import { worldOptionsOf } from './world-options.js';
import { loadRequestSplits } from './distill-data.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { concatTables, sliceTable, takeRows, type Table } from '../data/table.js';
import { loadCensus } from '../data/census.js';
import { generateWorld } from '../data/world/generate.js';
import { dropAbsentCounterfactual, worldFileColumns } from '../data/world/schema.js';
import { parseSchema } from '../data/schema.js';
import { readAll } from '../data/io/index.js';
import { toReaderOptions } from '../data/io/options.js';
import { expandPaths } from '../data/io/paths.js';
import { Rng } from '../util/rng.js';
import { resolvePath, type TrainConfig } from './config.js';
import { applyLabelRules, checkRuleColumns, checkSplits, checkTaskColumns, dropBadLabels, emptyReport, fileReport, LINE_COLUMN, sortByColumn, type DataReport, type SplitOrigin } from './data-checks.js';

export interface Splits {
  train: Table;
  val: Table;
  test: Table;
  /** Default slice columns for the metric matrix (overridable in `eval`). */
  slices: { scenario?: string; country?: string; group?: string };
  description: string;
  /** Rows read and skipped per file and reason, split sizes (written to data_report.json). */
  report: DataReport;
}

function splitByFractions(t: Table, f: readonly [number, number, number], shuffleSeed: number | null): [Table, Table, Table] {
  const n = t.numRows;
  const a = Math.round(n * f[0]), b = Math.round(n * (f[0] + f[1]));
  if (shuffleSeed === null) return [sliceTable(t, 0, a), sliceTable(t, a, b), sliceTable(t, b, n)];
  const p = new Rng(shuffleSeed).permutation(n);
  return [takeRows(t, p.subarray(0, a)), takeRows(t, p.subarray(a, b)), takeRows(t, p.subarray(b))];
}

/**
 * `prepare` runs on time-ordered data before it is split or shuffled (real-time counter features are
 * replayed there): on the whole world, or on each file in the order train, val, test.
 */
export async function loadSplits(cfg: TrainConfig, log: (s: string) => void = () => {}, counters: ((t: Table) => Table) | null = null): Promise<Splits> {
  const prepare = counters ?? ((t: Table) => t);
  const d = cfg.data;
  switch (d.source) {
    case 'world': {
      if (d.requests) return loadRequestSplits(cfg, log); // request snapshots scored by a teacher (distill-data.ts)
      const report = emptyReport('world');
      let impressions: Table;
      if (d.path) {
        const path = resolvePath(cfg, d.path);
        if (!existsSync(path)) throw new Error(`data.path: ${path} does not exist (generate it with \`liverank generate --out ${d.path}\`)`);
        const r = await readAll(path, { schema: worldReadSchema(), maxErrorRate: 0 });
        impressions = dropAbsentCounterfactual(r.table);
        report.files[path] = fileReport(r.stats);
      } else {
        const t0 = Date.now();
        impressions = generateWorld(worldOptionsOf(d)).impressions;
        log(`generated the synthetic world: ${impressions.numRows.toLocaleString('en-US')} impressions over ${d.days} day(s) (seed ${d.world_seed}${d.heterogeneity && d.heterogeneity !== 'none' ? `, heterogeneity ${d.heterogeneity}` : ''}${d.logging_policy === 'biased' ? ', biased logging policy' : ''}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      let rows = prepare(impressions);
      if (d.warmup_hours > 0) {
        rows = dropWarmup(rows, 'ts', d.warmup_hours);
        report.notes.push(`counter warm-up: the first ${d.warmup_hours} h (${impressions.numRows - rows.numRows} impressions) fed the counters only`);
        log(`counter warm-up: the first ${d.warmup_hours} h (${(impressions.numRows - rows.numRows).toLocaleString('en-US')} impressions) fed the counters only; ${rows.numRows.toLocaleString('en-US')} impressions remain`);
        if (rows.numRows === 0) throw new Error(`data.warmup_hours: ${d.warmup_hours} h leaves no impressions (the world spans ${d.days} day(s))`);
      }
      const [train, val, test] = splitByFractions(rows, d.split, d.split_by === 'time' ? null : cfg.seed);
      const what = d.path ? resolvePath(cfg, d.path) : 'the generated world';
      finish(report, { train, val, test }, cfg, { train: `${what}, data.split[0] = ${d.split[0]}`, val: `${what}, data.split[1] = ${d.split[1]}`, test: `${what}, data.split[2] = ${d.split[2]}` });
      return {
        train, val, test, report,
        slices: { scenario: 'scenario', country: 'country', group: 'user_id' },
        description: `synthetic world (${rows.numRows} impressions${d.warmup_hours > 0 ? ` after a ${d.warmup_hours} h counter warm-up` : ''}, split by ${d.split_by} ${d.split.join('/')})`,
      };
    }
    case 'census': {
      if (counters) throw new Error('features: real-time counter features need time-ordered event data; census-income has none');
      const c = await loadCensus({ path: d.path ? resolvePath(cfg, d.path) : undefined, seed: cfg.seed, split: [...d.split], taskGroup: d.task_group });
      const report = emptyReport('census');
      const what = `census-income ${d.path ?? '(shipped file)'}`;
      finish(report, c, cfg, { train: `${what}, data.split[0] = ${d.split[0]}`, val: `${what}, data.split[1] = ${d.split[1]}`, test: `${what}, data.split[2] = ${d.split[2]}` });
      return { train: c.train, val: c.val, test: c.test, report, slices: {}, description: `census-income (${d.task_group}, seed ${cfg.seed}, split ${d.split.join('/')})` };
    }
    case 'files': {
      const schema = parseSchema(d.schema);
      checkRuleColumns(cfg.tasks, schema);
      const report = emptyReport('files');
      const readOpts = toReaderOptions(d);
      const files = {
        train: expandPaths(d.train, cfg.baseDir, 'data.train'),
        val: d.val === undefined ? null : expandPaths(d.val, cfg.baseDir, 'data.val'),
        test: d.test === undefined ? null : expandPaths(d.test, cfg.baseDir, 'data.test'),
      };
      const read = async (path: string, split: string) => {
        const { table, stats } = await readAll(path, { schema, maxErrorRate: d.max_error_rate, lineColumn: LINE_COLUMN, ...readOpts });
        const rep = fileReport(stats);
        report.files[path] = rep;
        if (stats.commentLines) log(`${path}: skipped ${stats.commentLines} comment line(s) (data.comment ${JSON.stringify(d.comment)})`);
        const labelled = applyLabelRules(table, cfg.tasks, path, rep);
        checkTaskColumns(cfg.tasks, labelled);
        const good = dropBadLabels(labelled, cfg.tasks, path, rep);
        if (rep.rows_skipped > 0) {
          log(`${path}: skipped ${rep.rows_skipped} bad row(s) of ${rep.rows_seen}; first: ${rep.first_skipped.slice(0, 3).map((e) => `${e.file}:${e.line}: ${e.field ?? ''} ${e.reason}`).join('; ')}`);
          if (rep.rows_seen > 0 && rep.rows_skipped / rep.rows_seen > d.max_error_rate) {
            throw new Error(`${path}: ${rep.rows_skipped} of ${rep.rows_seen} rows are bad (${(100 * rep.rows_skipped / rep.rows_seen).toFixed(2)} % > data.max_error_rate ${(100 * d.max_error_rate).toFixed(2)} %); first: ${rep.first_skipped.slice(0, 5).map((e) => `${e.file}:${e.line}: ${e.reason}`).join('; ')} — fix the file, the read options (data.format, delimiter, header, columns, comment, null_values) or the label rule, or raise data.max_error_rate`);
          }
        }
        if (good.numRows === 0) {
          throw new Error(`${path}: ${stats.rowsSeen === 0 ? 'no data rows (header only or empty file' : `no usable data rows (all ${rep.rows_seen} rows were bad`}${stats.commentLines ? `; ${stats.commentLines} comment lines` : ''}); nothing to ${split === 'train' ? 'train on' : 'evaluate'} — check data.${split} and the read options`);
        }
        return good;
      };
      const readSplit = async (list: string[], split: string) => {
        const parts: Table[] = [];
        for (const f of list) parts.push(await read(f, split));
        if (list.length > 1) log(`data.${split}: ${list.length} files, ${parts.map((p, i) => `${basename(list[i]!)} ${p.numRows}`).join(', ')} rows`);
        const all = parts.length === 1 ? parts[0]! : concatTables(parts);
        return prepare(d.split_by === 'time' && d.time_column ? sortByColumn(all, d.time_column, `data.time_column`) : all);
      };
      const train = await readSplit(files.train, 'train');
      const names = (l: string[]) => (l.length === 1 ? l[0]! : `${l.length} files ${l[0]} … ${l[l.length - 1]}`);
      const trainPath = names(files.train);
      // Splits not given as files are cut from train with their fractions of data.split, renormalised.
      const want = [d.split[0], files.val ? 0 : d.split[1], files.test ? 0 : d.split[2]] as const;
      const sum = want[0] + want[1] + want[2];
      const frac: [number, number, number] = sum > 0 ? [want[0] / sum, want[1] / sum, want[2] / sum] : [1, 0, 0];
      const origin: SplitOrigin = {
        train: files.val && files.test ? trainPath : `${trainPath}, data.split[0] = ${d.split[0]}`,
        val: files.val ? names(files.val) : `${trainPath}, data.split[1] = ${d.split[1]}`,
        test: files.test ? names(files.test) : `${trainPath}, data.split[2] = ${d.split[2]}`,
      };
      let splits: { train: Table; val: Table; test: Table };
      if (files.val && files.test) splits = { train, val: await readSplit(files.val, 'val'), test: await readSplit(files.test, 'test') };
      else {
        const [tr, va, te] = splitByFractions(train, frac, d.split_by === 'time' ? null : cfg.seed);
        splits = { train: tr, val: files.val ? await readSplit(files.val, 'val') : va, test: files.test ? await readSplit(files.test, 'test') : te };
      }
      finish(report, splits, cfg, origin);
      return { ...splits, report, slices: {}, description: `files ${trainPath}` };
    }
  }
}

/** Record the split sizes and refuse splits that cannot train or be evaluated. */
function finish(report: DataReport, s: { train: Table; val: Table; test: Table }, cfg: TrainConfig, origin: SplitOrigin): void {
  report.splits = { train: s.train.numRows, val: s.val.numRows, test: s.test.numRows };
  checkSplits(s, cfg.tasks, origin);
}

/** The rows from `hours` after the first row's time on (`t` is in time order, `column` in seconds). */
export function dropWarmup(t: Table, column: string, hours: number): Table {
  const ts = t.columns[column] as ArrayLike<number> | undefined;
  if (!ts) throw new Error(`data.warmup_hours: the data has no time column "${column}"`);
  if (t.numRows === 0) return t;
  const from = (ts[0] as number) + hours * 3600;
  let lo = 0, hi = t.numRows;
  while (lo < hi) { const mid = (lo + hi) >> 1; if ((ts[mid] as number) < from) lo = mid + 1; else hi = mid; }
  return sliceTable(t, lo, t.numRows);
}

/** Reading a generated world file back: every impression column as written by `liverank generate` (plus a biased world's counterfactual columns, when the file has them). */
function worldReadSchema() {
  return parseSchema(worldFileColumns().map(({ spec: c, required }) => ({
    name: c.name,
    type: c.type === 'string' ? 'string' : c.type.startsWith('float') ? 'float' : 'int',
    nullable: true,
    required,
  })));
}
