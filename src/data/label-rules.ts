// Binary labels derived from a text or numeric column by a rule (a task's `label` in the config):
//   { column, positive: [v…], negative?: [v…] }   value in positive → 1; in negative → 0; otherwise
//                                                   0, or — when `negative` is given — a bad row
//   { column, op: gt|ge|lt|le|eq|ne, value }       comparison (numeric when value is a number)
//   { column, map: { value: 0|1, … } }             lookup; a value not in the map is a bad row
// `strip: "."` removes those characters from both ends of every value (data and rule) before
// comparing (">50K." and ">50K" are then the same); `ignore_case` compares case-insensitively.
// Surrounding spaces are always trimmed. A missing value (null, NaN) gives a missing label (the row is
// outside the task); a value no rule accepts is reported as a bad row — never a silent 0.
import { z } from 'zod';
import { isStringColumn, type Column } from './table.js';

export const LABEL_OPS = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const;
export type LabelOp = (typeof LABEL_OPS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const labelRuleSchema = z.object({
  column: z.string().min(1),
  positive: z.array(scalar).min(1).optional(),
  negative: z.array(scalar).min(1).optional(),
  op: z.enum(LABEL_OPS).optional(),
  value: z.union([z.string(), z.number()]).optional(),
  map: z.record(z.string(), z.union([z.literal(0), z.literal(1)])).optional(),
  strip: z.string().min(1).optional(),
  ignore_case: z.boolean().optional(),
}).strict().superRefine((r, ctx) => {
  const kinds = [r.positive && 'positive', r.op && 'op', r.map && 'map'].filter(Boolean);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', path: [], message: `a label rule needs exactly one of positive, op (with value) or map; got ${kinds.length ? kinds.join(', ') : 'none'}` });
  }
  if (r.op !== undefined && r.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${r.op}" needs a value` });
  if (r.value !== undefined && r.op === undefined) ctx.addIssue({ code: 'custom', path: ['op'], message: 'value needs an op (gt, ge, lt, le, eq, ne)' });
  if (r.negative && !r.positive) ctx.addIssue({ code: 'custom', path: ['negative'], message: 'negative goes with positive' });
  if (r.op && r.op !== 'eq' && r.op !== 'ne' && typeof r.value !== 'number') {
    ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${r.op}" compares numbers; value must be a number` });
  }
});
export type LabelRule = z.infer<typeof labelRuleSchema>;

/** A task's `label`: a column holding 0/1 (or a number) or a rule. */
export const labelSpecSchema = z.union([z.string().min(1), labelRuleSchema]);
export type LabelSpec = z.infer<typeof labelSpecSchema>;

function stripChars(s: string, chars: string | undefined): string {
  let t = s.trim();
  if (!chars) return t;
  let a = 0, b = t.length;
  while (a < b && chars.includes(t[a]!)) a++;
  while (b > a && chars.includes(t[b - 1]!)) b--;
  t = t.slice(a, b).trim();
  return t;
}

const canon = (v: string | number | boolean): string => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));

export interface LabelResult {
  /** 0 / 1, NaN for a missing value or a bad row. */
  label: Float32Array;
  /** Rows whose value no rule accepts, with the value. */
  bad: { row: number; value: string }[];
}

/** A short description of the rule for messages: `income in [">50K"] (strip ".")`. */
export function describeRule(r: LabelRule): string {
  let s: string;
  if (r.positive) s = `${r.column} in ${JSON.stringify(r.positive)}${r.negative ? `, not in ${JSON.stringify(r.negative)}` : ''}`;
  else if (r.op) s = `${r.column} ${r.op} ${JSON.stringify(r.value)}`;
  else s = `${r.column} mapped by ${JSON.stringify(r.map)}`;
  return `${s}${r.strip ? ` (strip ${JSON.stringify(r.strip)})` : ''}${r.ignore_case ? ' (ignore case)' : ''}`;
}

/** Apply a rule to a column (text or numeric). */
export function applyLabelRule(rule: LabelRule, col: Column): LabelResult {
  const n = col.length;
  const label = new Float32Array(n);
  const bad: LabelResult['bad'] = [];
  const norm = (s: string): string => {
    const t = stripChars(s, rule.strip);
    return rule.ignore_case ? t.toLowerCase() : t;
  };
  const text = isStringColumn(col);
  const raw = (i: number): string | null => {
    if (text) return (col as (string | null)[])[i] ?? null;
    const v = (col as ArrayLike<number>)[i]!;
    return Number.isNaN(v) ? null : String(v);
  };
  let decide: (s: string) => number | null;
  if (rule.positive) {
    const pos = new Set(rule.positive.map((v) => norm(canon(v))));
    const neg = rule.negative ? new Set(rule.negative.map((v) => norm(canon(v)))) : null;
    decide = (s) => (pos.has(s) ? 1 : neg === null || neg.has(s) ? 0 : null);
  } else if (rule.map) {
    const m = new Map(Object.entries(rule.map).map(([k, v]) => [norm(k), v]));
    decide = (s) => m.get(s) ?? null;
  } else if (typeof rule.value === 'number') {
    const x = rule.value;
    const cmp: Record<LabelOp, (v: number) => boolean> = {
      gt: (v) => v > x, ge: (v) => v >= x, lt: (v) => v < x, le: (v) => v <= x, eq: (v) => v === x, ne: (v) => v !== x,
    };
    const f = cmp[rule.op!];
    decide = (s) => {
      const v = s === '' ? NaN : Number(s);
      return Number.isNaN(v) ? null : f(v) ? 1 : 0;
    };
  } else {
    const x = norm(String(rule.value));
    decide = rule.op === 'eq' ? (s) => (s === x ? 1 : 0) : (s) => (s === x ? 0 : 1);
  }
  for (let i = 0; i < n; i++) {
    const r = raw(i);
    if (r === null) { label[i] = NaN; continue; }
    const y = decide(norm(r));
    if (y === null) { label[i] = NaN; bad.push({ row: i, value: r }); } else label[i] = y;
  }
  return { label, bad };
}

/** Why a value is bad, naming the rule and what to change. */
export function badLabelReason(task: string, rule: LabelRule, value: string): string {
  const hint = rule.map ? 'add it to map' : rule.op ? 'the value is not a number' : 'add it to positive or negative';
  return `task "${task}": label value ${JSON.stringify(value)} of column "${rule.column}" matches no label rule (${describeRule(rule)}); ${hint}${rule.strip ? '' : ', or set label.strip when it differs only in punctuation'}`;
}
