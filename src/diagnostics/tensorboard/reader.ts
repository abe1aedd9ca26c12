// Reads tfevents files back: every record's CRCs verified (record.ts), every Event decoded with the
// schema. A bad file gives the events before the damage plus an error naming the record and byte
// offset — never an exception from a corrupt or truncated file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, RecordError } from './record.js';
import { decodeEvent, type EventMessage } from './schema.js';

export interface ReadEvent {
  index: number;
  offset: number;
  event: EventMessage;
}

export interface EventFile {
  path: string;
  bytes: number;
  events: ReadEvent[];
  /** The first problem; the events before it were read. */
  error: RecordError | null;
}

export function readEventBytes(buf: Uint8Array, path: string): EventFile {
  const events: ReadEvent[] = [];
  let error: RecordError | null = null;
  try {
    for (const r of readRecords(buf, path)) {
      let event: EventMessage;
      try { event = decodeEvent(r.data); } catch (e) {
        throw new RecordError(path, r.index, r.offset, `the CRCs match but the data is not an Event protobuf (${(e as Error).message})`);
      }
      events.push({ index: r.index, offset: r.offset, event });
    }
  } catch (e) {
    if (!(e instanceof RecordError)) throw e;
    error = e;
  }
  return { path, bytes: buf.byteLength, events, error };
}

export function readEventFile(path: string): EventFile {
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) { throw new Error(`${path}: cannot read (${(e as Error).message})`); }
  return readEventBytes(buf, path);
}

/** The event files of a directory (names containing "tfevents", sorted), or the file itself. */
export function eventFiles(path: string): string[] {
  let st;
  try { st = statSync(path); } catch { throw new Error(`${path}: no such file or directory; expected a run's tb/ directory or an events.out.tfevents.* file`); }
  if (st.isFile()) return [path];
  const files = readdirSync(path).filter((f) => f.includes('tfevents')).sort().map((f) => join(path, f));
  if (files.length === 0) throw new Error(`${path}: no event files (events.out.tfevents.*) in this directory`);
  return files;
}
