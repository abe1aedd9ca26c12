// Checkpoint directories under a run's checkpoints/ and their one commit point, the manifest.
// Writing: files go into `.tmp-<name>-<pid>/` (each fsynced, with COMMIT.json describing the commit),
// the directory is fsynced and renamed to `<name>/`, the parent fsynced, then the manifest is
// replaced; only then are directories the manifest no longer names removed. Reading: every file is
// checked against the manifest's SHA-256 before it is used. Recovery (on --resume): unfinished
// temporary directories are removed; a complete step directory the manifest does not name is adopted
// when it is newer than LATEST and intact by its own COMMIT.json (it is exactly what the killed run
// was about to commit), and removed otherwise (older: a prune that was interrupted; or damaged).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileSynced } from '../util/atomic.js';
import { checkFile, sha256, type FileDigest } from '../util/checksum.js';
import { faultPoint } from '../util/fault.js';
import {
  applyCommit, byCheckpointOrder, checkpointsDir, COMMIT_FILE, commitSchema, emptyManifest, manifestPath, readJsonFile, readManifest, writeManifest,
  type Commit, type Manifest,
} from './manifest.js';

const TMP_PREFIX = '.tmp-';
const isCheckpointDir = (f: string) => f.startsWith('step-');

export interface CommitOptions {
  keep: number;
  metric: Manifest['metric'];
  /** Run-level files to record in the manifest (e.g. features.json), path → digest. */
  runFiles?: Record<string, FileDigest>;
}

/** Write a checkpoint's files and commit it. Returns the committed manifest. */
export function commitCheckpoint(run: string, c: Omit<Commit, 'files'>, files: Record<string, Uint8Array>, o: CommitOptions): Manifest {
  const root = checkpointsDir(run);
  mkdirSync(root, { recursive: true });
  const found = readManifest(run);
  // A manifest made by recovery (adopting the first checkpoint of a killed run) does not know the metric yet.
  const prev = !found ? emptyManifest(o.metric) : found.metric === null && o.metric ? { ...found, metric: o.metric } : found;
  if (c.name in prev.checkpoints) throw new Error(`${join(root, c.name)}: refusing to overwrite a committed checkpoint`);
  const tmp = join(root, `${TMP_PREFIX}${c.name}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const digests: Record<string, FileDigest> = {};
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSynced(join(tmp, name), bytes);
    digests[name] = { sha256: sha256(bytes), bytes: bytes.length };
    faultPoint('checkpoint.file-written');
  }
  const commit: Commit = { ...c, files: digests };
  writeFileSynced(join(tmp, COMMIT_FILE), JSON.stringify(commit, null, 1));
  fsyncDir(tmp);
  faultPoint('checkpoint.files-synced');
  const final = join(root, c.name);
  rmSync(final, { recursive: true, force: true }); // an uncommitted leftover of the same name
  renameSync(tmp, final);
  fsyncDir(root);
  faultPoint('checkpoint.renamed');
  const next = applyCommit(prev, commit, o.keep, o.runFiles);
  writeManifest(run, next);
  faultPoint('manifest.committed');
  prune(run, next);
  return next;
}

/** Remove checkpoint directories the committed manifest does not name. */
export function prune(run: string, m: Manifest, log?: (s: string) => void): void {
  const root = checkpointsDir(run);
  for (const f of readdirSync(root)) {
    if (!isCheckpointDir(f) || f in m.checkpoints) continue;
    rmSync(join(root, f), { recursive: true, force: true });
    log?.(`removed ${join(root, f)} (not named by the manifest)`);
    faultPoint('prune.removed');
  }
}

/** Read a committed checkpoint's files, each checked against the manifest; throws naming the damaged file. */
export function readCheckpointFiles(run: string, name: string, m: Manifest): Map<string, Buffer> {
  const entry = m.checkpoints[name];
  if (!entry) throw new Error(`${manifestPath(run)}: no checkpoint ${name}`);
  const dir = join(checkpointsDir(run), name);
  const out = new Map<string, Buffer>();
  for (const [file, want] of Object.entries(entry.files)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`${path}: missing; the manifest lists it (${want.bytes} bytes) as part of checkpoint ${name}`);
    const bytes = readFileSync(path);
    const got = { sha256: sha256(bytes), bytes: bytes.length };
    if (got.sha256 !== want.sha256 || got.bytes !== want.bytes) {
      throw new Error(`${path}: damaged — ${got.bytes !== want.bytes ? `${got.bytes} bytes, the manifest recorded ${want.bytes}; ` : ''}sha256 ${got.sha256}, the manifest recorded ${want.sha256}. Refusing to load checkpoint ${name}` +
        `${otherCheckpoints(m, name)}`);
    }
    out.set(file, bytes);
  }
  return out;
}

function otherCheckpoints(m: Manifest, except: string): string {
  const others = Object.keys(m.checkpoints).filter((n) => n !== except);
  return others.length ? ` (the run also keeps ${others.join(', ')})` : '';
}

/** Check a run-level file (e.g. features.json) against the manifest, when the manifest records it. */
export function verifyRunFile(run: string, file: string, m: Manifest | null): void {
  const want = m?.run_files[file];
  if (!want) return;
  const err = checkFile(join(run, file), want);
  if (err) throw new Error(`${err}; recorded in ${manifestPath(run)}`);
}

/**
 * Bring a run directory back to a committed state after a kill (call with the run lock held).
 * Returns the manifest (possibly with an adopted checkpoint) or null when nothing was committed.
 */
export function recoverCheckpoints(run: string, log: (s: string) => void): Manifest | null {
  const root = checkpointsDir(run);
  if (!existsSync(root)) return null;
  for (const dir of [run, root]) {
    for (const f of readdirSync(dir)) {
      if (f.startsWith(TMP_PREFIX) || (f.startsWith('.') && f.endsWith('.tmp'))) {
        rmSync(join(dir, f), { recursive: true, force: true });
        log(`recovery: removed ${join(dir, f)}, left by an interrupted write`);
      }
    }
  }
  let m = readManifest(run) ?? legacyManifest(run, log);
  const latestStep = m?.latest ? m.checkpoints[m.latest]!.step : -1;
  const orphans = readdirSync(root).filter((f) => isCheckpointDir(f) && !(m && f in m.checkpoints));
  const candidates: Commit[] = [];
  for (const f of orphans) {
    const c = intactCommit(join(root, f));
    if (c && c.name === f && (c.step > latestStep || (c.step === latestStep && c.final && m?.final === null))) candidates.push(c);
  }
  candidates.sort((a, b) => byCheckpointOrder({ [a.name]: a, [b.name]: b })(a.name, b.name));
  for (const c of candidates) {
    m = applyCommit(m ?? emptyManifest(null), c, Math.max(2, Object.keys(m?.checkpoints ?? {}).length), {});
    writeManifest(run, m);
    log(`recovery: adopted ${join(root, c.name)} (step ${c.step}): complete and intact, written just before the run was stopped`);
  }
  if (m) prune(run, m, (s) => log(`recovery: ${s}`));
  return m;
}

/** The directory's COMMIT.json when every file it lists is intact, else null. */
function intactCommit(dir: string): Commit | null {
  const p = join(dir, COMMIT_FILE);
  if (!existsSync(p)) return null;
  let c: Commit;
  try { c = readJsonFile(p, commitSchema, 'checkpoint commit record'); } catch { return null; }
  for (const [f, d] of Object.entries(c.files)) if (checkFile(join(dir, f), d) !== null) return null;
  return c;
}

/** Runs written before the manifest existed (LATEST / BEST text files): record their files as they are now. */
function legacyManifest(run: string, log: (s: string) => void): Manifest | null {
  const root = checkpointsDir(run);
  const read = (f: string) => (existsSync(join(root, f)) ? readFileSync(join(root, f), 'utf8').trim() : null);
  const latest = read('LATEST');
  if (!latest) return null;
  const best = read('BEST');
  let m = emptyManifest(null);
  for (const name of [...new Set([best, latest])].filter((x): x is string => !!x && existsSync(join(root, x, 'state.json')))) {
    const dir = join(root, name);
    const files: Record<string, FileDigest> = {};
    for (const f of readdirSync(dir)) { const b = readFileSync(join(dir, f)); files[f] = { sha256: sha256(b), bytes: b.length }; }
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { globalStep?: number; calibrated?: boolean };
    m = applyCommit(m, { name, step: state.globalStep ?? 0, value: null, best: name === best, final: !!state.calibrated, files }, 3);
  }
  if (!m.latest) return null;
  writeManifest(run, m);
  for (const f of ['LATEST', 'BEST']) rmSync(join(root, f), { force: true });
  log(`${run}: written by an older liverank (LATEST/BEST files, no manifest); recorded the checksums of ${Object.keys(m.checkpoints).join(', ')} as they are now in ${manifestPath(run)}`);
  return m;
}
