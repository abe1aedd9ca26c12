// Models by config name (the TorchEasyRec pattern). A config's `model` section is
// `{ type: <name>, ...options }`; options are validated by the model's own zod schema.
import type { ModelDef, TaskInfo } from './base.js';
import { dnn } from './dnn.js';
import { sharedBottom } from './shared-bottom.js';
import { esmm } from './esmm.js';
import { mmoe } from './mmoe.js';
import { cgc, ple } from './ple.js';
import { deepfm } from './deepfm.js';
import { dcnv2 } from './dcnv2.js';
import { ppnet } from './ppnet.js';
import { epnet } from './epnet.js';
import { pepnet } from './pepnet.js';
import { mmoePpnet } from './mmoe-ppnet.js';
import { star } from './star.js';
import { dwg } from './dwg.js';
import { twoTower } from './two-tower.js';
import { makePal } from './pal.js';
import { makeShallowTower } from './shallow-tower.js';
import { formatZodError } from '../util/zod-error.js';
import { parseSequence, type SeqBlock } from './seq/config.js';
import { hstu } from './seq/hstu-model.js';

export const MODELS: Record<string, ModelDef> = Object.fromEntries(
  [dnn, sharedBottom, esmm, mmoe, cgc, ple, deepfm, dcnv2, ppnet, epnet, pepnet, mmoePpnet, star, dwg, twoTower, hstu].map((m) => [m.name, m as ModelDef]),
);
// Wrappers around a nested `base` model (debiasing): they resolve their base through resolveModel.
for (const m of [makePal(resolveModel), makeShallowTower(resolveModel)]) MODELS[m.name] = m as ModelDef;

export interface ResolvedModel {
  def: ModelDef;
  cfg: unknown;
  /**
   * Wide features (any model): embedded features of dim = number of tasks whose column k is added
   * to task k's logit — the Wide & Deep linear part for low-cardinality context ids (country,
   * scenario, their cross), whose per-slice base rates a deep part learns slowly.
   */
  wide: string[];
  /**
   * Serving-time canonical values (`serve_as: { position: 0 }`, any model): embedded feature →
   * raw value whose embedding replaces the logged one in the serving form (train/serve-form.ts).
   */
  serveAs: Record<string, string | number>;
  /**
   * Sequence blocks (any model, models/seq/): behaviour sequences read by DIN target attention, a
   * BST / HSTU encoder or SIM soft search instead of their mean-pooled embedding.
   */
  sequence: SeqBlock[];
}

/** Validate a model section; errors name the key and the allowed values. */
export function resolveModel(section: unknown, tasks: TaskInfo[], where = 'model'): ResolvedModel {
  if (!section || typeof section !== 'object' || !('type' in section)) {
    throw new Error(`${where}.type: missing; allowed: ${Object.keys(MODELS).join(', ')}`);
  }
  const { type, wide = [], serve_as: serveAs = {}, sequence: seqRaw, ...rest } = section as { type: unknown; wide?: unknown; serve_as?: unknown; sequence?: unknown };
  const def = typeof type === 'string' ? MODELS[type] : undefined;
  if (!def) throw new Error(`${where}.type: unknown model ${JSON.stringify(type)}; allowed: ${Object.keys(MODELS).join(', ')}`);
  const parsed = def.schema.safeParse(rest);
  if (!parsed.success) throw new Error(formatZodError(parsed.error, where, rest));
  def.checkTasks?.(parsed.data, tasks);
  if (!Array.isArray(wide) || !wide.every((w) => typeof w === 'string')) {
    throw new Error(`${where}.wide: expected a list of feature names, got ${JSON.stringify(wide)}`);
  }
  if (!serveAs || typeof serveAs !== 'object' || Array.isArray(serveAs)) {
    throw new Error(`${where}.serve_as: expected a map of feature name → canonical value (e.g. { position: 0 }), got ${JSON.stringify(serveAs)}`);
  }
  for (const [k, v] of Object.entries(serveAs)) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${where}.serve_as.${k}: expected a string or a finite number (the raw column value served), got ${JSON.stringify(v)}`);
    }
  }
  const sequence = parseSequence(seqRaw, `${where}.sequence`);
  if (def.name === 'hstu' && !sequence.some((b) => b.block === 'hstu')) {
    throw new Error(`${where}: model hstu needs a sequence block with block: hstu (e.g. sequence: [{ feature: seq_streamers, query: streamer_id, block: hstu }])`);
  }
  return { def, cfg: parsed.data, wide, serveAs: serveAs as Record<string, string | number>, sequence };
}
