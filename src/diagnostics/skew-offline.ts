// The offline side of `liverank diagnose skew`: read the served log, recompute the same rows with
// the training code, and pair them up.
//   rows mode (no world config): the logged raw rows go through the run's fitted features (the
//     trainer's `transform`, the run's features.json as trained) and the run's model → catches
//     transform-level skew (hash version, vocabularies, normalisation, model version).
//   world mode (--config CFG of a world): the world of CFG is regenerated, its counter columns
//     materialized exactly as training does (materializeCounterColumns), and each served row joined
//     to the logged impression with the same (user_id, room_id, ts) → also catches upstream skew
//     (real-time counter windows, stale profiles), and gives labels for online vs offline AUC.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isStringColumn, type Table } from '../data/table.js';
import { generateWorld } from '../data/world/generate.js';
import { counterColumn, parseFeatureConfig } from '../features/index.js';
import { FineRanker, type Row } from '../serving/fine-ranker.js';
import { decodeDense, encodedRow, servedLogFiles, type ServedRecord } from '../serving/served-log.js';
import type { TrainConfig } from '../train/config.js';
import { materializeCounterColumns } from '../train/counters.js';
import { worldOptionsOf } from '../train/world-options.js';
import type { SkewFeatureInfo, SkewPair } from './skew.js';

export interface ServedLogRead { records: ServedRecord[]; files: string[]; lines: number; bad: { where: string; reason: string }[]; badCount: number; truncated: boolean }

/** Reads up to `limit` records (oldest first); bad lines are counted with their file:line and reason. */
export async function readServedLog(path: string, limit = 200_000): Promise<ServedLogRead> {
  const files = await servedLogFiles(path);
  const out: ServedLogRead = { records: [], files, lines: 0, bad: [], badCount: 0, truncated: false };
  for (const f of files) {
    let ln = 0;
    const rl = createInterface({ input: createReadStream(f, 'utf8'), crlfDelay: Infinity });
    for await (const line of rl) {
      ln++;
      if (!line.trim()) continue;
      out.lines++;
      if (out.records.length >= limit) { out.truncated = true; continue; }
      let r: unknown;
      try { r = JSON.parse(line); } catch (e) { bad(out, `${f}:${ln}`, `not JSON (${(e as Error).message})`); continue; }
      const rec = r as Partial<ServedRecord>;
      if (!rec || typeof rec !== 'object' || typeof rec.request_id !== 'string' || !rec.row || typeof rec.row !== 'object' || !rec.enc || typeof rec.enc !== 'object' || !rec.scores || typeof rec.scores !== 'object') {
        bad(out, `${f}:${ln}`, 'not a served record (needs request_id, row, enc, scores)');
        continue;
      }
      if (rec.dense !== undefined && typeof rec.dense !== 'string') { bad(out, `${f}:${ln}`, 'dense: expected a base64 string'); continue; }
      // JSON has no NaN: a missing score was written as null
      for (const [k, v] of Object.entries(rec.scores)) if (v === null) rec.scores[k] = NaN;
      out.records.push(rec as ServedRecord);
    }
  }
  return out;
}

function bad(o: ServedLogRead, where: string, reason: string): void {
  o.badCount++;
  if (o.bad.length < 10) o.bad.push({ where, reason });
}

/** Feature name → output kind and the raw columns it reads (crosses: their fields' columns). */
export function featureInfo(fittedConfig: unknown, specs: readonly { name: string; output: 'ids' | 'multi' | 'dense' }[]): SkewFeatureInfo[] {
  const cfg = parseFeatureConfig(fittedConfig, 'features.json');
  const colsOf = (name: string, seen = new Set<string>()): string[] => {
    const f = cfg.features.find((x) => x.name === name);
    if (!f || seen.has(name)) return [];
    seen.add(name);
    if (f.kind === 'counter') return [counterColumn(f.name)];
    if (f.kind === 'cross') return [...new Set(f.fields.flatMap((g) => colsOf(g, seen)))];
    return 'column' in f && f.column ? [f.column] : [];
  };
  return specs.map((s) => ({ name: s.name, output: s.output, columns: colsOf(s.name) }));
}

export interface OfflineResult { pairs: SkewPair[]; unmatched: number; ambiguous: number; mode: 'rows' | 'world' }

const SLICES = ['scenario', 'country'] as const;

function valueAt(t: Table, c: string, i: number): Row[string] {
  const col = t.columns[c];
  if (!col) return null;
  const v = col[i];
  if (isStringColumn(col)) return (v as string | null) ?? null;
  return Number.isNaN(v as number) ? null : (v as number);
}

/**
 * Recomputes every served record offline with the run's model and pairs them. `world`: the run's or
 * the given config's world (joined by user_id, room_id, ts; unmatched records are counted, not paired).
 */
export async function recomputeOffline(records: readonly ServedRecord[], run: string, world: TrainConfig | null, log: (s: string) => void = () => {}): Promise<OfflineResult & { ranker: { tasks: string[]; columns: readonly string[]; features: SkewFeatureInfo[] } }> {
  const ranker = await FineRanker.load(run, { size: 1, warmup: false });
  try {
    const columns = ranker.columns;
    const specs = ranker.model.fitted.specs;
    const models = new Set(records.map((r) => r.model));
    if (models.size > 1 || !models.has(ranker.model.sha256)) log(`note: the served log was written by model(s) ${[...models].map((m) => String(m).slice(0, 12)).join(', ')}; recomputing with ${ranker.model.sha256.slice(0, 12)} (${run})`);
    const features = featureInfo(ranker.model.fitted.config, ranker.model.fitted.specs);
    const tasks = ranker.tasks;
    let offRows: (Row | null)[];
    let labelsOf: ((i: number) => Record<string, number>) | null = null;
    let unmatched = 0, ambiguous = 0;
    if (world) {
      if (world.data.source !== 'world') throw new Error(`--config: data.source is "${world.data.source}"; the world join needs a world config (data.source: world)`);
      const t0 = Date.now();
      const imp = generateWorld(worldOptionsOf(world.data)).impressions;
      const table = materializeCounterColumns(parseFeatureConfig(ranker.model.fitted.config, `${run}/features.json`), imp);
      log(`world regenerated (${imp.numRows} impressions) and its counters replayed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const index = new Map<string, number>();
      const key = (u: unknown, r: unknown, ts: unknown) => `${String(u)}|${String(r)}|${Number(ts)}`;
      for (let i = 0; i < table.numRows; i++) {
        const k = key(valueAt(table, 'user_id', i), valueAt(table, 'room_id', i), valueAt(table, 'ts', i));
        index.set(k, index.has(k) ? -1 : i);
      }
      const taskLabels = new Map<string, string>();
      for (const t of world.tasks) if (tasks.includes(t.name) && t.label && table.columns[t.label]) taskLabels.set(t.name, t.label);
      const rowIdx: number[] = [];
      offRows = records.map((r) => {
        const i = index.get(key(r.user ?? r.row.user_id, r.room ?? r.row.room_id, r.ts ?? r.row.ts));
        if (i === undefined) { unmatched++; rowIdx.push(-1); return null; }
        if (i < 0) { ambiguous++; rowIdx.push(-1); return null; }
        rowIdx.push(i);
        const row: Row = {};
        for (const c of columns) row[c] = valueAt(table, c, i);
        return row;
      });
      labelsOf = (k) => {
        const i = rowIdx[k]!;
        return Object.fromEntries([...taskLabels].map(([t, c]) => [t, Number(valueAt(table, c, i) ?? NaN)]));
      };
    } else {
      offRows = records.map((r) => Object.fromEntries(columns.map((c) => [c, r.row[c] ?? null])) as Row);
    }
    const pairs: SkewPair[] = [];
    const todo = offRows.map((r, k) => ({ r, k })).filter((x): x is { r: Row; k: number } => x.r !== null);
    const B = 512;
    for (let a = 0; a < todo.length; a += B) {
      const part = todo.slice(a, a + B);
      const rows = part.map((x) => x.r);
      const fb = ranker.featurize(rows);
      const { preds } = await ranker.score(rows);
      part.forEach(({ r, k }, j) => {
        const s = records[k]!;
        const slice: Record<string, string> = {};
        for (const c of SLICES) { const v = s.row[c] ?? r[c]; if (v !== null && v !== undefined) slice[c] = String(v); }
        pairs.push({
          served: { row: s.row, enc: s.dense ? { ...s.enc, ...decodeDense(s.dense, specs) } : s.enc, scores: s.scores },
          offline: { row: r, enc: encodedRow(fb, j), scores: Object.fromEntries(tasks.map((t) => [t, preds[t]![j]!])) },
          slice,
          ...(labelsOf ? { labels: labelsOf(k) } : {}),
        });
      });
    }
    return { pairs, unmatched, ambiguous, mode: world ? 'world' : 'rows', ranker: { tasks, columns, features } };
  } finally {
    await ranker.dispose();
  }
}
