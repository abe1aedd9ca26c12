// The counterfactual block of metrics.json: each task that names a counterfactual label (e.g. the
// biased-log world's click_at_top, drawn from the position-free relevance p_click_relevance) is
// scored with the model's SERVING form — bias features at their `serve_as` canonical values, bias
// parts (PAL's p(seen), the shallow tower) dropped, i.e. what the exported model.onnx returns — and
// judged against that label beside the oracle (the true relevance probability scored the same way):
//   "counterfactual": { "<task>": { "all": { auc, oracle_auc, n }, "by_scenario": { … }, "skipped" } }
import type { Table } from '../data/table.js';
import type { ParameterStore } from '../engine/store.js';
import { counterfactualAuc, type CounterfactualResult } from '../metrics/counterfactual.js';
import type { TaskConfig } from './config.js';
import { scoreServed } from './serve-form.js';
import type { Session } from './session.js';

export type CounterfactualBlock = Record<string, CounterfactualResult>;

/** Tasks with a `counterfactual` setting. */
export function counterfactualTasks(tasks: TaskConfig[]): TaskConfig[] {
  return tasks.filter((t) => t.counterfactual);
}

/** Checks that the counterfactual columns exist and are numeric, before any training (errors name the task's key). */
export function checkCounterfactualColumns(table: Table, tasks: TaskConfig[], where: string): void {
  for (const t of counterfactualTasks(tasks)) {
    const cf = t.counterfactual!;
    for (const [key, col] of [['label', cf.label], ['true_prob', cf.true_prob]] as const) {
      const c = table.columns[col];
      if (!c) throw new Error(`task "${t.name}".counterfactual.${key}: column "${col}" is not in the ${where} data (columns: ${Object.keys(table.columns).slice(0, 40).join(', ')}…)`);
      if (typeof (c as ArrayLike<unknown>)[0] === 'string') throw new Error(`task "${t.name}".counterfactual.${key}: column "${col}" holds text; numbers are required`);
    }
  }
}

/** The block for `table` (null when no task asks for it). `scenarioColumn` names the per-row scenario (null: one slice "all"). */
export async function counterfactualReport(s: Session, store: ParameterStore, table: Table, tasks: TaskConfig[], scenarioColumn: string | null | undefined): Promise<CounterfactualBlock | null> {
  const cfTasks = counterfactualTasks(tasks);
  if (cfTasks.length === 0) return null;
  checkCounterfactualColumns(table, cfTasks, 'evaluated');
  const served = await scoreServed(s, store, table);
  const scen = scenarioColumn ? (table.columns[scenarioColumn] as ArrayLike<string | number | null>) : null;
  const scenarios: (string | null)[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) scenarios[i] = scen ? (scen[i] === null ? null : String(scen[i])) : 'all';
  const out: CounterfactualBlock = {};
  for (const t of cfTasks) {
    const cf = t.counterfactual!;
    out[t.name] = counterfactualAuc({
      scores: served.preds[t.name]!,
      labels: table.columns[cf.label] as ArrayLike<number>,
      oracle: table.columns[cf.true_prob] as ArrayLike<number>,
      scenarios,
    }, `task "${t.name}".counterfactual`);
  }
  return out;
}

/** One log line: served AUC against the counterfactual label beside the oracle, per task. */
export function describeCounterfactual(split: string, block: CounterfactualBlock): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
  return Object.entries(block).map(([task, r]) =>
    `counterfactual ${task} (${split}, served score vs ${r.all.n.toLocaleString('en-US')} counterfactual labels): AUC ${f(r.all.auc)}, oracle ${f(r.all.oracle_auc)}; `
    + Object.entries(r.by_scenario).map(([sc, v]) => `${sc} ${f(v.auc)} / ${f(v.oracle_auc)}`).join(', ')).join('\n');
}
