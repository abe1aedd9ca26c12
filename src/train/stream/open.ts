// Opening a streaming run: the first `bootstrap` samples of the stream fit the features (vocabularies,
// bucket boundaries, standardization) and the heads' starting biases, exactly as a batch run fits them
// on its training split; they are kept in the run directory (bootstrap.jsonl) so a restart builds the
// same model graph without reading them again. They are then trained on like every other sample.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStream, StreamRecord } from '../../data/stream/types.js';
import { writeFileAtomic } from '../../util/atomic.js';
import type { TrainConfig } from '../config.js';
import { emptyReport } from '../data-checks.js';
import type { Splits } from '../dataset.js';
import { loadFeatures } from '../features-config.js';
import { FEATURES_FILE } from '../run-dir.js';
import { openSession, type Session } from '../session.js';
import { decodeSamples } from './samples.js';

export const BOOTSTRAP_FILE = 'bootstrap.jsonl';

/** Refuse config sections that need a whole training split up front. */
export function checkStreamable(cfg: TrainConfig): void {
  const why: string[] = [];
  if (cfg.balance) why.push('balance (re-weighting from the whole training split)');
  if (cfg.debias) why.push('debias (propensities fitted on the whole training split)');
  if (cfg.tasks.some((t) => t.distill)) why.push('distillation (teacher columns)');
  if (loadFeatures(cfg).counters.length) why.push('counter features (the samples must carry their counter__ columns; not wired yet)');
  if (why.length) throw new Error(`train --stream: the config uses ${why.join('; ')}, which the streaming trainer does not support; remove them for streaming`);
}

/** Read records from the group until `n` decodable samples were seen (or the stream stays idle `idleMs`). */
export async function readBootstrap(es: EventStream, stream: string, group: string, consumer: string, n: number, idleMs: number | null, log: (s: string) => void): Promise<StreamRecord[]> {
  const got: StreamRecord[] = [];
  let good = 0, idle = 0;
  while (good < n) {
    const t0 = Date.now();
    const recs = await es.read(stream, group, consumer, { count: Math.min(1000, n - good + 16), blockMs: 500 });
    if (recs.length === 0) {
      idle += Date.now() - t0;
      if (idleMs !== null && idle >= idleMs) break;
      continue;
    }
    idle = 0;
    got.push(...recs);
    good += decodeSamples(recs).table.numRows;
  }
  if (good === 0) throw new Error(`train --stream: stream "${stream}" gave no usable sample to fit the features on (waited ${idleMs} ms idle)`);
  log(`bootstrap: ${good} sample(s) of ${got.length} record(s) fit the features`);
  return got;
}

/** The session of a streaming run: features fitted on (or reloaded with) the bootstrap samples. */
export async function openStreamSession(cfg: TrainConfig, out: string, records: readonly StreamRecord[], log: (s: string) => void): Promise<Session> {
  const { table } = decodeSamples(records);
  const splits: Splits = {
    train: table, val: table, test: table,
    slices: { scenario: 'scenario', country: 'country', group: 'user_id' },
    description: `stream bootstrap (${table.numRows} samples)`, report: emptyReport('stream'),
  };
  splits.report.splits = { train: table.numRows, val: 0, test: 0 };
  return openSession(cfg, out, log, existsSync(join(out, FEATURES_FILE)), splits);
}

export function saveBootstrap(out: string, records: readonly StreamRecord[]): void {
  writeFileAtomic(join(out, BOOTSTRAP_FILE), records.map((r) => JSON.stringify([r.id, r.body])).join('\n') + '\n');
}

export function loadBootstrap(dir: string): StreamRecord[] | null {
  const p = join(dir, BOOTSTRAP_FILE);
  if (!existsSync(p)) return null;
  return readFileSync(p, 'utf8').split('\n').filter((l) => l).map((l, i) => {
    try { const [id, body] = JSON.parse(l) as [string, string]; return { id, body }; } catch (e) { throw new Error(`${p}:${i + 1}: not a bootstrap record (${(e as Error).message})`); }
  });
}
