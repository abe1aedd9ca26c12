// The time-vs-length curves of `npm run bench -- seq.bench --plot=FILE.svg`: fine ranking of 500
// candidates (p50 ms, log scale) and training samples/s against the sequence length L (log scale),
// one line per block and graph (the sequence fed per candidate — model.onnx — or once per request).
import type { ChartDef } from '../src/diagnostics/report/render.js';

export interface SeqPoint { block: string; L: number; sim: boolean; trainSps: number; p50: number; request: { p50: number } | null }

export function timeVsLengthChart(rows: readonly SeqPoint[], subtitle: string): ChartDef {
  const block = (m: SeqPoint) => `${m.block}${m.sim ? ' + SIM top-50' : ''}`;
  const rank = rows.flatMap((m) => [
    { block: block(m), graph: 'sequence per candidate (model.onnx)', L: m.L, ms: m.p50 },
    ...(m.request ? [{ block: block(m), graph: 'sequence once per request (request model)', L: m.L, ms: m.request.p50 }] : []),
  ]);
  const train = rows.map((m) => ({ block: block(m), L: m.L, sps: m.trainSps }));
  const x = { field: 'L', type: 'quantitative', scale: { type: 'log', domain: [15, 1200] }, title: 'sequence length L (log)' };
  const color = { field: 'block', type: 'nominal', title: 'block', sort: [...new Set(rows.map(block))] };
  return {
    title: 'Sequence blocks: time vs sequence length',
    spec: {
      subtitle,
      hconcat: [
        {
          width: 340, height: 260, title: { text: 'fine ranking, 500 candidates (p50 ms)', subtitle: 'solid: sequence per candidate (model.onnx); dashed: once per request (request model)' },
          data: { values: rank },
          mark: { type: 'line', point: true },
          encoding: {
            x, y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log)' }, color,
            strokeDash: { field: 'graph', type: 'nominal', legend: null, sort: ['sequence per candidate (model.onnx)', 'sequence once per request (request model)'] },
            detail: { field: 'graph', type: 'nominal' },
          },
        },
        {
          width: 280, height: 260, title: 'training (samples/s, batch 1024)',
          data: { values: train },
          mark: { type: 'line', point: true },
          encoding: { x, y: { field: 'sps', type: 'quantitative', scale: { type: 'log' }, title: 'samples/s (log)' }, color },
        },
      ],
      config: { legend: { orient: 'bottom', columns: 3, labelLimit: 320 } },
    },
  };
}
