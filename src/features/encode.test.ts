import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalText, KeyBuffer, keyHex } from './encode.js';
import { cityHash64Into } from './cityhash/index.js';

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

test('integers are decimal ASCII; -0 is 0; floats use shortest round-trip text; missing is 0xFF', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '0'], [7, '7'], [42, '42'], [-42, '-42'], [2147483647, '2147483647'], [2147483648, '2147483648'],
    [-2147483649, '-2147483649'], [9007199254740991, '9007199254740991'], [1e15, '1000000000000000'],
    [0.5, '0.5'], [-1.25, '-1.25'], [1e-7, '1e-7'], [1e21, '1e+21'],
  ];
  for (const [v, text] of cases) {
    const kb = new KeyBuffer();
    kb.number(v);
    assert.equal(keyHex(kb), hex(text), `number ${v}`);
    assert.equal(canonicalText(v), text);
  }
  for (const v of [NaN, Infinity, -Infinity]) {
    const kb = new KeyBuffer();
    kb.number(v);
    assert.equal(keyHex(kb), 'ff');
    assert.equal(canonicalText(v), null);
  }
  const kb = new KeyBuffer();
  kb.value(null);
  assert.equal(keyHex(kb), 'ff');
});

test('UTF-8 matches TextEncoder, including astral characters and lone surrogates', () => {
  const enc = new TextEncoder();
  for (const s of ['', 'abc', 'é', 'ß€', '中国', '🙂x', 'a\ud800b', '\udc00', 'Ω🙂\ud83d']) {
    const kb = new KeyBuffer();
    kb.utf8(s);
    assert.equal(keyHex(kb), Buffer.from(enc.encode(s)).toString('hex'), JSON.stringify(s));
  }
  const kb = new KeyBuffer();
  kb.utf8('xx|abc|yy', 3, 6);
  assert.equal(keyHex(kb), hex('abc'));
});

test('the buffer grows and the hash is CityHash64 v1.1 of exactly the written bytes', () => {
  const kb = new KeyBuffer('v1.1', 4);
  kb.utf8('abc');
  assert.equal(Buffer.from(kb.hash().buffer).length, 8);
  const out = kb.hash();
  assert.equal(((BigInt(out[0]!) << 32n) | BigInt(out[1]!)).toString(16), '24a5b3a074e7f369');
  kb.reset();
  kb.utf8('message digest');
  const o2 = kb.hash();
  assert.equal(((BigInt(o2[0]!) << 32n) | BigInt(o2[1]!)).toString(16), '8db193972bf98c6a');
  // bucket = hash mod M (unsigned 64-bit), checked with BigInt
  const big = (BigInt(o2[0]!) << 32n) | BigInt(o2[1]!);
  for (const m of [1, 2, 1000, 1 << 20, 1000003, 2 ** 31 - 1]) assert.equal(BigInt(kb.bucket(m)), big % BigInt(m), `m=${m}`);
  // a key: tag ‖ 0xFE ‖ value
  const k = new KeyBuffer();
  k.utf8('user'); k.byte(0xfe); k.integer(12345);
  assert.equal(keyHex(k), `${hex('user')}fe${hex('12345')}`);
  const ref = new Uint32Array(2);
  cityHash64Into(Uint8Array.from(Buffer.from(`${hex('user')}fe${hex('12345')}`, 'hex')), 0, 10, ref);
  assert.deepEqual([...k.hash()], [...ref]);
});
