// Atomic file writes: write to a temp file in the same directory, fsync, rename over the target,
// then fsync the directory. A crash leaves either the old file or the new one, never a torn file.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync, rmSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** fsync a directory: makes the renames and creations inside it durable. No-op where unsupported. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try { fd = openSync(dir, 'r'); } catch { return; }
  try { fsyncSync(fd); } catch { /* some file systems refuse fsync on directories */ } finally { closeSync(fd); }
}

/** Suffix of temporary file writeFileAtomic makes (recovery removes leftovers by it). */
export const ATOMIC_TMP_SUFFIX = '.tmp';

/** Write bytes to a new file and fsync it (no rename). */
export function writeFileSynced(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}${ATOMIC_TMP_SUFFIX}`);
  try {
    writeFileSynced(tmp, data);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}
