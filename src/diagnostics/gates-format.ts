// Plain-text tables of gates.json for `liverank gates RUN`.
import type { Alarm, GatesFile, GateStats } from './types.js';

const f3 = (x: number) => x.toFixed(3);
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? pad(c, w[i]!) : lpad(c, w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const gateRow = (label: string, s: GateStats): string[] => [
  label, String(s.rows), s.mean.map(f3).join(' '), s.std.map(f3).join(' '), f3(s.entropy), f3(s.entropy_of_mean), `${(100 * s.collapsed_rows).toFixed(1)}%`,
];

export function formatAlarms(alarms: Alarm[]): string {
  if (!alarms.length) return 'alarms: none';
  return ['alarms:', ...alarms.map((a) => `  [${a.kind}] ${a.subject}${a.scenario !== undefined ? ` (scenario ${a.scenario})` : ''}: ${a.message}`)].join('\n');
}

export function formatGates(g: GatesFile): string {
  const out: string[] = [];
  const s = g.source;
  out.push(`${s.run}: model ${s.model}, ${s.rows} ${s.split} rows (seed ${s.seed}), checkpoint ${s.checkpoint}`);
  for (const gate of g.gates) {
    out.push('', `${gate.name} (task ${gate.task}, level ${gate.level}) — experts ${gate.experts.join(' ')}`);
    const rows = [gateRow('all', gate.all), ...Object.entries(gate.by_scenario ?? {}).map(([sc, st]) => gateRow(`${g.source.scenario_column}=${sc}`, st))];
    out.push(table(['rows', 'n', 'mean weight (utilisation)', 'per-sample std', 'H/ln n', 'H(mean)', '>0.9 rows'], rows));
  }
  if (g.divergence.length) {
    out.push('', 'Jensen–Shannon divergence of the tasks\' mean gates (normalised by ln 2: 0 = identical, 1 = disjoint)');
    const scs = Object.keys(g.divergence[0]!.by_scenario ?? {});
    out.push(table(['pair', 'level', 'aligned', 'JS/ln2', ...scs], g.divergence.map((d) => [
      `${d.a} vs ${d.b}`, String(d.level), d.aligned, f3(d.js_normalised), ...scs.map((sc) => f3((d.by_scenario?.[sc] ?? NaN) / Math.LN2)),
    ])));
  }
  for (const b of g.banks) {
    out.push('', `expert bank ${b.bank} (${b.units} units per expert)`);
    out.push(table(['expert', 'dead ReLU share', 'dead units', 'output norm mean', 'std'], b.experts.map((e) => [
      e.expert, `${(100 * e.dead_relu_share).toFixed(1)}%`, `${(100 * e.dead_units).toFixed(1)}%`, f3(e.output_norm_mean), f3(e.output_norm_std),
    ])));
  }
  if (g.deltas.length) {
    out.push('', 'Gate NU δ = 2σ(·) ∈ (0, 2)');
    out.push(table(['output', 'width', 'mean', 'std', 'p05', 'p50', 'p95', '<0.05', '>1.95'], g.deltas.map((d) => [
      d.name, String(d.width), f3(d.mean), f3(d.std), f3(d.p05), f3(d.p50), f3(d.p95), `${(100 * d.near_zero).toFixed(1)}%`, `${(100 * d.near_two).toFixed(1)}%`,
    ])));
  }
  for (const n of g.notes) out.push('', `note: ${n}`);
  out.push('', formatAlarms(g.alarms));
  return out.join('\n');
}
