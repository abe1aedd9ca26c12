// One writer per run directory: an advisory lock file `<run>/LOCK` holding the writer's pid, host,
// process start time, command and a nonce. It is created atomically (link of a complete temp file:
// fails if LOCK exists), so a reader never sees a half-written lock. A lock whose process is gone
// (same host; no such pid, or the pid was reused by a process that started later) is stale: it is
// renamed aside, checked to still be the stale one, and taken over with a message. Locks from other
// hosts are never taken over. The lock is released on exit, SIGINT and SIGTERM.
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileSynced } from '../util/atomic.js';
import { faultPoint } from '../util/fault.js';

export const LOCK_FILE = 'LOCK';

export interface LockInfo {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux /proc), to detect a reused pid. */
  start: number | null;
  since: string;
  command: string;
  nonce: string;
}

export class RunLockedError extends Error {
  constructor(readonly dir: string, readonly holder: LockInfo | null, message: string) {
    super(message);
    this.name = 'RunLockedError';
  }
}

function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]); // field 22 of stat; fields[0] is field 3
  } catch {
    return null;
  }
}

/** Is the lock's process still running? Unknown hosts count as alive (never taken over). */
export function holderAlive(h: LockInfo): boolean {
  if (h.host !== hostname()) return true;
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = processStart(h.pid);
  return h.start === null || start === null || start === h.start;
}

function readLock(path: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

export function describeHolder(h: LockInfo | null): string {
  return h ? `pid ${h.pid} on ${h.host} (since ${h.since}: ${h.command})` : 'an unreadable lock file';
}

export interface RunLock {
  readonly dir: string;
  readonly info: LockInfo;
  release(): void;
}

/**
 * Take the lock of run directory `dir` (created if needed) or throw RunLockedError naming the
 * holder. `log` hears about stale locks taken over.
 */
export function lockRunDir(dir: string, command: string, log: (s: string) => void = () => {}): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid, host: hostname(), start: processStart(process.pid), since: new Date().toISOString(),
    command, nonce: randomBytes(8).toString('hex'),
  };
  const tmp = join(dir, `.${LOCK_FILE}.${process.pid}.${info.nonce}.tmp`);
  writeFileSynced(tmp, JSON.stringify(info));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readLock(path);
      if (holder === null && attempt < 20) { sleepMs(50); continue; } // being replaced, or torn by a crash: look again
      if (holder && holderAlive(holder)) {
        throw new RunLockedError(dir, holder, `${dir} is being written by ${describeHolder(holder)}; one writer per run directory — wait for it, or stop that process` +
          (holder.host !== info.host ? ` (the lock is from another host; if that process is gone, delete ${path})` : ''));
      }
      if (attempt >= 25) throw new RunLockedError(dir, holder, `${dir}: could not take the lock ${path} (held by ${describeHolder(holder)}); delete it if no process uses this run`);
      // Stale: move it aside, make sure we moved the stale one (not a fresh lock taken meanwhile).
      const aside = join(dir, `.${LOCK_FILE}.stale.${info.nonce}.tmp`);
      try { renameSync(path, aside); } catch { continue; }
      const moved = readLock(aside);
      if (holder && moved && moved.nonce !== holder.nonce) {
        try { linkSync(aside, path); } catch { /* another writer holds it now; the loop will see it */ }
        rmSync(aside, { force: true });
        continue;
      }
      rmSync(aside, { force: true });
      log(`${dir}: took over a stale lock of ${describeHolder(holder)}, which is no longer running`);
      faultPoint('lock.stale-removed');
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  faultPoint('lock.taken');
  return new HeldLock(dir, path, info);
}

class HeldLock implements RunLock {
  private released = false;
  private readonly onExit = () => this.release();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.release();
    process.kill(process.pid, sig); // listeners are gone: the default action (exit) follows
  };

  constructor(readonly dir: string, private readonly path: string, readonly info: LockInfo) {
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    const cur = existsSync(this.path) ? readLock(this.path) : null;
    if (cur && cur.nonce === this.info.nonce) {
      try { unlinkSync(this.path); } catch { /* already gone */ }
    }
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
