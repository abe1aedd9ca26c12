// The command index (command-index.ts) against what the files under commands/ really register: every
// top-level command is listed with the one file that registers it, and the program built for a named
// command has that command exactly as the full program has it (subcommands and options).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildProgram, commandFiles, type CommandModule } from './main.js';
import { COMMAND_FILES } from './command-index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

function shape(c: Command): unknown {
  return {
    name: c.name(),
    options: c.options.map((o) => o.flags),
    commands: c.commands.map(shape),
  };
}

test('command index: every top-level command maps to the file that registers it, and nothing else is listed', async () => {
  const dir = join(here, 'commands');
  const found: Record<string, string> = {};
  for (const f of commandFiles(dir)) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<CommandModule>;
    if (typeof mod.register !== 'function') continue;
    const p = new Command();
    mod.register(p);
    for (const c of p.commands) {
      assert.ok(!(c.name() in found), `command "${c.name()}" registered by both ${found[c.name()]} and ${f}`);
      found[c.name()] = f;
    }
  }
  assert.deepEqual(
    Object.entries(COMMAND_FILES).sort(), Object.entries(found).sort(),
    'src/cli/command-index.ts must list every command with its file (add the new command there)');
});

test('a program built for one command has that command exactly as the full program has it', async () => {
  const full = await buildProgram();
  for (const name of Object.keys(COMMAND_FILES)) {
    const one = await buildProgram(name);
    const a = one.commands.find((c) => c.name() === name);
    const b = full.commands.find((c) => c.name() === name);
    assert.ok(a && b, name);
    assert.deepEqual(shape(a), shape(b), name);
  }
  // no command, help and unknown names get every command
  for (const arg of [undefined, 'help', '--help', 'nope']) assert.equal((await buildProgram(arg)).commands.length, full.commands.length);
});

test('the CLI still lists every command in --help, and an unknown command exits non-zero naming it', () => {
  const help = spawnSync(process.execPath, ['bin/liverank.mjs', '--help'], { cwd: root, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const name of Object.keys(COMMAND_FILES)) assert.match(help.stdout, new RegExp(`\\n  ${name}\\b`), name);
  const bad = spawnSync(process.execPath, ['bin/liverank.mjs', 'tarin'], { cwd: root, encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown command 'tarin'/);
});
