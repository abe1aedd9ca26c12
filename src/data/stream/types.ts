// The event-stream contract shared by the simulator, the delayed-label joiner, the streaming
// trainer and the service. A broker (Redis Streams today; Kafka/NATS could implement the same)
// stores append-only streams of records with monotonically increasing string ids
// ("<ms>-<seq>" as Redis assigns them) and consumer groups whose delivered offset can be moved —
// which is what lets a trainer store the offset inside its checkpoint and resume exactly there.

/** One record: the broker's id and the JSON body the producer appended. */
export interface StreamRecord {
  readonly id: string;
  readonly body: string;
}

export interface ReadOptions {
  /** At most this many records per call. */
  readonly count: number;
  /** Block up to this long when nothing is pending (0 = do not block). */
  readonly blockMs?: number;
}

export interface EventStream {
  /** Appends bodies in order; returns their ids. */
  append(stream: string, bodies: readonly string[]): Promise<string[]>;
  /** Creates the group if absent, positioned after `startId` ("0" = from the start, "$" = new only). */
  ensureGroup(stream: string, group: string, startId: string): Promise<void>;
  /** Moves the group's delivered offset: the next read returns records with id > `afterId`. */
  setGroupOffset(stream: string, group: string, afterId: string): Promise<void>;
  /** New records for the group (never re-delivers pending ones: resuming is done by setGroupOffset). */
  read(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamRecord[]>;
  /** Marks records as processed by the group. */
  ack(stream: string, group: string, ids: readonly string[]): Promise<void>;
  /** Number of records in the stream. */
  length(stream: string): Promise<number>;
  close(): Promise<void>;
}

/** Compares two stream ids ("<ms>-<seq>") numerically; negative when a < b. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const d = Number(am) - Number(bm);
  return d !== 0 ? Math.sign(d) : Math.sign(Number(as) - Number(bs));
}

/**
 * A stream that can also be read by id range (XRANGE): what an exactly-once writer needs to see
 * what it already appended after its checkpoint. MemoryEventStream and RedisEventStream have it.
 */
export interface RangeStream extends EventStream {
  /** Records with start ≤ id ≤ end ("-" / "+" = open ends), at most `count`. */
  range(stream: string, start?: string, end?: string, count?: number): Promise<StreamRecord[]>;
}
