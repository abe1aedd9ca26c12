// Real-time counter features for training: replay the events once over time-ordered data and keep
// each counter feature's value as a `counter__<feature>` column, so the rows can then be shuffled.
import type { Column, Table } from '../data/table.js';
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
