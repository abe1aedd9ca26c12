// Writing a long-history world: the impressions, side tables and meta.json as `liverank generate`
// does, plus the behaviour log beside them (world-long.parquet → world-long.behaviors.bin) and the
// long_term truth column in `*.long.csv` (impression_id, long_term, long_slice). `liverank generate
// --long-history` writes it; run as a script, this file has the long world's defaults:
//
//   npx tsx src/data/world/long-generate.ts --out data/generated/world-long.parquet \
//     [--impressions 600000] [--days 3] [--seed 1] [--live-rooms 2500] [--users-per-impression 0.008] \
//     [--long-history '{"max_len":1000}']
//
// = npx liverank generate --long-history --impressions 600000 --days 3 --live-rooms 2500 \
//     --users-per-impression 0.008 --out data/generated/world-long.parquet
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateWorld, type World, type WorldOptions } from './generate.js';
import { summarizeWorld } from './stats.js';
import { worldPaths, writeWorld } from './write.js';
import { writeBehaviorLog } from '../../features/behavior/log.js';
import { longSliceColumn } from '../../features/behavior/select.js';

export function behaviorsPath(out: string): string {
  const p = worldPaths(out);
  return p.meta.replace(/\.meta\.json$/, '.behaviors.bin');
}

/** Writes the world files, the log (`*.behaviors.bin`) and `*.long.csv`; returns the log path. */
export async function writeLongWorld(out: string, world: World, stats = summarizeWorld(world)): Promise<string> {
  if (!world.behaviors) throw new Error('writeLongWorld: the world has no behaviour log (generate it with longHistory)');
  await writeWorld(out, world, stats);
  const path = behaviorsPath(out);
  writeBehaviorLog(path, world.behaviors);
  const c = world.impressions.columns;
  const within = world.meta.longHistory?.options.max_len ?? 1000;
  const slice = longSliceColumn(world.behaviors, c.user_id as Int32Array, c.ts as Int32Array, c.category_id as Uint8Array, 20, within);
  const lt = c.long_term as Uint8Array; const id = c.impression_id as Int32Array;
  const lines = ['impression_id,long_term,long_slice'];
  for (let i = 0; i < world.impressions.numRows; i++) lines.push(`${id[i]},${lt[i]},${slice[i]}`);
  writeFileSync(path.replace(/\.behaviors\.bin$/, '.long.csv'), `${lines.join('\n')}\n`);
  return path;
}

function parseArgs(argv: string[]): { out: string; opts: WorldOptions } {
  const get = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const num = (name: string, def: number): number => {
    const v = get(name); if (v === undefined) return def;
    const x = Number(v); if (!Number.isFinite(x)) throw new Error(`${name}: expected a number, got ${JSON.stringify(v)}`);
    return x;
  };
  const lh = get('--long-history');
  let longHistory: WorldOptions['longHistory'] = true;
  if (lh !== undefined) {
    try { longHistory = JSON.parse(lh); } catch (e) { throw new Error(`--long-history: not JSON: ${(e as Error).message}`); }
  }
  return {
    out: get('--out') ?? 'data/generated/world-long.parquet',
    opts: {
      impressions: num('--impressions', 600_000), days: num('--days', 3), seed: num('--seed', 1),
      liveRoomsPerMillionPerDay: num('--live-rooms', 2500), usersPerImpression: num('--users-per-impression', 0.008), longHistory,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { out, opts } = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const world = generateWorld(opts);
  const log = await writeLongWorld(out, world);
  const s = world.meta.longHistory!.stats;
  process.stderr.write(`${out}: ${world.impressions.numRows} impressions, ${world.meta.sizes.users} users; log ${log}: ${s.priorBehaviors} prior + ${s.worldBehaviors} world behaviours (mean prior ${s.meanPriorLen.toFixed(0)}, ${s.usersAtMax} users at max_len) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
