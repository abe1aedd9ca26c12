// `liverank init --data FILE [--label COL…] --out DIR`: sample a raw file, infer how to read it and
// what each column is, and write a commented starter config.yaml + features.yaml that `liverank
// train -c DIR/config.yaml` accepts as is. Prints the decision for every column, with the reason.
import type { Command } from 'commander';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { addReadFlags, readOptionsFromFlags, splitList } from '../../data/io/options.js';
import { inferConfig } from '../../data/infer/infer.js';
import { writeFileAtomic } from '../../util/atomic.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function fractions(s: string): [number, number, number] {
  const f = splitList(s).map(Number);
  if (f.length !== 3 || f.some((x) => !(x >= 0)) || Math.abs(f[0]! + f[1]! + f[2]! - 1) > 1e-9) {
    throw new Error(`--split: expected three fractions ≥ 0 adding up to 1 (train,val,test), got ${JSON.stringify(s)}`);
  }
  return f as [number, number, number];
}

interface Opts {
  data: string[]; val?: string[]; test?: string[]; label?: string[]; drop?: string; out: string; sample: string;
  split?: string; splitBy?: string; name?: string; force?: boolean;
  format?: string; delimiter?: string; header?: boolean; columns?: string; trim?: boolean; comment?: string; nullValues?: string;
}

export function register(program: Command): void {
  addReadFlags(program
    .command('init')
    .description('infer a schema and a starter config.yaml + features.yaml from a data file (prints what it decided and why)')
    .requiredOption('--data <path>', 'training data: a file, a glob (quote it) or a directory; repeat for several', collect)
    .option('--label <spec>', 'a label: COL, NAME=COL, COL==A|B (positive values), COL>X (>=, <, <=, !=), or NAME={ column: …, positive: […], strip: "." }; repeat for several tasks', collect)
    .option('--val <path>', 'validation file(s) (default: cut from --data)', collect)
    .option('--test <path>', 'test file(s) (default: cut from --data)', collect)
    .requiredOption('-o, --out <dir>', 'directory for config.yaml and features.yaml')
    .option('--drop <columns>', 'comma-separated columns to leave out of the features (e.g. a sampling weight)')
    .option('--sample <rows>', 'rows to sample', '100000')
    .option('--split <fractions>', 'train,val,test fractions of the rows not given as files (default 0.8,0.1,0.1; 0.6,0.2,0.2 under 10 000 rows)')
    .option('--split-by <how>', 'time | random (default: time when a timestamp column is found)')
    .option('--name <name>', 'run name in the config (default: the directory name)')
    .option('--force', 'overwrite config.yaml / features.yaml in --out'))
    .action(async (o: Opts) => {
      const sample = Number(o.sample);
      if (!Number.isInteger(sample) || sample <= 0) throw new Error(`--sample: expected a positive integer, got ${JSON.stringify(o.sample)}`);
      if (o.splitBy !== undefined && o.splitBy !== 'time' && o.splitBy !== 'random') throw new Error(`--split-by: "${o.splitBy}" is not allowed; allowed: time, random`);
      const cfgPath = join(o.out, 'config.yaml');
      const featPath = join(o.out, 'features.yaml');
      for (const p of [cfgPath, featPath]) if (existsSync(p) && !o.force) throw new Error(`${p} exists; pass --force to overwrite it`);
      const read = readOptionsFromFlags(o);
      const command = ['liverank', ...process.argv.slice(2)].map((a) => (/^[\w./=,:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
      let last = 0;
      const r = await inferConfig({
        data: o.data, val: o.val, test: o.test, labels: o.label ?? [], drop: o.drop ? splitList(o.drop).map((s) => s.trim()) : [],
        read, sample, split: o.split ? fractions(o.split) : undefined, splitBy: o.splitBy as 'time' | 'random' | undefined,
        name: o.name ?? basename(o.out.replace(/\/+$/, '')), outDir: o.out, command,
        progress: (s) => { const now = Date.now(); if (now - last > 500) { last = now; process.stderr.write(`\r  ${s}\x1b[K`); } },
      });
      process.stderr.write(`\r  sampled ${r.rows.toLocaleString('en-US')} rows\x1b[K\n`);
      for (const n of r.notes) process.stdout.write(`${n}\n`);
      process.stdout.write(`\n${r.table}\n\n`);
      mkdirSync(o.out, { recursive: true });
      writeFileAtomic(featPath, r.features);
      writeFileAtomic(cfgPath, r.config);
      process.stdout.write(`wrote ${cfgPath} and ${featPath} (${r.tasks.map((t) => `task ${t.task}: ${t.kind}`).join(', ')})\nnext: npx liverank train -c ${cfgPath} --out runs/${basename(o.out.replace(/\/+$/, ''))}\n`);
    });
}
