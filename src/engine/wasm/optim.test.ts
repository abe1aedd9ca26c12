// optim.bytes.ts is optim.wat compiled (the kernel's arithmetic is tested in ../step-thread.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileWat } from '../../util/wasm/compile-wat.js';
import { OPTIM_WASM_BASE64 } from './optim.bytes.js';

test('optim.bytes.ts is optim.wat compiled (run `npm run build:wasm` after editing the .wat)', async () => {
  const wat = readFileSync(new URL('./optim.wat', import.meta.url), 'utf8');
  assert.equal(Buffer.from(await compileWat(wat, 'src/engine/wasm/optim.wat')).toString('base64'), OPTIM_WASM_BASE64);
});
