// `liverank join --redis URL [--config CFG] [--stream NAME] [--samples NAME] [--dead NAME] [--checkpoint PATH] [--until-idle S]`:
// the delayed-label joiner as its own process: events stream → one sample per impression when its
// attribution windows close (docs/streaming.md "Join"). Resumes from --checkpoint exactly once.
import type { Command } from 'commander';
import { loadStreamConfig, parseStreamConfig } from '../../data/stream/config.js';
import { runJoin, type RangeStream } from '../../data/stream/join-runner.js';
import { openEventStream } from '../../data/stream/open.js';
import { joinLine, joinReport } from '../../data/stream/report.js';

interface Opts { redis: string; config?: string; stream?: string; samples?: string; dead?: string; late?: string; group: string; consumer: string; checkpoint?: string; untilIdle?: string; checkpointSeconds: string; json?: boolean; quiet?: boolean }

export function register(program: Command): void {
  program
    .command('join')
    .description('join impressions with their delayed labels within per-task attribution windows; one sample per impression to the samples stream')
    .requiredOption('--redis <url>', 'broker: redis://host:port[/db]')
    .option('-c, --config <cfg>', 'stream config YAML (windows, lateness, stream names; examples/stream.yaml)')
    .option('--stream <name>', 'events stream (default: config streams.events, lr:events)')
    .option('--samples <name>', 'samples stream (default: config streams.samples, lr:samples)')
    .option('--dead <name>', 'dead-letter stream (default: config streams.dead, lr:events:dead)')
    .option('--late <name>', 'stream of labels that came after their window (default <events stream>:late)')
    .option('--group <name>', 'consumer group on the events stream', 'lr-joiner')
    .option('--consumer <name>', 'consumer name', 'joiner-1')
    .option('--checkpoint <path>', 'checkpoint file: joiner state + input offset, written atomically (resume exactly once)')
    .option('--checkpoint-seconds <s>', 'checkpoint at least this often', '5')
    .option('--until-idle <seconds>', 'stop when nothing arrived for this long (default: run until SIGINT/SIGTERM)')
    .option('--json', 'print the final counters as JSON')
    .option('-q, --quiet', 'no progress lines')
    .action(async (o: Opts) => {
      const cfg = o.config ? loadStreamConfig(o.config) : parseStreamConfig({});
      const names = { events: o.stream ?? cfg.streams.events, samples: o.samples ?? cfg.streams.samples, dead: o.dead ?? cfg.streams.dead, late: o.late ?? cfg.streams.late ?? `${o.stream ?? cfg.streams.events}:late` };
      const idle = o.untilIdle === undefined ? undefined : Number(o.untilIdle);
      if (idle !== undefined && !(idle >= 0)) throw new Error(`--until-idle: expected seconds >= 0, got ${JSON.stringify(o.untilIdle)}`);
      const ckS = Number(o.checkpointSeconds);
      if (!(ckS >= 0)) throw new Error(`--checkpoint-seconds: expected seconds >= 0, got ${JSON.stringify(o.checkpointSeconds)}`);
      const es = await openEventStream(o.redis) as RangeStream;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let last = 0;
      try {
        const p = await runJoin(es, {
          join: cfg.join, streams: names, group: o.group, consumer: o.consumer, signal: stop.signal, checkpointIntervalMs: ckS * 1000,
          ...(o.checkpoint ? { checkpointPath: o.checkpoint } : {}), ...(idle !== undefined ? { stopOnIdleMs: idle * 1000 } : {}),
          onProgress: (x) => { if (!o.quiet && Date.now() - last >= 1000) { last = Date.now(); process.stderr.write(`${joinLine(x)}\n`); } },
        });
        if (o.json) process.stdout.write(`${JSON.stringify({ records: p.records, open: p.open, watermark: p.watermark, checkpoints: p.checkpoints, skipped_replayed: p.skippedReplayed, ...p.counters })}\n`);
        else process.stdout.write(`${joinReport(p)}\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await es.close();
      }
    });
}
