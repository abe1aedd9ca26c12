// The trade-off frontier of `liverank fusion search` as a chart: every grid point as a dot on two
// outcomes (x, y), points on the all-outcome frontier highlighted, the two-outcome (x, y) frontier
// joined by a line, a third outcome as the dot size.
import type { ChartDef } from '../diagnostics/report/render.js';
import type { SearchRow } from './fusion-search.js';

export function frontierChart(rows: readonly SearchRow[], x: string, y: string, size?: string): ChartDef {
  const names = rows.length ? Object.keys(rows[0]!.metrics) : [];
  for (const [flag, m] of [['--x', x], ['--y', y], ['--size', size]] as const) {
    if (m !== undefined && !names.includes(m)) throw new Error(`${flag}: "${m}" is not an outcome; outcomes: ${names.join(', ')}`);
  }
  const xy = rows.map((r) => [r.metrics[x]!, r.metrics[y]!] as const);
  const onXY = xy.map(([a, b]) => !xy.some(([c, d]) => c >= a && d >= b && (c > a || d > b)));
  const values = rows.map((r, i) => ({
    ...r.metrics, frontier: r.frontier ? 'frontier' : 'dominated', xy_frontier: onXY[i],
    point: Object.entries(r.point).map(([k, v]) => `${k}=${v}`).join(' '),
  }));
  const enc = (m: string) => ({ field: m, type: 'quantitative', scale: { zero: false }, title: `${m} (mean per request, top K)` });
  return {
    title: `Fusion frontier: ${y} vs ${x}`,
    spec: {
      subtitle: `${rows.length} grid points; red: on the frontier of all outcomes (${rows.filter((r) => r.frontier).length}); line: the ${x}–${y} frontier (${onXY.filter(Boolean).length})`,
      width: 520, height: 360,
      data: { values },
      layer: [
        { mark: { type: 'line', color: '#d62728', opacity: 0.5 }, transform: [{ filter: 'datum.xy_frontier' }], encoding: { x: enc(x), y: enc(y), order: { field: x, type: 'quantitative' } } },
        {
          mark: { type: 'point', filled: true },
          encoding: {
            x: enc(x), y: enc(y),
            color: { field: 'frontier', type: 'nominal', scale: { domain: ['frontier', 'dominated'], range: ['#d62728', '#9e9e9e'] }, title: null },
            ...(size ? { size: { field: size, type: 'quantitative', title: size } } : {}),
            tooltip: [{ field: 'point', type: 'nominal' }, ...names.map((m) => ({ field: m, type: 'quantitative', format: '.4f' }))],
          },
        },
      ],
    },
  };
}
