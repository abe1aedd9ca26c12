// The biased logging policy (docs/world.md §12): on home and outside the policy orders the cards of
// a request by a noisy estimate of their relevance, so better rooms sit higher and position is
// confounded with relevance. The default world (`random`) draws positions independently of the room.
//
// One logged impression is simulated as: the exposure policy proposes a candidate room; the
// logging policy scores it  ŝ = ℓ_click + streamer_noise·η_s + noise·ε  (ℓ_click the true
// position-free click logit; η_s ~ N(0, 1) drawn once per streamer: the policy's persistent
// misjudgement of that streamer, as an older model's would be; ε ~ N(0, 1) per proposal); its position is its rank among the request's R = 20 cards (the number of the other
// R − 1 cards with a higher score); the user scrolls past position k with probability decay^k, so a
// card at rank k is logged with probability decay^k, otherwise the policy proposes the next
// candidate. The other cards of the request are the user's own most recent candidates of that
// scenario (at most R − 1), topped up with candidates drawn at random from the scenario's recent pool.
import type { Rng } from '../../util/rng.js';
import { NUM_POSITIONS, POSITION_DECAY } from './params.js';

export const LOGGING_POLICIES = ['random', 'biased'] as const;
export type LoggingPolicy = (typeof LOGGING_POLICIES)[number];

/** The constants of the biased policy (the noise is an option; the rest are fixed). */
export const BIASED_LOG = {
  /** Default sd of the policy's per-proposal error on the click logit (`logging_noise`). */
  noise: 0.5,
  /** Default sd of the policy's persistent per-streamer error on the click logit (`logging_streamer_noise`). */
  streamerNoise: 1.0,
  /** Cards per request = positions 0..19. */
  requestSize: NUM_POSITIONS,
  /** P(the user scrolls past position k) = scrollDecay^k (today's world: P(pos = k) ∝ 0.9^k). */
  scrollDecay: POSITION_DECAY,
  /** Recent candidate scores kept per scenario (the pool that tops up a new user's request). */
  poolSize: 4096,
  /** A proposal loop longer than this is a bug (acceptance is at least 0.9^19 ≈ 0.135 per proposal). */
  maxProposals: 10_000,
} as const;

/** Checks a logging-policy name (errors name the option and the choices). */
export function parseLoggingPolicy(v: unknown, what = 'logging_policy'): LoggingPolicy {
  if (v === undefined) return 'random';
  if (typeof v === 'string' && (LOGGING_POLICIES as readonly string[]).includes(v)) return v as LoggingPolicy;
  throw new Error(`${what}: expected one of ${LOGGING_POLICIES.join(', ')}, got ${JSON.stringify(v)}`);
}

/** Checks a noise sd of the policy: a finite number >= 0, only with the biased policy. */
export function parseLoggingNoise(v: unknown, policy: LoggingPolicy, what = 'logging_noise', dflt: number = BIASED_LOG.noise): number {
  if (v === undefined) return dflt;
  if (policy !== 'biased') throw new Error(`${what}: only the biased logging policy has a noise (logging_policy is "${policy}")`);
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${what}: expected a finite number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

/** logit(p) for p in (0, 1). */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * The request state of the biased policy: per (user, scenario) the last R − 1 candidate scores
 * (a ring), per scenario a pool of the last `poolSize` candidate scores.
 */
export class BiasedLogger {
  private readonly others: number;
  private readonly own: Float64Array; // [(u · ns + g) · others + j]
  private readonly ownCount: Int32Array; // candidates seen so far (ring head = count mod others)
  private readonly pool: Float64Array; // [g · poolSize + j]
  private readonly poolCount: Int32Array;
  /** streamer_noise · η_s of every (internal) streamer index. */
  readonly streamerError: Float64Array;

  constructor(nUsers: number, nStreamers: number, private readonly nScenarios: number, readonly noise: number, readonly streamerNoise: number,
    rng: Rng, requestSize: number = BIASED_LOG.requestSize, private readonly poolSize: number = BIASED_LOG.poolSize) {
    if (!(noise >= 0) || !Number.isFinite(noise)) throw new Error(`logging_noise: expected a finite number >= 0, got ${noise}`);
    if (!(streamerNoise >= 0) || !Number.isFinite(streamerNoise)) throw new Error(`logging_streamer_noise: expected a finite number >= 0, got ${streamerNoise}`);
    this.streamerError = new Float64Array(nStreamers);
    for (let s = 0; s < nStreamers; s++) this.streamerError[s] = streamerNoise * rng.normal();
    this.others = requestSize - 1;
    this.own = new Float64Array(nUsers * nScenarios * this.others);
    this.ownCount = new Int32Array(nUsers * nScenarios);
    this.pool = new Float64Array(nScenarios * poolSize);
    this.poolCount = new Int32Array(nScenarios);
  }

  /** The policy's score of a candidate of streamer s whose true click logit is `l`. */
  score(l: number, s: number, rng: Rng): number {
    const v = l + this.streamerError[s]!;
    return this.noise > 0 ? v + this.noise * rng.normal() : v;
  }

  /**
   * Rank (0 = top) of a candidate with score `s` of user u in scenario g among the request's other
   * cards, then remembers the candidate for the user's and the scenario's later requests.
   */
  rank(u: number, g: number, s: number, rng: Rng): number {
    const ug = u * this.nScenarios + g;
    const nOwn = Math.min(this.ownCount[ug]!, this.others);
    let rank = 0;
    const base = ug * this.others;
    for (let j = 0; j < nOwn; j++) if (this.own[base + j]! > s) rank++;
    const nPool = Math.min(this.poolCount[g]!, this.poolSize);
    if (nPool > 0) {
      const pb = g * this.poolSize;
      for (let j = nOwn; j < this.others; j++) if (this.pool[pb + rng.int(nPool)]! > s) rank++;
    }
    this.own[base + (this.ownCount[ug]! % this.others)] = s;
    this.ownCount[ug] = this.ownCount[ug]! + 1;
    this.pool[g * this.poolSize + (this.poolCount[g]! % this.poolSize)] = s;
    this.poolCount[g] = this.poolCount[g]! + 1;
    return rank;
  }

  /** Whether the user scrolled down to position `rank` (probability scrollDecay^rank): the card is logged. */
  logged(rank: number, rng: Rng): boolean {
    return rng.next() < Math.pow(BIASED_LOG.scrollDecay, rank);
  }
}
