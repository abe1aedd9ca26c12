// One writer per run directory (run-lock.ts): the lock is exclusive within a process and across
// processes, names its holder's pid and host, is taken over (with a message) when its process is
// gone or its pid was reused, is never taken over from another host, and is released on release(),
// on exit and on SIGTERM.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { holderAlive, LOCK_FILE, lockRunDir, RunLockedError, type LockInfo } from './run-lock.js';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'lr-lock-'));
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockInfo;

/** A process that takes the lock of `dir`, prints "locked", and waits (until killed, or `exitAfterMs`). */
function holder(t: TestContext, dir: string, exitAfterMs?: number) {
  const code = `
    const { lockRunDir } = await import(${JSON.stringify(join(here, 'run-lock.ts'))});
    lockRunDir(${JSON.stringify(dir)}, 'run-lock.test holder');
    process.stdout.write('locked\\n');
    const parent = process.ppid; // never outlive the test process
    const poll = setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(3); } }, 200);
    ${exitAfterMs === undefined ? '' : `setTimeout(() => clearInterval(poll), ${exitAfterMs});`}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((res, rej) => {
    child.stdout.on('data', (b: Buffer) => { if (b.toString().includes('locked')) res(); });
    child.on('exit', (c) => rej(new Error(`the holder exited (${c}) before taking the lock`)));
  });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return { child, ready, exited };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  assert.ok(pid > 0);
  assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the process is gone');
  return pid;
}

test('take, refuse a second take in the same process naming pid and host, release removes LOCK, take again', () => {
  const dir = tmp();
  const a = lockRunDir(dir, 'first writer');
  const info = lockOf(dir);
  assert.equal(info.pid, process.pid);
  assert.equal(info.host, hostname());
  assert.equal(info.command, 'first writer');
  assert.deepEqual(info, a.info);
  assert.throws(() => lockRunDir(dir, 'second writer'), (e: unknown) => {
    assert.ok(e instanceof RunLockedError);
    assert.equal(e.message, `${dir} is being written by pid ${process.pid} on ${hostname()} (since ${info.since}: first writer); one writer per run directory — wait for it, or stop that process`);
    assert.equal(e.holder?.nonce, info.nonce);
    return true;
  });
  assert.equal(lockOf(dir).nonce, info.nonce, 'the refused take left the holder\'s lock alone');
  a.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)), 'release removes LOCK');
  a.release(); // idempotent
  const b = lockRunDir(dir, 'next writer');
  assert.equal(lockOf(dir).command, 'next writer');
  b.release();
  assert.deepEqual(readdirSync(dir), [], 'no temporary file is left behind');
});

test('a lock held by a live child process: refused naming the child\'s pid and host; after SIGKILL it is stale and taken over with a message', async (t) => {
  const dir = tmp();
  const h = holder(t, dir);
  await h.ready;
  const held = lockOf(dir);
  assert.equal(held.pid, h.child.pid);
  assert.throws(() => lockRunDir(dir, 'parent'), (e: Error) => e instanceof RunLockedError && e.message.startsWith(`${dir} is being written by pid ${h.child.pid} on ${hostname()} (since ${held.since}: run-lock.test holder)`));
  h.child.kill('SIGKILL'); // no exit handler runs: LOCK stays behind
  await h.exited;
  assert.equal(lockOf(dir).pid, h.child.pid, 'a killed holder leaves its LOCK');
  const log: string[] = [];
  const l = lockRunDir(dir, 'parent', (s) => log.push(s));
  assert.equal(lockOf(dir).pid, process.pid);
  assert.deepEqual(log, [`${dir}: took over a stale lock of pid ${h.child.pid} on ${hostname()} (since ${held.since}: run-lock.test holder), which is no longer running`]);
  l.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('a child releases its lock on SIGTERM and on a normal exit', async (t) => {
  for (const how of ['SIGTERM', 'exit'] as const) {
    const dir = tmp();
    const h = holder(t, dir, how === 'exit' ? 300 : undefined);
    await h.ready;
    assert.ok(existsSync(join(dir, LOCK_FILE)));
    if (how === 'SIGTERM') h.child.kill('SIGTERM');
    await h.exited;
    assert.ok(!existsSync(join(dir, LOCK_FILE)), `${how}: LOCK removed`);
  }
});

test('stale locks written by hand: a dead pid, a reused pid (other start time), an unreadable file — taken over; another host — never', () => {
  const dir = tmp();
  const write = (over: Partial<LockInfo>) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), start: null, since: '2020-01-01T00:00:00.000Z', command: 'by hand', nonce: 'feedface', ...over }));
  const take = () => { const log: string[] = []; const l = lockRunDir(dir, 'taker', (s) => log.push(s)); l.release(); return log; };

  const dead = deadPid();
  write({ pid: dead });
  assert.equal(holderAlive(lockOf(dir)), false);
  assert.deepEqual(take(), [`${dir}: took over a stale lock of pid ${dead} on ${hostname()} (since 2020-01-01T00:00:00.000Z: by hand), which is no longer running`]);

  // This process's pid, but a start time that is not this process's: the pid was reused.
  const mine = lockRunDir(dir, 'me');
  const myStart = mine.info.start;
  mine.release();
  assert.notEqual(myStart, null, 'Linux: the start time is read from /proc');
  write({ pid: process.pid, start: myStart! - 1 });
  assert.equal(holderAlive(lockOf(dir)), false);
  assert.match(take()[0]!, new RegExp(`took over a stale lock of pid ${process.pid} `));
  write({ pid: process.pid, start: myStart });
  assert.equal(holderAlive(lockOf(dir)), true, 'same pid and start time: alive');
  assert.throws(() => lockRunDir(dir, 'taker'), RunLockedError);

  writeFileSync(join(dir, LOCK_FILE), '{"pid": 12'); // torn: cannot happen through link(), but a disk can
  assert.match(take()[0]!, /took over a stale lock of an unreadable lock file/);

  write({ pid: dead, host: 'elsewhere.example' });
  assert.throws(() => lockRunDir(dir, 'taker'), (e: Error) => e instanceof RunLockedError &&
    e.message.includes(`is being written by pid ${dead} on elsewhere.example`) && e.message.includes(`delete ${join(dir, LOCK_FILE)}`));
  assert.equal(lockOf(dir).host, 'elsewhere.example', 'a lock from another host is left in place');
});

test('release() does not remove a lock that another writer took over', () => {
  const dir = tmp();
  const a = lockRunDir(dir, 'a');
  // Someone decided a's lock was stale and replaced it (e.g. a clock or pid check gone wrong).
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...a.info, nonce: 'another' }));
  a.release();
  assert.equal(lockOf(dir).nonce, 'another', 'a released lock removes only its own LOCK');
});
