import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScoredCsv, parseGrid, parsePairs } from './fusion-search-input.js';

const spec = { requestCol: 'req', preds: { click: 'pred_click' }, outcomes: { clicks: 'click' } };

test('scored CSV: columns by name, numbers checked with line and column', () => {
  const d = parseScoredCsv('req,pred_click,click,extra\nA,0.5,1,x\nB,0.25,0,y\n', spec, 'rows.csv');
  assert.equal(d.n, 2);
  assert.deepEqual(Array.from(d.request), ['A', 'B']);
  assert.deepEqual(Array.from(d.preds.click), [0.5, 0.25]);
  assert.deepEqual(Array.from(d.outcomes.clicks), [1, 0]);
  assert.throws(() => parseScoredCsv('req,pred_click\nA,0.5\n', spec, 'rows.csv'), /rows\.csv: column "click" not found \(columns: req, pred_click\)/);
  assert.throws(() => parseScoredCsv('req,pred_click,click\nA,0.5,1\nB,abc,0\n', spec, 'rows.csv'), /rows\.csv: line 3, column "pred_click": expected a number, got "abc"/);
  assert.throws(() => parseScoredCsv('req,pred_click,click\nA,,1\n', spec, 'rows.csv'), /line 2, column "pred_click"/);
  assert.throws(() => parseScoredCsv('', spec, 'rows.csv'), /column "req" not found \(columns: none/);
  assert.throws(() => parseScoredCsv('req,pred_click,click\n"A,1,1\n', spec, 'rows.csv'), /rows\.csv: not valid CSV/);
});

test('grid and pair options', () => {
  assert.deepEqual(parseGrid(['terms.gift.weight=0, 5,20', 'gate.power=1']), { 'terms.gift.weight': [0, 5, 20], 'gate.power': [1] });
  assert.throws(() => parseGrid(['terms.gift.weight']), /expected key=v1,v2/);
  assert.throws(() => parseGrid(['a=1,x']), /"x" is not a number/);
  assert.throws(() => parseGrid(['a=1', 'a=2']), /given twice/);
  assert.deepEqual(parsePairs('--outcome', ['gift=gift_label', 'watch=watch_s']), { gift: 'gift_label', watch: 'watch_s' });
  assert.throws(() => parsePairs('--outcome', ['gift']), /--outcome "gift": expected name=column/);
});
