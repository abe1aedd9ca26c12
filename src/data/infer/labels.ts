// `--label` arguments of `liverank init`, and the label each one becomes in the written config:
//   COL                       column as it is: 0/1 numbers → binary; other numbers → regression;
//                             two text values → positive = the rarer one; true/false words → a map
//   [NAME=]COL==A|B           positive values (| separates them); two-valued columns also get negative
//   [NAME=]COL>X  (>=, <, <=, !=)   comparison with a number
//   [NAME=]{ column: …, … }   a label rule in YAML flow form, exactly as in the config
// When the sample holds values that differ from the rule's only by a trailing ".", strip: "." is
// added (">50K" in one file, ">50K." in another).
import YAML from 'yaml';
import { formatZodError } from '../../util/zod-error.js';
import { applyLabelRule, labelRuleSchema, type LabelRule } from '../label-rules.js';
import type { ColumnProfile } from './profile.js';

export interface LabelChoice {
  task: string;
  column: string;
  /** The config's `label`: the column name, or a rule. */
  label: string | LabelRule;
  kind: 'binary' | 'regression';
  reason: string;
}

interface Parsed { task?: string; column: string; rule?: Partial<LabelRule> }

const OPS: [string, LabelRule['op']][] = [['>=', 'ge'], ['<=', 'le'], ['!=', 'ne'], ['==', 'eq'], ['>', 'gt'], ['<', 'lt']];

export function parseLabelArg(arg: string): Parsed {
  let s = arg.trim();
  let task: string | undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(?!=)(.*)$/s.exec(s);
  if (m) { task = m[1]; s = m[2]!.trim(); }
  if (s.startsWith('{')) {
    let raw: unknown;
    try { raw = YAML.parse(s); } catch (e) { throw new Error(`--label ${JSON.stringify(arg)}: not a YAML mapping: ${(e as Error).message}`); }
    const r = labelRuleSchema.safeParse(raw);
    if (!r.success) throw new Error(`--label ${JSON.stringify(arg)}: ${formatZodError(r.error, 'label', raw)}`);
    return { task, column: r.data.column, rule: r.data };
  }
  let best: { at: number; op: string; name: LabelRule['op'] } | null = null;
  for (const [op, name] of OPS) {
    const at = s.indexOf(op);
    if (at > 0 && (!best || at < best.at || (at === best.at && op.length > best.op.length))) best = { at, op, name };
  }
  if (!best) {
    if (!s) throw new Error(`--label ${JSON.stringify(arg)}: empty column name`);
    return { task, column: s };
  }
  const column = s.slice(0, best.at).trim();
  const value = s.slice(best.at + best.op.length).trim();
  if (best.name === 'eq') return { task, column, rule: { column, positive: value.split('|').map((v) => v.trim()) } };
  const num = Number(value);
  if (best.name !== 'ne' && (value === '' || !Number.isFinite(num))) throw new Error(`--label ${JSON.stringify(arg)}: ${best.op} needs a number, got ${JSON.stringify(value)}`);
  return { task, column, rule: { column, op: best.name, value: value !== '' && Number.isFinite(num) ? num : value } };
}

export const taskName = (column: string): string => {
  let t = column.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(t)) t = `t_${t}`;
  return t;
};

const BOOL_WORDS: Record<string, 0 | 1> = { true: 1, false: 0, yes: 1, no: 0, y: 1, n: 0, t: 1, f: 0 };

/** Values the rule rejects in the profiled sample. */
function rejected(rule: LabelRule, p: ColumnProfile): string[] {
  const values = [...p.counts.keys()];
  const { bad } = applyLabelRule(rule, values);
  return bad.map((b) => b.value);
}

/** Add strip: "." when that makes every sampled value acceptable (and something was rejected). */
function withStrip(rule: LabelRule, p: ColumnProfile): { rule: LabelRule; note: string } {
  const bad = rejected(rule, p);
  if (bad.length === 0 || rule.strip) return { rule, note: '' };
  const stripped: LabelRule = { ...rule, strip: '.' };
  if (rejected(stripped, p).length === 0) return { rule: stripped, note: `; strip "." because the sample spells ${bad.map((b) => JSON.stringify(b)).join(', ')} with a trailing dot` };
  return { rule, note: '' };
}

/** Turn one --label argument into the task's label, looking at the column's sampled values. */
export function chooseLabel(arg: string, profileOf: (column: string) => ColumnProfile | undefined): LabelChoice {
  const parsed = parseLabelArg(arg);
  const p = profileOf(parsed.column);
  if (!p) throw new Error(`--label ${JSON.stringify(arg)}: no column "${parsed.column}" in the data`);
  const task = parsed.task ?? taskName(parsed.column);
  const top = p.top(6).map(([v, n]) => `${JSON.stringify(v)} ${n}`).join(', ');
  if (p.present === 0) throw new Error(`--label ${JSON.stringify(arg)}: column "${p.name}" is always missing in the sample`);
  if (parsed.rule) {
    let rule = parsed.rule as LabelRule;
    // A positive list on a column with exactly one other value: that value is the negative, so any
    // third spelling becomes a counted bad row instead of a silent 0.
    if (rule.positive && !rule.negative) {
      const pos = new Set(rule.positive.map(String));
      const others = [...p.counts.keys()].filter((v) => !pos.has(v.trim()) && !pos.has(v.trim().replace(/\.+$/, '')));
      const norm = new Set(others.map((v) => v.trim().replace(/\.+$/, '')));
      if (others.length === 1 && !p.overflow) rule = { ...rule, negative: [others[0]!.trim()] };
      else if (norm.size === 1 && !p.overflow) rule = { ...rule, negative: [[...norm][0]!] };
    }
    const checked = labelRuleSchema.safeParse(rule);
    if (!checked.success) throw new Error(`--label ${JSON.stringify(arg)}: ${formatZodError(checked.error, 'label', rule)}`);
    const s = withStrip(checked.data, p);
    const { label } = applyLabelRule(s.rule, [...p.counts.keys()]);
    const posValues = [...p.counts.keys()].filter((_, i) => label[i] === 1);
    const nPos = posValues.reduce((a, v) => a + p.counts.get(v)!, 0);
    if (nPos === 0) throw new Error(`--label ${JSON.stringify(arg)}: no sampled value of "${p.name}" is positive under the rule; values: ${top}`);
    return { task, column: p.name, label: s.rule, kind: 'binary', reason: `rule from --label: ${(100 * nPos / p.present).toFixed(1)} % positive in the sample${s.note}` };
  }
  const values = [...p.counts.keys()];
  if (p.allNumeric) {
    const nums = values.map(Number);
    if (nums.every((x) => x === 0 || x === 1)) {
      const pos = values.filter((v) => Number(v) === 1).reduce((a, v) => a + p.counts.get(v)!, 0);
      return { task, column: p.name, label: p.name, kind: 'binary', reason: `0/1 values, ${(100 * pos / p.present).toFixed(1)} % positive` };
    }
    return { task, column: p.name, label: p.name, kind: 'regression', reason: `numbers in [${p.min}, ${p.max}] (not 0/1) → regression; for a binary label use --label '${p.name}>X'` };
  }
  const lower = values.map((v) => v.trim().toLowerCase());
  if (lower.every((v) => v in BOOL_WORDS)) {
    const map: Record<string, 0 | 1> = {};
    values.forEach((v, i) => { map[v.trim()] = BOOL_WORDS[lower[i]!]!; });
    return { task, column: p.name, label: { column: p.name, map }, kind: 'binary', reason: `yes/no words → map ${JSON.stringify(map)}` };
  }
  const groups = new Map<string, number>();
  for (const v of values) { const k = v.trim().replace(/\.+$/, ''); groups.set(k, (groups.get(k) ?? 0) + p.counts.get(v)!); }
  if (groups.size === 2 && !p.overflow) {
    const [[a, na], [b, nb]] = [...groups];
    const [pos, neg] = na! < nb! || (na === nb && a! < b!) ? [a!, b!] : [b!, a!];
    const s = withStrip({ column: p.name, positive: [pos], negative: [neg] }, p);
    return { task, column: p.name, label: s.rule, kind: 'binary', reason: `two values: positive ${JSON.stringify(pos)} (the rarer, ${(100 * groups.get(pos)! / p.present).toFixed(1)} %), negative ${JSON.stringify(neg)}${s.note}` };
  }
  throw new Error(`--label ${JSON.stringify(arg)}: column "${p.name}" has ${p.overflow ? 'many' : p.distinct} text values (${top}${p.distinct > 6 ? ', …' : ''}); say which are positive, e.g. --label '${task}=${p.name}==${p.top(1)[0]![0]}'`);
}
