// The printed `liverank compare` table: a summary per model (mean AUC gap to the oracle on
// validation and test, over all task × scenario slices and over the smallest countries, speed), then
// per slice the test AUC gap and Σ pred / Σ true p of every model (mean over seeds). Every number is
// also in compare.json.
import type { CompareEntry, CompareResult } from './compare.js';

const pm = (m: { mean: number | null; sd: number | null }, d = 4) =>
  m.mean === null ? 'n/a' : m.sd === null ? m.mean.toFixed(d) : `${m.mean.toFixed(d)} ± ${m.sd.toFixed(d)}`;

function table(header: string[], rows: string[][], leftCols = 1): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < leftCols ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

function sliceMean(entries: CompareEntry[], model: string, key: string, field: 'gap' | 'pcoc_true'): number | null {
  const v = entries.filter((e) => e.name === model && !e.error)
    .map((e) => e.slices.find((s) => `${s.task} · ${s.slice}` === key)?.[field] ?? null)
    .filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

export function formatCompare(r: CompareResult): string {
  const several = r.seeds.length > 1;
  const out: string[] = [];
  out.push(`mean AUC gap to the oracle (oracle AUC − model AUC; lower is better) over the task × scenario slices of ${r.gap_tasks.join(', ')}` +
    ` and over the smallest countries' task × country slices${several ? `; mean ± sd over seeds ${r.seeds.join(', ')}` : ''}. Choose on val; test is the report.`);
  out.push(table(
    ['model', 'type', 'gap all (val)', 'gap all (test)', 'gap small (val)', 'gap small (test)', 'samples/s'],
    r.summary.map((s) => [s.name, s.type, pm(s.val_mean_gap_all), pm(s.mean_gap_all), pm(s.val_mean_gap_small_countries), pm(s.mean_gap_small_countries),
      s.samples_per_s === null ? 'n/a' : Math.round(s.samples_per_s).toLocaleString('en-US')]),
    2,
  ));
  const ok = r.models.filter((e) => !e.error);
  const failed = r.models.filter((e) => e.error);
  if (ok.length) {
    const small = new Set(ok[0]!.small_countries);
    const names = r.summary.map((s) => s.name);
    const keys: { key: string; label: string }[] = [];
    for (const s of ok[0]!.slices) {
      const key = `${s.task} · ${s.slice}`;
      if (!keys.some((k) => k.key === key)) keys.push({ key, label: `${s.task} · ${s.dim === 'country' ? 'country ' : ''}${s.slice}${small.has(s.slice) && s.dim === 'country' ? ' (small)' : ''}` });
    }
    const cell = (x: number | null, d: number) => (x === null ? '-' : x.toFixed(d));
    out.push('', `test AUC gap to the oracle per slice${several ? ' (mean over seeds)' : ''}:`);
    out.push(table(['slice', ...names], keys.map((k) => [k.label, ...names.map((n) => cell(sliceMean(r.models, n, k.key, 'gap'), 4))])));
    out.push('', `test Σ pred / Σ true p per slice${several ? ' (mean over seeds)' : ''}:`);
    out.push(table(['slice', ...names], keys.map((k) => [k.label, ...names.map((n) => cell(sliceMean(r.models, n, k.key, 'pcoc_true'), 3))])));
  }
  const cf = counterfactualTable(r);
  if (cf) out.push('', cf);
  for (const e of failed) out.push(`FAILED ${e.name}${e.seed !== undefined ? ` seed ${e.seed}` : ''}: ${e.error}`);
  return out.join('\n');
}

/** Counterfactual AUCs (served score against the counterfactual label; mean over seeds), when the runs have them. */
function counterfactualTable(r: CompareResult): string | null {
  const ok = r.models.filter((e) => e.counterfactual && !e.error);
  if (!ok.length) return null;
  const tasks = [...new Set(ok.flatMap((e) => Object.keys(e.counterfactual!)))];
  const scenarios = [...new Set(ok.flatMap((e) => Object.values(e.counterfactual!).flatMap((c) => Object.keys(c.by_scenario))))];
  const mean = (xs: (number | null | undefined)[]) => { const v = xs.filter((x): x is number => typeof x === 'number'); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(4));
  const rows: string[][] = [];
  for (const t of tasks) {
    for (const name of r.summary.map((s) => s.name)) {
      const es = ok.filter((e) => e.name === name && e.counterfactual![t]).map((e) => e.counterfactual![t]!);
      if (!es.length) continue;
      const auc = mean(es.map((c) => c.auc)), oracle = mean(es.map((c) => c.oracle_auc));
      rows.push([t, name, f(mean(es.map((c) => c.val_auc))), f(auc), f(oracle), f(auc !== null && oracle !== null ? oracle - auc : null),
        ...scenarios.map((sc) => f(mean(es.map((c) => c.by_scenario[sc]?.auc))))]);
    }
  }
  return [`counterfactual: the served score (bias features at their serve_as values, bias parts dropped) against the counterfactual label, beside the oracle${r.seeds.length > 1 ? ' (mean over seeds)' : ''}:`,
    table(['task', 'model', 'AUC (val)', 'AUC (test)', 'oracle (test)', 'gap (test)', ...scenarios.map((s) => `${s} (test)`)], rows, 2)].join('\n');
}
