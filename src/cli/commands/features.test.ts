import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadFitted, parseFeatureConfig } from '../../features/index.js';
import { register, schemaFor } from './features.js';

async function run(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
  try {
    await program.parseAsync(['node', 'liverank', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

test('schemaFor: numeric uses read as float, ids / lists / group columns as text', () => {
  const cfg = parseFeatureConfig({
    counters: [{ name: 'c', key: ['u'], value: 'w', windows: ['1h'] }],
    features: [
      { name: 'u', kind: 'id', column: 'u', hash_buckets: 8 },
      { name: 'x', kind: 'dense', column: 'x' },
      { name: 'h', kind: 'time', unit: 'hour_of_day' },
      { name: 'c1', kind: 'counter', counter: 'c', window: '1h' },
    ],
  });
  const s = Object.fromEntries(schemaFor(cfg, ['scenario']).map((f) => [f.name, f.type]));
  assert.deepEqual(s, { x: 'float', ts: 'float', w: 'float', u: 'string', scenario: 'string' });
});

test('features fit + report on a CSV: JSON written, collisions and shift printed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-features-'));
  const rows = ['ts,user,scenario,fol'];
  for (let i = 0; i < 400; i++) rows.push(`${1000 + i},u${i % 50},${i % 4 === 0 ? 'outside' : 'home'},${i % 4 === 0 ? 1000 + i : i}`);
  writeFileSync(join(dir, 'd.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'f.yaml'), `
counters: [{ name: views, key: [user], windows: [1h/5m] }]
features:
  - { name: user, kind: id, column: user, hash_buckets: 64 }
  - { name: scenario, kind: id, column: scenario, vocab: [home, outside] }
  - { name: fol, kind: dense, column: fol, ops: [log1p, standardize] }
  - { name: fol_q, kind: bucketized, column: fol, quantiles: 4 }
  - { name: views_1h, kind: counter, counter: views, window: 1h }
  - { name: u_x_s, kind: cross, fields: [user, scenario], hash_buckets: 1024 }
`);
  await run(['features', 'fit', '-c', join(dir, 'f.yaml'), '--data', join(dir, 'd.csv'), '-o', join(dir, 'fitted.json')]);
  const fitted = loadFitted(join(dir, 'fitted.json'));
  assert.equal(fitted.rows, 400);
  assert.equal(fitted.state.fol_q!.boundaries!.length, 3);
  const text = await run(['features', 'report', '-c', join(dir, 'f.yaml'), '--data', join(dir, 'd.csv'),
    '--fitted', join(dir, 'fitted.json'), '--by', 'scenario', '--out', join(dir, 'r.json')]);
  assert.match(text, /400 rows, 6 features/);
  assert.match(text, /distribution shift by "scenario"/);
  const rep = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  const user = rep.features.find((f: { name: string }) => f.name === 'user');
  assert.equal(user.distinct, 50);
  assert.equal(user.hash.buckets, 64);
  assert.ok(user.hash.keyCollisionRate > 0.3); // 50 keys in 64 buckets: theory 1 − e^(−49/64) ≈ 0.54
  const views = rep.features.find((f: { name: string }) => f.name === 'views_1h');
  assert.ok(views.numeric.max >= 7);
  const fol = rep.shift[0].features.find((f: { name: string }) => f.name === 'fol');
  assert.ok(fol.maxPsi > 1);
});

test('features check names the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-features-'));
  writeFileSync(join(dir, 'bad.yaml'), 'features:\n  - { name: a, kind: cross, fields: [a, b], hash_buckets: 8 }\n');
  await assert.rejects(run(['features', 'check', '-c', join(dir, 'bad.yaml')]), /bad\.yaml:\n {2}features\[0\] "a": cross\.fields\[0\]: a cross cannot use itself/);
});
