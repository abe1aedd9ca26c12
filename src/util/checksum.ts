// Checksums: SHA-256 of bytes and files, and `.sha256` sidecar files (sha256sum's format) that
// exported models carry and loaders check.
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { writeFileAtomic } from './atomic.js';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface FileDigest { sha256: string; bytes: number }

export function digestFile(path: string): FileDigest {
  const b = readFileSync(path);
  return { sha256: sha256(b), bytes: b.length };
}

/** Compare a file with its recorded digest; returns what differs (null = intact). */
export function checkFile(path: string, want: FileDigest): string | null {
  if (!existsSync(path)) return `${path}: missing (expected ${want.bytes} bytes, sha256 ${want.sha256})`;
  const got = digestFile(path);
  if (got.bytes !== want.bytes) return `${path}: ${got.bytes} bytes, expected ${want.bytes} (truncated or overwritten); sha256 ${got.sha256}, expected ${want.sha256}`;
  if (got.sha256 !== want.sha256) return `${path}: sha256 ${got.sha256}, expected ${want.sha256} (same size, ${want.bytes} bytes: the content is damaged)`;
  return null;
}

export const SIDECAR_EXT = '.sha256';

/** Write `<path>.sha256` ("<hex>  <name>\n", readable by `sha256sum -c`) for the bytes written to path. */
export function writeSidecar(path: string, data: Uint8Array): string {
  const line = `${sha256(data)}  ${basename(path)}\n`;
  writeFileAtomic(path + SIDECAR_EXT, line);
  return path + SIDECAR_EXT;
}

/**
 * Read `path` and check it against `<path>.sha256`; throws naming the file and what differed.
 * Returns the verified bytes. `require` false accepts a file without a sidecar.
 */
export function readVerified(path: string, require = true): Buffer {
  const side = path + SIDECAR_EXT;
  const bytes = readFileSync(path);
  if (!existsSync(side)) {
    if (require) throw new Error(`${path}: no checksum file ${side}; refusing an unverified model (re-export it, or pass the option that accepts unverified files)`);
    return bytes;
  }
  const m = /^([0-9a-f]{64})\b/.exec(readFileSync(side, 'utf8').trim());
  if (!m) throw new Error(`${side}: not a sha256 checksum line (expected 64 hex digits, then the file name)`);
  const got = sha256(bytes);
  if (got !== m[1]) throw new Error(`${path}: sha256 ${got} does not match ${side} (${m[1]}); the file is damaged or was replaced — refusing to load it`);
  return bytes;
}
