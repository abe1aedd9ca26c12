// Gate and expert analysis of a trained run (issue 17, models-and-methods.md §2): per gate, task and
// scenario the mean weight per expert (utilisation), per-sample std, normalised entropy and the
// collapsed-row share; Jensen–Shannon divergence between the tasks' mean gates; dead-ReLU share and
// output norms per expert; Gate NU δ summaries (PPNet / EPNet / PEPNet / DWG); alarms. Works on the
// model's `extras` outputs: gate.* (softmax weights), experts.<bank> ([B, n, d]) and delta.*.
import type { TrainConfig } from '../train/config.js';
import { GATE_THRESHOLDS, gateAlarms, gateStats, jsDivergence, pct } from './gates-stats.js';
import { fetchExtras, type DiagRun, type Fetched } from './gates-run.js';
import type { Alarm, DeltaSummary, ExpertBankReport, ExpertStats, GateDivergence, GateReport, GatesFile } from './types.js';

/** Scenarios with fewer rows than this get no per-scenario alarms (their statistics are still reported). */
const MIN_SCENARIO_ROWS = 50;

/** Row indices per scenario value ({} when there is no scenario column). */
export function scenarioIndex(scenario: string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  scenario.forEach((s, i) => { if (s !== '') (out[s] ??= []).push(i); });
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

interface ModelShape { ple: boolean; taskExperts: number; sharedExperts: number; tasks: string[] }

function modelShape(cfg: TrainConfig): ModelShape {
  const m = cfg.model as { type?: string; task_experts?: number; shared_experts?: number };
  const ple = m.type === 'ple' || m.type === 'cgc';
  return { ple, taskExperts: m.task_experts ?? 1, sharedExperts: m.shared_experts ?? 1, tasks: cfg.tasks.map((t) => t.name) };
}

/** Task, level and expert labels of a gate output. */
export function describeGate(name: string, n: number, m: ModelShape): { task: string; level: number; experts: string[] } {
  const rest = name.slice('gate.'.length);
  const lv = /^(.*)\.l(\d+)$/.exec(rest);
  if (!m.ple || !lv) return { task: rest, level: 0, experts: Array.from({ length: n }, (_, i) => `e${i}`) };
  const task = lv[1]!, level = Number(lv[2]);
  const own = (t: string, k: number) => Array.from({ length: k }, (_, i) => `${t}.${i}`);
  const shared = own('shared', m.sharedExperts);
  const experts = task === 'shared'
    ? [...m.tasks.flatMap((t) => own(t, m.taskExperts)), ...shared]
    : [...own(task, m.taskExperts), ...shared];
  if (experts.length !== n) return { task, level, experts: Array.from({ length: n }, (_, i) => `e${i}`) };
  return { task, level, experts };
}

/** Expert labels of a bank output `experts.<bank>`: "e<i>" (MMoE) or "<who>.<i>" (PLE banks <lvl>.experts.<who>). */
function bankLabels(bank: string, n: number): string[] {
  const who = /\.experts\.([^.]+)$/.exec(bank)?.[1];
  return Array.from({ length: n }, (_, i) => (who ? `${who}.${i}` : `e${i}`));
}

export function analyseGateOutputs(got: Record<string, Fetched>, scenario: string[], m: ModelShape): Pick<GatesFile, 'gates' | 'divergence' | 'alarms' | 'notes'> {
  const byScenario = scenarioIndex(scenario);
  const gates: GateReport[] = [];
  const alarms: Alarm[] = [];
  for (const name of Object.keys(got).filter((k) => k.startsWith('gate.')).sort()) {
    const f = got[name]!;
    const n = f.dims[1]!;
    const { task, level, experts } = describeGate(name, n, m);
    const all = gateStats(f.data, n);
    const rep: GateReport = { name, task, level, experts, all };
    alarms.push(...gateAlarms(name, experts, all));
    if (Object.keys(byScenario).length) {
      rep.by_scenario = {};
      for (const [sc, idx] of Object.entries(byScenario)) {
        const s = gateStats(f.data, n, idx);
        rep.by_scenario[sc] = s;
        if (idx.length >= MIN_SCENARIO_ROWS) alarms.push(...gateAlarms(name, experts, s, sc).filter((a) => !alarms.some((b) => b.kind === a.kind && b.subject === a.subject && b.scenario === undefined)));
      }
    }
    gates.push(rep);
  }
  const divergence: GateDivergence[] = [];
  const levels = [...new Set(gates.map((g) => g.level))];
  for (const level of levels) {
    const taskGates = gates.filter((g) => g.level === level && g.task !== 'shared');
    for (let i = 0; i < taskGates.length; i++) {
      for (let j = i + 1; j < taskGates.length; j++) {
        const a = taskGates[i]!, b = taskGates[j]!;
        if (a.experts.length !== b.experts.length) continue;
        const js = jsDivergence(a.all.mean, b.all.mean);
        const d: GateDivergence = {
          a: a.task, b: b.task, level, aligned: a.experts.join() === b.experts.join() ? 'experts' : 'position', js, js_normalised: js / Math.LN2,
        };
        if (a.by_scenario && b.by_scenario) {
          d.by_scenario = Object.fromEntries(Object.keys(a.by_scenario).map((sc) => [sc, jsDivergence(a.by_scenario![sc]!.mean, b.by_scenario![sc]!.mean)]));
        }
        divergence.push(d);
      }
    }
    const ds = divergence.filter((d) => d.level === level && d.aligned === 'experts');
    if (ds.length && taskGates.length > 1 && taskGates[0]!.experts.length > 1) {
      const maxJs = Math.max(...ds.map((d) => d.js_normalised));
      const minEnt = Math.min(...taskGates.map((g) => g.all.entropy_of_mean));
      if (maxJs < 0.01 && minEnt > GATE_THRESHOLDS.uniform_entropy) {
        alarms.push({
          kind: 'no_differentiation', subject: taskGates.map((g) => g.name).join(', '),
          message: `the tasks' mean gates are nearly identical (largest normalised JS ${maxJs.toFixed(4)}) and nearly uniform (entropy of the mean ≥ ${minEnt.toFixed(3)}): the experts are not specialised by task`,
        });
      }
    }
  }
  // Dead experts: below the threshold in every gate that can choose them.
  const seen = new Map<string, { max: number; gates: string[] }>();
  for (const g of gates) {
    g.experts.forEach((e, i) => {
      const key = `L${g.level}/${e}`;
      const s = seen.get(key) ?? { max: 0, gates: [] };
      s.max = Math.max(s.max, g.all.mean[i]!);
      s.gates.push(g.name);
      seen.set(key, s);
    });
  }
  for (const [key, s] of seen) {
    if (s.max < GATE_THRESHOLDS.dead_expert_weight) {
      alarms.push({ kind: 'dead_expert', subject: key, message: `largest mean weight ${s.max.toFixed(4)} over ${s.gates.join(', ')}: no gate uses this expert` });
    }
  }
  const notes: string[] = [];
  if (!gates.length) notes.push('the model has no softmax gates (gate.* outputs): no gate statistics');
  return { gates, divergence, alarms, notes };
}

export function analyseBanks(got: Record<string, Fetched>, activation: string): { banks: ExpertBankReport[]; alarms: Alarm[] } {
  const banks: ExpertBankReport[] = [];
  const alarms: Alarm[] = [];
  for (const name of Object.keys(got).filter((k) => k.startsWith('experts.')).sort()) {
    const f = got[name]!;
    const [N, n, d] = f.dims as [number, number, number];
    const bank = name.slice('experts.'.length);
    const labels = bankLabels(bank, n);
    const experts: ExpertStats[] = labels.map((label, e) => {
      let zeros = 0, sn = 0, sn2 = 0;
      const alive = new Uint8Array(d);
      for (let r = 0; r < N; r++) {
        let nn = 0;
        const o = (r * n + e) * d;
        for (let u = 0; u < d; u++) {
          const v = f.data[o + u]!;
          if (v === 0) zeros++; else alive[u] = 1;
          nn += v * v;
        }
        const norm = Math.sqrt(nn);
        sn += norm; sn2 += norm * norm;
      }
      const mean = sn / Math.max(N, 1);
      return {
        expert: label,
        dead_relu_share: zeros / Math.max(N * d, 1),
        dead_units: (d - alive.reduce((a, b) => a + b, 0)) / d,
        output_norm_mean: mean,
        output_norm_std: Math.sqrt(Math.max(0, sn2 / Math.max(N, 1) - mean * mean)),
      };
    });
    for (const e of experts) {
      if (e.dead_relu_share > GATE_THRESHOLDS.dead_relu) {
        alarms.push({ kind: 'dead_relu', subject: `${name}/${e.expert}`, message: `${pct(e.dead_relu_share)} of its ${activation} outputs are 0 (${pct(e.dead_units)} of its ${d} units never fire): the expert has collapsed` });
      }
    }
    banks.push({ bank, units: d, experts });
  }
  return { banks, alarms };
}

function quantile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Summary of a Gate NU δ ∈ (0, 2) output [B, width]. */
export function deltaSummary(name: string, f: Fetched, scenario: string[]): DeltaSummary {
  const N = f.dims[0]!, W = f.data.length / Math.max(N, 1);
  const v = f.data;
  let s = 0, s2 = 0, mn = Infinity, mx = -Infinity, lo = 0, hi = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    s += x; s2 += x * x;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
    if (x < 0.05) lo++;
    if (x > 1.95) hi++;
  }
  const count = Math.max(v.length, 1);
  const mean = s / count;
  const stride = Math.max(1, Math.floor(v.length / 200_000));
  const sample = new Float64Array(Math.ceil(v.length / stride));
  for (let i = 0, k = 0; i < v.length; i += stride) sample[k++] = v[i]!;
  sample.sort();
  const colMean = Array.from({ length: Math.min(W, 64) }, (_, c) => {
    let t = 0;
    for (let r = 0; r < N; r++) t += v[r * W + c]!;
    return t / Math.max(N, 1);
  });
  const out: DeltaSummary = {
    name, width: W, mean, std: Math.sqrt(Math.max(0, s2 / count - mean * mean)), min: mn, max: mx,
    p05: quantile(sample, 0.05), p50: quantile(sample, 0.5), p95: quantile(sample, 0.95),
    near_zero: lo / count, near_two: hi / count, column_mean: colMean,
  };
  const byScenario = scenarioIndex(scenario);
  if (Object.keys(byScenario).length) {
    out.by_scenario = {};
    for (const [sc, idx] of Object.entries(byScenario)) {
      let a = 0, b = 0;
      for (const r of idx) for (let c = 0; c < W; c++) { const x = v[r * W + c]!; a += x; b += x * x; }
      const k = Math.max(idx.length * W, 1);
      out.by_scenario[sc] = { mean: a / k, std: Math.sqrt(Math.max(0, b / k - (a / k) ** 2)) };
    }
  }
  return out;
}

export function deltaAlarms(d: DeltaSummary): Alarm[] {
  const out: Alarm[] = [];
  if (d.near_zero > 0.5) out.push({ kind: 'delta_stuck', subject: d.name, message: `${pct(d.near_zero)} of δ values are < 0.05: the Gate NU closes most of what it scales` });
  if (d.near_two > 0.5) out.push({ kind: 'delta_stuck', subject: d.name, message: `${pct(d.near_two)} of δ values are > 1.95: the Gate NU is saturated at its maximum 2` });
  return out;
}

/** The whole analysis of an opened run. */
export async function analyseGates(r: DiagRun): Promise<GatesFile> {
  const got = await fetchExtras(r, (k) => k.startsWith('gate.') || k.startsWith('experts.') || k.startsWith('delta.'));
  const shape = modelShape(r.cfg);
  const g = analyseGateOutputs(got, r.scenario, shape);
  const activation = String((r.cfg.model as { activation?: string }).activation ?? 'relu');
  const b = analyseBanks(got, activation);
  const deltas = Object.keys(got).filter((k) => k.startsWith('delta.')).sort().map((k) => deltaSummary(k, got[k]!, r.scenario));
  const notes = [...g.notes];
  if (!b.banks.length) notes.push('the model exposes no expert outputs (experts.* outputs): no dead-ReLU statistics');
  if (b.banks.length && activation !== 'relu') notes.push(`experts use ${activation}, not ReLU: the dead share counts exact zeros only`);
  return {
    version: 1,
    source: r.source,
    thresholds: { ...GATE_THRESHOLDS },
    gates: g.gates,
    divergence: g.divergence,
    banks: b.banks,
    deltas,
    alarms: [...g.alarms, ...b.alarms, ...deltas.flatMap(deltaAlarms)],
    notes,
  };
}
