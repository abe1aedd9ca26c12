// `liverank tb dump RUN/tb | FILE [--tag RE] [--summary]`: reads TensorBoard event files, verifies
// every record's CRCs and prints the tags and values. A corrupt or truncated file is reported with
// the record index and byte offset, and the command exits non-zero.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dumpLines } from '../../diagnostics/tensorboard/dump.js';
import { eventFiles, readEventFile } from '../../diagnostics/tensorboard/reader.js';
import { TB_DIR } from '../../diagnostics/tensorboard/writer.js';

export function register(program: Command): void {
  const tb = program.command('tb').description('TensorBoard event files of a run (RUN/tb): dump and verify');
  tb.command('dump')
    .description('verify every record CRC of the event files in a directory (or one file) and print their tags and values; exits non-zero on a corrupt or truncated file')
    .argument('<path>', 'RUN/tb, a run directory or an events.out.tfevents.* file')
    .option('--tag <regex>', 'only tags matching this regular expression')
    .option('--summary', 'one line per tag (count, steps, last value) instead of every value')
    .action((path: string, o: { tag?: string; summary?: boolean }) => {
      let tag: RegExp | undefined;
      if (o.tag !== undefined) {
        try { tag = new RegExp(o.tag); } catch (e) { throw new Error(`--tag: "${o.tag}" is not a regular expression (${(e as Error).message})`); }
      }
      // A run directory: its tb/ subdirectory.
      const dir = existsSync(join(path, TB_DIR)) && statSync(path).isDirectory() && statSync(join(path, TB_DIR)).isDirectory() ? join(path, TB_DIR) : path;
      const files = eventFiles(dir).map(readEventFile);
      const { lines, ok } = dumpLines(files, { tag, summary: !!o.summary });
      process.stdout.write(`${lines.join('\n')}\n`);
      if (!ok) process.exitCode = 1;
    });
}
