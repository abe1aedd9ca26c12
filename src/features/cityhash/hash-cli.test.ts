// End-to-end test of `liverank hash` (src/cli/commands/hash.ts): spawns `node bin/liverank.mjs hash …`
// from the repository root and checks the printed decimals, `--`, empty arguments and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hashLines, parseSeed } from '../../cli/commands/hash.js';
import { cityHash64String, cityHash64WithSeed } from './index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GLICK = 'How can you write a big system without C++?  -Paul Glick';

interface Run { code: number | null; stdout: string; stderr: string }

function liverank(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/liverank.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dec = (s: string, v: 'v1.1' | 'v1.0.2' = 'v1.1'): string => cityHash64String(s, v).toString();

test('hashLines / parseSeed (in-process)', () => {
  assert.deepEqual(hashLines(['Moscow'], { version: 'v1.1' }), ['5992710078453357409']);
  assert.deepEqual(hashLines(['Moscow', GLICK], { version: 'v1.0.2' }), ['12507901496292878638', '6237945311650045625']);
  assert.deepEqual(hashLines([''], { version: 'v1.1' }), ['11160318154034397263']);
  assert.equal(parseSeed('18446744073709551615'), (1n << 64n) - 1n);
  assert.throws(() => parseSeed('18446744073709551616'), /larger than 2\^64-1/);
  assert.throws(() => parseSeed('-1'), /unsigned decimal/);
  assert.throws(() => parseSeed('0x10'), /unsigned decimal/);
  assert.throws(() => hashLines(['x'], { version: 'v1.0.2', seed: 1n }), /only defined for CityHash64 v1\.1/);
});

test('liverank hash: outputs in both versions, --, empty strings, seeds and errors (spawned CLI)', async () => {
  const [plain, ch, empty, seeded, badVersion, seedV102] = await Promise.all([
    // `--` ends the options: "--version" and "-x" are texts; empty arguments hash the empty string.
    liverank(['hash', 'Moscow', GLICK, '', '--', '--version', '-x', '']),
    liverank(['hash', '--version', 'v1.0.2', 'Moscow', GLICK]),
    liverank(['hash', '']),
    liverank(['hash', '--seed', '18446744073709551615', 'abc', 'Moscow']),
    liverank(['hash', '--version', 'v2', 'x']),
    liverank(['hash', '--version', 'v1.0.2', '--seed', '1', 'x']),
  ]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, ['5992710078453357409', '749291162957442504', dec(''), dec('--version'), dec('-x'), dec('')]
    .map((l) => `${l}\n`).join(''));
  assert.equal(dec(''), '11160318154034397263');
  assert.equal(ch.code, 0, ch.stderr);
  assert.equal(ch.stdout, '12507901496292878638\n6237945311650045625\n');
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(empty.stdout, '11160318154034397263\n');
  assert.equal(seeded.code, 0, seeded.stderr);
  const enc = new TextEncoder(), max = (1n << 64n) - 1n;
  assert.equal(seeded.stdout, `${cityHash64WithSeed(enc.encode('abc'), max)}\n${cityHash64WithSeed(enc.encode('Moscow'), max)}\n`);
  assert.notEqual(badVersion.code, 0);
  assert.equal(badVersion.stdout, '');
  assert.match(badVersion.stderr, /v2/);
  assert.match(badVersion.stderr, /v1\.1, v1\.0\.2/);
  assert.notEqual(seedV102.code, 0);
  assert.match(seedV102.stderr, /--seed is only defined for CityHash64 v1\.1/);
});
