// Opens a report in headless Chromium (Debian's /usr/bin/chromium through playwright-core; no
// playwright browser download) and reports what a reader would see: console errors, failed or
// external requests, and for every chart figure its title and rendered size. Used by the report test.
// playwright-core is a devDependency, so it is imported lazily.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The Chromium executable: $CHROMIUM_PATH, else the first of /usr/bin/chromium, /usr/bin/chromium-browser; null when none exists. */
export function findChromium(): string | null {
  const c = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return c.find((p) => existsSync(p)) ?? null;
}

export interface ChartSeen {
  /** data-chart-title of the figure. */
  title: string;
  /** Text of the SVG's title element(s) (vega's role-title). */
  svgTitle: string;
  /** Rendered size of the SVG in CSS pixels. */
  width: number;
  height: number;
  /** Data mark items drawn (children of vega's role-mark groups: rects, lines, symbols, texts). */
  marks: number;
}

export interface PageCheck {
  consoleErrors: string[];
  failedRequests: string[];
  /** Every request other than the page itself (a self-contained report makes none). */
  requests: string[];
  charts: ChartSeen[];
  /** <h2> texts, in order. */
  sections: string[];
  /** Text of the elements with class "missing" (sections that were not computed). */
  missing: string[];
}

export async function checkPage(file: string, o: { chromium: string; screenshot?: string }): Promise<PageCheck> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: o.chromium, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const url = pathToFileURL(file).href;
    const r: PageCheck = { consoleErrors: [], failedRequests: [], requests: [], charts: [], sections: [], missing: [] };
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') r.consoleErrors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => r.consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (q) => { if (q.url() !== url) r.requests.push(q.url()); });
    page.on('requestfailed', (q) => r.failedRequests.push(`${q.url()}: ${q.failure()?.errorText ?? 'failed'}`));
    const resp = await page.goto(url, { waitUntil: 'load' });
    if (!resp || !resp.ok()) r.failedRequests.push(`${url}: ${resp ? `status ${resp.status()}` : 'no response'}`);
    const seen = await page.$$eval('figure.chart', (figs) => figs.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const titles = svg ? [...svg.querySelectorAll('.role-title-text text')].map((t) => t.textContent ?? '') : [];
      // data marks only: the items of vega's role-mark groups (axes, legends and titles have other roles)
      const marks = svg ? svg.querySelectorAll('g.role-mark > *').length : 0;
      return { title: f.getAttribute('data-chart-title') ?? '', svgTitle: titles.join(' '), width: box?.width ?? 0, height: box?.height ?? 0, marks };
    }));
    r.charts = seen;
    r.sections = await page.$$eval('h2', (hs) => hs.map((h) => h.textContent ?? ''));
    r.missing = await page.$$eval('.missing', (ps) => ps.map((p) => p.textContent ?? ''));
    if (o.screenshot) await page.screenshot({ path: o.screenshot, fullPage: true });
    return r;
  } finally {
    await browser.close();
  }
}
