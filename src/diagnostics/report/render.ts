// Vega-Lite chart specs → SVG text in Node (vega's headless View.toSVG, no canvas, no network):
// the report inlines the SVG, so the page needs no script and fetches nothing.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart of the report: its title (shown in the SVG and checked by the browser test) and spec. */
export interface ChartDef {
  title: string;
  /** A Vega-Lite spec without title / data URLs: inline `data.values` only. */
  spec: Record<string, unknown>;
}

/** Shared look: small fonts, no outer border, white background. */
const CONFIG = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: null },
  title: { fontSize: 13, anchor: 'start', offset: 8 },
  axis: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 },
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 200 },
};

/** The spec the report renders: the chart's title and the shared config added. */
export function fullSpec(chart: ChartDef): TopLevelSpec {
  const s = { ...chart.spec } as Record<string, unknown>;
  const sub = typeof s.subtitle === 'string' ? s.subtitle : undefined;
  delete s.subtitle;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...s,
    title: sub ? { text: chart.title, subtitle: sub } : chart.title,
    config: { ...CONFIG, ...(s.config as object | undefined) },
  } as TopLevelSpec;
}

/** Refuses specs that would make vega load anything (data.url, image marks with a URL). */
function checkInline(spec: unknown, title: string): void {
  const text = JSON.stringify(spec);
  if (/"url"\s*:/.test(text)) throw new Error(`chart "${title}": the spec loads data from a URL; the report charts must carry their data inline`);
}

/** A Vega / Vega-Lite logger that collects warnings and errors (prefixed with the chart title) instead of printing them. */
function collector(title: string, into: string[]): vega.LoggerInterface {
  let lvl = vega.Warn;
  const push = (kind: string, args: unknown[]) => { into.push(`chart "${title}": ${kind}: ${args.map(String).join(' ')}`); };
  const l: vega.LoggerInterface = {
    level(v?: number) { if (v === undefined) return lvl; lvl = v; return l; },
    error(...a: unknown[]) { push('error', a); return l; },
    warn(...a: unknown[]) { if (lvl >= vega.Warn) push('warning', a); return l; },
    info() { return l; },
    debug() { return l; },
  } as vega.LoggerInterface;
  return l;
}

/**
 * Render one chart to SVG text (`<svg …>…</svg>`). Vega-Lite / Vega warnings (a dropped encoding, a
 * bad scale) go into `warnings` (the tests require none) rather than onto the console.
 */
export async function renderChart(chart: ChartDef, warnings: string[] = []): Promise<string> {
  checkInline(chart.spec, chart.title);
  let vg;
  try {
    vg = compile(fullSpec(chart), { logger: collector(chart.title, warnings) }).spec;
  } catch (e) {
    throw new Error(`chart "${chart.title}": invalid Vega-Lite spec: ${(e as Error).message}`);
  }
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: collector(chart.title, warnings) });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Prefix every id of an SVG (and its url(#…) / href="#…" references) so that many inline SVGs can
 * share one page: vega names its gradients and clip paths gradient_0, clip1, … in every chart.
 */
export function prefixIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  if (!ids.size) return svg;
  const ref = (id: string) => (ids.has(id) ? `${prefix}${id}` : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${ref(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${ref(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${ref(id)}"`);
}

