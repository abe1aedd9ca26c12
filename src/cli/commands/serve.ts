// `liverank serve --run RUN [--port 8080] [--host 127.0.0.1] [--workers 2] [--max-candidates 2000]`:
// the ranking service (src/serving/server.ts) over a run's exported model. The admin token for
// POST /admin/reload comes from the LIVERANK_ADMIN_TOKEN environment variable (never a flag: flags
// show in `ps`); without it the admin routes answer 403. SIGINT/SIGTERM close it gracefully.
import type { Command } from 'commander';
import { buildService } from '../../serving/server.js';

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n)) throw new Error(`${name}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a run\'s exported model over HTTP: POST /rank, GET /health, GET /metrics, POST /admin/reload (docs/serving.md)')
    .requiredOption('--run <dir>', 'run directory with model.onnx (+ .sha256), model.json and features.json (e.g. runs/demo)')
    .option('--port <n>', 'TCP port (0 = any free port)', '8080')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--workers <n>', 'fine-ranker worker threads (one ORT session each)')
    .option('--ort-threads <n>', 'ORT intra-op threads per worker')
    .option('--max-candidates <n>', 'most candidates per POST /rank')
    .option('--body-limit <bytes>', 'largest request body (bytes); larger → 413')
    .option('--rank-timeout <ms>', 'budget of the fine-ranking stage of one POST /rank; over it → 503')
    .option('--log', 'log every request (pino, JSON on stdout)')
    .action(async (o: { run: string; port: string; host: string; workers?: string; ortThreads?: string; maxCandidates?: string; bodyLimit?: string; rankTimeout?: string; log?: boolean }) => {
      const raw: Record<string, unknown> = {
        run: o.run, host: o.host, port: int(o.port, '--port'), log: !!o.log,
        workers: int(o.workers, '--workers'), ort_threads: int(o.ortThreads, '--ort-threads'),
        max_candidates: int(o.maxCandidates, '--max-candidates'), body_limit_bytes: int(o.bodyLimit, '--body-limit'), rank_timeout_ms: int(o.rankTimeout, '--rank-timeout'),
        admin_token: process.env.LIVERANK_ADMIN_TOKEN || undefined,
      };
      for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
      const svc = await buildService(raw);
      const address = await svc.app.listen({ host: svc.options.host, port: svc.options.port });
      const m = svc.ranker().model;
      process.stderr.write(`liverank serve: ${address} — ${m.dir} (model.onnx sha256 ${m.sha256.slice(0, 12)}…, tasks ${svc.ranker().tasks.join(', ')}, ${svc.options.workers} worker(s)); admin routes ${svc.options.admin_token ? 'enabled' : 'disabled (set LIVERANK_ADMIN_TOKEN)'}\n`);
      let closing = false;
      const stop = (sig: string) => {
        if (closing) return;
        closing = true;
        process.stderr.write(`liverank serve: ${sig}, closing\n`);
        void svc.close().then(() => process.exit(0), (e: Error) => { process.stderr.write(`liverank serve: close failed: ${e.message}\n`); process.exit(1); });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
