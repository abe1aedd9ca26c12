// TFRecord framing, the container of tfevents files. Each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data
// with mask(c) = ((c >>> 15) | (c << 17)) + 0xa282ead8 (mod 2^32). CRC-32C (Castagnoli) comes from
// @aws-crypto/crc32c (dependencies.md).
import { crc32c } from '@aws-crypto/crc32c';

const MASK_DELTA = 0xa282ead8;
const HEADER = 12;
const FOOTER = 4;

export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc(crc32c(data));
}

/** One record's bytes: header, data, footer. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER + data.length + FOOTER);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, HEADER);
  out.writeUInt32LE(maskedCrc32c(data), HEADER + data.length);
  return out;
}

export interface RawRecord {
  /** 0-based position of the record in the file. */
  index: number;
  /** Byte offset of the record's header in the file. */
  offset: number;
  data: Uint8Array;
}

/** A record that fails its checks: where it starts and what is wrong. */
export class RecordError extends Error {
  constructor(readonly file: string, readonly index: number, readonly offset: number, readonly reason: string) {
    super(`${file}: record ${index} at byte offset ${offset}: ${reason}`);
  }
}

/**
 * The records of a TFRecord file, each CRC verified. Throws a RecordError naming the record index and
 * its byte offset on a truncated header or body, a length CRC or a data CRC that does not match.
 */
export function* readRecords(buf: Uint8Array, file: string): Generator<RawRecord> {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  for (let index = 0; off < view.length; index++) {
    if (view.length - off < HEADER) {
      throw new RecordError(file, index, off, `truncated header: ${view.length - off} byte(s) left, a record header takes ${HEADER} (length + its CRC)`);
    }
    const lenCrc = view.readUInt32LE(off + 8);
    const wantLenCrc = maskedCrc32c(view.subarray(off, off + 8));
    if (lenCrc !== wantLenCrc) {
      throw new RecordError(file, index, off, `length CRC mismatch (stored 0x${hex(lenCrc)}, computed 0x${hex(wantLenCrc)}): the header is corrupt`);
    }
    const len = view.readBigUInt64LE(off);
    const left = BigInt(view.length - off - HEADER - FOOTER);
    if (len > left) {
      throw new RecordError(file, index, off, `truncated record: the header declares ${len} data byte(s) but only ${left < 0n ? 0n : left} remain before the data CRC`);
    }
    const n = Number(len);
    const data = view.subarray(off + HEADER, off + HEADER + n);
    const crc = view.readUInt32LE(off + HEADER + n);
    const want = maskedCrc32c(data);
    if (crc !== want) {
      throw new RecordError(file, index, off, `data CRC mismatch (stored 0x${hex(crc)}, computed 0x${hex(want)}) over ${n} byte(s): the record body is corrupt`);
    }
    yield { index, offset: off, data };
    off += HEADER + n + FOOTER;
  }
}

const hex = (x: number) => x.toString(16).padStart(8, '0');
