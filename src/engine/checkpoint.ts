// Checkpoints of dense parameters, state buffers and optimizer slots: one binary file written
// atomically — "LRCK", u32 header length, JSON header, padding to 4 bytes, then float32 arrays.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import type { ParameterStore } from './store.js';
import type { TrainStep } from './step.js';

const MAGIC = 'LRCK';
const VERSION = 1;

interface Header {
  format: 'liverank-dense';
  version: number;
  step: number;
  optimizer: unknown;
  slots: string[];
  trainable: { name: string; shape: number[]; offset: number }[];
  state: { name: string; shape: number[]; offset: number }[];
  arrays: { name: string; length: number }[];
  extra?: unknown;
}

function layout(store: ParameterStore) {
  const m = (e: { spec: { name: string; shape: number[] }; offset: number }) => ({ name: e.spec.name, shape: e.spec.shape, offset: e.offset });
  return { trainable: [...store.trainable.values()].map(m), state: [...store.state.values()].map(m) };
}

function encode(header: Header, arrays: Float32Array[]): Uint8Array {
  const hjson = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((8 + hjson.length) % 4)) % 4;
  const total = 8 + hjson.length + pad + arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(Buffer.from(MAGIC, 'ascii'), 0);
  new DataView(out.buffer).setUint32(4, hjson.length, true);
  out.set(hjson, 8);
  let off = 8 + hjson.length + pad;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return out;
}

function decode(path: string, bytes?: Uint8Array): { header: Header; arrays: Map<string, Float32Array> } {
  const buf = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : readFileSync(path);
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== MAGIC) throw new Error(`${path}: not a liverank checkpoint (bad magic)`);
  const hlen = buf.readUInt32LE(4);
  if (8 + hlen > buf.length) throw new Error(`${path}: truncated checkpoint header`);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + hlen)) as Header;
  } catch (e) {
    throw new Error(`${path}: checkpoint header is not valid JSON (${(e as Error).message}); the file is damaged`);
  }
  if (header.format !== 'liverank-dense' || header.version !== VERSION) {
    throw new Error(`${path}: unsupported checkpoint format ${header.format} v${header.version}`);
  }
  let off = 8 + hlen + ((4 - ((8 + hlen) % 4)) % 4);
  const arrays = new Map<string, Float32Array>();
  for (const a of header.arrays) {
    const bytes = a.length * 4;
    if (off + bytes > buf.length) throw new Error(`${path}: truncated checkpoint (array "${a.name}")`);
    const copy = new Float32Array(a.length);
    new Uint8Array(copy.buffer).set(buf.subarray(off, off + bytes));
    arrays.set(a.name, copy);
    off += bytes;
  }
  return { header, arrays };
}

/**
 * Checks names and shapes; returns a function that moves a flat array from the checkpoint's layout to
 * the model's when only the order of the parameters differs (e.g. a model file that creates its
 * parameters in another order), else null.
 */
function checkLayout(path: string, header: Header, store: ParameterStore): { theta: Remap; buffers: Remap } {
  const want = layout(store);
  const diff = (kind: 'trainable' | 'state') => {
    const a = header[kind], b = want[kind];
    const names = new Set([...a.map((x) => x.name), ...b.map((x) => x.name)]);
    for (const n of names) {
      const x = a.find((e) => e.name === n), y = b.find((e) => e.name === n);
      if (!x) return `parameter "${n}" is in the model but not in the checkpoint`;
      if (!y) return `parameter "${n}" is in the checkpoint but not in the model`;
      if (x.shape.join(',') !== y.shape.join(',')) return `parameter "${n}": checkpoint [${x.shape}] vs model [${y.shape}]`;
    }
    return null;
  };
  const msg = diff('trainable') ?? diff('state');
  if (msg) throw new Error(`${path}: checkpoint does not match the model: ${msg}`);
  return { theta: remap(header.trainable, want.trainable), buffers: remap(header.state, want.state) };
}

type Remap = ((a: Float32Array) => Float32Array) | null;

function remap(from: { name: string; shape: number[]; offset: number }[], to: { name: string; shape: number[]; offset: number }[]): Remap {
  const src = new Map(from.map((e) => [e.name, e.offset]));
  if (to.every((e) => src.get(e.name) === e.offset)) return null;
  const size = (e: { shape: number[] }) => e.shape.reduce((p, d) => p * d, 1);
  const total = to.reduce((s, e) => Math.max(s, e.offset + size(e)), 0);
  return (a) => {
    const out = new Float32Array(total);
    for (const e of to) out.set(a.subarray(src.get(e.name)!, src.get(e.name)! + size(e)), e.offset);
    return out;
  };
}

const apply = (f: Remap, a: Float32Array) => (f ? f(a) : a);

/** Save parameters, buffers, optimizer slots and the step count. */
export function saveStepCheckpoint(path: string, s: TrainStep, extra?: unknown): void {
  writeFileAtomic(path, stepCheckpointBytes(s, extra));
}

/** The bytes saveStepCheckpoint writes. */
export function stepCheckpointBytes(s: TrainStep, extra?: unknown): Uint8Array {
  const slots = s.optimizer.slots.map((x) => x.name);
  const arrays = [s.store.theta, s.store.buffers, ...s.slots];
  const names = ['theta', 'buffers', ...slots.map((n) => `opt:${n}`)];
  const header: Header = {
    format: 'liverank-dense', version: VERSION, step: s.step, optimizer: s.optimizer.config, slots,
    ...layout(s.store), arrays: arrays.map((a, i) => ({ name: names[i]!, length: a.length })), extra,
  };
  return encode(header, arrays);
}

/** Restore into a TrainStep built from the same model (layout checked). Returns `extra`. `bytes`: the file's content, already read. */
export function loadStepCheckpoint(path: string, s: TrainStep, bytes?: Uint8Array): unknown {
  const { header, arrays } = decode(path, bytes);
  const m = checkLayout(path, header, s.store);
  const theta = arrays.get('theta')!;
  s.store.theta = apply(m.theta, theta);
  s.store.buffers = apply(m.buffers, arrays.get('buffers')!);
  s.slots = s.optimizer.slots.map((x) => {
    const a = arrays.get(`opt:${x.name}`);
    if (!a) throw new Error(`${path}: no optimizer slot "${x.name}" (checkpoint optimizer: ${JSON.stringify(header.optimizer)})`);
    return a.length === theta.length ? apply(m.theta, a) : a; // per-parameter slots follow theta's layout
  });
  s.step = header.step;
  return header.extra;
}

/** Load only parameters and buffers (evaluation / export). */
export function loadParams(path: string, store: ParameterStore, bytes?: Uint8Array): unknown {
  const { header, arrays } = decode(path, bytes);
  const m = checkLayout(path, header, store);
  store.theta = apply(m.theta, arrays.get('theta')!);
  store.buffers = apply(m.buffers, arrays.get('buffers')!);
  return header.extra;
}
