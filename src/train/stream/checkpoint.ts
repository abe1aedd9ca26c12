// Streaming checkpoints: the model (dense parameters + optimizer slots, every embedding table with its
// optimizer state, the admission mappers of bounded tables), the progressive-metric windows and the
// stream position (the id of the last consumed record) are ONE commit — the batch trainer's
// checkpoint machinery (checkpoints.ts: temp dir, fsync, rename, manifest with SHA-256 per file).
// On restart the consumer group is moved to the committed offset, so every record after it is
// trained once more and none before it: exactly-once effect on the model.
//
// Ledger (optional, for tests and audits): `trained_ids.jsonl` gets one line per checkpoint with the
// sample ids trained since the previous one, appended AFTER the commit; each checkpoint also holds
// those ids (ids.txt), so a restart cuts lines past the restored checkpoint and re-appends its line
// when the kill fell between the commit and the append.
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStepCheckpoint, stepCheckpointBytes } from '../../engine/checkpoint.js';
import type { TrainStep } from '../../engine/step.js';
import { restoreEmbeddingTableFrom, serializeEmbeddingTable } from '../../embedding/index.js';
import { packMapperState, unpackMapperState } from '../../embedding/admission.js';
import { digestFile } from '../../util/checksum.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { Assembler } from '../assembler.js';
import { commitCheckpoint, readCheckpointFiles, recoverCheckpoints } from '../checkpoints.js';
import { readManifest } from '../manifest.js';
import { checkpointName, DENSE_FILE, embFile, FEATURES_FILE } from '../run-dir.js';
import type { BoundedTables } from './bounded.js';
import type { ProgressiveEval } from './progressive.js';

export const STREAM_STATE_FILE = 'stream.json';
export const IDS_FILE = 'ids.txt';
export const PROGRESSIVE_FILE = 'progressive.bin';
export const LEDGER_FILE = 'trained_ids.jsonl';
const mapFile = (t: string) => `map-${t}.bin`;

export interface StreamState {
  /** Id of the last record consumed (trained or rejected); '0' = none. */
  offset: string;
  /** Records consumed; usable rows (trained — or only scored, after --train-until); records rejected; optimizer steps. */
  records: number;
  samples: number;
  rejected: number;
  steps: number;
  /** Order-independent hash of every trained sample id (sum of 52-bit FNV hashes mod 2^52, hex). */
  idsHash: string;
  /** The options the run was started with (a restart must use the same). */
  options: Record<string, number | string | boolean>;
  lossHistory: number[][];
  l0: number[] | null;
  unknownFields: Record<string, number>;
  /** Rejected records by kind (bad_json, not_object, sample_id, type, missing, label). */
  rejectedBy: Record<string, number>;
  /** Wall-clock time of the commit (ISO). */
  at?: string;
}

export function initialState(options: StreamState['options']): StreamState {
  return { offset: '0', records: 0, samples: 0, rejected: 0, steps: 0, idsHash: '0', options, lossHistory: [], l0: null, unknownFields: {}, rejectedBy: {} };
}

/** FNV-1a over the id, 52 bits (exact in a double). */
export function idHash(id: string): number {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < id.length; i++) { h ^= BigInt(id.charCodeAt(i)); h = (h * 0x100000001b3n) & 0xffffffffffffffffn; }
  return Number(h & 0xfffffffffffffn);
}

export function addIdsHash(hash: string, ids: readonly string[]): string {
  let h = BigInt(`0x${hash}`);
  for (const id of ids) h = (h + BigInt(idHash(id))) & 0xfffffffffffffn;
  return h.toString(16);
}

export interface StreamModel {
  step: TrainStep;
  asm: Assembler;
  bounded: BoundedTables;
  progressive: ProgressiveEval;
}

/** Write and commit one checkpoint (model + offset + metric windows + the ids since the previous one). */
export function writeStreamCheckpoint(out: string, m: StreamModel, st: StreamState, idsSince: readonly string[], ledger: boolean): string {
  const name = checkpointName(st.records, '-stream');
  const files: Record<string, Uint8Array> = { [DENSE_FILE]: stepCheckpointBytes(m.step) };
  for (const t of m.asm.tables.values()) files[embFile(t.name)] = serializeEmbeddingTable(t);
  for (const [t, a] of m.bounded.admitted) files[mapFile(t)] = packMapperState(a.state());
  files[PROGRESSIVE_FILE] = packMapperState(m.progressive.state());
  files[STREAM_STATE_FILE] = Buffer.from(JSON.stringify({ ...st, at: new Date().toISOString() }, null, 1), 'utf8');
  files[IDS_FILE] = Buffer.from(idsSince.join('\n'), 'utf8');
  const fpath = join(out, FEATURES_FILE);
  commitCheckpoint(out, { name, step: st.records, value: null, best: false, final: false }, files, {
    keep: 2, metric: null, runFiles: existsSync(fpath) ? { [FEATURES_FILE]: digestFile(fpath) } : {},
  });
  if (ledger) appendFileSync(join(out, LEDGER_FILE), `${JSON.stringify({ checkpoint: name, records: st.records, ids: idsSince })}\n`);
  return name;
}

/** Recover the run directory after a kill and restore the latest committed checkpoint; null when none. */
export function restoreStreamCheckpoint(out: string, m: StreamModel, ledger: boolean, log: (s: string) => void, options?: StreamState['options']): { state: StreamState; name: string } | null {
  const man = recoverCheckpoints(out, log);
  if (!man?.latest) { if (ledger) writeFileAtomic(join(out, LEDGER_FILE), ''); return null; }
  const name = man.latest;
  const files = readCheckpointFiles(out, name, readManifest(out)!);
  const dir = join(out, 'checkpoints', name);
  const get = (f: string) => {
    const b = files.get(f);
    if (!b) throw new Error(`${join(dir, f)}: not part of checkpoint ${name} (was the config or --capacity changed?)`);
    return b;
  };
  const state = JSON.parse(get(STREAM_STATE_FILE).toString('utf8')) as StreamState;
  state.rejectedBy ??= {};
  const diff = Object.entries(options ?? {}).filter(([k, v]) => state.options[k] !== v);
  if (diff.length) throw new Error(`${out}: the run was started with ${diff.map(([k]) => `${k} = ${state.options[k]}`).join(', ')}; this restart asks ${diff.map(([k, v]) => `${k} = ${v}`).join(', ')} (use the same options, or a new --out)`);
  loadStepCheckpoint(join(dir, DENSE_FILE), m.step, get(DENSE_FILE));
  for (const t of m.asm.tables.values()) restoreEmbeddingTableFrom(t, get(embFile(t.name)), join(dir, embFile(t.name)));
  for (const [t, a] of m.bounded.admitted) a.restore(unpackMapperState(get(mapFile(t)), join(dir, mapFile(t))), join(dir, mapFile(t)));
  m.progressive.restore(unpackMapperState(get(PROGRESSIVE_FILE), join(dir, PROGRESSIVE_FILE)), join(dir, PROGRESSIVE_FILE));
  if (ledger) repairLedger(out, state.records, name, get(IDS_FILE).toString('utf8'), log);
  return { state, name };
}

function repairLedger(out: string, records: number, name: string, ids: string, log: (s: string) => void): void {
  const p = join(out, LEDGER_FILE);
  const lines = existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()) : [];
  const keep: string[] = [];
  let dropped = 0, have = false;
  for (const l of lines) {
    let r: { records?: number; checkpoint?: string };
    try { r = JSON.parse(l) as typeof r; } catch { dropped++; continue; } // a torn last line
    if ((r.records ?? Infinity) > records) { dropped++; continue; }
    if (r.checkpoint === name) have = true;
    keep.push(l);
  }
  if (!have) keep.push(JSON.stringify({ checkpoint: name, records, ids: ids ? ids.split('\n') : [] }));
  if (dropped || !have) log(`ledger: ${dropped} line(s) past ${name} dropped${have ? '' : `, its line re-appended`}`);
  writeFileAtomic(p, keep.length ? `${keep.join('\n')}\n` : '');
}

/** Every sample id in the ledger with its count (tests: exactly-once). */
export function readLedger(out: string): Map<string, number> {
  const p = join(out, LEDGER_FILE);
  const counts = new Map<string, number>();
  if (!existsSync(p)) return counts;
  for (const l of readFileSync(p, 'utf8').split('\n')) {
    if (!l.trim()) continue;
    for (const id of (JSON.parse(l) as { ids: string[] }).ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
