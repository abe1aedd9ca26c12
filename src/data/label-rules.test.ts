// Label rules: every rule kind, strip / ignore_case, missing values, and values no rule accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyLabelRule, badLabelReason, labelRuleSchema, type LabelRule } from './label-rules.js';

const rule = (r: unknown): LabelRule => {
  const p = labelRuleSchema.safeParse(r);
  if (!p.success) throw new Error(p.error.issues.map((i) => i.message).join('; '));
  return p.data;
};
const labels = (r: unknown, col: (string | null)[] | Float64Array) => {
  const out = applyLabelRule(rule(r), col);
  return { y: Array.from(out.label, (v) => (Number.isNaN(v) ? null : v)), bad: out.bad };
};

test('positive: listed values → 1, other values → 0, missing → missing', () => {
  const { y, bad } = labels({ column: 'c', positive: ['a', 'b'] }, ['a', 'b', 'c', null, ' a ']);
  assert.deepEqual(y, [1, 1, 0, null, 1]);
  assert.deepEqual(bad, []);
});

test('positive + negative: a value in neither is a bad row, never a silent 0', () => {
  const { y, bad } = labels({ column: 'income', positive: ['>50K'], negative: ['<=50K'] }, ['>50K', '<=50K', '>50K.', 'unknown']);
  assert.deepEqual(y, [1, 0, null, null]);
  assert.deepEqual(bad, [{ row: 2, value: '>50K.' }, { row: 3, value: 'unknown' }]);
});

test('strip "." makes ">50K." and ">50K" the same label (train and test spell it differently)', () => {
  const r = { column: 'income', positive: ['>50K'], negative: ['<=50K'], strip: '.' };
  assert.deepEqual(labels(r, ['>50K', '>50K.', '<=50K', '<=50K.']), { y: [1, 1, 0, 0], bad: [] });
});

test('ignore_case', () => {
  assert.deepEqual(labels({ column: 'c', positive: ['Yes'], negative: ['No'], ignore_case: true }, ['YES', 'no', 'yes']).y, [1, 0, 1]);
});

test('op with a number: gt ge lt le eq ne on a numeric and on a text column; text that is not a number is bad', () => {
  const num = new Float64Array([1, 2, 3, NaN]);
  assert.deepEqual(labels({ column: 'x', op: 'gt', value: 2 }, num).y, [0, 0, 1, null]);
  assert.deepEqual(labels({ column: 'x', op: 'ge', value: 2 }, num).y, [0, 1, 1, null]);
  assert.deepEqual(labels({ column: 'x', op: 'lt', value: 2 }, num).y, [1, 0, 0, null]);
  assert.deepEqual(labels({ column: 'x', op: 'le', value: 2 }, num).y, [1, 1, 0, null]);
  assert.deepEqual(labels({ column: 'x', op: 'eq', value: 2 }, num).y, [0, 1, 0, null]);
  assert.deepEqual(labels({ column: 'x', op: 'ne', value: 2 }, num).y, [1, 0, 1, null]);
  const { y, bad } = labels({ column: 'watch_s', op: 'ge', value: 30 }, ['29.5', '30', 'n/a', '1e3']);
  assert.deepEqual(y, [0, 1, null, 1]);
  assert.deepEqual(bad, [{ row: 2, value: 'n/a' }]);
});

test('op eq / ne with a text value', () => {
  assert.deepEqual(labels({ column: 'c', op: 'eq', value: 'Never married' }, ['Never married', 'Divorced']).y, [1, 0]);
  assert.deepEqual(labels({ column: 'c', op: 'ne', value: 'Never married' }, ['Never married', 'Divorced']).y, [0, 1]);
});

test('map: listed values → their 0/1, anything else is bad; numbers are matched by their text', () => {
  const { y, bad } = labels({ column: 'c', map: { click: 1, view: 0 } }, ['click', 'view', 'share']);
  assert.deepEqual(y, [1, 0, null]);
  assert.deepEqual(bad, [{ row: 2, value: 'share' }]);
  assert.deepEqual(labels({ column: 'n', map: { 5: 1, 1: 0 } }, new Float64Array([5, 1, 3])).y, [1, 0, null]);
});

test('rule validation names what is wrong', () => {
  assert.throws(() => rule({ column: 'c' }), /exactly one of positive, op \(with value\) or map; got none/);
  assert.throws(() => rule({ column: 'c', positive: ['a'], map: { a: 1 } }), /exactly one of .*got positive, map/);
  assert.throws(() => rule({ column: 'c', op: 'gt' }), /op "gt" needs a value/);
  assert.throws(() => rule({ column: 'c', op: 'gt', value: 'x' }), /op "gt" compares numbers/);
  assert.throws(() => rule({ column: 'c', map: { a: 2 } }));
});

test('the bad-row reason names the task, the value, the column, the rule and what to change', () => {
  const r = rule({ column: 'income', positive: ['>50K'], negative: ['<=50K'] });
  assert.equal(badLabelReason('income', r, '>50K.'),
    'task "income": label value ">50K." of column "income" matches no label rule (income in [">50K"], not in ["<=50K"]); add it to positive or negative, or set label.strip when it differs only in punctuation');
});
