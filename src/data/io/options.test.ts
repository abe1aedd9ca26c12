// One definition of the read options: the config keys and the CLI flags give the same reader options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addReadFlags, parseFileReadOptions, readOptionsFromFlags, splitList, toReaderOptions } from './options.js';

function flags(argv: string[]) {
  const c = addReadFlags(new Command().exitOverride().allowExcessArguments(false));
  c.parse(argv, { from: 'user' });
  return readOptionsFromFlags(c.opts());
}

test('flags and config keys map to the same reader options', () => {
  const fromFlags = flags(['--format', 'csv', '--delimiter', ', ', '--no-header', '--columns', 'a,b,c', '--trim', '--comment', '|', '--null-values', '?,NA,\\N']);
  const fromConfig = parseFileReadOptions({ format: 'csv', delimiter: ', ', header: false, columns: ['a', 'b', 'c'], trim: true, comment: '|', null_values: ['?', 'NA', '\\N'] }, 'data');
  assert.deepEqual(fromFlags, fromConfig);
  assert.deepEqual(toReaderOptions(fromConfig), {
    format: 'csv', csv: { delimiter: ', ', header: false, columns: ['a', 'b', 'c'], trim: true }, comment: '|', nullValues: ['?', 'NA', '\\N'],
  });
});

test('"\\t" spells a tab; a backslash keeps a comma in a list; an empty leading item is the empty string', () => {
  assert.equal(flags(['--delimiter', '\\t']).delimiter, '\t');
  assert.deepEqual(splitList('a\\,b,c'), ['a,b', 'c']);
  assert.deepEqual(flags(['--null-values', ',?']).null_values, ['', '?']);
});

test('bad options are errors naming the key or the flag', () => {
  assert.throws(() => parseFileReadOptions({ format: 'xlsx' }, 'data'), /data\.format: "xlsx" is not allowed; allowed: "csv", "tsv", "jsonl", "parquet"/);
  assert.throws(() => parseFileReadOptions({ header: false }, 'data'), /data\.header: false needs data\.columns/);
  assert.throws(() => parseFileReadOptions({ delimiter: '"' }, 'data'), /data\.delimiter: a delimiter cannot contain a quote/);
  assert.throws(() => parseFileReadOptions({ separator: ';' }, 'data'), /unknown key\(s\) "separator"/);
  assert.throws(() => flags(['--no-header']), /--no-header needs --columns/);
  assert.throws(() => flags(['--format', 'xlsx']), /--format: "xlsx" is not allowed/);
  assert.doesNotThrow(() => parseFileReadOptions({ header: false, format: 'jsonl' }, 'data'));
});
