// Streaming JSON Lines reader: one JSON object per line; blank lines are skipped. A line that is not
// valid JSON or not an object is a bad row (the read continues). A key that is absent is "absent"
// (bad when the field is required), a null value is "missing" (bad unless nullable).
import type { Table } from '../table.js';
import type { Collector } from './collector.js';
import { lineChunks, openText } from './lines.js';
import { DataReadError } from './types.js';

export async function* readJsonl(file: string, gzip: boolean, c: Collector): AsyncGenerator<Table> {
  const names = c.schema.map((f) => f.name);
  const known = new Set(names);
  let obj: Record<string, unknown> = {};
  const get = (j: number): unknown => (Object.hasOwn(obj, names[j]!) ? obj[names[j]!] : undefined);
  let lineNo = 0;
  try {
    for await (const lines of lineChunks(openText(file, gzip))) {
      for (const line of lines) {
        lineNo++;
        if (line.trim() === '' || c.isComment(line)) continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch (e) {
          c.bad(lineNo, undefined, `malformed JSON: ${(e as Error).message}`);
          continue;
        }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) {
          c.bad(lineNo, undefined, `expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`);
          continue;
        }
        obj = v as Record<string, unknown>;
        for (const k in obj) if (!known.has(k)) c.unknownColumn(k, `${file}:${lineNo}`);
        c.row(lineNo, get);
        if (c.full) yield c.take();
      }
    }
  } catch (e) {
    if (e instanceof DataReadError) throw e;
    throw new DataReadError(file, `${file}: read failed near line ${lineNo}: ${(e as Error).message}`);
  }
}
