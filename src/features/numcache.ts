// Direct-mapped cache from exact numeric keys (integers up to 2^53) to int results (bucket / vocab
// id). One probe per lookup, overwrite on conflict: bounded memory, and it only saves work, never
// changes a result (a key is compared exactly before its value is used).

export class NumCache {
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  private readonly shift: number;
  constructor(bits = 16) {
    this.keys = new Float64Array(1 << bits).fill(NaN);
    this.vals = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  private slot(k: number): number {
    return Math.imul((k | 0) ^ Math.imul((k / 4294967296) | 0, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }

  /** The cached value of k, or −1. */
  get(k: number): number {
    const s = this.slot(k);
    return this.keys[s] === k ? this.vals[s]! : -1;
  }

  set(k: number, v: number): void {
    const s = this.slot(k);
    this.keys[s] = k;
    this.vals[s] = v;
  }

  clear(): void {
    this.keys.fill(NaN);
  }
}
