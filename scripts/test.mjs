#!/usr/bin/env node
// Runs every *.test.ts under src/ (or under the paths given) with node:test through tsx.
// Usage: npm test [-- path/or/dir ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(p, out) {
  const st = statSync(p);
  if (st.isFile()) { if (p.endsWith('.test.ts')) out.push(p); return out; }
  for (const name of readdirSync(p).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    collect(join(p, name), out);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = args.length ? args : ['src'];
const files = roots.flatMap((r) => collect(r, []));
if (files.length === 0) { console.error(`no *.test.ts files under ${roots.join(', ')}`); process.exit(1); }
const res = spawnSync(process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit' });
process.exit(res.status ?? 1);
