// Reading a run directory's files for the report. A missing optional file is `null`; a file that
// exists but cannot be read or parsed, or has the wrong shape, is an error naming the file and
// what was expected.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
}

/** Parsed JSON of `path`, checked with `check` (returns an error text or null); null when the file is absent. */
export function readJsonIfExists<T>(path: string, expected: string, check: (v: unknown) => string | null): T | null {
  if (!existsSync(path)) return null;
  const text = readText(path);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); expected ${expected}`);
  }
  const bad = check(v);
  if (bad) throw new Error(`${path}: ${bad}; expected ${expected}`);
  return v as T;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the keys a file must have: objects for `objects`, arrays for `arrays`. */
export function hasKeys(objects: string[], arrays: string[] = []): (v: unknown) => string | null {
  return (v) => {
    if (!isObject(v)) return `the top level is ${Array.isArray(v) ? 'an array' : typeof v}, not an object`;
    for (const k of objects) if (!isObject(v[k])) return `"${k}" is ${v[k] === undefined ? 'missing' : 'not an object'}`;
    for (const k of arrays) if (!Array.isArray(v[k])) return `"${k}" is ${v[k] === undefined ? 'missing' : 'not an array'}`;
    return null;
  };
}

/**
 * Each non-empty line of a JSONL file as an object; a line that is not a JSON object is an error
 * naming the file and line — except a truncated last line (a run killed mid-write), which is
 * skipped and counted.
 */
export function readJsonl(path: string): { rows: Record<string, unknown>[]; truncatedLast: boolean } {
  const lines = readText(path).split('\n');
  const rows: Record<string, unknown>[] = [];
  let truncatedLast = false;
  const last = lines.reduce((l, s, i) => (s.trim() ? i : l), -1);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (!s) continue;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      if (i === last && !lines[i]!.endsWith('}')) { truncatedLast = true; continue; }
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message}); expected one JSON object per line`);
    }
    if (!isObject(v)) throw new Error(`${path}:${i + 1}: expected a JSON object per line, got ${Array.isArray(v) ? 'an array' : typeof v}`);
    rows.push(v);
  }
  return { rows, truncatedLast };
}

export const runFile = (run: string, ...parts: string[]): string => join(run, ...parts);

/**
 * A note when `path` (a post-hoc analysis in RUN/diagnostics/) is older than the run's
 * features.json, i.e. was computed for an earlier run in the same directory; null otherwise.
 */
export function staleNote(path: string, cmd: string): string | null {
  const features = join(dirname(dirname(path)), 'features.json');
  if (!existsSync(path) || !existsSync(features)) return null;
  if (statSync(path).mtimeMs >= statSync(features).mtimeMs) return null;
  return `${path} is older than the run's features.json: it describes an earlier run in this directory; re-run \`${cmd}\``;
}

