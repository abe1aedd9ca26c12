// Canonical byte encoding of feature values for hashing (docs/features.md, "Canonical encoding").
//   key bytes = UTF-8(tag) ‖ 0xFE ‖ enc(v1) [‖ 0xFE ‖ enc(v2) [‖ 0xFE ‖ enc(v3)]]
//   enc(string)  = its UTF-8 bytes (lone surrogates → U+FFFD, as TextEncoder)
//   enc(number)  = integers (|v| < 2^53) as decimal ASCII, '-' for negatives, -0 → "0";
//                  other finite numbers as JavaScript's shortest round-trip text (String(v));
//   missing      = the single byte 0xFF (null strings, NaN and ±Infinity numbers).
// 0xFE and 0xFF never occur in UTF-8, so the encoding is unambiguous; the integer 42 and the
// string "42" encode alike, so a CSV column read as text and a parquet int column hash the same.
// bucket = CityHash64(key bytes) mod M (exact unsigned 64-bit modulo).
import { cityHash64Into, mod64, type CityVersion } from './cityhash/index.js';

export const SEP = 0xfe;
export const MISSING = 0xff;

const TWO32 = 4294967296;

/** A growable byte buffer reused for every key: nothing is allocated per row. */
export class KeyBuffer {
  buf: Uint8Array;
  len = 0;
  readonly out = new Uint32Array(2);
  constructor(readonly version: CityVersion = 'v1.1', capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private grow(need: number): void {
    let n = this.buf.length * 2;
    while (n < need) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  /** Truncate to `len` bytes (e.g. back to a prefix written once). */
  reset(len = 0): void { this.len = len; }

  byte(b: number): void {
    if (this.len >= this.buf.length) this.grow(this.len + 1);
    this.buf[this.len++] = b;
  }

  bytes(src: Uint8Array, start: number, length: number): void {
    if (this.len + length > this.buf.length) this.grow(this.len + length);
    const b = this.buf;
    let o = this.len;
    for (let i = 0; i < length; i++) b[o++] = src[start + i]!;
    this.len = o;
  }

  /** UTF-8 of s[start, end). */
  utf8(s: string, start = 0, end = s.length): void {
    if (this.len + 3 * (end - start) > this.buf.length) this.grow(this.len + 3 * (end - start));
    const b = this.buf;
    let o = this.len;
    for (let i = start; i < end; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) { b[o++] = c; continue; }
      if (c < 0x800) { b[o++] = 0xc0 | (c >> 6); b[o++] = 0x80 | (c & 63); continue; }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < end ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[o++] = 0xf0 | (c >> 18); b[o++] = 0x80 | ((c >> 12) & 63);
          b[o++] = 0x80 | ((c >> 6) & 63); b[o++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      b[o++] = 0xe0 | (c >> 12); b[o++] = 0x80 | ((c >> 6) & 63); b[o++] = 0x80 | (c & 63);
    }
    this.len = o;
  }

  /** Canonical number text; NaN/±Infinity → the missing marker. */
  number(v: number): void {
    if (v !== v || v === Infinity || v === -Infinity) { this.byte(MISSING); return; }
    if (Number.isInteger(v) && v < 9007199254740992 && v > -9007199254740992) { this.integer(v); return; }
    this.utf8(String(v));
  }

  /** Decimal digits of an integer with |v| < 2^53 (no string is built). */
  integer(v: number): void {
    if (this.len + 21 > this.buf.length) this.grow(this.len + 21);
    const b = this.buf;
    if (v < 0) { b[this.len++] = 45; v = -v; }
    if (v === 0) { b[this.len++] = 48; return; }
    let n = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) n++;
    let o = this.len + n;
    this.len = o;
    if (v < 2147483648) {
      let x = v | 0;
      while (x > 0) { const q = (x / 10) | 0; b[--o] = 48 + x - q * 10; x = q; }
    } else {
      let x = v;
      while (x >= 1) { const q = Math.floor(x / 10); b[--o] = 48 + (x - q * 10); x = q; }
    }
  }

  /** A string value or null (missing). */
  value(s: string | null): void {
    if (s === null) this.byte(MISSING); else this.utf8(s);
  }

  /** CityHash64 of the bytes → this.out = [hi, lo]. */
  hash(): Uint32Array {
    cityHash64Into(this.buf, 0, this.len, this.out, this.version);
    return this.out;
  }

  /** CityHash64 of the bytes mod m. */
  bucket(m: number): number {
    cityHash64Into(this.buf, 0, this.len, this.out, this.version);
    return mod64(this.out[0]!, this.out[1]!, m);
  }

  /** The hash folded to a 53-bit non-negative integer (exact Map key; collisions ~ n²/2^54). */
  key53(): number {
    cityHash64Into(this.buf, 0, this.len, this.out, this.version);
    return (this.out[0]! & 0x1fffff) * TWO32 + this.out[1]!;
  }
}

/** Canonical text of a value (the vocabulary key): strings as-is, numbers as KeyBuffer.number writes them. */
export function canonicalText(v: string | number | null): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (v !== v || v === Infinity || v === -Infinity) return null;
  if (Object.is(v, -0)) return '0';
  return String(v);
}

/** Hex of the key bytes (docs and golden tests). */
export function keyHex(kb: KeyBuffer): string {
  let s = '';
  for (let i = 0; i < kb.len; i++) s += kb.buf[i]!.toString(16).padStart(2, '0');
  return s;
}
