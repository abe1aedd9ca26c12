// `npm run bench [-- NAME...] [--json] [--quick]`: runs every bench/*.bench.ts (or those whose file
// name contains one of NAME). Each module's default export is `(opts: BenchOptions) => Promise<void>`
// and prints its own table (or JSON lines with --json).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  args: string[];
}

const argv = process.argv.slice(2);
const opts: BenchOptions = {
  json: argv.includes('--json'),
  quick: argv.includes('--quick'),
  args: argv,
};
const names = argv.filter((a) => !a.startsWith('--'));
const dir = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => names.length === 0 || names.some((n) => f.includes(n)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}`);
  process.exit(1);
}
for (const f of files) {
  if (!opts.json) console.log(`\n## ${f.replace('.bench.ts', '')}`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default: (o: BenchOptions) => Promise<void> };
  await mod.default(opts);
}
