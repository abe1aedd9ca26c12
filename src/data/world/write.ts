// Writing a generated world to disk: the impressions table (format from the extension), the users
// and rooms side tables next to it, and meta.json (options, sizes, realised statistics).
import { basename, dirname, extname, join } from 'node:path';
import { writeTable } from '../io/index.js';
import type { Schema } from '../schema.js';
import type { ColumnSpec } from './schema.js';
import { impressionColumnsOf, ROOM_COLUMNS, USER_COLUMNS } from './schema.js';
import type { World } from './generate.js';
import type { WorldStats } from './stats.js';
import { writeFileAtomic } from '../../util/atomic.js';

/** Reader/writer schema of a world table (ints as int, floats as float, strings as string). */
export function worldSchema(cols: readonly ColumnSpec[]): Schema {
  return cols.map((c) => ({
    name: c.name,
    type: c.type === 'string' ? 'string' : c.type.startsWith('float') ? 'float' : 'int',
    nullable: c.name === 'click' || c.name === 'p_click' || c.name === 'click_at_top' || c.name === 'p_click_relevance',
  }));
}

export interface WorldPaths { impressions: string; users: string; rooms: string; meta: string }

/** users/rooms/meta paths beside the impressions file: world.parquet -> world.users.parquet, world.meta.json. */
export function worldPaths(out: string): WorldPaths {
  const lower = out.toLowerCase();
  const ext = lower.endsWith('.gz') ? extname(out.slice(0, -3)) + '.gz' : extname(out);
  if (!['.parquet', '.csv', '.jsonl', '.csv.gz', '.jsonl.gz', '.tsv', '.ndjson'].includes(ext.toLowerCase())) {
    throw new Error(`${out}: unknown output format "${ext}"; use .parquet, .csv or .jsonl (optionally .gz for text)`);
  }
  const stem = join(dirname(out), basename(out).slice(0, basename(out).length - ext.length));
  return { impressions: out, users: `${stem}.users${ext}`, rooms: `${stem}.rooms${ext}`, meta: `${stem}.meta.json` };
}

export async function writeWorld(out: string, world: World, stats: WorldStats): Promise<WorldPaths> {
  const p = worldPaths(out);
  await writeTable(p.impressions, world.impressions, { schema: worldSchema(impressionColumnsOf(world.meta.options.loggingPolicy)) });
  await writeTable(p.users, world.users, { schema: worldSchema(USER_COLUMNS) });
  await writeTable(p.rooms, world.rooms, { schema: worldSchema(ROOM_COLUMNS) });
  // Timings are left out so the same seed gives byte-identical files, meta.json included.
  const { generationMs: _g, phaseMs: _p, ...rest } = world.meta;
  const meta = { ...rest, files: { impressions: basename(p.impressions), users: basename(p.users), rooms: basename(p.rooms) }, stats };
  writeFileAtomic(p.meta, `${JSON.stringify(meta, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return p;
}
