// Fixed config + table for the golden test (and docs): touch only together with golden.test.ts.
import { makeTable, type Table } from '../data/table.js';

export const GOLDEN_CONFIG_YAML = `
version: 1
defaults: { dim: 8 }
counters:
  - name: user_room_watch
    key: [user_id, room_id]
    value: watch_s
    positive_only: true
    windows: [1h/5m]
features:
  - { name: user_id, kind: id, column: user_id, hash_buckets: 1000, dim: 16 }
  - { name: room, kind: id, column: room_id, hash_buckets: 500 }
  - { name: country, kind: id, column: country, vocab: [ID, BR, US] }
  - { name: scenario, kind: id, column: scenario, vocab: { min_count: 2 } }
  - { name: position, kind: id, column: position, hash_buckets: 64, emit: false }
  - { name: tags, kind: multi_id, column: tags, max_len: 3, hash_buckets: 97, pooling: mean }
  - { name: seq_rooms, kind: sequence, column: seq_rooms, max_len: 4, embedding: room }
  - { name: followers_log, kind: dense, column: followers, ops: [log1p, standardize], missing_indicator: true }
  - { name: followers_raw, kind: dense, column: followers, ops: [{ clip: [0, 5000] }], fill: -1 }
  - { name: followers_q, kind: bucketized, column: followers, quantiles: 3 }
  - { name: followers_log2, kind: bucketized, column: followers, log: { base: 10, max_bucket: 4 } }
  - { name: viewers_b, kind: bucketized, column: viewers, boundaries: [10, 100, 1000] }
  - { name: hour, kind: time, unit: hour_of_day }
  - { name: dow, kind: time, unit: day_of_week, utc_offset_hours: 7 }
  - { name: watch_1h, kind: counter, counter: user_room_watch, window: 1h, stat: sum, ops: [log1p] }
  - { name: views_1h_b, kind: counter, counter: user_room_watch, window: 1h, stat: count, boundaries: [1, 2] }
  - { name: user_x_country, kind: cross, fields: [user_id, country], hash_buckets: 4096 }
  - { name: scenario_x_position, kind: cross, fields: [scenario, position], hash_buckets: 256 }
  - { name: country_x_hour_x_fq, kind: cross, fields: [country, hour, followers_q], hash_buckets: 1024 }
`;

const T0 = 1704067200; // 2024-01-01T00:00:00Z, a Monday

export function goldenTable(): Table {
  return makeTable({
    ts: Int32Array.from([T0, T0 + 60, T0 + 60, T0 + 1800, T0 + 3700, T0 + 86400 * 3 + 7 * 3600]),
    user_id: Int32Array.from([42, 42, 7, 42, 42, -3]),
    room_id: Int32Array.from([9001, 9001, 9001, 9001, 9002, 9001]),
    country: ['ID', 'ID', 'BR', null, 'VN', 'US'],
    scenario: ['home', 'slide', 'home', 'outside', 'slide', 'home'],
    position: Uint8Array.from([0, 0, 3, 12, 0, 1]),
    tags: ['music|dance', '', null, 'game|music|chat|food', 'ünï|中文', 'music'],
    seq_rooms: ['9002|9001', '9001', '', '9001|9001|9002|8000|7000', null, '9002'],
    followers: Float64Array.from([120, 120, 8_000_000, NaN, 0, 3500]),
    viewers: Float32Array.from([5, 10, 999.5, 1000, NaN, 100]),
    watch_s: Float32Array.from([30, 0, 400, 12.5, 60, 5]),
  });
}
