// HyperLogLog distinct counter over 64-bit hashes given as (hi, lo) unsigned halves.
// p index bits (default 14: 16384 one-byte registers, standard error 1.04/√m ≈ 0.8 %).
// Small cardinalities use linear counting (Flajolet et al. 2007; the 64-bit hash needs no
// large-range correction at our scales).

export class HyperLogLog {
  readonly m: number;
  private readonly reg: Uint8Array;
  constructor(readonly p = 14) {
    if (!(p >= 4 && p <= 18)) throw new Error(`HyperLogLog: p must be in 4..18, got ${p}`);
    this.m = 1 << p;
    this.reg = new Uint8Array(this.m);
  }

  /** Adds one hashed item: register = top p bits of hi; rank = 1 + leading zeros of the remaining 64 − p bits. */
  add(hi: number, lo: number): void {
    const p = this.p;
    const idx = (hi >>> 0) >>> (32 - p);
    const restHi = ((hi << p) >>> 0); // the remaining 32 − p high bits, left-aligned
    let rank: number;
    if (restHi !== 0) rank = Math.clz32(restHi) + 1;
    else rank = (32 - p) + (lo !== 0 ? Math.clz32(lo >>> 0) : 32) + 1;
    if (rank > this.reg[idx]!) this.reg[idx] = rank;
  }

  merge(o: HyperLogLog): void {
    if (o.p !== this.p) throw new Error('HyperLogLog: cannot merge sketches of different precision');
    for (let i = 0; i < this.m; i++) if (o.reg[i]! > this.reg[i]!) this.reg[i] = o.reg[i]!;
  }

  estimate(): number {
    const m = this.m;
    let sum = 0, zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.reg[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const e = (alpha * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return e;
  }
}
