// `liverank serve --run RUN [--world CONFIG | --profiles DIR] [--redis HOST:PORT] [--fusion FILE] …`:
// the ranking service (src/serving/server.ts) over a run's exported model. With --world (the training
// config whose world to regenerate, e.g. examples/demo.yaml) or --profiles (a directory written by
// `liverank generate`), the profile store, the live-room index and the real-time store are loaded
// from the world's log up to the clock start (default: one hour before the world's end), and the
// service clock runs from there. The admin token for POST /admin/reload comes from the
// LIVERANK_ADMIN_TOKEN environment variable (never a flag: flags show in `ps`); without it the admin
// routes answer 403. SIGINT/SIGTERM close it gracefully.
import type { Command } from 'commander';
import { sliceTable, type Table } from '../../data/table.js';
import { generateWorld } from '../../data/world/generate.js';
import { readWorldTables } from '../../serving/profile/files.js';
import { applySnapshot, snapshotFromWorld } from '../../serving/profile/snapshot.js';
import { buildService, type ServiceDeps } from '../../serving/server.js';
import { OnnxCoarseScorer } from '../../serving/coarse.js';
import { ProfileFollows } from '../../serving/funnel/follows.js';
import { createRecall } from '../../serving/recall/factory.js';
import { loadRecallConfig } from '../../serving/recall/config.js';
import { loadTrainConfig } from '../../train/config.js';
import { worldOptionsOf } from '../../train/world-options.js';

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n)) throw new Error(`${name}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

/** "profile=50,recall=40" → { profile: 50, recall: 40 } */
function timeouts(v: string | undefined): Record<string, number> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of v.split(',')) {
    const m = /^(profile|recall|coarse|features)=(\d+)$/.exec(part.trim());
    if (!m) throw new Error(`--stage-timeouts: expected stage=ms pairs (stages profile, recall, coarse, features), got ${JSON.stringify(part)}`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function redisOpt(v: string | undefined, prefix: string | undefined): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const m = /^(?:([^:]+):)?(\d+)$/.exec(v);
  if (!m) throw new Error(`--redis: expected HOST:PORT or PORT, got ${JSON.stringify(v)}`);
  return { host: m[1] ?? '127.0.0.1', port: Number(m[2]), ...(prefix ? { prefix } : {}) };
}

/** First row with ts ≥ t (rows are in time order). */
function rowAt(t: Table, ts: number): number {
  const c = t.columns.ts!;
  let lo = 0, hi = t.numRows;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (Number(c[mid]) < ts) lo = mid + 1; else hi = mid; }
  return lo;
}

const log = (m: string) => process.stderr.write(`liverank serve: ${m}\n`);

interface Opts {
  run: string; port: string; host: string; workers?: string; ortThreads?: string; maxCandidates?: string; bodyLimit?: string; rankTimeout?: string; log?: boolean;
  world?: string; profiles?: string; clockStart?: string; warmHours?: string; redis?: string; redisPrefix?: string; fusion?: string;
  recallK?: string; coarseK?: string; size?: string; stageTimeouts?: string; recall?: string; coarse?: string; coarseTask?: string;
  eventStream?: string; eventStreamName?: string; servedLog?: string; servedLogSample?: string; servedLogFileMb?: string; servedLogFiles?: string; injectSkew?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a run\'s exported model over HTTP: POST /rank (given candidates, or the funnel over the live rooms), POST /events, GET /health, GET /metrics, POST /admin/reload (docs/serving.md)')
    .requiredOption('--run <dir>', 'run directory with model.onnx (+ .sha256), model.json and features.json (e.g. runs/demo)')
    .option('--port <n>', 'TCP port (0 = any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--workers <n>', 'fine-ranker worker threads (one ORT session each)')
    .option('--ort-threads <n>', 'ORT intra-op threads per worker')
    .option('--max-candidates <n>', 'most candidates per POST /rank')
    .option('--body-limit <bytes>', 'largest request body (bytes); larger → 413')
    .option('--rank-timeout <ms>', 'budget of the fine-ranking stage of one POST /rank; over it → 503')
    .option('--world <config>', 'load profiles, live rooms and real-time counters from the world of this training config (e.g. examples/demo.yaml), regenerated')
    .option('--profiles <dir>', 'the same from a world written by `liverank generate` (DIR/world.parquet + .users/.rooms)')
    .option('--clock-start <unix-s>', 'with --world/--profiles: the service clock starts here and the log is loaded up to it (default: one hour before the world ends)')
    .option('--warm-hours <h>', 'with --world/--profiles: hours of log before the clock start replayed into the real-time counters', '72')
    .option('--redis <host:port>', 'real-time and profile stores in Redis (default: in-process)')
    .option('--redis-prefix <p>', 'Redis key prefix (default lr:)')
    .option('--fusion <file>', 'fusion + re-ranking config (e.g. examples/fusion.yaml), hot-reloaded')
    .option('--recall <config>', 'funnel recall: a recall config (examples/recall.yaml: two-tower ANN, item-CF, followed-and-live, popularity with quotas); default: the most-viewed live rooms')
    .option('--coarse <run>', 'funnel coarse stage: a coarse run directory (model.onnx, e.g. a distilled coarse ranker); default: none (recall order)')
    .option('--coarse-task <task>', 'the coarse model task that orders candidates (default: its first)')
    .option('--recall-k <n>', 'funnel: rooms recalled (default 500)')
    .option('--coarse-k <n>', 'funnel: rooms the coarse stage keeps for fine ranking (default 100)')
    .option('--size <n>', 'funnel: rooms returned when the fusion config sets no rerank.size (default 20)')
    .option('--stage-timeouts <list>', 'funnel budgets in ms, e.g. profile=50,recall=50,coarse=50,features=100')
    .option('--log', 'log every request (pino, JSON on stdout)')
    .option('--event-stream <redis-url>', 'publish served impressions and the outcomes posted to /events (with impression_id) as events for the joiner and train --stream (docs/streaming.md)')
    .option('--event-stream-name <name>', 'events stream name (default lr:events)')
    .option('--served-log <file|dir>', 'log every fine-ranked candidate (row, encoded features, scores) as JSON lines: a .jsonl file or a directory (liverank diagnose skew reads it)')
    .option('--served-log-sample <x>', 'served log: fraction of requests logged (default 1)')
    .option('--served-log-file-mb <n>', 'served log: rotate files at this size (default 64)')
    .option('--served-log-files <n>', 'served log: files kept (default 20)')
    .option('--inject-skew <kind>', 'TEST AID ONLY: cityhash-v102 (hash with CityHash v1.0.2, trained with v1.1) or counter-window-1h (24 h counters served from 1 h windows); see docs/streaming.md "Skew"')
    .action(async (o: Opts) => {
      if (o.world && o.profiles) throw new Error('--world and --profiles: give one of them');
      const funnel: Record<string, number> = {};
      for (const [k, v] of [['recall_k', int(o.recallK, '--recall-k')], ['coarse_k', int(o.coarseK, '--coarse-k')], ['size', int(o.size, '--size')]] as const) if (v !== undefined) funnel[k] = v;
      const raw: Record<string, unknown> = {
        run: o.run, host: o.host, port: int(o.port, '--port'), log: !!o.log,
        workers: int(o.workers, '--workers'), ort_threads: int(o.ortThreads, '--ort-threads'),
        max_candidates: int(o.maxCandidates, '--max-candidates'), body_limit_bytes: int(o.bodyLimit, '--body-limit'), rank_timeout_ms: int(o.rankTimeout, '--rank-timeout'),
        admin_token: process.env.LIVERANK_ADMIN_TOKEN || undefined,
        fusion_config: o.fusion, redis: redisOpt(o.redis, o.redisPrefix), funnel, timeouts_ms: timeouts(o.stageTimeouts),
        ...(o.eventStream ? { event_stream: { url: o.eventStream, ...(o.eventStreamName ? { stream: o.eventStreamName } : {}) } } : {}),
        ...(o.servedLog ? { served_log: {
          path: o.servedLog, ...(num(o.servedLogSample, '--served-log-sample') !== undefined ? { sample: num(o.servedLogSample, '--served-log-sample') } : {}),
          ...(num(o.servedLogFileMb, '--served-log-file-mb') !== undefined ? { max_file_bytes: Math.round(num(o.servedLogFileMb, '--served-log-file-mb')! * 1024 * 1024) } : {}),
          ...(int(o.servedLogFiles, '--served-log-files') !== undefined ? { max_files: int(o.servedLogFiles, '--served-log-files') } : {}),
        } } : {}),
        ...(o.injectSkew && o.injectSkew !== 'none' ? { inject_skew: o.injectSkew } : {}),
      };
      // the world first (its clock sets the service's), then the service, then the snapshot into its stores
      let tables: { users: Table; rooms: Table; impressions: Table } | undefined;
      const t0 = Date.now();
      if (o.world) {
        const cfg = loadTrainConfig(o.world);
        if (cfg.data.source !== 'world') throw new Error(`${o.world}: data.source is "${cfg.data.source}"; --world needs a world config (data.source: world)`);
        tables = generateWorld(worldOptionsOf(cfg.data));
        log(`world of ${o.world} generated (${tables.impressions.numRows} impressions) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } else if (o.profiles) {
        tables = await readWorldTables(o.profiles);
        log(`world read from ${o.profiles} (${tables.impressions.numRows} impressions) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      let snapshot: ReturnType<typeof snapshotFromWorld> | undefined;
      if (tables) {
        const ts = tables.impressions.columns.ts!;
        const end = tables.impressions.numRows ? Number(ts[tables.impressions.numRows - 1]) : 0;
        const start = num(o.clockStart, '--clock-start') ?? Math.floor(end - 3600);
        const t1 = Date.now();
        snapshot = snapshotFromWorld({ ...tables, impressions: sliceTable(tables.impressions, 0, rowAt(tables.impressions, start)) }, { warmSeconds: Number(o.warmHours) * 3600 });
        snapshot.lastTs = start;
        raw.clock_offset_s = start - Date.now() / 1000;
        log(`snapshot at ${new Date(start * 1000).toISOString()}: ${snapshot.users.size} users, ${snapshot.rooms.length} rooms, ${snapshot.tail.length} events to warm the counters (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
      }
      for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
      const deps: ServiceDeps = {};
      const closers: (() => Promise<void>)[] = [];
      if (o.recall) {
        const rc = loadRecallConfig(o.recall);
        deps.recaller = async ({ live, profiles }) => {
          const t3 = Date.now();
          const stack = await createRecall(rc, { live, follows: new ProfileFollows(profiles) });
          closers.push(() => stack.dispose());
          log(`recall from ${o.recall}: sources ${[...stack.sources.keys()].join(', ')} (${((Date.now() - t3) / 1000).toFixed(1)} s)`);
          return stack.recaller;
        };
      }
      if (o.coarse) {
        const c = await OnnxCoarseScorer.load(o.coarse, o.coarseTask ? { task: o.coarseTask } : {});
        closers.push(() => c.dispose());
        deps.coarse = c;
        log(`coarse stage: ${o.coarse} (task ${c.task})`);
      }
      const closeAll = async () => { for (const c of closers) await c().catch(() => {}); };
      let svc: Awaited<ReturnType<typeof buildService>>;
      try { svc = await buildService(raw, deps); } catch (e) { await closeAll(); throw e; }
      let address: string;
      try {
        if (snapshot) {
          const t2 = Date.now();
          const n = await applySnapshot(snapshot, svc);
          log(`stores loaded (${svc.options.redis ? 'redis' : 'in-process'}): ${n.users} users, ${n.rooms} rooms (${svc.live.liveProfiles(svc.now()).length} live now), ${n.sequences} sequences, ${n.events} events in ${((Date.now() - t2) / 1000).toFixed(1)} s`);
        }
        if (snapshot && snapshot.sequences.size) {
          // warm the funnel's stages (ANN index pages, coarse workers, JIT) before the first real request
          const t4 = Date.now();
          const users = [...snapshot.sequences.values()].slice(0, 3).map((q) => q.user);
          for (const user of users) for (const scenario of svc.ranker().model.fitted.vocabs.scenario ?? ['home']) {
            await svc.funnel.rank({ user, scenario, ts: svc.now(), context: {} }, svc.ranker(), svc.fusion()).catch((e: Error) => log(`warm-up request failed: ${e.message}`));
          }
          log(`funnel warmed up (${((Date.now() - t4) / 1000).toFixed(1)} s)`);
        }
        address = await svc.app.listen({ host: svc.options.host, port: svc.options.port });
      } catch (e) {
        // a failed start must not leave workers and connections holding the process open
        await svc.close().catch(() => {});
        await closeAll();
        throw e;
      }
      const m = svc.ranker().model;
      log(`${address} — ${m.dir} (model.onnx sha256 ${m.sha256.slice(0, 12)}…, tasks ${svc.ranker().tasks.join(', ')}, ${svc.options.workers} worker(s)); admin routes ${svc.options.admin_token ? 'enabled' : 'disabled (set LIVERANK_ADMIN_TOKEN)'}`);
      let closing = false;
      const stop = (sig: string) => {
        if (closing) return;
        closing = true;
        log(`${sig}, closing`);
        void svc.close().then(closeAll).then(() => process.exit(0), (e: Error) => { log(`close failed: ${e.message}`); process.exit(1); });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
