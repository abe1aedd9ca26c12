import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchBuilder, convertRow, convertValue, parseNumber, parseSchema, storageOf, type FieldSpec } from './schema.js';

test('parseSchema accepts a valid schema and rejects bad ones naming the field and allowed values', () => {
  const s = parseSchema([{ name: 'a', type: 'float', nullable: true }, { name: 'b', type: 'int', storage: 'int32' }]);
  assert.equal(s.length, 2);
  assert.throws(() => parseSchema([{ name: 'a', type: 'float' }, { name: 'age', type: 'double' }]),
    (e: Error) => /schema field #1 \("age"\)\.type/.test(e.message) && /"float"\|"int"\|"string"\|"bool"/.test(e.message));
  assert.throws(() => parseSchema([{ name: 'x', type: 'int', allowNonFinite: true }]), /allowNonFinite is only allowed for type "float"/);
  assert.throws(() => parseSchema([{ name: 'x', type: 'int' }, { name: 'x', type: 'float' }]), /duplicate column name "x"/);
  assert.throws(() => parseSchema([{ name: 'x', type: 'int', storage: 'int32', nullable: true }]), /int32/);
  assert.throws(() => parseSchema([{ name: 'x', type: 'int', colour: 'red' }]), /schema field #0 \("x"\).*Unrecognized key/);
  assert.throws(() => parseSchema([]), /invalid schema/);
});

test('column storage decisions', () => {
  const st = (f: FieldSpec) => storageOf(f);
  assert.equal(st({ name: 'f', type: 'float' }), 'float64');
  assert.equal(st({ name: 'i', type: 'int' }), 'float64');
  assert.equal(st({ name: 'i', type: 'int', storage: 'int32' }), 'int32');
  assert.equal(st({ name: 'b', type: 'bool' }), 'uint8');
  assert.equal(st({ name: 'b', type: 'bool', nullable: true }), 'float64');
  assert.equal(st({ name: 'b', type: 'bool', required: false }), 'float64');
  assert.equal(st({ name: 's', type: 'string' }), 'string');
  const b = new BatchBuilder(parseSchema([
    { name: 'f', type: 'float' }, { name: 'i', type: 'int', storage: 'int32' }, { name: 'b', type: 'bool' },
    { name: 's', type: 'string' },
  ]), 4);
  for (const [j, v] of ['1.5', '7', 'true', 'x'].entries()) assert.equal(b.set(j, v), null);
  b.commit();
  const t = b.finish();
  assert.equal(t.numRows, 1);
  assert.ok(t.columns.f instanceof Float64Array);
  assert.ok(t.columns.i instanceof Int32Array);
  assert.ok(t.columns.b instanceof Uint8Array);
  assert.deepEqual(t.columns.s, ['x']);
});

test('parseNumber: decimal forms, non-finite tokens, junk', () => {
  assert.equal(parseNumber('1e-3'), 0.001);
  assert.equal(parseNumber(' -.5 '), -0.5);
  assert.equal(parseNumber('+7.'), 7);
  assert.equal(parseNumber('-inf'), -Infinity);
  assert.equal(parseNumber('Infinity'), Infinity);
  assert.ok(Number.isNaN(parseNumber('NaN')!));
  for (const bad of ['', '0x10', '1,5', 'abc', '1e', '--1', '0b11']) assert.equal(parseNumber(bad), undefined, bad);
});

test('convertValue: types, missing values, non-finite, ints', () => {
  const ok = (f: FieldSpec, raw: unknown) => {
    const r = convertValue(f, raw);
    assert.ok(r.ok, `expected ok for ${String(raw)}: ${r.ok ? '' : r.reason}`);
    return r.value;
  };
  const bad = (f: FieldSpec, raw: unknown, re: RegExp) => {
    const r = convertValue(f, raw);
    assert.ok(!r.ok, `expected a bad value for ${String(raw)}`);
    assert.match(r.reason, re);
  };
  const fl: FieldSpec = { name: 'x', type: 'float' };
  assert.equal(ok(fl, '2.5'), 2.5);
  assert.equal(ok(fl, 3), 3);
  assert.equal(ok(fl, 5n), 5);
  bad(fl, 'abc', /cannot parse "abc" as float/);
  bad(fl, 'NaN', /non-finite value NaN not allowed/);
  bad(fl, Infinity, /non-finite value Infinity not allowed/);
  bad(fl, '1e400', /non-finite/);
  bad(fl, true, /expected float, got boolean/);
  bad(fl, [1], /expected float, got array/);
  bad(fl, null, /missing value/);
  bad(fl, '', /missing value/);
  bad(fl, undefined, /missing required field/);
  assert.equal(ok({ name: 'x', type: 'float', allowNonFinite: true }, '-inf'), -Infinity);
  assert.ok(Number.isNaN(ok({ name: 'x', type: 'float', nullable: true }, null) as number));
  assert.ok(Number.isNaN(ok({ name: 'x', type: 'float', required: false }, undefined) as number));
  bad({ name: 'x', type: 'float', nullable: true }, undefined, /missing required field/);

  const int: FieldSpec = { name: 'i', type: 'int' };
  assert.equal(ok(int, '1099511627776'), 2 ** 40);
  assert.equal(ok(int, 2n ** 40n), 2 ** 40);
  assert.equal(ok(int, '1e3'), 1000);
  bad(int, '1.5', /expected int/);
  bad(int, 2 ** 60, /exceeds ±2\^53/);
  bad(int, 2n ** 60n, /exceeds ±2\^53/);
  bad({ name: 'i', type: 'int', storage: 'int32' }, 2 ** 31, /out of int32 range/);

  const bool: FieldSpec = { name: 'b', type: 'bool' };
  for (const t of ['true', 'TRUE', '1', 'yes', 't', 1, true]) assert.equal(ok(bool, t), 1);
  for (const f of ['false', 'F', '0', 'no', 0, false]) assert.equal(ok(bool, f), 0);
  bad(bool, 'maybe', /cannot parse "maybe" as bool/);
  bad(bool, 2, /as bool/);
  assert.ok(Number.isNaN(ok({ name: 'b', type: 'bool', nullable: true }, null) as number));

  const str: FieldSpec = { name: 's', type: 'string' };
  assert.equal(ok(str, ''), '');
  assert.equal(ok(str, 12), '12');
  assert.equal(ok(str, 'ünï😀'), 'ünï😀');
  bad(str, { a: 1 }, /expected string, got object/);
  bad(str, null, /missing value/);
  assert.equal(ok({ name: 's', type: 'string', nullable: true }, null), null);
});

test('BatchBuilder reuses the slot of a rejected row and batches up to capacity', () => {
  const schema = parseSchema([{ name: 'a', type: 'int' }, { name: 's', type: 'string' }]);
  const b = new BatchBuilder(schema, 2);
  const rows: [unknown, unknown][] = [[1, 'x'], ['bad', 'y'], [2, 'z']];
  for (const [a, s] of rows) {
    if (b.set(0, a) !== null) continue;
    if (b.set(1, s) !== null) continue;
    b.commit();
  }
  assert.ok(b.full);
  const t = b.finish();
  assert.deepEqual([...(t.columns.a as Float64Array)], [1, 2]);
  assert.deepEqual(t.columns.s, ['x', 'z']);
  assert.equal(b.length, 0);
  assert.equal(b.finish().numRows, 0);
});

test('convertRow: typed values, first bad field with reason, unknown keys listed', () => {
  const schema = parseSchema([{ name: 'id', type: 'int' }, { name: 'w', type: 'float', nullable: true }, { name: 's', type: 'string' }]);
  const ok = convertRow(schema, { id: '3', w: null, s: 'x', extra: 1 });
  assert.ok(ok.ok);
  assert.equal(ok.values.id, 3);
  assert.ok(Number.isNaN(ok.values.w as number));
  assert.deepEqual(ok.unknown, ['extra']);
  const bad = convertRow(schema, { id: 1, w: 'Inf', s: 'x' });
  assert.ok(!bad.ok);
  assert.equal(bad.field, 'w');
  assert.match(bad.reason, /non-finite value Infinity not allowed/);
  const miss = convertRow(schema, { id: 1, w: 1 });
  assert.ok(!miss.ok && miss.field === 's' && miss.reason === 'missing required field');
});
