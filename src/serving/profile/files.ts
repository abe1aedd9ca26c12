// Reads a generated world's tables from disk (`liverank generate --out DIR/world.parquet` writes
// world.parquet, world.users.parquet, world.rooms.parquet): the input of a profile snapshot.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAll } from '../../data/io/index.js';
import type { Table } from '../../data/table.js';
import { impressionColumnsOf, ROOM_COLUMNS, USER_COLUMNS } from '../../data/world/schema.js';
import { worldPaths, worldSchema } from '../../data/world/write.js';

/** `dir` holds world.<ext> + world.users.<ext> + world.rooms.<ext> (or pass the impressions file itself). */
export async function readWorldTables(dirOrFile: string): Promise<{ users: Table; rooms: Table; impressions: Table; paths: ReturnType<typeof worldPaths> }> {
  let file = dirOrFile;
  if (!existsSync(dirOrFile)) throw new Error(`${dirOrFile}: profiles directory or file does not exist`);
  if (!/\.(parquet|csv|jsonl|tsv|ndjson)(\.gz)?$/i.test(dirOrFile)) {
    const f = readdirSync(dirOrFile).find((n) => /^world\.(parquet|csv|jsonl|csv\.gz|jsonl\.gz)$/i.test(n));
    if (!f) throw new Error(`${dirOrFile}: no world.parquet (or .csv/.jsonl) here; write one with \`liverank generate --out ${join(dirOrFile, 'world.parquet')}\``);
    file = join(dirOrFile, f);
  }
  const paths = worldPaths(file);
  for (const p of [paths.users, paths.rooms]) if (!existsSync(p)) throw new Error(`${p}: side table missing (written by liverank generate next to ${file})`);
  const read = async (p: string, schema: ReturnType<typeof worldSchema>) => (await readAll(p, { schema, onWarning: () => {} })).table;
  const [impressions, users, rooms] = await Promise.all([
    read(paths.impressions, worldSchema(impressionColumnsOf(undefined))),
    read(paths.users, worldSchema(USER_COLUMNS)),
    read(paths.rooms, worldSchema(ROOM_COLUMNS)),
  ]);
  return { users, rooms, impressions, paths };
}
