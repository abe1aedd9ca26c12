// Loading our WebAssembly kernels (compiled .wat, committed as base64 by scripts/build-wasm.ts).
// The typings in use (lib es2022 + @types/node 20) do not declare WebAssembly; the few members used:
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  Instance: new (m: object, imports: object) => { exports: unknown };
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
export const WASM_PAGE = 65536;

/** The compiled module of base64 bytes, or null when this runtime cannot compile it (no SIMD / threads). */
export function moduleFromBase64(b64: string): object | null {
  try {
    return new WA.Module(Buffer.from(b64, 'base64'));
  } catch {
    return null;
  }
}

/** LIVERANK_WASM=0 turns every wasm kernel off (the JS / ORT paths run instead). */
export function wasmEnabled(): boolean {
  return process.env.LIVERANK_WASM !== '0';
}
