// Model pushes from the streaming trainer to a file-based model directory a reader reloads
// (model-dir.ts). Layout of DIR:
//   config.json, features.json, bootstrap.jsonl   written once: what the reader builds its graph from
//   pushes/<seq>/                                  one push: meta.json, dense.bin (all dense parameters),
//                                                  table-<name>.bin (changed rows: row, key, values; freed rows)
//   CURRENT.json                                   the commit point: { seq, full, chain: [full … seq] }
// A push directory is written under a temporary name, every file fsynced, renamed, the parent fsynced,
// and only then CURRENT.json replaced atomically: a reader sees a whole push or none. The first push of
// a process is FULL (every row): after a restart the trainer continues from its checkpoint, which may
// be older than what it pushed before it was killed, so deltas would not apply to what readers hold.
// Every `fullEvery` pushes another full one lets old pushes be pruned.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ParameterStore } from '../../engine/store.js';
import { packMapperState } from '../../embedding/admission.js';
import type { EmbeddingTable } from '../../embedding/index.js';
import { fsyncDir, writeFileAtomic, writeFileSynced } from '../../util/atomic.js';
import { FEATURES_FILE } from '../run-dir.js';
import type { Session } from '../session.js';
import type { BoundedTables } from './bounded.js';
import type { StreamState } from './checkpoint.js';
import { BOOTSTRAP_FILE } from './open.js';

export const CURRENT_FILE = 'CURRENT.json';
export interface Current { seq: number; full: number; chain: number[] }
export const pushName = (seq: number) => String(seq).padStart(8, '0');

export interface PushOptions {
  dir: string;
  /** Push after this many trained samples (0 = not by count). */
  everySamples: number;
  /** Push after this many seconds (0 = not by time). */
  everySeconds: number;
  /** Every this many pushes, a full one (default 20). */
  fullEvery?: number;
  /** Also hand each push to a service (service-push.ts). */
  after?: (p: { seq: number; dir: string; session: Session; store: ParameterStore; bounded: BoundedTables }) => Promise<void>;
}

export interface PushStats { seq: number; full: boolean; rows: number; freed: number; bytes: number; ms: number }

export class Pusher {
  private samples = 0;
  private last = Date.now();
  private seq = 0;
  private full = 0;
  private chain: number[] = [];
  private nextFull = true;
  private session: Session | null = null;
  readonly history: PushStats[] = [];

  constructor(readonly o: PushOptions) {
    if (!(o.everySamples > 0) && !(o.everySeconds > 0)) throw new Error('push: give a sample count or a number of seconds between pushes');
  }

  /** Prepare DIR (graph inputs for readers) and continue its numbering. Called once the model is restored. */
  begin(s: Session, runDir: string): void {
    this.session = s;
    const d = this.o.dir;
    mkdirSync(join(d, 'pushes'), { recursive: true });
    this.seed(runDir);
    const cur = readCurrent(d);
    if (cur) { this.seq = cur.seq; this.full = cur.full; this.chain = cur.chain; }
    this.nextFull = true;
    this.last = Date.now();
  }

  /** Copy the run's graph inputs (config, features, bootstrap samples) into DIR, atomically each. */
  seed(runDir: string): void {
    for (const f of ['config.json', FEATURES_FILE, BOOTSTRAP_FILE]) {
      const src = join(runDir, f);
      if (existsSync(src)) { const tmp = join(this.o.dir, `.${f}.tmp`); copyFileSync(src, tmp); renameSync(tmp, join(this.o.dir, f)); }
    }
    fsyncDir(this.o.dir);
  }

  /** Whether a push is due after `newSamples` more trained samples (never when nothing was trained since the last push). */
  due(newSamples: number): boolean {
    this.samples += newSamples;
    if (this.samples === 0 && !this.nextFull) return false;
    return (this.o.everySamples > 0 && this.samples >= this.o.everySamples) || (this.o.everySeconds > 0 && Date.now() - this.last >= this.o.everySeconds * 1000);
  }

  async push(store: ParameterStore, bounded: BoundedTables, st: StreamState, log: (s: string) => void): Promise<PushStats> {
    const t0 = performance.now();
    const s = this.session!;
    const full = this.nextFull || (this.chain.length >= (this.o.fullEvery ?? 20));
    if (full) for (const a of bounded.admitted.values()) a.resetPushed();
    const seq = this.seq + 1, name = pushName(seq);
    const files: Record<string, Uint8Array> = {};
    files['dense.bin'] = packMapperState({ meta: {}, arrays: { theta: store.theta, buffers: store.buffers } });
    let rows = 0, freed = 0;
    const tables: Record<string, unknown> = {};
    for (const [tname, t] of s.asm.tables) {
      const a = bounded.admitted.get(tname);
      let ch;
      if (a) ch = a.takeChanges();
      else {
        const r = full ? allRows(t) : t.takeDirtyRows();
        if (full) t.takeDirtyRows();
        const values = new Float32Array(r.length * t.dim);
        r.forEach((x, i) => values.set(t.values.subarray(x * t.dim, (x + 1) * t.dim), i * t.dim));
        ch = { rows: r, keys: Float64Array.from(r), values, freed: new Int32Array(0) };
      }
      rows += ch.rows.length; freed += ch.freed.length;
      tables[tname] = { dim: t.dim, rows: t.rows, bounded: !!a, changed: ch.rows.length, freed: ch.freed.length };
      files[`table-${tname}.bin`] = packMapperState({ meta: { dim: t.dim }, arrays: { rows: ch.rows, keys: ch.keys, values: ch.values, freed: ch.freed } });
    }
    const meta = { seq, kind: full ? 'full' : 'delta', records: st.records, samples: st.samples, offset: st.offset, steps: st.steps, at: new Date().toISOString(), tables };
    files['meta.json'] = Buffer.from(JSON.stringify(meta, null, 1), 'utf8');
    const root = join(this.o.dir, 'pushes');
    const tmp = join(root, `.tmp-${name}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    let bytes = 0;
    for (const [f, b] of Object.entries(files)) { writeFileSynced(join(tmp, f), b); bytes += b.length; }
    fsyncDir(tmp);
    rmSync(join(root, name), { recursive: true, force: true }); // an uncommitted push of a killed run
    renameSync(tmp, join(root, name));
    fsyncDir(root);
    this.chain = full ? [seq] : [...this.chain, seq];
    if (full) this.full = seq;
    this.seq = seq;
    writeFileAtomic(join(this.o.dir, CURRENT_FILE), JSON.stringify({ seq, full: this.full, chain: this.chain } satisfies Current));
    this.prune();
    this.nextFull = false; this.samples = 0; this.last = Date.now();
    const stats: PushStats = { seq, full, rows, freed, bytes, ms: performance.now() - t0 };
    this.history.push(stats);
    log(`push ${seq} (${full ? 'full' : 'delta'}): ${rows.toLocaleString('en-US')} row(s), ${freed} freed, ${(bytes / 1e6).toFixed(2)} MB in ${stats.ms.toFixed(0)} ms → ${this.o.dir}`);
    if (this.o.after) await this.o.after({ seq, dir: this.o.dir, session: s, store, bounded });
    return stats;
  }

  /** Remove pushes older than the previous full one (a reader still loading that chain keeps it). */
  private prune(): void {
    const root = join(this.o.dir, 'pushes');
    const keepFrom = Math.min(this.full, ...this.chain) - 1; // the push before the current chain's full may be a reader's
    for (const f of readdirSync(root)) {
      if (f.startsWith('.tmp-')) continue;
      const n = Number(f);
      if (Number.isInteger(n) && n < keepFrom && n < this.full) rmSync(join(root, f), { recursive: true, force: true });
    }
  }
}

function allRows(t: EmbeddingTable): Int32Array {
  return Int32Array.from({ length: t.rows }, (_, i) => i);
}

export function readCurrent(dir: string): Current | null {
  const p = join(dir, CURRENT_FILE);
  if (!existsSync(p)) return null;
  try { return JSON.parse(readFileSync(p, 'utf8')) as Current; } catch (e) { throw new Error(`${p}: not JSON (${(e as Error).message})`); }
}
