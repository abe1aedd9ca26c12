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
import { formatZodError } from '../util/zod-error.js';

export const MODELS: Record<string, ModelDef> = Object.fromEntries(
  [dnn, sharedBottom, esmm, mmoe, cgc, ple, deepfm, dcnv2].map((m) => [m.name, m as ModelDef]),
);

export interface ResolvedModel {
  def: ModelDef;
  cfg: unknown;
}

/** Validate a model section; errors name the key and the allowed values. */
export function resolveModel(section: unknown, tasks: TaskInfo[], where = 'model'): ResolvedModel {
  if (!section || typeof section !== 'object' || !('type' in section)) {
    throw new Error(`${where}.type: missing; allowed: ${Object.keys(MODELS).join(', ')}`);
  }
  const { type, ...rest } = section as { type: unknown };
  const def = typeof type === 'string' ? MODELS[type] : undefined;
  if (!def) throw new Error(`${where}.type: unknown model ${JSON.stringify(type)}; allowed: ${Object.keys(MODELS).join(', ')}`);
  const parsed = def.schema.safeParse(rest);
  if (!parsed.success) throw new Error(formatZodError(parsed.error, where, rest));
  def.checkTasks?.(parsed.data, tasks);
  return { def, cfg: parsed.data };
}
