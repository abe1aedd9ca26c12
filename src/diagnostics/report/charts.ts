// Vega-Lite spec builders shared by the report's sections: heatmap with values, line chart over
// steps, grouped bars, scatter. Each returns a ChartDef (title + spec with inline data).
import type { ChartDef } from './render.js';

type Row = Record<string, string | number | null>;

export interface HeatmapOpts {
  x: string; y: string; value: string;
  xTitle?: string; yTitle?: string; valueTitle?: string;
  /** Color scheme (default 'blues'; diverging: 'redblue' with domainMid). */
  scheme?: string;
  domainMid?: number;
  /** Fixed color domain. */
  domain?: [number, number];
  /** Decimals of the printed values (default 3). */
  digits?: number;
  /** Orders of the axes (default: order of first appearance). */
  xSort?: string[]; ySort?: string[];
  subtitle?: string;
  /** Cell size in pixels (default 34 × 20). */
  cell?: [number, number];
}

const uniq = (xs: (string | number | null)[]) => [...new Set(xs.map((x) => String(x)))];

/** A rect heatmap with each cell's value printed on it (null values leave an empty cell). */
export function heatmap(title: string, rows: Row[], o: HeatmapOpts): ChartDef {
  const xs = o.xSort ?? uniq(rows.map((r) => r[o.x]!));
  const ys = o.ySort ?? uniq(rows.map((r) => r[o.y]!));
  const [cw, ch] = o.cell ?? [Math.max(34, 6 * Math.max(...xs.map((x) => x.length), 1)), 20];
  const d = o.digits ?? 3;
  const color: Record<string, unknown> = {
    field: o.value, type: 'quantitative', title: o.valueTitle ?? o.value,
    scale: { scheme: o.scheme ?? 'blues', ...(o.domainMid !== undefined ? { domainMid: o.domainMid } : {}), ...(o.domain ? { domain: o.domain, clamp: true } : {}) },
  };
  // white text on the darkest cells (the upper 40 % of a sequential scale, both ends of a diverging one)
  const vals = rows.map((r) => r[o.value]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const [lo, hi] = o.domain ?? [Math.min(0, ...vals), Math.max(0, ...vals)];
  const dark = o.domainMid !== undefined
    ? `abs(datum['${o.value}'] - ${o.domainMid}) > ${0.6 * Math.max(Math.abs(hi - o.domainMid), Math.abs(lo - o.domainMid), 1e-12)}`
    : `datum['${o.value}'] > ${lo + 0.6 * (hi - lo)}`;
  return {
    title,
    spec: {
      ...(o.subtitle ? { subtitle: o.subtitle } : {}),
      data: { values: rows },
      width: Math.min(760, cw * xs.length), height: ch * ys.length,
      encoding: {
        x: { field: o.x, type: 'nominal', sort: xs, title: o.xTitle ?? o.x, axis: { labelAngle: xs.length > 6 ? -40 : 0 } },
        y: { field: o.y, type: 'nominal', sort: ys, title: o.yTitle ?? o.y },
      },
      layer: [
        { mark: { type: 'rect' }, encoding: { color } },
        {
          mark: { type: 'text', fontSize: 9 },
          encoding: {
            text: { field: o.value, type: 'quantitative', format: `.${d}f` },
            color: { condition: { test: dark, value: 'white' }, value: '#111' },
          },
          transform: [{ filter: `isValid(datum['${o.value}'])` }],
        },
      ],
    },
  };
}

export interface LinesOpts {
  x: string; y: string; series?: string;
  xTitle?: string; yTitle?: string; seriesTitle?: string;
  logY?: boolean; points?: boolean; subtitle?: string;
  width?: number; height?: number;
  /** y axis starts at zero (default false). */
  zero?: boolean;
}

/** One line per series over x (steps). Rows with a null y are left out. */
export function lines(title: string, rows: Row[], o: LinesOpts): ChartDef {
  const data = rows.filter((r) => typeof r[o.y] === 'number' && Number.isFinite(r[o.y] as number) && (!o.logY || (r[o.y] as number) > 0));
  return {
    title,
    spec: {
      ...(o.subtitle ? { subtitle: o.subtitle } : {}),
      data: { values: data },
      width: o.width ?? 380, height: o.height ?? 220,
      mark: { type: 'line', point: o.points ?? data.length <= 40, strokeWidth: 1.5 },
      encoding: {
        x: { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x },
        y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, scale: o.logY ? { type: 'log' } : { zero: o.zero ?? false } },
        ...(o.series ? { color: { field: o.series, type: 'nominal', title: o.seriesTitle ?? o.series } } : {}),
      },
    },
  };
}

export interface BarsOpts {
  x: string; y: string; group?: string;
  xTitle?: string; yTitle?: string; groupTitle?: string;
  subtitle?: string; width?: number; height?: number;
  /** Bars horizontal (category on y). */
  horizontal?: boolean;
}

/** Bars of y per x category, side by side per group when given. */
export function bars(title: string, rows: Row[], o: BarsOpts): ChartDef {
  const cat = { field: o.x, type: 'nominal', title: o.xTitle ?? o.x, sort: uniq(rows.map((r) => r[o.x]!)) };
  const val = { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y };
  const grp = o.group ? { field: o.group, type: 'nominal', title: o.groupTitle ?? o.group } : null;
  return {
    title,
    spec: {
      ...(o.subtitle ? { subtitle: o.subtitle } : {}),
      data: { values: rows.filter((r) => typeof r[o.y] === 'number' && Number.isFinite(r[o.y] as number)) },
      width: o.width ?? 380, height: o.height ?? 220,
      mark: { type: 'bar' },
      encoding: o.horizontal
        ? { y: cat, x: val, ...(grp ? { color: grp, yOffset: { field: o.group, type: 'nominal' } } : {}) }
        : { x: cat, y: val, ...(grp ? { color: grp, xOffset: { field: o.group, type: 'nominal' } } : {}) },
    },
  };
}

export interface ScatterOpts {
  x: string; y: string; color: string;
  /** Continuous colour (a regression label) instead of categories. */
  colorQuantitative?: boolean;
  xTitle?: string; yTitle?: string; colorTitle?: string; subtitle?: string;
  width?: number; height?: number;
}

export function scatter(title: string, rows: Row[], o: ScatterOpts): ChartDef {
  return {
    title,
    spec: {
      ...(o.subtitle ? { subtitle: o.subtitle } : {}),
      data: { values: rows },
      width: o.width ?? 260, height: o.height ?? 240,
      mark: { type: 'circle', size: 14, opacity: 0.6 },
      encoding: {
        x: { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x, scale: { zero: false } },
        y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, scale: { zero: false } },
        color: o.colorQuantitative
          ? { field: o.color, type: 'quantitative', title: o.colorTitle ?? o.color, scale: { scheme: 'viridis', type: 'symlog' } }
          : { field: o.color, type: 'nominal', title: o.colorTitle ?? o.color },
      },
    },
  };
}
