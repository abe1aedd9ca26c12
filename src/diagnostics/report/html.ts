// HTML building blocks of the report: escaping, tables, notes, and the page around the sections.
// The page is self-contained: inline CSS, inline SVG, no script, and a Content-Security-Policy that
// forbids every fetch (so a stray reference fails loudly in the browser test instead of loading).
import type { ChartDef } from './render.js';

/** A piece of a section: literal HTML, or a chart rendered later. */
export type Part = { kind: 'html'; html: string } | { kind: 'chart'; chart: ChartDef };

export interface Section {
  /** Anchor id (letters, digits, dashes). */
  id: string;
  title: string;
  parts: Part[];
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export type TableCell = string | number | null | undefined | { text: string; cls?: string; title?: string };

/** A number with `d` decimals, "–" for null / non-finite. */
export function fmt(x: number | null | undefined, d = 4): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d);
}

/** Integers with thousands separators. */
export function fmtInt(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-US');
}

function cell(c: TableCell, tag: 'td' | 'th'): string {
  if (c === null || c === undefined) return `<${tag}>–</${tag}>`;
  if (typeof c === 'number') return `<${tag} class="num">${esc(fmt(c))}</${tag}>`;
  if (typeof c === 'string') return `<${tag}>${esc(c)}</${tag}>`;
  const attrs = `${c.cls ? ` class="${esc(c.cls)}"` : ''}${c.title ? ` title="${esc(c.title)}"` : ''}`;
  return `<${tag}${attrs}>${esc(c.text)}</${tag}>`;
}

/** A table; `caption` is shown above it. Cells are text (escaped here). */
export function htmlTable(head: string[], rows: TableCell[][], caption?: string, cls = ''): string {
  const h = head.map((x) => `<th>${esc(x)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${esc(cls)}"` : ''}>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${h}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const html = (s: string): Part => ({ kind: 'html', html: s });
export const chart = (c: ChartDef): Part => ({ kind: 'chart', chart: c });
/** A paragraph of plain text. */
export const para = (text: string, cls = ''): Part => html(`<p${cls ? ` class="${cls}"` : ''}>${esc(text)}</p>`);
/** "not computed: run `cmd`" — what the reader types to fill the section. */
export const notComputed = (what: string, cmd: string): Part =>
  html(`<p class="missing">${esc(what)} not computed: run <code>${esc(cmd)}</code></p>`);

const CSS = `
body{font:14px/1.45 Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;padding:0 20px 40px;color:#222}
h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
nav a{margin-right:12px}code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:12px}caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left}th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.bad{background:#fbe3e3}td.warn{background:#fdf3d8}td.good{background:#e5f4e5}
.charts{display:flex;flex-wrap:wrap;gap:14px}figure.chart{margin:0;border:1px solid #eee;padding:6px;background:#fff}
p.missing{color:#8a5a00;background:#fff8e6;border-left:3px solid #e0a800;padding:6px 10px}
p.meta{color:#555;margin:2px 0}ul.alarms li{color:#a00}
details{margin:4px 0 14px}summary{cursor:pointer;color:#234;font-weight:bold}
`;

/** One chart's SVG inside its figure (the title is also an attribute, for tests and tools). */
export function figure(title: string, svg: string): string {
  return `<figure class="chart" data-chart-title="${esc(title)}">${svg}</figure>`;
}

export function sectionHtml(s: Section, rendered: string[]): string {
  // consecutive figures share one flex row
  const out: string[] = [`<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>`];
  let inRow = false;
  s.parts.forEach((p, i) => {
    if (p.kind === 'chart') {
      if (!inRow) { out.push('<div class="charts">'); inRow = true; }
      out.push(rendered[i]!);
    } else {
      if (inRow) { out.push('</div>'); inRow = false; }
      out.push(p.html);
    }
  });
  if (inRow) out.push('</div>');
  out.push('</section>');
  return out.join('\n');
}

export function page(title: string, meta: string[], sections: Section[], bodies: string[]): string {
  const nav = sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1>
${meta.map((m) => `<p class="meta">${esc(m)}</p>`).join('\n')}
<nav>${nav}</nav></header>
${bodies.join('\n')}
</body></html>
`;
}
