// Inputs of `liverank fusion search`: scored rows from a CSV (one row per logged impression: a request
// id column, one prediction column per task, one column per realised outcome) and grid specs
// `key=v1,v2,…`. Every error names the file, the line or the option.
import { readFileSync } from 'node:fs';
import { parse as csvParse } from 'csv-parse/sync';
import type { ReplayData, Grid } from './fusion-search.js';

export interface ScoredCsvSpec {
  requestCol: string;
  /** task → column */
  preds: Record<string, string>;
  /** outcome name → column */
  outcomes: Record<string, string>;
}

export function parseScoredCsv(text: string, spec: ScoredCsvSpec, source = 'scored rows'): ReplayData {
  let records: Record<string, string>[];
  try {
    records = csvParse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    throw new Error(`${source}: not valid CSV: ${(e as Error).message}`);
  }
  const header = records.length ? Object.keys(records[0]) : [];
  const need = [spec.requestCol, ...Object.values(spec.preds), ...Object.values(spec.outcomes)];
  for (const c of need) {
    if (!header.includes(c)) throw new Error(`${source}: column "${c}" not found (columns: ${header.join(', ') || 'none — empty file'})`);
  }
  const n = records.length;
  const num = (col: string): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(records[i][col]);
      if (records[i][col] === '' || !Number.isFinite(v)) throw new Error(`${source}: line ${i + 2}, column "${col}": expected a number, got "${records[i][col]}"`);
      out[i] = v;
    }
    return out;
  };
  return {
    n,
    request: records.map((r) => r[spec.requestCol]),
    preds: Object.fromEntries(Object.entries(spec.preds).map(([task, col]) => [task, num(col)])),
    outcomes: Object.fromEntries(Object.entries(spec.outcomes).map(([name, col]) => [name, num(col)])),
  };
}

export function loadScoredCsv(path: string, spec: ScoredCsvSpec): ReplayData {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new Error(`--scored ${path}: ${(e as Error).message}`); }
  return parseScoredCsv(text, spec, path);
}

/** `--grid terms.gift.weight=0,5,20` (repeatable) → Grid. */
export function parseGrid(specs: readonly string[]): Grid {
  const grid: Record<string, number[]> = {};
  for (const s of specs) {
    const m = /^([^=\s]+)=(.+)$/.exec(s);
    if (!m) throw new Error(`--grid "${s}": expected key=v1,v2,… (e.g. terms.gift.weight=0,5,20)`);
    if (grid[m[1]]) throw new Error(`--grid "${s}": key "${m[1]}" given twice`);
    grid[m[1]] = m[2].split(',').map((x) => {
      const v = Number(x.trim());
      if (x.trim() === '' || !Number.isFinite(v)) throw new Error(`--grid "${s}": "${x}" is not a number`);
      return v;
    });
  }
  return grid;
}

/** `name=column` pairs (repeatable option) → record. */
export function parsePairs(option: string, specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const m = /^([^=\s]+)=([^=]+)$/.exec(s);
    if (!m) throw new Error(`${option} "${s}": expected name=column`);
    out[m[1]] = m[2].trim();
  }
  return out;
}
