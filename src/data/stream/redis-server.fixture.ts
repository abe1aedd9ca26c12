// A test-owned redis-server on a free port (started and SIGKILLed by the test). By default with an
// append-only file in a temp dir so a restart on the same port keeps the streams — as a production
// broker would; `persist: false` for a cache that comes back empty (the service's fault tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free port below the ephemeral range (a client reconnecting to a dead ephemeral port can connect to itself). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const s = createServer();
    const ok = await new Promise<boolean>((res) => { s.once('error', () => res(false)); s.listen(port, '127.0.0.1', () => res(true)); });
    if (!ok) continue;
    s.close();
    await once(s, 'close');
    return port;
  }
  throw new Error('no free port in 20000-29999');
}

export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'lr-stream-redis-'));
  constructor(readonly port: number, private readonly o: { persist?: boolean } = {}) {}

  async start(): Promise<void> {
    const persist = this.o.persist ?? true;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '',
      ...(persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      '--dir', this.dir, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let spawnError: Error | undefined;
    child.on('error', (e) => { spawnError = e; });
    child.stdout!.on('data', (d) => { out += String(d); });
    const t0 = Date.now();
    while (!/Ready to accept connections/.test(out)) {
      if (spawnError) throw new Error(`redis-server could not start (is it installed?): ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${out}`);
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server not ready after 10 s: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.child = child;
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
}
