// CityHash constants split into int32 halves (H = high 32 bits, L = low 32 bits).
// k0..k2 are shared by v1.0.2 and v1.1; k3 is used only by v1.0.2; KMUL is the Hash128to64 multiplier.
export const K0H = 0xc3a5c85c | 0, K0L = 0x97cb3127 | 0; // k0 = 0xc3a5c85c97cb3127
export const K1H = 0xb492b66f | 0, K1L = 0xbe98f273 | 0; // k1 = 0xb492b66fbe98f273
export const K2H = 0x9ae16a3b | 0, K2L = 0x2f90404f | 0; // k2 = 0x9ae16a3b2f90404f
export const K3H = 0xc949d7c7 | 0, K3L = 0x509e6557 | 0; // k3 = 0xc949d7c7509e6557
export const KMULH = 0x9ddfea08 | 0, KMULL = 0xeb382d69 | 0; // 0x9ddfea08eb382d69
