// Row formatting for the CSV/TSV and JSONL writers. Conventions (what the readers accept back):
//   missing (null string, NaN number) → CSV: unquoted empty field; JSONL: null
//   ""                                → CSV: "" (quoted), so it stays distinct from null
//   ±Infinity                         → CSV: Infinity / -Infinity; JSONL: "Infinity" / "-Infinity"
//   NaN in a float field with allowNonFinite and not nullable → NaN / "NaN" (it is a value there)
//   bool fields (when a schema is given) → true / false; otherwise numbers as JavaScript prints them.
import type { FieldSpec, Schema } from '../schema.js';
import { isStringColumn, type Column, type Table } from '../table.js';

export type CellFormatter = (c: Column, i: number) => string;

function nonFinite(v: number, keepNaN: boolean, quote: boolean): string | null {
  if (Number.isNaN(v)) return keepNaN ? (quote ? '"NaN"' : 'NaN') : null;
  if (v === Infinity) return quote ? '"Infinity"' : 'Infinity';
  return quote ? '"-Infinity"' : '-Infinity';
}

export function csvQuote(s: string, delimiter: string): string {
  if (s === '') return '""';
  const needs = s.includes('"') || s.includes('\n') || s.includes('\r') || s.includes(delimiter) ||
    s.trim() !== s;
  return needs ? `"${s.replace(/"/g, '""')}"` : s;
}

function fieldFor(schema: Schema | undefined, name: string): FieldSpec | undefined {
  return schema?.find((f) => f.name === name);
}

function numberFormatter(f: FieldSpec | undefined, json: boolean): CellFormatter {
  const keepNaN = f?.type === 'float' && f.allowNonFinite === true && f.nullable !== true;
  const missing = json ? 'null' : '';
  if (f?.type === 'bool') {
    return (c, i) => {
      const v = (c as Float64Array)[i]!;
      return Number.isNaN(v) ? missing : v ? 'true' : 'false';
    };
  }
  return (c, i) => {
    const v = (c as Float64Array)[i]!;
    if (Number.isFinite(v)) return String(v);
    return nonFinite(v, keepNaN, json) ?? missing;
  };
}

export function csvFormatters(t: Table, names: string[], delimiter: string, schema?: Schema): CellFormatter[] {
  return names.map((n) => {
    if (isStringColumn(t.columns[n]!)) {
      return (c, i) => {
        const v = (c as (string | null)[])[i];
        return v === null || v === undefined ? '' : csvQuote(v, delimiter);
      };
    }
    return numberFormatter(fieldFor(schema, n), false);
  });
}

export function jsonFormatters(t: Table, names: string[], schema?: Schema): CellFormatter[] {
  return names.map((n) => {
    if (isStringColumn(t.columns[n]!)) {
      return (c, i) => {
        const v = (c as (string | null)[])[i];
        return v === null || v === undefined ? 'null' : JSON.stringify(v);
      };
    }
    return numberFormatter(fieldFor(schema, n), true);
  });
}

/** Rows of t as text (each line ends with '\n'). */
export function formatRows(t: Table, names: string[], fmts: CellFormatter[], kind: 'csv' | 'jsonl',
  delimiter: string): string {
  const cols = names.map((n) => t.columns[n]!);
  const keys = names.map((n) => `${JSON.stringify(n)}:`);
  const out: string[] = new Array(t.numRows);
  const cells: string[] = new Array(names.length);
  for (let i = 0; i < t.numRows; i++) {
    if (kind === 'csv') {
      for (let j = 0; j < cols.length; j++) cells[j] = fmts[j]!(cols[j]!, i);
      out[i] = cells.join(delimiter);
    } else {
      for (let j = 0; j < cols.length; j++) cells[j] = keys[j]! + fmts[j]!(cols[j]!, i);
      out[i] = `{${cells.join(',')}}`;
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
