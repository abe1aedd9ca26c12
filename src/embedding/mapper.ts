// Key → row mapping for embedding tables, pluggable so collision-free tables with frequency admission
// and TTL/LFU eviction (Monolith-style, see hash-mapper.ts) work with the same table and optimizers.
//
// Contract: a mapper turns 64-bit keys (hi, lo uint32 pairs) into row ids in [0, rows) or NO_ROW
// (−1). NO_ROW means "no row for this key" (not admitted yet, or missing): gathers read a zero vector
// and updates skip it.
import { mod64Batch } from './mod64.js';

export const NO_ROW = -1;

export type MapperArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

export interface MapperState {
  /** JSON-serialisable scalars / config. */
  meta: Record<string, number | string | boolean>;
  /** Named typed arrays (stored raw, little-endian). */
  arrays: Record<string, MapperArray>;
}

export interface MapOptions {
  /** Training lookups may admit keys and refresh recency; serving lookups (false) change nothing. */
  train: boolean;
  /**
   * Called for each row (re)assigned to a new key during this call, before `map` returns, so the
   * table can re-initialise that row's values and optimizer state.
   */
  onAssign?: (row: number) => void;
}

export interface RowMapper {
  /** Stable identifier written to checkpoints ("modulo", "hash"). */
  readonly kind: string;
  /** Number of rows of the backing table. */
  readonly rows: number;
  /** out[i] = row of key (hi[i], lo[i]), or NO_ROW. */
  map(hi: Uint32Array, lo: Uint32Array, out: Int32Array, opts: MapOptions): void;
  /** Advance the mapper's clock by one optimizer step (TTL, eviction protection). */
  tick(): void;
  /** Serializable config (enough to construct an empty mapper of the same kind). */
  config(): Record<string, number | string | boolean>;
  state(): MapperState;
  /** Restore from `state()` output; throws a clear error on mismatch. */
  restore(s: MapperState, where: string): void;
  /** Bytes held by the mapper (for memory estimates). */
  stateBytes(): number;
  describe(): string;
}

/** Hashed table: row = key mod rows (unsigned 64-bit). Collisions share a row; nothing to store. */
export class ModuloRowMapper implements RowMapper {
  readonly kind = 'modulo';
  constructor(readonly rows: number) {
    if (!Number.isInteger(rows) || rows < 1 || rows > 2147483647) {
      throw new Error(`ModuloRowMapper: rows must be an integer in [1, 2^31−1], got ${rows}`);
    }
  }
  map(hi: Uint32Array, lo: Uint32Array, out: Int32Array): void {
    mod64Batch(hi, lo, this.rows, out);
  }
  tick(): void { /* stateless */ }
  config(): Record<string, number | string | boolean> { return { kind: this.kind }; }
  state(): MapperState { return { meta: {}, arrays: {} }; }
  restore(): void { /* stateless */ }
  stateBytes(): number { return 0; }
  describe(): string { return `key mod ${this.rows}`; }
}
