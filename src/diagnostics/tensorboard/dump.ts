// `liverank tb dump`: the lines printed for event files — every value with its step and tag, or one
// line per tag (--summary) — and whether every CRC checked out.
import type { EventFile } from './reader.js';
import type { SummaryValue } from './schema.js';

export interface DumpOptions {
  /** Only tags matching this regular expression. */
  tag?: RegExp;
  /** One line per tag (count, steps, last value) instead of every value. */
  summary?: boolean;
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toPrecision(6) : x.toExponential(4));

export function describeValue(v: SummaryValue): string {
  if (v.simpleValue !== undefined) return `scalar ${num(v.simpleValue)}`;
  if (v.histo) {
    const h = v.histo;
    const n = h.num ?? 0;
    const sum = h.sum ?? 0, sq = h.sumSquares ?? 0;
    const mean = n > 0 ? sum / n : NaN;
    const sd = n > 0 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : NaN;
    return `histogram num ${num(n)} min ${num(h.min ?? 0)} max ${num(h.max ?? 0)} mean ${num(mean)} sd ${num(sd)} (${(h.bucket ?? []).length} buckets)`;
  }
  if (v.tensor) {
    const plugin = v.metadata?.pluginData?.pluginName ?? 'tensor';
    const strs = (v.tensor.stringVal ?? []).map((b) => Buffer.from(b).toString('utf8'));
    const text = strs.join('\n');
    const head = text.length > 60 ? `${text.slice(0, 60).replace(/\n/g, '⏎')}…` : text.replace(/\n/g, '⏎');
    return `${plugin} (${text.length} chars) "${head}"`;
  }
  return 'empty value';
}

export function dumpLines(files: EventFile[], o: DumpOptions = {}): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  for (const f of files) {
    const status = f.error ? `ERROR: ${f.error.message}` : 'every CRC verified';
    lines.push(`${f.path}: ${f.events.length} record(s), ${f.bytes} bytes; ${status}`);
    if (f.error) ok = false;
    const byTag = new Map<string, { n: number; first: number; last: number; value: string }>();
    for (const { event } of f.events) {
      if (event.fileVersion !== undefined) {
        if (!o.summary) lines.push(`  step ${event.step ?? 0}  file_version ${event.fileVersion}`);
        continue;
      }
      if (event.sessionLog !== undefined) {
        if (!o.summary) lines.push(`  step ${event.step ?? 0}  session_log ${['UNSPECIFIED', 'START', 'STOP', 'CHECKPOINT'][event.sessionLog.status ?? 0] ?? event.sessionLog.status}${event.sessionLog.msg ? ` "${event.sessionLog.msg}"` : ''}`);
        continue;
      }
      for (const v of event.summary?.value ?? []) {
        if (o.tag && !o.tag.test(v.tag)) continue;
        const d = describeValue(v);
        const step = event.step ?? 0;
        if (o.summary) {
          const s = byTag.get(v.tag);
          if (s) { s.n++; s.last = step; s.value = d; } else byTag.set(v.tag, { n: 1, first: step, last: step, value: d });
        } else lines.push(`  step ${step}  ${v.tag}  ${d}`);
      }
    }
    if (o.summary) {
      for (const [tag, s] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`  ${tag}  ${s.n} value(s), steps ${s.first}–${s.last}; last: ${s.value}`);
      }
    }
  }
  return { lines, ok };
}
