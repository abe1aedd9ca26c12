// Which files a `train` / `val` / `test` entry names: a path, a list of paths, a glob (`*`, `?`,
// `[abc]` in any path segment, `**` for any depth) or a directory (a Parquet / Spark output
// directory: its files, without hidden ones and `_SUCCESS`-style markers). Files come back in sorted
// order, each once. A pattern or directory that matches nothing is an error naming it.
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';

const GLOB_CHARS = /[*?[]/;

export const isGlob = (p: string): boolean => GLOB_CHARS.test(p);

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      re += `[${seg.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};
const isDir = (p: string): boolean => { try { return statSync(p).isDirectory(); } catch { return false; } };
const isFile = (p: string): boolean => { try { return statSync(p).isFile(); } catch { return false; } };

/** Files of a glob pattern (absolute), sorted. */
export function expandGlob(pattern: string): string[] {
  const abs = resolve(pattern);
  const segs = abs.split(sep).filter((s, i) => s !== '' || i === 0);
  let bases = [segs[0] === '' ? sep : segs[0]!];
  for (let k = 1; k < segs.length; k++) {
    const seg = segs[k]!;
    const last = k === segs.length - 1;
    const next: string[] = [];
    if (seg === '**') {
      // zero or more directories
      const stack = [...bases];
      while (stack.length) {
        const d = stack.shift()!;
        next.push(d);
        for (const e of listDir(d)) if (!e.startsWith('.') && isDir(join(d, e))) stack.push(join(d, e));
      }
    } else if (!isGlob(seg)) {
      for (const b of bases) next.push(join(b, seg));
    } else {
      const re = segmentRegex(seg);
      for (const b of bases) for (const e of listDir(b)) if (re.test(e) && !(e.startsWith('.') && !seg.startsWith('.'))) next.push(join(b, e));
    }
    bases = last ? next.filter(isFile) : next.filter(isDir);
  }
  return [...new Set(bases)].sort();
}

/** Data files of a directory (hidden files and `_`-prefixed markers such as _SUCCESS left out), sorted. */
export function directoryFiles(dir: string): string[] {
  return listDir(dir).filter((e) => !e.startsWith('.') && !e.startsWith('_') && isFile(join(dir, e))).map((e) => join(dir, e));
}

/**
 * The files an entry names, absolute, in sorted order per pattern (list order kept between entries),
 * duplicates removed. `where` names the config key or flag in errors.
 */
export function expandPaths(entry: string | readonly string[], baseDir: string, where: string): string[] {
  const list = typeof entry === 'string' ? [entry] : entry;
  if (list.length === 0) throw new Error(`${where}: an empty list of files`);
  const out: string[] = [];
  for (const p of list) {
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    let files: string[];
    if (isGlob(p)) {
      files = expandGlob(abs);
      if (files.length === 0) throw new Error(`${where}: the pattern ${JSON.stringify(p)} (${abs}) matches no file`);
    } else if (isDir(abs)) {
      files = directoryFiles(abs);
      if (files.length === 0) throw new Error(`${where}: the directory ${abs} holds no data file`);
    } else if (isFile(abs)) {
      files = [abs];
    } else {
      throw new Error(`${where}: ${abs} does not exist`);
    }
    for (const f of files) if (!out.includes(f)) out.push(f);
  }
  return out;
}
