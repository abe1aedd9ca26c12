// Human-readable lines for the simulate / join commands (progress and final summaries).
import { JOIN_TASKS } from './events.js';
import type { JoinProgress } from './join-runner.js';
import type { ReplayProgress } from './simulate.js';

const n = (x: number) => x.toLocaleString('en-US');
const iso = (ts: number) => (Number.isFinite(ts) ? new Date(ts * 1000).toISOString().replace('.000Z', 'Z') : '-');

export function replayLine(p: ReplayProgress): string {
  const types = ['impression', 'click', 'watch_end', 'follow', 'gift', 'order'].map((t) => `${t} ${n(p.byType[t] ?? 0)}`).join(', ');
  const simS = Number.isFinite(p.eventTs - p.firstTs) ? p.eventTs - p.firstTs : 0;
  return `simulate: ${n(p.events)} events (${types}) | event time ${iso(p.eventTs)} (+${(simS / 3600).toFixed(2)} h) | ${(p.wallMs / 1000).toFixed(1)} s wall, ${n(Math.round(p.rate))} events/s`;
}

export function joinLine(p: JoinProgress): string {
  const c = p.counters;
  const late = JOIN_TASKS.map((t) => c.late[t]).reduce((a, b) => a + b, 0);
  const dead = Object.values(c.dead).reduce((a, b) => a + b, 0);
  return `join: ${n(p.records)} records, ${n(c.samples)} samples, ${n(p.open)} open, late ${n(late)}, dead ${n(dead)}, watermark ${iso(p.watermark)}`;
}

export function joinReport(p: JoinProgress): string {
  const c = p.counters;
  const lines = [
    `records read ${n(p.records)} (this run), events ${n(c.events)} (total): ${Object.entries(c.by_type).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`,
    `samples emitted ${n(c.samples)}; still open ${n(p.open)}; watermark ${iso(p.watermark)}`,
    'task     joined      late  late %',
    ...JOIN_TASKS.map((t) => {
      const all = c.joined[t] + c.late[t];
      return `${t.padEnd(7)} ${n(c.joined[t]).padStart(7)} ${n(c.late[t]).padStart(9)} ${(all ? (100 * c.late[t]) / all : 0).toFixed(2).padStart(7)}`;
    }),
    `duplicates ignored ${n(c.duplicates)}`,
    `dead letters: ${Object.entries(c.dead).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`,
    `checkpoints written ${n(p.checkpoints)}; replayed outputs skipped after a restart ${n(p.skippedReplayed)}`,
  ];
  return lines.join('\n');
}
