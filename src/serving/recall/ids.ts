// Ids in recall: numbers or strings with the training column's type. Sequences arrive as
// '|'-joined strings ("12|7|40"), so an id that is a canonical decimal integer is read as a number
// (the world's ids are ints); anything else stays a string. Maps key on the normalised id.
import type { Id } from '../funnel/types.js';

const INT = /^-?(0|[1-9]\d{0,15})$/;

export function toId(v: unknown): Id {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const s = String(v);
  return INT.test(s) ? Number(s) : s;
}

/** Splits a '|'-joined sequence (most recent first; '' or null = empty). */
export function parseSequence(v: unknown, separator = '|'): Id[] {
  if (v === null || v === undefined) return [];
  const s = String(v);
  if (s === '') return [];
  return s.split(separator).filter((x) => x !== '').map(toId);
}
