// `liverank simulate --world CFG [--speed N×] [--redis URL] [--stream NAME] [--limit n] [--join [--checkpoint PATH]]`:
// replays the synthetic world as events (impressions, then clicks, watch ends, follows, gifts,
// orders after their delays) in event-time order onto a stream; with --join the delayed-label
// joiner runs beside it in the same process (docs/streaming.md).
import type { Command } from 'commander';
import { generateWorld } from '../../data/world/generate.js';
import { loadStreamConfig, worldOptionsOfStream } from '../../data/stream/config.js';
import { runJoin, type RangeStream } from '../../data/stream/join-runner.js';
import { MemoryEventStream } from '../../data/stream/memory.js';
import { openEventStream } from '../../data/stream/open.js';
import { joinLine, joinReport, replayLine } from '../../data/stream/report.js';
import { replayEvents } from '../../data/stream/simulate.js';
import { worldEvents } from '../../data/stream/world-events.js';

/** "3600", "3600x", "3600×" → 3600; "0" = as fast as possible. */
export function parseSpeed(v: string): number {
  const s = v.trim().replace(/[x×]$/i, '');
  const x = Number(s);
  if (s === '' || !Number.isFinite(x) || x < 0) throw new Error(`--speed: expected a number >= 0 (event seconds per wall second, e.g. 3600x), got ${JSON.stringify(v)}`);
  return x;
}

function posInt(v: string, name: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: expected an integer >= 1, got ${JSON.stringify(v)}`);
  return n;
}

interface Opts { world: string; speed: string; redis?: string; stream?: string; samples?: string; dead?: string; late?: string; limit?: string; join?: boolean; checkpoint?: string; truth: boolean; quiet?: boolean; json?: boolean }

export function register(program: Command): void {
  program
    .command('simulate')
    .description('replay the synthetic world as an event stream (impressions, then clicks, watch ends, follows, gifts, orders after their delays) in time order')
    .requiredOption('-w, --world <cfg>', 'stream config YAML (examples/stream.yaml) or a training config with data.source: world')
    .option('--speed <N>', 'event seconds per wall second, e.g. 60x; 0 = as fast as possible', '0')
    .option('--redis <url>', 'broker: redis://host:port[/db] (default: an in-process stream, useful with --join)')
    .option('--stream <name>', 'events stream (default: the config\'s streams.events, lr:events)')
    .option('--samples <name>', '--join: samples stream (default streams.samples, lr:samples)')
    .option('--dead <name>', '--join: dead-letter stream (default streams.dead, lr:events:dead)')
    .option('--late <name>', '--join: stream of labels that came after their window (default <events stream>:late)')
    .option('--limit <n>', 'stop after n events')
    .option('--join', 'run the delayed-label joiner in this process too')
    .option('--checkpoint <path>', '--join: joiner checkpoint file (state + input offset)')
    .option('--no-truth', 'leave the world\'s true probabilities off the impression events')
    .option('--json', 'print the final summary as JSON')
    .option('-q, --quiet', 'no progress lines')
    .action(async (o: Opts) => {
      const speed = parseSpeed(o.speed);
      const limit = o.limit === undefined ? undefined : posInt(o.limit, '--limit');
      const cfg = loadStreamConfig(o.world);
      const names = { events: o.stream ?? cfg.streams.events, samples: o.samples ?? cfg.streams.samples, dead: o.dead ?? cfg.streams.dead, late: o.late ?? cfg.streams.late ?? `${o.stream ?? cfg.streams.events}:late` };
      const say = (s: string) => { if (!o.quiet) process.stderr.write(`${s}\n`); };
      // in-process: keep only unread events, and the last 100k samples / dead letters (nobody reads them after exit)
      const es: RangeStream = o.redis ? await openEventStream(o.redis) as RangeStream : new MemoryEventStream({ trimDelivered: true, maxLen: 100_000 });
      try {
        const t0 = Date.now();
        const world = generateWorld(worldOptionsOfStream(cfg));
        say(`world: ${world.impressions.numRows.toLocaleString('en-US')} impressions over ${cfg.world.days} day(s) generated in ${((Date.now() - t0) / 1000).toFixed(1)} s; replaying onto ${o.redis ?? 'an in-process stream'} "${names.events}" at ${speed === 0 ? 'full speed' : `${speed}×`}`);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const joining = o.join
          ? runJoin(es, { join: cfg.join, streams: names, ...(o.checkpoint ? { checkpointPath: o.checkpoint } : {}), signal: stop.signal, stopOnIdleMs: 2000, onProgress: throttle((p) => say(joinLine(p)), 1000) })
          : undefined;
        const rep = await replayEvents(es, worldEvents(world.impressions, { delays: cfg.delays, truth: cfg.truth }), {
          stream: names.events, speed, ...(limit !== undefined ? { limit } : {}), signal: stop.signal,
          onProgress: (p) => { if (!p.done) say(replayLine(p)); },
        });
        say(replayLine(rep));
        const joined = joining ? await joining : undefined;
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ events: rep.events, by_type: rep.byType, wall_ms: rep.wallMs, events_per_s: rep.rate, stream: names.events, join: joined?.counters })}\n`);
        } else {
          process.stdout.write(`appended ${rep.events.toLocaleString('en-US')} events to "${names.events}" in ${(rep.wallMs / 1000).toFixed(1)} s (${Math.round(rep.rate).toLocaleString('en-US')} events/s); stream length ${(await es.length(names.events)).toLocaleString('en-US')}\n`);
          if (joined) process.stdout.write(`${joinReport(joined)}\n`);
        }
      } finally {
        await es.close();
      }
    });
}

function throttle<T>(f: (x: T) => void, ms: number): (x: T) => void {
  let last = 0;
  return (x) => { const t = Date.now(); if (t - last >= ms) { last = t; f(x); } };
}
