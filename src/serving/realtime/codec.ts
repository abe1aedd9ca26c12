// Events and candidates as tables in the training log's layout, so the counter code of
// src/features reads them exactly as it reads the training data.
import type { Column, Table } from '../../data/table.js';
import type { CounterEngine } from '../../features/index.js';
import type { RealtimeConfig } from './config.js';
import { RealtimeInputError, type Candidate, type RealtimeEvent } from './types.js';

type Id = string | number;

function idColumn(values: readonly Id[], field: string): Column {
  const strings = values.every((v) => typeof v === 'string');
  const numbers = values.every((v) => typeof v === 'number');
  if (!strings && !numbers) throw new RealtimeInputError(`${field}: mixes numbers and strings; ids must have one type (the training column's)`);
  return strings ? (values as string[]) : Float64Array.from(values as number[]);
}

const num = (xs: readonly (number | undefined)[]): Float64Array => Float64Array.from(xs, (x) => (x === undefined ? NaN : x));

export function eventsTable(cfg: RealtimeConfig, engine: CounterEngine, events: readonly RealtimeEvent[]): Table {
  const c = cfg.columns;
  const time = engine.timeColumn ?? 'ts';
  const columns: Record<string, Column> = {
    [c.user]: idColumn(events.map((e) => e.user), 'user'),
    [c.room]: idColumn(events.map((e) => e.room), 'room'),
    [c.streamer]: idColumn(events.map((e) => e.streamer), 'streamer'),
    [c.category]: idColumn(events.map((e) => e.category), 'category'),
    [c.scenario]: events.map((e) => e.scenario),
    [time]: num(events.map((e) => e.ts)),
    [c.click]: num(events.map((e) => e.click)),
    [c.watchS]: num(events.map((e) => e.watchS ?? 0)),
    [c.follow]: num(events.map((e) => e.follow ?? 0)),
    [c.gift]: num(events.map((e) => e.gift ?? 0)),
  };
  return { numRows: events.length, columns };
}

export function candidatesTable(cfg: RealtimeConfig, engine: CounterEngine, user: Id, cands: readonly Candidate[], ts: number): Table {
  const c = cfg.columns;
  const n = cands.length;
  const columns: Record<string, Column> = {
    [c.user]: idColumn(cands.map(() => user), 'user'),
    [c.room]: idColumn(cands.map((x) => x.room), 'candidates.room'),
    [c.streamer]: idColumn(cands.map((x) => x.streamer), 'candidates.streamer'),
    [c.category]: idColumn(cands.map((x) => x.category), 'candidates.category'),
    [engine.timeColumn ?? 'ts']: new Float64Array(n).fill(ts),
  };
  return { numRows: n, columns };
}

/** The (streamer, category) pairs events push onto each user's sequence, in event order. */
export function sequencePushes(cfg: RealtimeConfig, events: readonly RealtimeEvent[]): { user: Id; streamer: Id; category: Id }[] {
  const out: { user: Id; streamer: Id; category: Id }[] = [];
  for (const e of events) {
    const th = cfg.sequence.effectiveViewSeconds[e.scenario];
    if (th === undefined) throw new RealtimeInputError(`event scenario "${e.scenario}" has no effective-view threshold; known: ${Object.keys(cfg.sequence.effectiveViewSeconds).join(', ')}`);
    if ((e.watchS ?? 0) >= th) out.push({ user: e.user, streamer: e.streamer, category: e.category });
  }
  return out;
}

export function seqKey(user: Id): string { return `${typeof user}:${user}`; }
