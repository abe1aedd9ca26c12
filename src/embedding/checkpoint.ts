// Embedding-table checkpoints: one binary file per table, written atomically.
//
// Layout (all little-endian):
//   bytes 0..7   magic "LREMBTB1"
//   bytes 8..11  uint32 byte length H of the JSON header
//   12..12+H     JSON header (UTF-8): format, version, name, dim, rows, init, seed, l2, optimizer config
//                and scalars, mapper config and meta, steps, reinitSerial, sections
//   then padding to a multiple of 8, then the payload: raw typed arrays ("sections"), each starting
//   on an 8-byte boundary, described in header.sections as { name, dtype, length, offset } with
//   offset relative to the payload start. Sections: values, opt.<slot>, mapper.<array>, dirty.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { EmbeddingTable } from './table.js';
import { ModuloRowMapper, type MapperArray, type RowMapper } from './mapper.js';
import { HashRowMapper, type HashRowMapperConfig } from './hash-mapper.js';
import type { OptimizerConfig } from './optimizers.js';
import type { Initializer } from './init.js';

export const CHECKPOINT_MAGIC = 'LREMBTB1';
export const CHECKPOINT_VERSION = 1;

type DType = 'f32' | 'f64' | 'i32' | 'u32' | 'u16' | 'u8';
interface Section { name: string; dtype: DType; length: number; offset: number }

export interface CheckpointHeader {
  format: 'liverank-embedding';
  version: number;
  name: string;
  dim: number;
  rows: number;
  init: Initializer;
  seed: number;
  l2: number;
  optimizer: OptimizerConfig;
  optimizerScalars: Record<string, number>;
  mapper: { config: Record<string, number | string | boolean>; meta: Record<string, number | string | boolean> };
  steps: number;
  reinitSerial: number;
  /** 'auto' gradient buffer state (absent in files from before it existed). */
  gradBuffer?: { mode: 'row' | 'slot'; touchedShare: number };
  sections: Section[];
  payloadBytes: number;
}

type AnyArray = MapperArray;
const CTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, u32: Uint32Array, u16: Uint16Array, u8: Uint8Array } as const;

function dtypeOf(a: AnyArray): DType {
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Uint16Array) return 'u16';
  return 'u8';
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('embedding checkpoints are little-endian; this big-endian platform is not supported');
  }
}

const align8 = (n: number) => (n + 7) & ~7;

/** Creates the row mapper described by a checkpoint's mapper config. */
export function createMapper(config: Record<string, number | string | boolean>, rows: number): RowMapper {
  if (config['kind'] === 'modulo') return new ModuloRowMapper(rows);
  if (config['kind'] === 'hash') return new HashRowMapper(rows, config as HashRowMapperConfig);
  throw new Error(`unknown row mapper kind ${JSON.stringify(config['kind'])} (expected modulo|hash)`);
}

/** Serialises the table (values, optimizer state, mapper state, config) to bytes. */
export function serializeEmbeddingTable(t: EmbeddingTable): Uint8Array {
  assertLittleEndian();
  const arrays: [string, AnyArray][] = [['values', t.values]];
  for (const [k, a] of Object.entries(t.optimizer.stateArrays())) arrays.push([`opt.${k}`, a]);
  const ms = t.mapper.state();
  for (const [k, a] of Object.entries(ms.arrays)) arrays.push([`mapper.${k}`, a]);
  arrays.push(['dirty', t.dirtyMask()]);
  const sections: Section[] = [];
  let off = 0;
  for (const [name, a] of arrays) {
    sections.push({ name, dtype: dtypeOf(a), length: a.length, offset: off });
    off = align8(off + a.byteLength);
  }
  const header: CheckpointHeader = {
    format: 'liverank-embedding', version: CHECKPOINT_VERSION, name: t.name, dim: t.dim, rows: t.rows,
    init: t.init, seed: t.seed, l2: t.l2, optimizer: t.optimizer.config, optimizerScalars: t.optimizer.stateScalars(),
    mapper: { config: t.mapper.config(), meta: ms.meta }, steps: t.steps, reinitSerial: t.reinitSerial,
    gradBuffer: t.bufferState(), sections, payloadBytes: off,
  };
  const hb = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(12 + hb.length);
  const out = new Uint8Array(start + off);
  out.set(Buffer.from(CHECKPOINT_MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  arrays.forEach(([, a], i) => out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), start + sections[i]!.offset));
  return out;
}

export function saveEmbeddingTable(t: EmbeddingTable, path: string): void {
  writeFileAtomic(path, serializeEmbeddingTable(t));
}

interface Parsed { header: CheckpointHeader; arrays: Map<string, AnyArray> }

function parse(bytes: Uint8Array, src: string): Parsed {
  assertLittleEndian();
  const bad = (msg: string): never => { throw new Error(`embedding checkpoint ${src}: ${msg}`); };
  if (bytes.length < 12) bad(`file is ${bytes.length} bytes, too short for a header`);
  const magic = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  if (magic !== CHECKPOINT_MAGIC) bad(`bad magic ${JSON.stringify(magic)} (expected ${CHECKPOINT_MAGIC}); not an embedding table checkpoint`);
  const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + hlen > bytes.length) bad(`header length ${hlen} runs past the end of the file (${bytes.length} bytes)`);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + hlen)).toString('utf8')) as CheckpointHeader;
  } catch (e) {
    return bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header.format !== 'liverank-embedding') bad(`header format is ${JSON.stringify(header.format)}, expected "liverank-embedding"`);
  if (header.version !== CHECKPOINT_VERSION) bad(`version ${header.version} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  for (const k of ['dim', 'rows', 'payloadBytes'] as const) {
    if (!Number.isInteger(header[k]) || header[k] < 0) bad(`header field ${k} must be a non-negative integer, got ${JSON.stringify(header[k])}`);
  }
  if (typeof header.name !== 'string' || !Array.isArray(header.sections)) bad('header lacks name or sections');
  const start = align8(12 + hlen);
  if (bytes.length !== start + header.payloadBytes) {
    bad(`file is ${bytes.length} bytes but the header promises ${start + header.payloadBytes} (truncated or corrupt)`);
  }
  const arrays = new Map<string, AnyArray>();
  for (const s of header.sections) {
    const C = CTORS[s.dtype];
    if (!C) bad(`section ${s.name} has unknown dtype ${JSON.stringify(s.dtype)}`);
    const nbytes = s.length * C.BYTES_PER_ELEMENT;
    if (s.offset < 0 || s.offset % 8 !== 0 || s.offset + nbytes > header.payloadBytes) bad(`section ${s.name} [${s.offset}, +${nbytes}) lies outside the payload`);
    const a = new C(s.length);
    new Uint8Array(a.buffer).set(bytes.subarray(start + s.offset, start + s.offset + nbytes));
    arrays.set(s.name, a);
  }
  return { header, arrays };
}

function copyInto(dst: AnyArray, arrays: Map<string, AnyArray>, name: string, src: string): void {
  const a = arrays.get(name);
  if (!a) throw new Error(`embedding checkpoint ${src}: section ${name} is missing`);
  if (a.constructor !== dst.constructor || a.length !== dst.length) {
    throw new Error(`embedding checkpoint ${src}: section ${name} is ${dtypeOf(a)}[${a.length}], expected ${dtypeOf(dst)}[${dst.length}]`);
  }
  dst.set(a as never);
}

function fill(t: EmbeddingTable, p: Parsed, src: string): void {
  const { header, arrays } = p;
  copyInto(t.values, arrays, 'values', src);
  for (const [k, a] of Object.entries(t.optimizer.stateArrays())) copyInto(a, arrays, `opt.${k}`, src);
  t.optimizer.restoreScalars(header.optimizerScalars ?? {});
  const mArrays: Record<string, AnyArray> = {};
  for (const [k, a] of arrays) if (k.startsWith('mapper.')) mArrays[k.slice(7)] = a;
  t.mapper.restore({ meta: header.mapper?.meta ?? {}, arrays: mArrays }, `embedding checkpoint ${src}`);
  const dirty = arrays.get('dirty');
  if (dirty) copyInto(t.dirtyMask(), arrays, 'dirty', src);
  t.steps = header.steps ?? 0;
  t.reinitSerial = header.reinitSerial ?? 0;
  if (header.gradBuffer) t.restoreBufferState(header.gradBuffer);
}

export interface LoadExpect { name?: string; dim?: number; rows?: number }

function checkExpect(h: CheckpointHeader, e: LoadExpect, src: string): void {
  const mism: string[] = [];
  if (e.name !== undefined && h.name !== e.name) mism.push(`name is "${h.name}", expected "${e.name}"`);
  if (e.dim !== undefined && h.dim !== e.dim) mism.push(`dim is ${h.dim}, expected ${e.dim}`);
  if (e.rows !== undefined && h.rows !== e.rows) mism.push(`rows is ${h.rows}, expected ${e.rows}`);
  if (mism.length) throw new Error(`embedding checkpoint ${src}: ${mism.join('; ')}`);
}

/** Builds a table from a checkpoint file; `expect` pins name/dim/rows (clear error on mismatch). */
export function loadEmbeddingTable(path: string, expect: LoadExpect = {}): EmbeddingTable {
  return deserializeEmbeddingTable(readFileSync(path), path, expect);
}

export function deserializeEmbeddingTable(bytes: Uint8Array, src = '<bytes>', expect: LoadExpect = {}): EmbeddingTable {
  const p = parse(bytes, src);
  checkExpect(p.header, expect, src);
  const h = p.header;
  let t: EmbeddingTable;
  try {
    t = new EmbeddingTable({
      name: h.name, dim: h.dim, rows: h.rows, init: h.init, fillValues: false, seed: h.seed, l2: h.l2,
      optimizer: h.optimizer, mapper: createMapper(h.mapper?.config ?? { kind: 'modulo' }, h.rows),
    });
  } catch (e) {
    throw new Error(`embedding checkpoint ${src}: ${(e as Error).message}`);
  }
  fill(t, p, src);
  return t;
}

/**
 * Restores a checkpoint into an existing table, which must have the same name, dim, rows,
 * optimizer config and mapper config.
 */
export function restoreEmbeddingTable(t: EmbeddingTable, path: string): void {
  restoreEmbeddingTableFrom(t, readFileSync(path), path);
}

/** restoreEmbeddingTable from bytes already read (e.g. checked against a checksum); `path` names them in errors. */
export function restoreEmbeddingTableFrom(t: EmbeddingTable, bytes: Uint8Array, path: string): void {
  const p = parse(bytes, path);
  checkExpect(p.header, { name: t.name, dim: t.dim, rows: t.rows }, path);
  const want = JSON.stringify(t.optimizer.config), got = JSON.stringify(p.header.optimizer);
  if (want !== got) throw new Error(`embedding checkpoint ${path}: optimizer is ${got}, table "${t.name}" uses ${want}`);
  const wm = JSON.stringify(t.mapper.config()), gm = JSON.stringify(p.header.mapper?.config);
  if (wm !== gm) throw new Error(`embedding checkpoint ${path}: row mapper is ${gm}, table "${t.name}" uses ${wm}`);
  fill(t, p, path);
}
