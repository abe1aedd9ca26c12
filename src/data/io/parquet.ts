// Parquet reader on hyparquet: reads one row group at a time (only the schema's columns), so memory
// is bounded by the largest row group, and feeds its rows through the schema conversion.
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Table } from '../table.js';
import type { Collector } from './collector.js';
import { DataReadError } from './types.js';

type Values = ArrayLike<unknown>;

function fileBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      const len = Math.max(0, stop - start);
      const ab = new ArrayBuffer(len);
      let off = 0;
      while (off < len) {
        const { bytesRead } = await fh.read(new Uint8Array(ab, off), 0, len - off, start + off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return ab;
    },
  };
}

export async function* readParquet(file: string, c: Collector): AsyncGenerator<Table> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new DataReadError(file, `${file}: cannot open: ${(e as Error).message}`);
  }
  try {
    const size = (await fh.stat()).size;
    const buf = fileBuffer(fh, size);
    let md: FileMetaData;
    let names: string[];
    try {
      md = await parquetMetadataAsync(buf);
      names = parquetSchema(md).children.map((ch) => ch.element.name);
    } catch (e) {
      throw new DataReadError(file, `${file}: not a valid Parquet file (truncated or corrupt?): ${(e as Error).message}`);
    }
    const inFile = new Set(names);
    for (const f of c.schema) {
      if (!inFile.has(f.name) && f.required !== false) {
        throw new DataReadError(file, `${file}: required column "${f.name}" not found; file columns: ${names.join(', ')}`);
      }
    }
    const known = new Set(c.schema.map((f) => f.name));
    for (const nm of names) if (!known.has(nm)) c.unknownColumn(nm, file);
    const readCols = c.schema.filter((f) => inFile.has(f.name)).map((f) => f.name);

    let groupStart = 0;
    let vals: (Values | undefined)[] = [];
    let i = 0;
    const get = (j: number): unknown => vals[j]?.[i];
    for (let g = 0; g < md.row_groups.length; g++) {
      const nrows = Number(md.row_groups[g]!.num_rows);
      const groupEnd = groupStart + nrows;
      const chunks = new Map<string, { rowStart: number; data: Values }[]>();
      try {
        await parquetRead({
          file: buf, metadata: md, columns: readCols, rowStart: groupStart, rowEnd: groupEnd, compressors,
          onChunk: (ch) => {
            let list = chunks.get(ch.columnName);
            if (!list) chunks.set(ch.columnName, (list = []));
            list.push({ rowStart: ch.rowStart, data: ch.columnData as Values });
          },
        });
      } catch (e) {
        throw new DataReadError(file, `${file}: corrupt Parquet data in row group ${g} (rows ${groupStart}–${groupEnd - 1}): ${(e as Error).message}`);
      }
      vals = c.schema.map((f) => (inFile.has(f.name) ? gather(file, f.name, chunks.get(f.name), groupStart, nrows) : undefined));
      for (i = 0; i < nrows; i++) {
        c.row(groupStart + i, get);
        if (c.full) yield c.take();
      }
      groupStart = groupEnd;
    }
  } finally {
    await fh.close();
  }
}

/** The values of one column for rows [start, start+n) from its decoded chunks. */
function gather(file: string, name: string, list: { rowStart: number; data: Values }[] | undefined,
  start: number, n: number): Values {
  if (!list || list.length === 0) throw new DataReadError(file, `${file}: column "${name}" returned no data for rows ${start}–${start + n - 1}`);
  if (list.length === 1 && list[0]!.rowStart === start && list[0]!.data.length === n) return list[0]!.data;
  const out = new Array<unknown>(n);
  let filled = 0;
  for (const { rowStart, data } of list) {
    for (let k = 0; k < data.length; k++) {
      const r = rowStart + k - start;
      if (r >= 0 && r < n) { out[r] = data[k]; filled++; }
    }
  }
  if (filled < n) throw new DataReadError(file, `${file}: column "${name}" is short: ${filled} of ${n} values in rows ${start}–${start + n - 1}`);
  return out;
}

/** The top-level column names of a Parquet file (e.g. for `liverank init`). */
export async function parquetColumnNames(file: string): Promise<string[]> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new DataReadError(file, `${file}: cannot open: ${(e as Error).message}`);
  }
  try {
    const md = await parquetMetadataAsync(fileBuffer(fh, (await fh.stat()).size));
    return parquetSchema(md).children.map((ch) => ch.element.name);
  } catch (e) {
    throw new DataReadError(file, `${file}: not a valid Parquet file (truncated or corrupt?): ${(e as Error).message}`);
  } finally {
    await fh.close();
  }
}
