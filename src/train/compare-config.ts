// The `liverank compare` config: one base training config and a list of models trained on the same
// data and splits. Every model entry replaces the base's `model` and may override any other
// top-level key of the base (objects are merged key by key, everything else is replaced).
//
//   name: multi-scenario
//   base: world-hetero.yaml          # a training config (path relative to this file) or inline
//   override: { data: { heterogeneity: none } }   # optional: merged into the base for every model
//   seeds: [1, 2, 3]                 # optional (default: the base's seed); --seeds overrides
//   gap_tasks: [click, effective_view, gift]
//   small_countries: 3
//   models:
//     - { name: mmoe, model: { type: mmoe, experts: 4, expert: [128], tower: [64] } }
//     - { name: star, model: { type: star, domain: scenario }, optimizer: { lr: 0.002 } }
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../util/zod-error.js';
import { resolveModel } from '../models/registry.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { taskInfos } from './heads.js';

const entrySchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only (it names the run directory)'),
  model: z.record(z.string(), z.unknown()),
}).passthrough();

const compareSchema = z.object({
  name: z.string().default('compare'),
  base: z.union([z.string(), z.record(z.string(), z.unknown())]),
  override: z.record(z.string(), z.unknown()).optional(),
  seeds: z.array(z.number().int()).min(1).optional(),
  gap_tasks: z.array(z.string()).min(1).optional(),
  small_countries: z.number().int().positive().default(3),
  models: z.array(entrySchema).min(1),
}).strict();

export interface CompareModel {
  name: string;
  type: string;
  config: TrainConfig;
}

export interface CompareConfig {
  name: string;
  path: string;
  seeds: number[];
  gapTasks: string[] | undefined;
  smallCountries: number;
  models: CompareModel[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Objects merged key by key (recursively); arrays and scalars replaced. */
export function mergeConfig(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObj(v) && isObj(out[k]) ? mergeConfig(out[k] as Obj, v) : v;
  return out;
}

function readYaml(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return YAML.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid YAML/JSON: ${(e as Error).message}`);
  }
}

/** Parse and validate a compare config; every model's merged training config is validated here, before any training. */
export function parseCompareConfig(raw: unknown, path: string): CompareConfig {
  const r = compareSchema.safeParse(raw);
  if (!r.success) throw new Error(`${path}: ${formatZodError(r.error, '', raw)}`);
  const c = r.data;
  const here = dirname(resolve(path));
  let baseRaw: Obj, baseDir: string;
  if (typeof c.base === 'string') {
    const p = isAbsolute(c.base) ? c.base : resolve(here, c.base);
    const b = readYaml(p, 'base config');
    if (!isObj(b)) throw new Error(`${p}: expected a mapping (a training config)`);
    baseRaw = b; baseDir = dirname(p);
  } else {
    baseRaw = c.base; baseDir = here;
  }
  if (c.override) baseRaw = mergeConfig(baseRaw, c.override);
  const seen = new Set<string>();
  const models = c.models.map((e, i) => {
    if (seen.has(e.name)) throw new Error(`${path}: models[${i}].name: "${e.name}" is used twice`);
    seen.add(e.name);
    const { name, model, ...over } = e;
    const merged = mergeConfig(baseRaw, over);
    merged.model = model;
    merged.name = `${c.name}-${name}`;
    const cfg = parseTrainConfig(merged, baseDir, `${path}: models[${i}] "${name}"`);
    resolveModel(cfg.model, taskInfos(cfg.tasks), `${path}: models[${i}] "${name}": model`); // options checked now, not after the other models trained
    return { name, type: String(model.type ?? '?'), config: cfg };
  });
  const tasks = models[0]!.config.tasks;
  for (const t of c.gap_tasks ?? []) {
    const task = tasks.find((x) => x.name === t);
    if (!task) throw new Error(`${path}: gap_tasks: "${t}" is not a task; tasks: ${tasks.map((x) => x.name).join(', ')}`);
    if (task.kind !== 'binary' || !task.true_prob) throw new Error(`${path}: gap_tasks: "${t}" must be a binary task with a true_prob (the oracle's AUC is the reference)`);
  }
  return { name: c.name, path, seeds: c.seeds ?? [models[0]!.config.seed], gapTasks: c.gap_tasks, smallCountries: c.small_countries, models };
}

export function loadCompareConfig(path: string): CompareConfig {
  return parseCompareConfig(readYaml(path, 'compare config'), path);
}

/** "1,2,3" → [1, 2, 3]. */
export function parseSeeds(s: string): number[] {
  const out = s.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (!out.length || out.some((n) => !Number.isInteger(n))) throw new Error(`--seeds: expected integers separated by commas, got "${s}"`);
  return out;
}
