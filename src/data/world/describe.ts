// The truth inputs of one room shown to one user at one moment (no random draws). Shared by the
// impression loop (generate.ts) and the request snapshots (requests.ts), so a snapshot's candidate
// row is exactly the row the world would have logged for that room at position 0.
import { CATEGORIES } from './params.js';
import { viewersAt, type Sessions, type Streamers, type Users } from './population.js';
import type { History } from './history.js';
import { computeTruth, type TruthInput, type TruthOutput } from './truth.js';
import { computeTruthHetero, type HeteroModel } from './hetero.js';
import type { LongHistory } from './long-history.js';
import type { DriftModel } from './drift.js';

/** Value names of the users' demographic codes (the users table's order). */
export const AGES = ['18-24', '25-34', '35-44', '45+']; export const GENDERS = ['f', 'm', 'u']; export const DEVICES = ['android', 'ios'];

export interface WorldState {
  users: Users;
  st: Streamers;
  se: Sessions;
  hist: History;
  hetero: HeteroModel | null;
  /** Long behaviour histories (docs/world.md §15), when on: the truth's long-term term. */
  long?: LongHistory | null;
  /** The drifting world's appeal schedule (docs/world.md "Drift"), when on. */
  drift?: DriftModel;
}

/** Who sees the room when: user index u, scenario index g, country index k, hour of day, world time t. */
export interface Viewing { u: number; g: number; k: number; hour: number; t: number }

/** What `describeRoom` read besides the truth: the room's streamer, category and the history values. */
export interface RoomView { r: number; s: number; c: number; viewers: number; followed: number; sw: number }

export function emptyRoomView(): RoomView {
  return { r: 0, s: 0, c: 0, viewers: 0, followed: 0, sw: 0 };
}

/** Fills `x` (truth inputs), `tr` (true probabilities) and `out` for room `room` at position `p`. */
export function describeRoom(w: WorldState, v: Viewing, room: number, p: number, x: TruthInput, tr: TruthOutput, out: RoomView): void {
  const { users, st, se, hist } = w;
  const s = se.streamer[room]!; const c = st.category[s]!;
  const slot = hist.slot(v.u, s);
  out.r = room; out.s = s; out.c = c;
  out.viewers = viewersAt(se, room, v.t);
  out.followed = hist.followed(slot);
  out.sw = hist.streamerWatch(slot);
  x.scenario = v.g; x.position = p; x.country = v.k; x.category = c; x.affinity = users.affinity[v.u * CATEGORIES.length + c]! + (w.drift ? w.drift.shiftAt(c, v.t) : 0);
  x.followed = out.followed; x.streamerWatchS = out.sw; x.followers = st.followers[s]!; x.viewers = out.viewers;
  x.sameCountry = st.country[s] === v.k ? 1 : 0; x.activityZ = users.activityZ[v.u]!; x.seqHits = hist.seqHits(v.u, c);
  x.hour = v.hour; x.style = st.style[s]!; x.quality = st.quality[s]!;
  if (w.long) x.longTerm = w.long.longTerm(v.u, s, c);
  if (w.hetero) computeTruthHetero(x, tr, w.hetero); else computeTruth(x, tr);
}
