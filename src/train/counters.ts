// Real-time counter features for training: replay the events once over time-ordered data and keep
// each counter feature's value as a `counter__<feature>` column, so the rows can then be shuffled.
import { sliceTable, type Column, type Table } from '../data/table.js';
import { CounterReplay, counterColumn, type FeatureConfig } from '../features/index.js';

export function materializeCounterColumns(cfg: FeatureConfig, table: Table): Table {
  if (cfg.counters.length === 0) return table;
  const replay = CounterReplay.fromConfig(cfg);
  const values = replay.process(replay.engine.batch(table));
  const columns: Record<string, Column> = { ...table.columns };
  for (const [name, v] of values) columns[counterColumn(name)] = v;
  return { numRows: table.numRows, columns };
}

/** The counter hook for loadSplits, or null when the config has no counters. */
export function counterPreparer(cfg: FeatureConfig): ((t: Table) => Table) | null {
  return cfg.counters.length === 0 ? null : (t) => materializeCounterColumns(cfg, t);
}

/**
 * Counter columns of rows that did not happen — request snapshots' candidates (src/data/world/requests.ts):
 * the time-ordered `log` is replayed and each group of `rows` with one time t (rows in time order) reads
 * the counters as a logged row at t would have (events strictly before t), adding no events of its own.
 * The values equal what training's replay gives the logged row of the same (user, room) at t.
 */
export function materializeCountersAt(cfg: FeatureConfig, log: Table, rows: Table): Table {
  if (cfg.counters.length === 0) return rows;
  const replay = CounterReplay.fromConfig(cfg);
  const timeCol = replay.engine.timeColumn!;
  const lt = log.columns[timeCol] as ArrayLike<number> | undefined, rt = rows.columns[timeCol] as ArrayLike<number> | undefined;
  if (!lt || !rt) throw new Error(`counters: time column "${timeCol}" missing from the ${lt ? 'snapshot rows' : 'log'}`);
  const out = new Map<string, Float64Array>();
  for (const r of replay.engine.features) out.set(r.f.name, new Float64Array(rows.numRows).fill(NaN));
  let cursor = 0;
  for (let g = 0; g < rows.numRows;) {
    const t = rt[g]!;
    let h = g + 1;
    while (h < rows.numRows && rt[h] === t) h++;
    if (h < rows.numRows && rt[h]! < t) throw new Error(`counters: snapshot rows are not in time order (row ${h}: ${rt[h]} after ${t})`);
    let end = cursor;
    while (end < log.numRows && lt[end]! < t) end++;
    if (end > cursor) replay.process(replay.engine.batch(sliceTable(log, cursor, end)));
    cursor = end;
    const vals = replay.readAt(replay.engine.batch(sliceTable(rows, g, h)), t);
    for (const [name, v] of vals) out.get(name)!.set(v, g);
    g = h;
  }
  const columns: Record<string, Column> = { ...rows.columns };
  for (const [name, v] of out) columns[counterColumn(name)] = v;
  return { numRows: rows.numRows, columns };
}
