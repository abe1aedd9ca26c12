// The users and rooms side tables of the world (profiles, latent factors, realised counts).
import { makeTable, takeRows, type Table } from '../table.js';
import { COUNTRIES, POPULATION as P } from './params.js';
import type { Sessions, Streamers, Users } from './population.js';

export function buildUsersTable(users: Users, priorFollows: Int32Array, imps: Int32Array): Table {
  const n = users.n; const r = P.tasteRank;
  const codes = COUNTRIES.map((c) => c.code);
  const ages = ['18-24', '25-34', '35-44', '45+']; const genders = ['f', 'm', 'u']; const devices = ['android', 'ios'];
  const taste = Array.from({ length: r }, () => new Float32Array(n));
  for (let u = 0; u < n; u++) for (let d = 0; d < r; d++) taste[d]![u] = users.taste[u * r + d]!;
  const cols: Record<string, Table['columns'][string]> = {
    user_id: users.extId.slice(),
    country: Array.from(users.country, (k) => codes[k]!),
    country_id: users.country.slice(),
    user_age: Array.from(users.age, (a) => ages[a]!),
    user_gender: Array.from(users.gender, (g) => genders[g]!),
    user_device: Array.from(users.device, (d) => devices[d]!),
    user_activity: Float32Array.from(users.activity),
    outside_propensity: Float32Array.from(users.outsideProp),
    prior_follow_count: priorFollows,
  };
  for (let d = 0; d < r; d++) cols[`latent_taste_${d}`] = taste[d]!;
  cols.n_impressions = imps;
  // Rows in public user_id order.
  const inv = new Int32Array(n);
  for (let u = 0; u < n; u++) inv[users.extId[u]!] = u;
  return takeRows(makeTable(cols), inv);
}

export function buildRoomsTable(se: Sessions, st: Streamers, startTs: number, imps: Int32Array): Table {
  const n = se.n;
  const codes = COUNTRIES.map((c) => c.code);
  const pick = <T>(f: (s: number) => T) => Array.from(se.streamer, f);
  return makeTable({
    room_id: Int32Array.from({ length: n }, (_, i) => i),
    streamer_id: Int32Array.from(se.streamer, (s) => st.extId[s]!),
    category_id: Uint8Array.from(pick((s) => st.category[s]!)),
    room_country: pick((s) => codes[st.country[s]!]!),
    streamer_followers: Int32Array.from(pick((s) => st.followers[s]!)),
    start_ts: Int32Array.from(se.start, (t) => startTs + t),
    end_ts: Int32Array.from(se.end, (t) => startTs + t),
    base_viewers: Float32Array.from(se.baseViewers),
    latent_style: Float32Array.from(pick((s) => st.style[s]!)),
    latent_quality: Float32Array.from(pick((s) => st.quality[s]!)),
    n_impressions: imps,
  });
}
