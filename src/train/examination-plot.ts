// A small SVG line chart of examination curves (one line per scenario, x = position, y = e_k with
// e_0 = 1): plain SVG text, no plotting library.
import type { Curves } from './examination.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function examinationSvg(curves: Curves, title: string): string {
  const W = 640, H = 400, L = 56, R = 130, T = 36, Bm = 44;
  const K = Math.max(1, ...Object.values(curves).map((c) => c.length - 1));
  const yMax = Math.max(1.1, ...Object.values(curves).flatMap((c) => c.filter((v): v is number => v !== null && Number.isFinite(v)))) * 1.05;
  const x = (k: number) => L + (k / K) * (W - L - R);
  const y = (v: number) => T + (1 - v / yMax) * (H - T - Bm);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${L}" y1="${y(0)}" x2="${W - R}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${y(0)}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">position</text>`,
  ];
  for (let k = 0; k <= K; k += K > 10 ? 2 : 1) parts.push(`<text x="${x(k)}" y="${y(0) + 16}" text-anchor="middle">${k}</text>`);
  for (let v = 0; v <= yMax; v += 0.2) {
    parts.push(`<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  Object.entries(curves).forEach(([name, c], i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = c.map((v, k) => (v === null ? null : `${x(k).toFixed(1)},${y(v).toFixed(1)}`)).filter((p): p is string => p !== null);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) { const [px, py] = p.split(','); parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`); }
    parts.push(`<line x1="${W - R + 12}" y1="${T + 10 + i * 18}" x2="${W - R + 32}" y2="${T + 10 + i * 18}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - R + 38}" y="${T + 14 + i * 18}">${esc(name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
