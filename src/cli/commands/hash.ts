// `liverank hash [--version v1.1|v1.0.2] [--seed N] [--] TEXT...`
// Prints CityHash64 of the UTF-8 bytes of each TEXT as an unsigned decimal, one per line, in order.
// `--` ends the options (so `liverank hash -- --version` hashes the string "--version"), and an
// empty argument hashes the empty string. --seed uses CityHash64WithSeed (v1.1 only).
import { Command, Option } from 'commander';
import {
  CITY_VERSIONS, cityHash64Into, cityHash64WithSeedInto, u64ToDecimal, type CityVersion,
} from '../../features/cityhash/index.js';

const MAX_U64 = (1n << 64n) - 1n;

/** Parses a decimal seed in [0, 2^64 − 1]; throws a clear error otherwise. */
export function parseSeed(text: string): bigint {
  if (!/^[0-9]+$/.test(text)) {
    throw new Error(`--seed: expected an unsigned decimal integer in [0, 2^64-1], got "${text}"`);
  }
  const v = BigInt(text);
  if (v > MAX_U64) throw new Error(`--seed: ${text} is larger than 2^64-1 = ${MAX_U64}`);
  return v;
}

export interface HashOptions { version: CityVersion; seed?: bigint }

/** The lines `liverank hash` prints for texts (exported for tests and reuse). */
export function hashLines(texts: readonly string[], opts: HashOptions): string[] {
  if (opts.seed !== undefined && opts.version !== 'v1.1') {
    throw new Error(`--seed is only defined for CityHash64 v1.1 (CityHash64WithSeed); it cannot be combined with --version ${opts.version}`);
  }
  const enc = new TextEncoder();
  const out = new Uint32Array(2);
  const seedHi = opts.seed === undefined ? 0 : Number(opts.seed >> 32n) | 0;
  const seedLo = opts.seed === undefined ? 0 : Number(opts.seed & 0xffffffffn) | 0;
  return texts.map((t) => {
    const bytes = enc.encode(t);
    if (opts.seed === undefined) cityHash64Into(bytes, 0, bytes.length, out, opts.version);
    else cityHash64WithSeedInto(bytes, 0, bytes.length, seedHi, seedLo, out);
    return u64ToDecimal(out[0], out[1]);
  });
}

export function register(program: Command): void {
  program
    .command('hash')
    .description('CityHash64 of the UTF-8 bytes of each TEXT, printed as an unsigned decimal, one per line')
    .addOption(new Option('--version <version>', 'CityHash release: v1.1 (Google current) or v1.0.2 (ClickHouse cityHash64)')
      .choices([...CITY_VERSIONS]).default('v1.1'))
    .option('--seed <n>', 'CityHash64WithSeed with this unsigned decimal seed (0 … 2^64-1; v1.1 only)')
    .argument('<text...>', 'texts to hash (use -- before texts that start with "-")')
    .addHelpText('after', '\nExamples:\n  liverank hash Moscow\n  liverank hash --version v1.0.2 Moscow\n  liverank hash -- --version \'\'')
    .action((texts: string[], opts: { version: CityVersion; seed?: string }, cmd: Command) => {
      let lines: string[];
      try {
        const seed = opts.seed === undefined ? undefined : parseSeed(opts.seed);
        lines = hashLines(texts, { version: opts.version, seed });
      } catch (err) {
        cmd.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      }
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    });
}
