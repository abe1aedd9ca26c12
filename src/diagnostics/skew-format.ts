// The text report of `liverank diagnose skew` (the JSON is the SkewReport itself).
import type { SkewReport } from './skew.js';

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '—');
const g = (x: number) => (!Number.isFinite(x) ? '—' : x === 0 ? '0' : Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(4));
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export interface SkewHeader { served: string; run: string; mode: 'rows' | 'world'; records: number; joined: number; unmatched: number; ambiguous: number; bad: number; truncated: boolean }

export function formatSkewReport(r: SkewReport, h: SkewHeader): string {
  const out: string[] = [];
  out.push(`served log ${h.served}: ${h.records} records${h.truncated ? ' (truncated at --limit)' : ''}, ${h.bad} bad line(s); offline: run ${h.run}, ${h.mode === 'world' ? 'world join by (user_id, room_id, ts)' : 'the logged raw rows'}`);
  out.push(`joined ${h.joined}${h.mode === 'world' ? `, unmatched ${h.unmatched}, ambiguous ${h.ambiguous}` : ''}`);
  out.push('');
  out.push('score |Δ| served − offline');
  out.push(`${pad('task', 18)}${pad('rows', 8)}${pad('mean', 10)}${pad('p50', 10)}${pad('p90', 10)}${pad('p99', 10)}${pad('max', 10)}> 1e-4`);
  for (const s of r.scores) out.push(`${pad(s.task, 18)}${pad(String(s.rows), 8)}${pad(g(s.mean_abs), 10)}${pad(g(s.p50), 10)}${pad(g(s.p90), 10)}${pad(g(s.p99), 10)}${pad(g(s.max), 10)}${(100 * s.over_1e4).toFixed(1)} %`);
  out.push('');
  out.push(`features (differs: > ${(100 * r.thresholds.max_mismatch).toFixed(1)} % of rows disagree, or PSI > ${r.thresholds.max_psi})`);
  const fw = Math.max(8, ...r.features.map((x) => x.name.length + 2));
  out.push(`${pad('feature', fw)}${pad('output', 8)}${pad('agree', 9)}${pad('PSI', 9)}${pad('', 9)}columns`);
  for (const x of r.features) out.push(`${pad(x.name, fw)}${pad(x.output, 8)}${pad(f4(x.agreement), 9)}${pad(g(x.psi), 9)}${pad(x.differs ? 'DIFFERS' : '', 9)}${x.columns.join(', ')}${x.differs ? `  (${x.why})` : ''}`);
  const badCols = r.columns.filter((c) => c.differs || c.agreement < 1);
  if (badCols.length) {
    out.push('');
    out.push('raw columns that disagree');
    const cw = Math.max(8, ...badCols.map((c) => c.name.length + 2));
    for (const c of badCols) out.push(`${pad(c.name, cw)}${pad(f4(c.agreement), 9)}${pad(c.differs ? 'DIFFERS' : '', 9)}e.g. served ${JSON.stringify(c.example?.served)} vs offline ${JSON.stringify(c.example?.offline)}`);
  }
  if (r.auc.length) {
    out.push('');
    out.push('online (served scores) vs offline (recomputed) AUC on the logged labels');
    out.push(`${pad('task', 18)}${pad('slice', 22)}${pad('rows', 8)}${pad('pos', 7)}${pad('online', 9)}${pad('offline', 9)}Δ`);
    for (const a of r.auc) out.push(`${pad(a.task, 18)}${pad(a.slice, 22)}${pad(String(a.rows), 8)}${pad(String(a.positives), 7)}${pad(f4(a.online), 9)}${pad(f4(a.offline), 9)}${f4(a.delta)}`);
  }
  out.push('');
  out.push(r.differing_features.length
    ? `SKEW: ${r.differing_features.length} feature(s) differ between serving and the offline recomputation: ${r.differing_features.join(', ')}${r.differing_columns.length ? ` (raw columns: ${r.differing_columns.join(', ')})` : ''}`
    : `no skew: every feature agrees${r.differing_columns.length ? ` (but raw columns differ: ${r.differing_columns.join(', ')})` : ''}`);
  return out.join('\n');
}
