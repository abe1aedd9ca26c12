// An Arena: one fixed-size WebAssembly memory holding a table's arrays (values, optimizer state,
// gradient buffer, row lists) so the kernels of kernels.wat can run on them. The arrays handed out
// are ordinary typed-array views: JS code, checkpoints and ORT feeds use them unchanged (an ORT input
// may be a view on a wasm memory: it is a plain, non-shared ArrayBuffer). The memory never grows
// (growing would detach every view), so the owner sizes it up front from `arenaBytes`.
import { KERNELS_WASM_BASE64 } from './kernels.bytes.js';
import { WA, WASM_PAGE, moduleFromBase64, wasmEnabled, type WasmMemory } from '../../util/wasm/module.js';

/** wasm32 memories stop at 4 GiB; stay well below (and below V8's per-memory limit). */
export const ARENA_MAX_BYTES = 2 ** 31;
const ALIGN = 16;

export interface ArenaKernels {
  adam_rows(values: number, m: number, v: number, grad: number, uniq: number, n: number, dim: number,
    perRow: number, aPtr: number, icPtr: number, a: number, ic: number, scale: number, l2: number,
    b1: number, b2: number, c1: number, c2: number, eps: number): void;
  acc_rows(ids: number, n: number, src: number, strideBytes: number, weight: number, stamp: number, gen: number,
    uniq: number, grad: number, size: number, dim: number): number;
}

let compiled: object | null | undefined;

/** The compiled kernel module, or null when this runtime lacks WebAssembly SIMD. */
function kernelModule(): object | null {
  if (compiled === undefined) compiled = moduleFromBase64(KERNELS_WASM_BASE64);
  return compiled;
}

/** Whether arenas (and so the wasm kernels) can be used here. LIVERANK_WASM=0 turns them off. */
export function wasmAvailable(): boolean {
  return wasmEnabled() && kernelModule() !== null;
}

/** Bytes an arena needs for arrays of these byte sizes (each rounded up to the alignment). */
export function arenaBytes(sizes: number[]): number {
  return sizes.reduce((s, b) => s + Math.ceil(b / ALIGN) * ALIGN, 0);
}

export class Arena {
  readonly memory: WasmMemory;
  readonly kernels: ArenaKernels;
  private top = 0;

  constructor(readonly bytes: number) {
    const mod = kernelModule();
    if (!mod) throw new Error('WebAssembly SIMD is not available in this runtime');
    if (!(bytes > 0) || bytes > ARENA_MAX_BYTES) throw new Error(`arena of ${bytes} bytes: must be in (0, ${ARENA_MAX_BYTES}]`);
    const pages = Math.ceil(bytes / WASM_PAGE);
    this.memory = new WA.Memory({ initial: pages, maximum: pages });
    this.kernels = new WA.Instance(mod, { env: { memory: this.memory } }).exports as unknown as ArenaKernels;
  }

  private take(n: number, size: number): number {
    const at = this.top, len = Math.ceil((n * size) / ALIGN) * ALIGN;
    if (at + len > this.bytes) throw new Error(`arena: out of space (${at + len} > ${this.bytes} bytes)`);
    this.top = at + len;
    return at;
  }

  f32(n: number): Float32Array { return new Float32Array(this.buf, this.take(n, 4), n); }
  i32(n: number): Int32Array { return new Int32Array(this.buf, this.take(n, 4), n); }
  f64(n: number): Float64Array { return new Float64Array(this.buf, this.take(n, 8), n); }

  /** Whether `a` is a view into this arena (so a kernel can address it by a.byteOffset). */
  holds(a: ArrayBufferView): boolean { return a.buffer === this.memory.buffer; }
  private get buf(): ArrayBuffer { return this.memory.buffer as ArrayBuffer; }
}
