// The ranking funnel's stage interfaces (issue 18; docs/serving.md "The funnel").
// Recall (helper B), coarse ranking (helper C) and the live index implement these shapes; the
// service (src/serving/server*.ts, src/serving/funnel/*) wires them into POST /rank.
// Ids are numbers or strings with the training column's type (numbers for the world).

export type Scalar = string | number | boolean | null;
export type Id = string | number;

/**
 * One /rank request after profile lookup: the request-level columns (user profile + request
 * context, training column names: user_id, scenario, country, hour, user_age, user_follow_count,
 * hist_total_watch_s, …) in `row`.
 */
export interface RankContext {
  user: Id;
  scenario: string;
  country: string;
  /** Unix seconds of the request ("now"). */
  ts: number;
  row: Record<string, Scalar>;
}

/** A recalled room. `source` names the recall source that found it (e.g. "two_tower", "item_cf", "followed_live"). */
export interface RecallCandidate {
  room: Id;
  streamer: Id;
  category: Id;
  score: number;
  source: string;
  /** Every source that returned this room (after de-duplication; `source` is the first). */
  sources?: string[];
}

/** One recall source (an ANN over two-tower embeddings, item-CF, followed-and-live, …). */
export interface RecallSource {
  readonly name: string;
  retrieve(ctx: RankContext, k: number, signal?: AbortSignal): Promise<RecallCandidate[]>;
}

/** Merges sources with per-source quotas, de-duplication by room and the only-live filter. */
export interface Recaller {
  retrieve(ctx: RankContext, total: number, signal?: AbortSignal): Promise<{
    candidates: RecallCandidate[];
    /** How many of `candidates` each source contributed. */
    perSource: Record<string, number>;
  }>;
}

/** The coarse ranker: one score per candidate row (training column names), higher = better. */
export interface CoarseScorer {
  score(ctx: RankContext, rows: readonly Record<string, Scalar>[], signal?: AbortSignal): Promise<Float64Array>;
}

/**
 * Which rooms are live now, and their profile columns (room_id, streamer_id, category_id,
 * room_country, streamer_followers, room_viewers, room_live_s …).
 */
export interface LiveRoomIndex {
  isLive(room: Id, ts: number): boolean;
  liveRooms(ts: number): Iterable<Id>;
  profile(room: Id, ts: number): Record<string, Scalar> | undefined;
}
