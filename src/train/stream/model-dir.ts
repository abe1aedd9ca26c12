// The reader side of a pushed model directory (push.ts): builds the model graph from the directory's
// config.json / features.json / bootstrap.jsonl, then `poll()` applies new pushes (a full push
// replaces everything, deltas after it apply changed rows, freed rows and the dense parameters) and
// `score(table)` ranks rows with the current version. A poll applies whole pushes only (CURRENT.json
// is the commit point) and swaps nothing while a score runs: scoring is synchronous up to the graph
// call, and a version is applied between calls.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Table } from '../../data/table.js';
import { Evaluator } from '../../engine/step.js';
import { ParameterStore } from '../../engine/store.js';
import { EmbeddingTable } from '../../embedding/index.js';
import { unpackMapperState } from '../../embedding/admission.js';
import { transform } from '../../features/index.js';
import type { TrainConfig } from '../config.js';
import { predOutput } from '../heads.js';
import type { Session } from '../session.js';
import { loadBootstrap, openStreamSession } from './open.js';
import { pushName, readCurrent } from './push.js';

interface Mirror { table: EmbeddingTable; keyToRow: Map<number, number>; rowKey: Float64Array; defaultRow: number }

export class ModelDirReader {
  /** The push applied last (0 = none yet). */
  seq = 0;
  private full = 0;
  private constructor(readonly dir: string, private readonly s: Session, private readonly store: ParameterStore, private readonly ev: Evaluator, private readonly mirrors: Map<string, Mirror>) {}

  static async open(dir: string, cfg: TrainConfig): Promise<ModelDirReader> {
    const boot = loadBootstrap(dir);
    if (!boot) throw new Error(`${dir}: no bootstrap.jsonl; is this a model directory written by train --stream --push-dir?`);
    const cpath = join(dir, 'config.json');
    const capacity = existsSync(cpath) ? (JSON.parse(readFileSync(cpath, 'utf8')) as { stream?: { capacity?: number } }).stream?.capacity : undefined;
    if (!capacity) throw new Error(`${cpath}: missing or without stream.capacity`);
    const s = await openStreamSession(cfg, dir, boot, () => {});
    const mirrors = new Map<string, Mirror>();
    for (const t of s.fitted.tables) {
      if (t.buckets <= capacity) continue;
      const old = s.asm.tables.get(t.name)!;
      const table = new EmbeddingTable({ name: t.name, dim: t.dim, rows: capacity + 1, seed: old.seed, init: { kind: 'zeros' }, optimizer: { kind: 'sgd', lr: 0 } });
      s.asm.tables.set(t.name, table);
      mirrors.set(t.name, { table, keyToRow: new Map(), rowKey: new Float64Array(capacity).fill(-1), defaultRow: capacity });
    }
    const store = new ParameterStore(cfg.seed);
    const ev = await Evaluator.create(s.build, store, { substitute: s.asm.substitute });
    const r = new ModelDirReader(dir, s, store, ev, mirrors);
    await r.poll();
    return r;
  }

  /** Apply the pushes committed since the last poll; true when the model changed. */
  async poll(): Promise<boolean> {
    const cur = readCurrent(this.dir);
    if (!cur || cur.seq === this.seq) return false;
    const chain = cur.full === this.full && this.seq >= cur.full ? cur.chain.filter((x) => x > this.seq) : cur.chain;
    for (const seq of chain) this.apply(seq);
    this.seq = cur.seq; this.full = cur.full;
    return true;
  }

  private apply(seq: number): void {
    const p = join(this.dir, 'pushes', pushName(seq));
    const meta = JSON.parse(readFileSync(join(p, 'meta.json'), 'utf8')) as { kind: 'full' | 'delta' };
    const dense = unpackMapperState(readFileSync(join(p, 'dense.bin')), join(p, 'dense.bin'));
    const theta = dense.arrays.theta as Float32Array, buffers = dense.arrays.buffers as Float32Array;
    if (theta.length !== this.store.theta.length) throw new Error(`${p}/dense.bin: ${theta.length} parameters, the model has ${this.store.theta.length} (another config?)`);
    this.store.theta = theta; this.store.buffers = buffers;
    for (const [name, t] of this.s.asm.tables) {
      const f = join(p, `table-${name}.bin`);
      const st = unpackMapperState(readFileSync(f), f);
      const rows = st.arrays.rows as Int32Array, keys = st.arrays.keys as Float64Array, values = st.arrays.values as Float32Array, freed = st.arrays.freed as Int32Array;
      const m = this.mirrors.get(name);
      if (m && meta.kind === 'full') { m.keyToRow.clear(); m.rowKey.fill(-1); }
      const dim = t.dim, v = t.values;
      for (const r of freed) if (m) { const k = m.rowKey[r]!; if (k >= 0 && m.keyToRow.get(k) === r) m.keyToRow.delete(k); m.rowKey[r] = -1; }
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (r < 0 || r >= t.rows) throw new Error(`${f}: row ${r} outside the table's ${t.rows} rows`);
        v.set(values.subarray(i * dim, (i + 1) * dim), r * dim);
        if (m && r !== m.defaultRow) {
          const old = m.rowKey[r]!, k = keys[i]!;
          if (old >= 0 && old !== k && m.keyToRow.get(old) === r) m.keyToRow.delete(old);
          m.keyToRow.set(k, r); m.rowKey[r] = k;
        }
      }
    }
  }

  /** Predictions per task for the rows (ids of unknown keys read the default row). */
  async score(table: Table): Promise<Record<string, Float32Array>> {
    const fb = transform(this.s.fitted, table);
    for (const spec of this.s.fitted.specs) {
      const m = spec.table ? this.mirrors.get(spec.table) : undefined;
      if (!m || spec.output === 'dense') continue;
      const remap = (ids: Int32Array, mask?: Uint8Array) => { for (let i = 0; i < ids.length; i++) if (!mask || mask[i]) ids[i] = m.keyToRow.get(ids[i]!) ?? m.defaultRow; };
      if (spec.output === 'ids') remap(fb.ids[spec.name]!);
      else remap(fb.multi[spec.name]!.ids, fb.multi[spec.name]!.mask);
    }
    const out = await this.ev.run(this.s.asm.feeds(fb));
    return Object.fromEntries(this.s.cfg.tasks.map((t) => [t.name, out[predOutput(t.name)]!.data as Float32Array]));
  }

  /** Held keys per bounded table (tests, reports). */
  keys(table: string): number { return this.mirrors.get(table)?.keyToRow.size ?? 0; }
}
