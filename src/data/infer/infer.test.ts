// liverank init's inference: sniffing, --label parsing and label choice, per-column decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RAW_DIR } from '../io/fixtures/make-raw-fixtures.js';
import { sniffFile } from './sniff.js';
import { ColumnProfile } from './profile.js';
import { decideColumn } from './decide.js';
import { chooseLabel, parseLabelArg } from './labels.js';

const raw = (f: string) => join(RAW_DIR, f);

test('sniff: Criteo TSV without header, Adult ", " with a "|" comment line, CRLF + BOM header, gzip without .gz, JSONL keys', async () => {
  const criteo = await sniffFile(raw('criteo-sample.txt'), {});
  assert.equal(criteo.options.format, 'tsv', 'tab-separated');
  assert.equal(criteo.options.delimiter, undefined);
  assert.equal(criteo.options.header, false);
  assert.equal(criteo.columns.length, 9);
  const adult = await sniffFile(raw('adult.test'), {});
  assert.deepEqual([adult.options.delimiter, adult.options.trim, adult.options.comment, adult.options.header], [',', true, '|', false]);
  const crlf = await sniffFile(raw('crlf-bom.csv'), {});
  assert.deepEqual(crlf.columns, ['city', 'device', 'minutes', 'clicked']);
  assert.ok(crlf.notes.some((n) => n.includes('byte-order mark')) && crlf.notes.some((n) => n.includes('CRLF')));
  const gz = await sniffFile(raw('gzipped.csv'), {});
  assert.deepEqual(gz.columns, ['city', 'device', 'minutes', 'clicked']);
  assert.ok(gz.notes.some((n) => n.startsWith('gzip')));
  const commented = await sniffFile(raw('commented.csv'), {});
  assert.equal(commented.options.comment, '#');
  assert.deepEqual(commented.columns, ['city', 'device', 'minutes', 'clicked']);
  const jsonl = await sniffFile(raw('events.jsonl'), {});
  assert.deepEqual(jsonl.columns, ['ts', 'user', 'item', 'price', 'clicked']);
  // Given options win.
  const given = await sniffFile(raw('adult.data'), { delimiter: ';', header: false, columns: ['a'] });
  assert.deepEqual([given.options.delimiter, given.columns], [';', ['a']]);
});

test('--label syntax: column, NAME=, ==A|B, comparisons, YAML rule', () => {
  assert.deepEqual(parseLabelArg('clicked'), { task: undefined, column: 'clicked' });
  assert.deepEqual(parseLabelArg('y=clicked'), { task: 'y', column: 'clicked' });
  assert.deepEqual(parseLabelArg('income==>50K'), { task: undefined, column: 'income', rule: { column: 'income', positive: ['>50K'] } });
  assert.deepEqual(parseLabelArg('nm=marital_stat==Never married|Single'), { task: 'nm', column: 'marital_stat', rule: { column: 'marital_stat', positive: ['Never married', 'Single'] } });
  assert.deepEqual(parseLabelArg('long=watch_s>=30'), { task: 'long', column: 'watch_s', rule: { column: 'watch_s', op: 'ge', value: 30 } });
  assert.deepEqual(parseLabelArg('x<2.5').rule, { column: 'x', op: 'lt', value: 2.5 });
  assert.deepEqual(parseLabelArg('x!=none').rule, { column: 'x', op: 'ne', value: 'none' });
  assert.deepEqual(parseLabelArg('inc={ column: income, positive: [">50K"], strip: "." }'), { task: 'inc', column: 'income', rule: { column: 'income', positive: ['>50K'], strip: '.' } });
  assert.throws(() => parseLabelArg('x>abc'), /> needs a number/);
  assert.throws(() => parseLabelArg('{ column: x }'), /exactly one of positive/);
});

function profile(name: string, values: (string | null)[]): ColumnProfile {
  const p = new ColumnProfile(name);
  for (const v of values) p.add(v);
  return p;
}

test('label choice: 0/1, two spellings of two values (strip "."), yes/no words, regression, too many values', () => {
  const cols: Record<string, ColumnProfile> = {
    y: profile('y', ['0', '1', '1', '0']),
    income: profile('income', ['<=50K', '>50K', '<=50K.', '>50K.', '<=50K']),
    clicked: profile('clicked', ['true', 'false', 'false']),
    watch: profile('watch', ['0', '12.5', '3']),
    city: profile('city', ['a', 'b', 'c']),
  };
  const of = (c: string) => cols[c];
  assert.deepEqual(chooseLabel('y', of).label, 'y');
  const inc = chooseLabel('income', of);
  assert.deepEqual(inc.label, { column: 'income', positive: ['>50K'], negative: ['<=50K'], strip: '.' });
  assert.match(inc.reason, /positive ">50K" \(the rarer, 40\.0 %\).*strip "\."/);
  assert.deepEqual(chooseLabel('clicked', of).label, { column: 'clicked', map: { true: 1, false: 0 } });
  assert.equal(chooseLabel('watch', of).kind, 'regression');
  assert.throws(() => chooseLabel('city', of), /column "city" has 3 text values .* say which are positive, e\.g\. --label 'city=city==a'/);
  assert.throws(() => chooseLabel('nope', of), /no column "nope"/);
  assert.throws(() => chooseLabel('income==high', of), /no sampled value of "income" is positive/);
  // A positive list on a two-valued column gets the other value as negative (a third spelling is then a bad row).
  assert.deepEqual(chooseLabel('income==>50K', of).label, { column: 'income', positive: ['>50K'], negative: ['<=50K'], strip: '.' });
});

test('column decisions: codes, skewed positives, plain numbers, vocab, hashed, identifiers, constants, timestamps', () => {
  const n = 2000;
  const range = (f: (i: number) => string | null) => Array.from({ length: n }, (_, i) => f(i));
  const d = (name: string, vals: (string | null)[]) => decideColumn(profile(name, vals), n);
  assert.equal(d('code', range((i) => String(i % 20))).kind, 'id_vocab');
  const money = d('money', range((i) => String(i % 10 === 0 ? (i * 37) % 9973 : 0)));
  assert.deepEqual([money.kind, money.kind === 'dense' && money.log1p, money.kind === 'dense' && money.twin], ['dense', true, true]);
  const age = d('age', range((i) => String(18 + (i * 7) % 60 + (i % 3) / 3)));
  assert.deepEqual([age.kind, age.kind === 'dense' && age.log1p], ['dense', false]);
  assert.equal(d('city', range((i) => `c${i % 300}`)).kind, 'id_vocab');
  const user = d('user', range((i) => `u${i % 1500}`));
  assert.equal(user.kind, 'id_vocab');
  const big = decideColumn(profile('user', Array.from({ length: 30000 }, (_, i) => `u${i % 15000}`)), 30000);
  assert.deepEqual([big.kind, big.kind === 'id_hash' && big.buckets], ['id_hash', 65536]);
  assert.equal(d('req_id', range((i) => `r${i}`)).kind, 'drop');
  assert.match((d('const', range(() => 'x')) as { reason: string }).reason, /one value/);
  assert.equal(d('empty', range(() => null)).kind, 'drop');
  const ts = d('ts', range((i) => String(1767225600 + i * 60)));
  assert.deepEqual([ts.kind, ts.kind === 'time' && ts.unit], ['time', 'seconds']);
  assert.deepEqual(d('day', range((i) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`)), { kind: 'time', unit: 'iso', reason: 'ISO dates: split by time (text dates are not a feature)' });
  const withNa = d('x', range((i) => (i % 5 === 0 ? null : String(i * 1.5))));
  assert.equal(withNa.kind === 'dense' && withNa.missingIndicator, true);
});

test('profile: skewness of a known sample', () => {
  const p = profile('x', ['1', '2', '3', '10']);
  // m = 4, deviations −3, −2, −1, 6: m2 = 12.5, m3 = (−27 − 8 − 1 + 216)/4 = 45; skew = 45 / 12.5^1.5
  assert.ok(Math.abs(p.skewness - 45 / 12.5 ** 1.5) < 1e-12);
  assert.equal(p.distinct, 4);
  assert.equal(p.allInteger, true);
});
