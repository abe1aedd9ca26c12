// Truncation counts of multi-value features for the feature report: a joined-string multi_id /
// sequence longer than max_len keeps its first max_len elements (the rest are counted here); a
// behaviour-log sequence counts what selectBehaviors cut (src/features/behavior/op.ts).
import { isStringColumn, type Column } from '../../data/table.js';
import type { BehaviorStats } from '../behavior/op.js';

export interface TruncationStats {
  /** Rows longer than the configured maximum (string: > max_len elements; log: > behaviors.within visible behaviours). */
  truncatedRows: number;
  /** Elements / behaviours dropped by that truncation. */
  truncatedElements: number;
  /** Log sequences: rows with more candidates than max_len (recent beyond max_len, or search matches beyond it), and how many. */
  overflowRows: number;
  overflowElements: number;
  /** Rows with no element. */
  emptyRows: number;
  /** Log sequences: rows whose user is not in the log (or whose time is missing): empty sequence. */
  unknownUsers: number;
  /** Log sequences with search: rows whose candidate category / streamer is missing: empty sequence. */
  missingKeys: number;
}

export function emptyTruncation(): TruncationStats {
  return { truncatedRows: 0, truncatedElements: 0, overflowRows: 0, overflowElements: 0, emptyRows: 0, unknownUsers: 0, missingKeys: 0 };
}

/** Adds a string column's counts: non-empty elements beyond maxLen per row (the transform keeps the first maxLen). */
export function addStringTruncation(t: TruncationStats, col: Column, n: number, sep: string, maxLen: number): void {
  if (!isStringColumn(col)) { for (let i = 0; i < n; i++) if (!Number.isFinite(col[i]!)) t.emptyRows++; return; }
  const code = sep.charCodeAt(0);
  for (let i = 0; i < n; i++) {
    const s = col[i];
    let k = 0;
    if (s !== null && s !== undefined) {
      let a = 0;
      for (let b = 0; b <= s.length; b++) {
        if (b === s.length || s.charCodeAt(b) === code) { if (b > a) k++; a = b + 1; }
      }
    }
    if (k === 0) t.emptyRows++;
    if (k > maxLen) { t.truncatedRows++; t.truncatedElements += k - maxLen; }
  }
}

export function addBehaviorTruncation(t: TruncationStats, s: BehaviorStats): void {
  t.truncatedRows += s.truncatedRows; t.truncatedElements += s.truncatedBehaviors;
  t.overflowRows += s.overflowRows; t.overflowElements += s.overflowBehaviors;
  t.emptyRows += s.emptyRows; t.unknownUsers += s.unknownUsers; t.missingKeys += s.missingKeys;
}

/** One-line summary for the text report ('' when nothing was cut or empty). */
export function formatTruncation(t: TruncationStats, rows: number): string {
  const pct = (x: number) => (rows ? `${((100 * x) / rows).toFixed(1)}%` : '-');
  const parts: string[] = [];
  if (t.truncatedRows) parts.push(`truncated ${t.truncatedRows} rows (${pct(t.truncatedRows)}, ${t.truncatedElements} elements)`);
  if (t.overflowRows) parts.push(`over max_len ${t.overflowRows} rows (${t.overflowElements} dropped)`);
  if (t.unknownUsers) parts.push(`unknown user ${t.unknownUsers} rows`);
  if (t.missingKeys) parts.push(`no search key ${t.missingKeys} rows`);
  if (t.emptyRows) parts.push(`empty ${pct(t.emptyRows)}`);
  return parts.join(', ');
}
