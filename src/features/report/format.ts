// Plain-text rendering of a FeatureReport (the JSON form is the report object itself).
import type { FeatureReport } from './collect.js';
import { formatTruncation } from './truncation.js';

const pct = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(d)}%`);
const num = (x: number | undefined): string => {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return Number.isInteger(x) ? String(x) : x.toFixed(a >= 100 ? 1 : 3);
};
const pow2 = (m: number | undefined): string => {
  if (m === undefined) return '-';
  const l = Math.log2(m);
  return Number.isInteger(l) && m >= 1024 ? `2^${l}` : String(m);
};

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n');
}

export function formatReport(r: FeatureReport): string {
  const out: string[] = [`${r.rows} rows, ${r.features.length} features`];
  const rows = r.features.map((f) => {
    const h = f.hash;
    const notes: string[] = [];
    if (!f.emitted) notes.push('not emitted');
    if (f.vocab) notes.push(`vocab ${f.vocab.size}, OOV ${pct(f.vocab.oovRate)}`);
    if (f.lengths) notes.push(`len ${f.lengths.mean.toFixed(1)}/${f.lengths.maxLen}, full ${pct(f.lengths.fullRate)}`);
    if (f.truncation && formatTruncation(f.truncation, f.rows)) notes.push(formatTruncation(f.truncation, f.rows));
    if (f.numeric) notes.push(`mean ${num(f.numeric.mean)} p50 ${num(f.numeric.p50)} p99 ${num(f.numeric.p99)}`);
    if (h && h.recommendedBuckets > h.buckets) notes.push('↑ more buckets');
    return [
      f.name, f.kind, pct(f.missingRate), `${f.distinctExact ? '' : '~'}${f.distinct}`, pow2(f.buckets),
      h ? `${pct(h.keyCollisionRate)} / ${pct(h.theory)}` : '-', h ? pct(h.rowCollisionRate) : '-',
      h ? pow2(h.recommendedBuckets) : '-', notes.join('; '),
    ];
  });
  out.push(table(['feature', 'kind', 'missing', 'distinct', 'buckets', 'collide keys (emp/theory)', 'collide rows', 'advise M', 'notes'], rows));
  for (const s of r.shift) {
    out.push('', `distribution shift by "${s.column}" (groups: ${s.groups.map((g) => `${g.value} ${g.rows}`).join(', ')})`);
    out.push('PSI > 0.25 = large (!!), > 0.1 = moderate (!); KS = max CDF gap on numeric / ordered features');
    const sorted = [...s.features].sort((a, b) => (Number.isFinite(b.maxPsi) ? b.maxPsi : -1) - (Number.isFinite(a.maxPsi) ? a.maxPsi : -1));
    const srows = sorted.map((f) => {
      const all = [...f.vsRest, ...f.pairs].filter((c) => Number.isFinite(c.psi));
      const worst = all.reduce<(typeof all)[number] | undefined>((w, c) => (!w || c.psi > w.psi ? c : w), undefined);
      const flag = f.maxPsi > 0.25 ? '!!' : f.maxPsi > 0.1 ? '!' : '';
      return [f.name, f.kind, `${num(f.maxPsi)} ${flag}`.trim(), worst ? `${worst.a} vs ${worst.b}` : '-', num(f.maxKs)];
    });
    out.push(table(['feature', 'type', 'max PSI', 'where', 'max KS'], srows));
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out.join('\n');
}
