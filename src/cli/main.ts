// liverank command line. Every module in ./commands/ exports `register(program)` and is discovered
// at start-up, so adding a command means adding one file (and its line in command-index.ts, which
// lets a named command load only its own file).
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setDefaultTrainHooks } from '../train/hooks.js';
import { diagnosticsHooks } from '../diagnostics/hooks.js';
import { COMMAND_FILES } from './command-index.js';

export interface CommandModule {
  register(program: Command): void;
}

export function commandFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .sort();
}

/** The program with every command (no argument), or with only the file registering `command`. */
export async function buildProgram(command?: string): Promise<Command> {
  setDefaultTrainHooks(diagnosticsHooks); // train.tensorboard: RUN/tb + feature statistics for every command that trains
  const program = new Command();
  program
    .name('liverank')
    .description('Multi-scenario, multi-task recommendation ranking: features, training, metrics, serving')
    .showHelpAfterError();
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
  const only = command !== undefined && Object.hasOwn(COMMAND_FILES, command) ? COMMAND_FILES[command] : undefined;
  const files = only ? [only] : commandFiles(dir);
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<CommandModule>;
    if (typeof mod.register === 'function') mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`liverank: ${msg}\n`);
    if (process.env.LIVERANK_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
