// Default stream names (override per command with --stream / --samples / --dead).
export interface StreamNames {
  /** Raw events (impressions and labels) from the simulator or the service. */
  events: string;
  /** Joined samples, one JSON row per impression (src/data/stream/join.ts Sample). */
  samples: string;
  /** Events the joiner rejected, each with its reason. */
  dead: string;
  /** Labels that came after their window (not in any sample), with their delay. */
  late: string;
}

export const STREAMS: Readonly<StreamNames> = { events: 'lr:events', samples: 'lr:samples', dead: 'lr:events:dead', late: 'lr:events:late' };
