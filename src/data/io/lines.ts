// Streaming text input: open a file (gunzipping .gz through zlib) and yield its lines in chunks,
// never holding more than one read chunk plus a partial line in memory.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';

export function openText(path: string, gzip: boolean): Readable {
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  if (!gzip) return file.setEncoding('utf8');
  // pipeline: a file error reaches the gunzip stream, and destroying it (early break) closes the file.
  return pipeline(file, createGunzip({ chunkSize: 256 * 1024 }), () => {}).setEncoding('utf8');
}

/**
 * Lines of a text stream, in arrays (one per read chunk) to keep per-line overhead low. A trailing
 * '\r' is removed; a leading BOM is dropped. The last line is yielded even without a final newline.
 */
export async function* lineChunks(stream: Readable): AsyncGenerator<string[]> {
  let rest = '';
  let first = true;
  for await (const chunk of stream as AsyncIterable<string>) {
    let text = rest + chunk;
    if (first) { if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); first = false; }
    const parts = text.split('\n');
    rest = parts.pop()!;
    if (parts.length === 0) continue;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.charCodeAt(p.length - 1) === 13) parts[i] = p.slice(0, -1);
    }
    yield parts;
  }
  if (rest.length > 0) yield [rest.charCodeAt(rest.length - 1) === 13 ? rest.slice(0, -1) : rest];
}
