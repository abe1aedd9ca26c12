// The two-tower recall source (docs/models/two-tower.md, "Serving contract"): the exported user
// tower (RUN/user_tower: model.onnx → user_emb [B, dim], unit rows) computes the user vector from the
// request row with the training transform; the item vectors (RUN/items.f32 + items.json, one unit
// row per streamer) are searched by the HNSW index (RUN/items.usearch, built on first load); the
// streamers found are mapped to their live room (only-live), the ANN fetch doubling until k rooms
// are live or every streamer was looked at. Score = dot(u, v) / temperature.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { transform } from '../../features/index.js';
import { sha256 } from '../../util/checksum.js';
import { feedsFor, loadRunArtefacts, type LoadedModel } from '../fine-ranker-model.js';
import { requiredColumns, rowsToTable, type Row } from '../fine-ranker.js';
import type { Id, RankContext, RecallCandidate, RecallSource } from '../funnel/types.js';
import { AnnIndex, type AnnParams } from './ann.js';
import { toId } from './ids.js';
import type { StreamerLiveIndex } from './live-index.js';

const ItemsMeta = z.object({
  format: z.literal('liverank.two_tower.items'),
  version: z.literal(1),
  dim: z.number().int().min(1),
  temperature: z.number().positive(),
  normalized: z.boolean().optional(),
  id_column: z.string().min(1),
  count: z.number().int().min(1),
  ids: z.array(z.union([z.number(), z.string()])),
  category_id: z.array(z.union([z.number(), z.string()])).optional(),
  vectors: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export interface ItemVectors {
  dim: number;
  count: number;
  temperature: number;
  /** Streamer id of each row. */
  ids: Id[];
  vectors: Float32Array;
  /** The vectors file (the ANN index is saved next to it). */
  path: string;
}

/** Reads RUN/items.json and the vectors it names, checking count × dim × 4 bytes and the sha256. */
export function loadItemVectors(dir: string): ItemVectors {
  const mpath = join(dir, 'items.json');
  if (!existsSync(mpath)) throw new Error(`${mpath}: missing; a two-tower run exports items.json + items.f32 (docs/models/two-tower.md)`);
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(mpath, 'utf8')); } catch (e) { throw new Error(`${mpath}: not JSON (${(e as Error).message})`); }
  const r = ItemsMeta.safeParse(raw);
  if (!r.success) throw new Error(`${mpath}: not a two-tower items file: ${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const m = r.data;
  if (m.ids.length !== m.count) throw new Error(`${mpath}: ids has ${m.ids.length} entries, count says ${m.count}`);
  const vpath = join(dir, m.vectors);
  if (!existsSync(vpath)) throw new Error(`${vpath}: item vectors missing (named by ${mpath})`);
  const want = m.count * m.dim * 4;
  const size = statSync(vpath).size;
  if (size !== want) throw new Error(`${vpath}: ${size} bytes, expected count ${m.count} × dim ${m.dim} × 4 = ${want}`);
  const buf = readFileSync(vpath);
  if (sha256(buf) !== m.sha256) throw new Error(`${vpath}: sha256 differs from ${mpath} (the file changed after export)`);
  const vectors = new Float32Array(m.count * m.dim);
  new Uint8Array(vectors.buffer).set(buf); // little-endian float32 (the platforms ORT runs on)
  return { dim: m.dim, count: m.count, temperature: m.temperature, ids: m.ids.map(toId), vectors, path: vpath };
}

/** The user tower, run in-process (one row per request: far below a worker hop's cost). */
export class UserTower {
  private constructor(readonly model: LoadedModel, private readonly session: ort.InferenceSession, readonly columns: string[], readonly output: string, readonly dim: number) {}

  static async load(dir: string): Promise<UserTower> {
    const model = loadRunArtefacts(dir);
    const out = model.manifest.outputs.find((o) => o.task === 'user_emb' || o.name === 'user_emb');
    if (!out) throw new Error(`${join(dir, 'model.json')}: no user_emb output (outputs: ${model.manifest.outputs.map((o) => o.name).join(', ')}); is this a two-tower user_tower directory?`);
    const dim = Number((model.manifest as { two_tower?: { dim?: number } }).two_tower?.dim ?? (out as { dim?: number }).dim ?? NaN);
    const session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    return new UserTower(model, session, requiredColumns(model), out.name, dim);
  }

  /** User vectors of the rows (B × dim, row-major). */
  async embed(rows: readonly Row[]): Promise<Float32Array> {
    const fb = transform(this.model.fitted, rowsToTable(rows, this.columns));
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feedsFor(this.model.manifest, fb))) {
      feeds[k] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data as Float32Array, f.dims);
    }
    const r = await this.session.run(feeds, [this.output]);
    return r[this.output]!.data as Float32Array;
  }

  dispose(): Promise<void> { return this.session.release(); }
}

/**
 * 'ann': the HNSW index, fetch doubling until k live rooms. 'live_exact': exact scores of the live
 * streamers only (n_live dot products: exact, and cheaper than a large ANN fetch when few streamers
 * are live). 'auto': live_exact when the first ANN fetch would be at least `autoRatio` × the live rooms.
 */
export type TwoTowerSearch = 'ann' | 'live_exact' | 'auto';
export interface TwoTowerOptions { ann?: Partial<AnnParams>; liveOverfetch?: number; search?: TwoTowerSearch; autoRatio?: number }

export class TwoTowerSource implements RecallSource {
  readonly name = 'two_tower';
  private readonly rowOf = new Map<Id, number>();
  private constructor(readonly tower: UserTower, readonly items: ItemVectors, readonly ann: AnnIndex, private readonly live: StreamerLiveIndex,
    private readonly liveOverfetch: number, readonly annBuilt: boolean, readonly search: TwoTowerSearch, private readonly autoRatio: number) {
    items.ids.forEach((id, r) => this.rowOf.set(id, r));
  }

  /** Loads DIR/user_tower and DIR/items.*; the ANN index is DIR/items.usearch (built and saved when missing or stale). */
  static async load(dir: string, live: StreamerLiveIndex, o: TwoTowerOptions = {}): Promise<TwoTowerSource> {
    const items = loadItemVectors(dir);
    const tower = await UserTower.load(join(dir, 'user_tower'));
    if (Number.isFinite(tower.dim) && tower.dim !== items.dim) throw new Error(`${dir}: user tower dim ${tower.dim} ≠ items dim ${items.dim}`);
    const { index, built } = AnnIndex.loadOrBuild(join(dir, 'items.usearch'), items.vectors, items.dim, o.ann ?? {});
    return new TwoTowerSource(tower, items, index, live, o.liveOverfetch ?? 4, built, o.search ?? 'ann', o.autoRatio ?? 0.5);
  }

  async retrieve(ctx: RankContext, k: number): Promise<RecallCandidate[]> {
    const u = await this.tower.embed([this.towerRow(ctx)]);
    return this.searchLive(u, k, ctx.ts);
  }

  /**
   * The user tower's row: the request's context (user_id, scenario, country, ts) under the profile
   * row, and a missing value for any other column the tower reads that the row lacks (a new user
   * with no profile still gets a vector from the context; the transform's missing-value rule).
   */
  towerRow(ctx: RankContext): Row {
    const row: Row = { user_id: ctx.user, scenario: ctx.scenario, country: ctx.country, ts: ctx.ts, ...(ctx.row as Row) };
    for (const c of this.tower.columns) if (row[c] === undefined) row[c] = null;
    return row;
  }

  /** The top k live rooms for a user vector at ts (the configured search). */
  searchLive(u: Float32Array, k: number, ts: number, how: TwoTowerSearch = this.search): RecallCandidate[] {
    const n = this.items.count;
    let fetch = Math.min(n, Math.max(k, Math.ceil(k * this.liveOverfetch)));
    if (how === 'live_exact') return this.exactLive(u, k, ts);
    if (how === 'auto') {
      let nLive = 0; for (const _ of this.live.liveRooms(ts)) nLive++;
      if (fetch >= this.autoRatio * nLive) return this.exactLive(u, k, ts);
    }
    for (;;) {
      const hits = this.ann.search(u, fetch);
      const out: RecallCandidate[] = [];
      for (let i = 0; i < hits.rows.length && out.length < k; i++) {
        const streamer = this.items.ids[hits.rows[i]!]!;
        const room = this.live.liveRoomOfStreamer(streamer, ts);
        if (room === undefined) continue;
        out.push({ room, streamer, category: this.live.session(room)!.category, score: hits.scores[i]! / this.items.temperature, source: this.name });
      }
      if (out.length >= k || fetch >= n) return out;
      fetch = Math.min(n, fetch * 2);
    }
  }

  /** Exact: score every live room's streamer (rooms whose streamer has no vector are skipped). */
  exactLive(u: Float32Array, k: number, ts: number): RecallCandidate[] {
    const dim = this.items.dim; const v = this.items.vectors;
    const scored: { room: Id; streamer: Id; s: number }[] = [];
    for (const room of this.live.liveRooms(ts)) {
      const se = this.live.session(room)!;
      const r = this.rowOf.get(se.streamer);
      if (r === undefined) continue;
      let s = 0; const o = r * dim;
      for (let d = 0; d < dim; d++) s += v[o + d]! * u[d]!;
      scored.push({ room, streamer: se.streamer, s });
    }
    scored.sort((a, b) => b.s - a.s);
    return scored.slice(0, k).map((x) => ({ room: x.room, streamer: x.streamer, category: this.live.session(x.room)!.category, score: x.s / this.items.temperature, source: this.name }));
  }

  dispose(): Promise<void> { return this.tower.dispose(); }
}
