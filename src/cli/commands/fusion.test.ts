// `liverank fusion search` end to end as a child process: the frontier table from a small scored CSV,
// the TSV file, and bad options exiting non-zero with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = (args: string[]) => spawnSync(process.execPath, ['bin/liverank.mjs', ...args], { cwd: root, encoding: 'utf8' });

test('fusion search prints the frontier and writes the TSV; bad options fail with a message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'liverank-fusion-'));
  try {
    const cfg = join(dir, 'f.yaml'), rows = join(dir, 'rows.csv'), out = join(dir, 'frontier.tsv');
    writeFileSync(cfg, 'version: 1\nfusion:\n  form: multiplicative\n  gate: { task: click }\n  terms:\n    gift: { weight: 0 }\n');
    writeFileSync(rows, 'request_id,pred_click,pred_gift,click,gift\nA,0.9,0,1,0\nB,0.8,0.1,1,0\nA,0.5,0.5,0,1\nB,0.4,0.9,0,1\n');
    const r = cli(['fusion', 'search', '--scored', rows, '--config', cfg, '--grid', 'terms.gift.weight=0,1.5,10',
      '--outcome', 'clicks=click', '--outcome', 'gifts=gift', '--top-k', '1', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /4 rows, top 1 per request/);
    assert.match(r.stdout, /frontier\s+terms\.gift\.weight\s+clicks\s+gifts/);
    assert.match(r.stdout, /\*\s+1\.5\s+0\.5000\s+0\.5000/);
    assert.equal(readFileSync(out, 'utf8').split('\n')[0], 'frontier\tterms.gift.weight\tclicks\tgifts');
    assert.equal(readFileSync(out, 'utf8').split('\n').filter(Boolean).length, 4);
    const bad = cli(['fusion', 'search', '--scored', rows, '--config', cfg, '--grid', 'terms.follow.weight=1', '--outcome', 'c=click']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /no term for task "follow"/);
    const noCol = cli(['fusion', 'search', '--scored', rows, '--config', cfg, '--grid', 'gate.power=1', '--outcome', 'w=watch_s']);
    assert.notEqual(noCol.status, 0);
    assert.match(noCol.stderr, /column "watch_s" not found/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
