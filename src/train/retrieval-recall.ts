// Recall of an exported two_tower run on world request snapshots (src/data/world/requests.ts): for
// each request, the live candidate rooms are ranked by s(u, v_streamer) = ⟨user_emb, item⟩/τ from
// the exported artefacts (user_tower/model.onnx, items.f32) and the logged room — a room the user
// effectively viewed when requests are sampled with onlyEffectiveView — counts as recalled at K when
// it ranks in the top K. Beside it: the oracle (candidates ranked by the true p_effective_view at
// position 0), a popularity ranking (the training frequency of the streamer, log_q) and random (K/n).
//   npx tsx src/train/retrieval-recall.ts --run runs/two-tower [--config examples/two-tower.yaml] [--requests 2000]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Table } from '../data/table.js';
import { takeRows } from '../data/table.js';
import { generateWorld } from '../data/world/generate.js';
import { sessionOptions } from '../engine/runtime.js';
import { loadFitted, transform, type FittedFeatures } from '../features/index.js';
import { readVerified } from '../util/checksum.js';
import { loadTrainConfig } from './config.js';
import { ITEMS_FILE, ITEMS_META, USER_TOWER_DIR, towerFeeds } from './retrieval-export.js';
import { worldOptionsOf } from './world-options.js';

export interface ItemVectors {
  dim: number;
  temperature: number;
  ids: (string | number)[];
  logQ: Float32Array;
  vectors: Float32Array;
  /** item id (as text) → row */
  index: Map<string, number>;
}

export function loadItems(run: string): ItemVectors {
  const meta = JSON.parse(readFileSync(join(run, ITEMS_META), 'utf8')) as { dim: number; temperature: number; ids: (string | number)[]; log_q: number[]; count: number };
  const buf = readFileSync(join(run, ITEMS_FILE));
  if (buf.byteLength !== meta.count * meta.dim * 4) throw new Error(`${join(run, ITEMS_FILE)}: ${buf.byteLength} bytes; items.json says ${meta.count} × ${meta.dim} float32`);
  const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { dim: meta.dim, temperature: meta.temperature, ids: meta.ids, logQ: Float32Array.from(meta.log_q), vectors, index: new Map(meta.ids.map((id, k) => [String(id), k])) };
}

export interface UserTower { fitted: FittedFeatures; session: ort.InferenceSession; dim: number }

export async function loadUserTower(run: string): Promise<UserTower> {
  const dir = join(run, USER_TOWER_DIR);
  const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { outputs: { dim: number }[] };
  const session = await ort.InferenceSession.create(readVerified(join(dir, 'model.onnx'), true), sessionOptions({}));
  return { fitted: loadFitted(join(dir, 'features.json')), session, dim: manifest.outputs[0]!.dim };
}

/** user_emb of every row of `rows` ([n, dim] row-major). */
export async function userEmbeddings(t: UserTower, rows: Table): Promise<Float32Array> {
  const r = await t.session.run(towerFeeds(t.fitted, transform(t.fitted, rows)));
  return r.user_emb!.data as Float32Array;
}

export interface RecallResult {
  requests: number;
  meanCandidates: number;
  /** per K: share of requests whose logged room ranks in the top K */
  model: Record<number, number>;
  oracle: Record<number, number>;
  popularity: Record<number, number>;
  random: Record<number, number>;
  /** candidates whose streamer has no item vector (scored −∞) */
  unknownItems: number;
}

/** Rank of position `i` in `scores` (0 = best; ties count half). */
function rankOf(scores: Float64Array, i: number): number {
  let above = 0, ties = 0;
  for (let k = 0; k < scores.length; k++) { if (scores[k]! > scores[i]!) above++; else if (k !== i && scores[k] === scores[i]) ties++; }
  return above + ties / 2;
}

export async function recallOnRequests(run: string, requests: Table, ks: number[]): Promise<RecallResult> {
  const items = loadItems(run);
  const tower = await loadUserTower(run);
  const rid = requests.columns.request_id as ArrayLike<number>;
  const logged = requests.columns.logged as ArrayLike<number>;
  const streamer = requests.columns.streamer_id as ArrayLike<number>;
  const pev = requests.columns.p_effective_view as ArrayLike<number>;
  const groups: [number, number][] = [];
  for (let i = 0; i < requests.numRows; i++) {
    if (i === 0 || rid[i] !== rid[i - 1]) groups.push([i, i + 1]); else groups[groups.length - 1]![1] = i + 1;
  }
  // one user row per request: its logged row (the request context is the same on every candidate row)
  const heads = groups.map(([a, b]) => { for (let i = a; i < b; i++) if (logged[i] === 1) return i; throw new Error(`request ${rid[a]}: no logged row`); });
  const U = await userEmbeddings(tower, takeRows(requests, heads));
  const zero = () => Object.fromEntries(ks.map((k) => [k, 0])) as Record<number, number>;
  const res: RecallResult = { requests: groups.length, meanCandidates: 0, model: zero(), oracle: zero(), popularity: zero(), random: zero(), unknownItems: 0 };
  const d = items.dim;
  groups.forEach(([a, b], r) => {
    const n = b - a;
    const s = new Float64Array(n), o = new Float64Array(n), p = new Float64Array(n);
    for (let i = a; i < b; i++) {
      const k = items.index.get(String(streamer[i]));
      o[i - a] = pev[i]!;
      if (k === undefined) { s[i - a] = -Infinity; p[i - a] = -Infinity; res.unknownItems++; continue; }
      let dot = 0;
      for (let c = 0; c < d; c++) dot += U[r * d + c]! * items.vectors[k * d + c]!;
      s[i - a] = dot / items.temperature;
      p[i - a] = items.logQ[k]!;
    }
    const li = heads[r]! - a;
    const rs = rankOf(s, li), ro = rankOf(o, li), rp = rankOf(p, li);
    for (const K of ks) {
      if (rs < K) res.model[K]!++;
      if (ro < K) res.oracle[K]!++;
      if (rp < K) res.popularity[K]!++;
      res.random[K]! += Math.min(1, K / n);
    }
    res.meanCandidates += n;
  });
  for (const m of [res.model, res.oracle, res.popularity, res.random]) for (const K of ks) m[K]! /= groups.length;
  res.meanCandidates /= groups.length;
  await tower.session.release();
  return res;
}

async function main(): Promise<void> {
  const arg = (name: string, dflt?: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1]! : dflt; };
  const run = arg('run', 'runs/two-tower')!;
  const cfg = loadTrainConfig(arg('config', 'examples/two-tower.yaml')!);
  if (cfg.data.source !== 'world') throw new Error('--config: the data must be the synthetic world (request snapshots)');
  const count = Number(arg('requests', '2000'));
  const from = Number(arg('from', '0.85')), to = Number(arg('to', '1'));
  const t0 = Date.now();
  const w = generateWorld({ ...worldOptionsOf(cfg.data), requests: { from, to, count, onlyEffectiveView: true, seed: 1 } });
  const t1 = Date.now();
  const ks = [10, 50, 200];
  const r = await recallOnRequests(run, w.requests!, ks);
  console.log(`${r.requests} effective-view requests from [${from}, ${to}) of the impressions, ${r.meanCandidates.toFixed(0)} live candidate rooms on average (world + snapshots ${((t1 - t0) / 1000).toFixed(1)} s, scoring ${((Date.now() - t1) / 1000).toFixed(1)} s); unknown streamers ${r.unknownItems}`);
  console.log(`recall@K of the effectively viewed room   ${ks.map((k) => `@${k}`.padStart(8)).join('')}`);
  for (const [name, m] of [['two-tower', r.model], ['oracle (true p_ev)', r.oracle], ['popularity (train freq)', r.popularity], ['random', r.random]] as const) {
    console.log(`${name.padEnd(40)} ${ks.map((k) => m[k]!.toFixed(3).padStart(8)).join('')}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
