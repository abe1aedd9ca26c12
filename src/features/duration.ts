// Durations in feature configs: "30s", "5m", "1h", "24h", "7d" or a number of seconds.

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds of a duration; throws with the offending text when it is not one. */
export function parseDuration(v: string | number): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`duration ${v}: expected a positive number of seconds`);
    return v;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(v);
  if (!m) throw new Error(`duration "${v}": expected e.g. "30s", "5m", "1h", "7d"`);
  const s = Number(m[1]) * UNIT[m[2]!]!;
  if (!(s > 0)) throw new Error(`duration "${v}": must be positive`);
  return s;
}

/** Short text of a number of seconds ("300" → "5m"). */
export function formatDuration(s: number): string {
  for (const [u, f] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60]] as const) {
    if (s >= f && s % f === 0) return `${s / f}${u}`;
  }
  return `${s}s`;
}
