// protobufjs types of the tfevents messages, parsed from tfevents.proto (TensorFlow's field numbers).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export const PROTO_FILE = join(dirname(fileURLToPath(import.meta.url)), 'tfevents.proto');

export interface HistogramValue {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

export interface SummaryValue {
  tag: string;
  metadata?: { pluginData?: { pluginName?: string; content?: Uint8Array }; dataClass?: number };
  simpleValue?: number;
  histo?: HistogramValue;
  tensor?: { dtype?: number; tensorShape?: { dim?: { size: number }[] }; stringVal?: Uint8Array[] };
}

export interface EventMessage {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** status 1 = START (a restart at this step). */
  sessionLog?: { status?: number; msg?: string };
  summary?: { value: SummaryValue[] };
}

let cached: { Event: protobuf.Type } | null = null;

export function tfTypes(): { Event: protobuf.Type } {
  if (!cached) {
    const root = protobuf.parse(readFileSync(PROTO_FILE, 'utf8'), { keepCase: false }).root;
    cached = { Event: root.lookupType('tensorflow.Event') };
  }
  return cached;
}

export function encodeEvent(e: EventMessage): Uint8Array {
  const { Event } = tfTypes();
  return Event.encode(Event.fromObject(e)).finish();
}

/** Decodes one Event; int64 steps come back as numbers. */
export function decodeEvent(data: Uint8Array): EventMessage {
  const { Event } = tfTypes();
  const m = Event.decode(data);
  return Event.toObject(m, { longs: Number, defaults: false, arrays: true }) as EventMessage;
}
