// Offline replay of fusion parameters (the core of a future `liverank fusion search`): for every point of
// a parameter grid, rank each logged request's rows by the fused score, take the top K, and average the
// realised outcomes there (e.g. orders + gifts, watch seconds, clicks) over requests. The non-dominated
// points form the trade-off frontier. Logged-data replay only sees the rows that were shown, so it
// measures re-ordering within a request, not what unseen rooms would have done.
import { fuseColumns } from './fusion.js';
import type { FusionParams } from './fusion-config.js';

export interface ReplayData {
  n: number;
  /** Request id per row (rows of one request need not be contiguous). */
  request: ArrayLike<number | string>;
  /** Task predictions per row, by task name. */
  preds: Readonly<Record<string, ArrayLike<number>>>;
  /** Realised outcomes per row, by outcome name (e.g. order, gift, watch_s, click). */
  outcomes: Readonly<Record<string, ArrayLike<number>>>;
}

/** Grid keys: `gate.power`, `terms.<task>.weight`, `terms.<task>.power`, `terms.<task>.base`. */
export type Grid = Readonly<Record<string, readonly number[]>>;

export interface SearchRow {
  point: Record<string, number>;
  /** Mean over requests of the outcome summed over the top K rows. */
  metrics: Record<string, number>;
  frontier: boolean;
}

export const MAX_GRID_POINTS = 10_000;

export function applyPoint(base: FusionParams, point: Readonly<Record<string, number>>): FusionParams {
  const p: FusionParams = { form: base.form, gate: base.gate ? { ...base.gate } : null, terms: base.terms.map((t) => ({ ...t })) };
  for (const [key, v] of Object.entries(point)) {
    const parts = key.split('.');
    if (parts.length === 2 && parts[0] === 'gate' && parts[1] === 'power') {
      if (!p.gate) throw new Error(`grid key "${key}": the base parameters have no gate`);
      p.gate.power = v;
    } else if (parts.length === 3 && parts[0] === 'terms' && ['weight', 'power', 'base'].includes(parts[2])) {
      const t = p.terms.find((x) => x.task === parts[1]);
      if (!t) throw new Error(`grid key "${key}": no term for task "${parts[1]}" (terms: ${p.terms.map((x) => x.task).join(', ')})`);
      t[parts[2] as 'weight' | 'power' | 'base'] = v;
    } else {
      throw new Error(`grid key "${key}": expected gate.power or terms.<task>.weight|power|base`);
    }
    if (!Number.isFinite(v) || v < 0 || (parts[2] === 'base' && v === 0)) throw new Error(`grid key "${key}": value ${v} is out of range`);
  }
  return p;
}

function points(grid: Grid): Record<string, number>[] {
  const keys = Object.keys(grid).sort();
  let total = 1;
  for (const k of keys) {
    if (!grid[k].length) throw new Error(`grid key "${k}": no values`);
    total *= grid[k].length;
  }
  if (total > MAX_GRID_POINTS) throw new Error(`grid has ${total} points; at most ${MAX_GRID_POINTS}`);
  let out: Record<string, number>[] = [{}];
  for (const k of keys) out = out.flatMap((pt) => grid[k].map((v) => ({ ...pt, [k]: v })));
  return out;
}

function groups(data: ReplayData): number[][] {
  if (data.request.length !== data.n) throw new Error(`request has ${data.request.length} rows, expected ${data.n}`);
  for (const [name, col] of Object.entries(data.outcomes)) {
    if (col.length !== data.n) throw new Error(`outcome "${name}" has ${col.length} rows, expected ${data.n}`);
  }
  const by = new Map<number | string, number[]>();
  for (let i = 0; i < data.n; i++) {
    const r = data.request[i];
    (by.get(r) ?? by.set(r, []).get(r)!).push(i);
  }
  return [...by.values()];
}

/** Marks `frontier` on rows no other row dominates (≥ on every metric, > on one). */
export function markFrontier(rows: SearchRow[], metrics: readonly string[]): void {
  for (const r of rows) {
    r.frontier = !rows.some((o) => o !== r
      && metrics.every((m) => o.metrics[m] >= r.metrics[m])
      && metrics.some((m) => o.metrics[m] > r.metrics[m]));
  }
}

export function fusionSearch(data: ReplayData, base: FusionParams, grid: Grid, topK: number): SearchRow[] {
  if (!Number.isInteger(topK) || topK < 1) throw new Error(`topK: expected an integer ≥ 1, got ${topK}`);
  const reqs = groups(data);
  const names = Object.keys(data.outcomes).sort();
  if (!names.length) throw new Error('outcomes: at least one outcome column is needed');
  const rows: SearchRow[] = points(grid).map((point) => {
    const score = fuseColumns(applyPoint(base, point), data.preds, data.n);
    const sums: Record<string, number> = Object.fromEntries(names.map((m) => [m, 0]));
    for (const rows of reqs) {
      const top = [...rows].sort((a, b) => score[b] - score[a] || a - b).slice(0, topK);
      for (const m of names) for (const i of top) sums[m] += data.outcomes[m][i];
    }
    const metrics = Object.fromEntries(names.map((m) => [m, reqs.length ? sums[m] / reqs.length : 0]));
    return { point, metrics, frontier: false };
  });
  markFrontier(rows, names);
  return rows;
}

/** Header + rows of the frontier table, frontier rows first (each block sorted by the first metric, descending). */
export function frontierCells(rows: readonly SearchRow[]): string[][] {
  if (!rows.length) return [];
  const keys = Object.keys(rows[0].point);
  const names = Object.keys(rows[0].metrics);
  const sorted = [...rows].sort((a, b) => Number(b.frontier) - Number(a.frontier) || b.metrics[names[0]] - a.metrics[names[0]]);
  return [
    ['frontier', ...keys, ...names],
    ...sorted.map((r) => [r.frontier ? '*' : '', ...keys.map((k) => String(r.point[k])), ...names.map((m) => r.metrics[m].toFixed(4))]),
  ];
}

/** A plain-text table (right-aligned columns). */
export function frontierTable(rows: readonly SearchRow[]): string {
  const cells = frontierCells(rows);
  if (!cells.length) return '(no grid points)\n';
  const w = cells[0].map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r) => r.map((c, j) => c.padStart(w[j])).join('  ')).join('\n') + '\n';
}

/** The same table as TSV. */
export function frontierTsv(rows: readonly SearchRow[]): string {
  return frontierCells(rows).map((r) => r.join('\t')).join('\n') + '\n';
}
