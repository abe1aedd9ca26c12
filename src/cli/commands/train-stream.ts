// `liverank train -c CONFIG --stream --redis URL [--samples NAME] [--group NAME] --out DIR …`: the
// streaming trainer (src/train/stream). train.ts adds these options to `train` and hands over when
// --stream is given. register() adds `liverank stream-compare` (two streaming runs per slice, e.g. per day).
import type { Command } from 'commander';
import { join } from 'node:path';
import { openEventStream } from '../../data/stream/open.js';
import { STREAMS } from '../../data/stream/names.js';
import type { TrainConfig } from '../../train/config.js';
import { Pusher } from '../../train/stream/push.js';
import { servicePush } from '../../train/stream/service-push.js';
import { trainStream } from '../../train/stream/trainer.js';
import { compareRuns, formatCompare, readProgressive } from '../../train/stream/compare.js';

export function register(program: Command): void {
  program
    .command('stream-compare')
    .description('predict-then-train metrics of a train --stream run per slice value (default: day), with the oracle gap and Σpred/Σtrue p, beside a baseline run (e.g. --train-until)')
    .requiredOption('--run <dir>', 'a train --stream run directory')
    .option('--baseline <dir>', 'another run over the same stream')
    .option('--slice <name>', 'slice of the progressive metrics', 'day')
    .option('--json', 'JSON rows instead of the table')
    .action((o: { run: string; baseline?: string; slice: string; json?: boolean }) => {
      const rows = compareRuns(readProgressive(o.run), o.baseline ? readProgressive(o.baseline) : null, o.slice);
      process.stdout.write(o.json ? `${JSON.stringify(rows)}\n` : `${formatCompare(rows, o.slice)}\n`);
    });
}

export interface StreamCliOptions {
  stream?: boolean; redis?: string; samples?: string; group?: string; consumer?: string; untilIdle?: string | boolean;
  bootstrap?: string; batch?: string; checkpointEvery?: string; window?: string; slices?: string;
  capacity?: string; admitAfter?: string; ttl?: string; logEvery?: string; ledger?: boolean; maxRecords?: string; trainUntil?: string;
  pushDir?: string; pushEvery?: string; pushSeconds?: string; pushUrl?: string; pushToken?: string; pushModelDir?: string;
  out?: string; quiet?: boolean;
}

export function addStreamOptions(cmd: Command): Command {
  return cmd
    .option('--stream', 'train incrementally on a samples stream (Redis Streams consumer group) instead of the config\'s data')
    .option('--redis <url>', 'broker for --stream: redis://host:port[/db] (required with --stream)')
    .option('--samples <name>', 'stream of joined samples (--stream)', STREAMS.samples)
    .option('--group <name>', 'consumer group (--stream)', 'trainer')
    .option('--consumer <name>', 'consumer name within the group (--stream; default trainer-<pid>)')
    .option('--until-idle [seconds]', 'stop when the stream gave nothing for this long (default 5 s); without it, run until SIGINT/SIGTERM')
    .option('--bootstrap <n>', 'samples that fit the features on a fresh run (--stream)', '2000')
    .option('--batch <n>', 'mini-batch size (--stream; default train.batch_size)')
    .option('--checkpoint-every <records>', 'commit model + offset every this many records (--stream; default 20 batches)')
    .option('--window <n>', 'predict-then-train window per task and slice (--stream)', '10000')
    .option('--slices <cols>', 'slice columns of the progressive metrics; "day" = UTC date of ts (--stream)', 'scenario,country,day')
    .option('--capacity <rows>', 'rows per bounded embedding table; tables with more buckets get admission/eviction (--stream)', '100000')
    .option('--admit-after <n>', 'sightings before a key gets its own row (--stream)', '2')
    .option('--ttl <steps>', 'steps without a lookup before a row expires; 0 = LFU eviction only (--stream)', '0')
    .option('--log-every <records>', 'progress line every this many records (--stream; default 10 batches)')
    .option('--ledger', 'keep trained_ids.jsonl: every trained sample id per checkpoint (--stream)')
    .option('--max-records <n>', 'stop after this many records (--stream)')
    .option('--train-until <records>', 'train on the first this many records, then only predict: a frozen baseline with the same progressive metrics (--stream)')
    .option('--push-dir <dir>', 'push the model (dense + changed rows) to this model directory (--stream)')
    .option('--push-every <samples>', 'push after this many trained samples (--stream)', '50000')
    .option('--push-seconds <s>', 'push at least this often (--stream; 0 = by samples only)', '300')
    .option('--push-url <url>', 'also export the full model to --push-model-dir and POST <url>/admin/reload (--stream)')
    .option('--push-token <token>', 'bearer token of the service\'s /admin/reload (default $LIVERANK_ADMIN_TOKEN)')
    .option('--push-model-dir <dir>', 'the run directory the service at --push-url serves (--stream)');
}

function num(v: string | undefined, name: string, int = true, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (int && !Number.isInteger(n))) throw new Error(`--${name}: expected ${min > 0 ? 'a positive' : 'a non-negative'} ${int ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  return n;
}

export async function runStreamTrain(cfg: TrainConfig, o: StreamCliOptions): Promise<void> {
  if (!o.redis) throw new Error('--stream needs --redis redis://host:port (the samples stream lives in the broker)');
  const out = o.out ?? join('runs', `${cfg.name}-stream`);
  const log = o.quiet ? () => {} : (s: string) => process.stderr.write(`${s}\n`);
  const es = await openEventStream(o.redis, { onRetry: (what, err, attempt) => { if (attempt === 1 || attempt % 20 === 0) log(`stream: ${what} failed (${err.message}); retrying (attempt ${attempt})`); } });
  const ac = new AbortController();
  const onSig = () => { log('stream: stopping after the current batch (signal)'); ac.abort(); };
  process.once('SIGINT', onSig); process.once('SIGTERM', onSig);
  let pusher: Pusher | null = null;
  if (o.pushUrl && !o.pushModelDir) throw new Error('--push-url needs --push-model-dir (the run directory that service serves)');
  if (o.pushDir || o.pushUrl) {
    const token = o.pushToken ?? process.env.LIVERANK_ADMIN_TOKEN;
    if (o.pushUrl && !token) throw new Error('--push-url needs --push-token (or $LIVERANK_ADMIN_TOKEN): the service\'s admin token');
    pusher = new Pusher({
      dir: o.pushDir ?? join(out, 'model-dir'), everySamples: num(o.pushEvery, 'push-every')!, everySeconds: num(o.pushSeconds, 'push-seconds', false)!,
      ...(o.pushUrl ? { after: servicePush({ url: o.pushUrl, token: token!, modelDir: o.pushModelDir!, runDir: out, log }) } : {}),
    });
  }
  const idle = o.untilIdle === undefined ? null : o.untilIdle === true ? 5000 : num(String(o.untilIdle), 'until-idle', false)! * 1000;
  try {
    const r = await trainStream(cfg, {
      out, stream: es, samples: o.samples, group: o.group, consumer: o.consumer, untilIdleMs: idle,
      bootstrap: num(o.bootstrap, 'bootstrap', true, 1), batch: num(o.batch, 'batch', true, 1), checkpointEvery: num(o.checkpointEvery, 'checkpoint-every', true, 1),
      window: num(o.window, 'window', true, 1), sliceColumns: (o.slices ?? 'scenario,country,day').split(',').map((x) => x.trim()).filter(Boolean),
      admission: { capacity: num(o.capacity, 'capacity', true, 1)!, admitAfter: num(o.admitAfter, 'admit-after', true, 1)!, ttlSteps: num(o.ttl, 'ttl')! },
      logEvery: num(o.logEvery, 'log-every', true, 1), ledger: !!o.ledger, maxRecords: num(o.maxRecords, 'max-records'), trainUntil: num(o.trainUntil, 'train-until'),
      pusher, stop: ac.signal, log,
    });
    process.stdout.write(`${JSON.stringify({ out, offset: r.state.offset, records: r.state.records, samples: r.state.samples, rejected: r.state.rejected, steps: r.state.steps, ids_hash: r.state.idsHash, resumed_from: r.resumedFrom, tables: r.bounded, metrics: Object.fromEntries(Object.entries(r.report.tasks).map(([t, m]) => [t, m.all])) })}\n`);
  } finally {
    process.off('SIGINT', onSig); process.off('SIGTERM', onSig);
    await es.close();
  }
}
