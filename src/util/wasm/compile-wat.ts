// WebAssembly text → binary with wabt (a devDependency: used by scripts/build-wasm.ts and the tests
// that check the committed *.bytes.ts against their .wat, never at run time).
import wabtInit from 'wabt';

export async function compileWat(source: string, name = 'kernels.wat'): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, source, { simd: true, threads: true });
  try {
    // wabt 1.0.39's validator rejects shared memories even with `threads` on; V8 validates the bytes
    // when the module is compiled (and the tests compile every kernel), so skip it for those.
    if (!/\bshared\)/.test(source)) mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}
