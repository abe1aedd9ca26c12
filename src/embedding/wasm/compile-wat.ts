// WebAssembly text → binary with wabt (a devDependency: used by scripts/build-wasm.ts and the test
// that checks kernels.bytes.ts against kernels.wat, never at run time).
import wabtInit from 'wabt';

export async function compileWat(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('kernels.wat', source, { simd: true });
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}
