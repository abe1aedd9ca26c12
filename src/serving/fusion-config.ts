// Fusion + re-ranking config (examples/fusion.yaml): YAML/JSON → zod shape check → per-scenario
// overrides merged and re-checked. Every problem names the field, e.g.
//   scenarios.slide.terms.gift.weight: Too small: expected number to be >=0
// The file is hot-reloaded by serving (hot-config.ts); a bad file throws FusionConfigError.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodError } from '../util/zod-error.js';
import { RerankSection, resolveRerank, type RerankParams } from './rerank-config.js';

const nonNeg = z.number().finite().min(0);

/** One task's factor: multiplicative (base + weight·p)^power, additive weight·p^power. */
const Term = z.strictObject({
  weight: nonNeg,
  power: nonNeg.default(1),
  base: z.number().finite().positive().default(1),
  /** Outputs below this are raised to it (a log1p-seconds regression head can dip below 0); absent = such outputs are refused. */
  floor: nonNeg.optional(),
});
const TermOverride = z.strictObject({ weight: nonNeg.optional(), power: nonNeg.optional(), base: z.number().finite().positive().optional(), floor: nonNeg.optional() });

const Gate = z.strictObject({ task: z.string().min(1), power: nonNeg.default(1) });

const FusionSection = z.strictObject({
  form: z.enum(['multiplicative', 'additive']),
  /** Multiplicative only: the overall multiplier pctr^power (CTR gates every other term). */
  gate: Gate.nullable().optional(),
  terms: z.record(z.string().min(1), Term),
});

const ScenarioOverride = z.strictObject({
  form: z.enum(['multiplicative', 'additive']).optional(),
  gate: Gate.nullable().optional(),
  /** Merged per task into the default terms; `null` removes a default term. */
  terms: z.record(z.string().min(1), TermOverride.nullable()).optional(),
  rerank: RerankSection.partial().optional(),
});

export const FusionFileSchema = z.strictObject({
  version: z.literal(1),
  fusion: FusionSection,
  rerank: RerankSection.optional(),
  scenarios: z.record(z.string().min(1), ScenarioOverride).optional(),
});

export interface FusionTerm { task: string; weight: number; power: number; base: number; floor?: number }
export interface FusionParams {
  form: 'multiplicative' | 'additive';
  gate: { task: string; power: number } | null;
  /** Sorted by task name (deterministic evaluation order). */
  terms: FusionTerm[];
}
export interface ScenarioParams { fusion: FusionParams; rerank: RerankParams }

export interface FusionConfig {
  version: 1;
  defaults: ScenarioParams;
  scenarios: Record<string, ScenarioParams>;
  /** Every task name the config reads (the ranker must produce each of them). */
  tasks: string[];
  /** Parameters for a scenario: its override merged over the defaults, else the defaults. */
  forScenario(scenario: string): ScenarioParams;
}

export class FusionConfigError extends Error {
  constructor(message: string, readonly source?: string) {
    super(source ? `${source}: ${message}` : message);
    this.name = 'FusionConfigError';
  }
}

type Section = z.infer<typeof FusionSection>;
type Override = z.infer<typeof ScenarioOverride>;

function checkFusion(f: FusionParams, where: string): string[] {
  const problems: string[] = [];
  if (f.form === 'additive' && f.gate) problems.push(`${where}.gate: the additive form has no gate; put the task under terms (or set gate: null)`);
  if (f.terms.length === 0 && !f.gate) problems.push(`${where}.terms: no term and no gate: every score would be equal`);
  if (f.form === 'additive' && f.terms.every((t) => t.weight === 0)) problems.push(`${where}.terms: every additive weight is 0`);
  return problems;
}

function toParams(s: Section): FusionParams {
  return {
    form: s.form,
    gate: s.gate ?? null,
    terms: Object.entries(s.terms).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([task, t]) => ({ task, ...t })),
  };
}

function mergeFusion(base: FusionParams, o: Override): FusionParams {
  const terms = new Map(base.terms.map((t) => [t.task, t]));
  for (const [task, t] of Object.entries(o.terms ?? {})) {
    if (t === null) { terms.delete(task); continue; }
    const prev = terms.get(task);
    if (!prev && t.weight === undefined) throw new FusionConfigError(`terms.${task}.weight: required for a task not in the default terms`);
    const floor = t.floor ?? prev?.floor;
    terms.set(task, { task, weight: t.weight ?? prev!.weight, power: t.power ?? prev?.power ?? 1, base: t.base ?? prev?.base ?? 1, ...(floor === undefined ? {} : { floor }) });
  }
  return {
    form: o.form ?? base.form,
    gate: o.gate === undefined ? base.gate : o.gate,
    terms: [...terms.values()].sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0)),
  };
}

/** Validate an already-parsed object (from YAML or JSON). */
export function buildFusionConfig(raw: unknown, source?: string): FusionConfig {
  const r = FusionFileSchema.safeParse(raw);
  if (!r.success) throw new FusionConfigError(formatZodError(r.error, '', raw), source);
  const file = r.data;
  const problems: string[] = [];
  const defaults: ScenarioParams = { fusion: toParams(file.fusion), rerank: resolveRerank(file.rerank ?? {}, undefined, 'rerank', problems) };
  problems.push(...checkFusion(defaults.fusion, 'fusion'));
  const scenarios: Record<string, ScenarioParams> = {};
  for (const [name, o] of Object.entries(file.scenarios ?? {})) {
    const where = `scenarios.${name}`;
    let fusion: FusionParams;
    try { fusion = mergeFusion(defaults.fusion, o); } catch (e) {
      problems.push(`${where}.${(e as Error).message}`);
      continue;
    }
    problems.push(...checkFusion(fusion, where));
    scenarios[name] = { fusion, rerank: resolveRerank(file.rerank ?? {}, o.rerank, `${where}.rerank`, problems) };
  }
  if (problems.length) throw new FusionConfigError(`invalid config:\n  ${problems.join('\n  ')}`, source);
  const tasks = new Set<string>();
  for (const p of [defaults, ...Object.values(scenarios)]) {
    if (p.fusion.gate) tasks.add(p.fusion.gate.task);
    for (const t of p.fusion.terms) tasks.add(t.task);
  }
  return {
    version: 1, defaults, scenarios, tasks: [...tasks].sort(),
    forScenario: (s) => scenarios[s] ?? defaults,
  };
}

/** Parse YAML (a superset of JSON) text and validate it. */
export function parseFusionConfig(text: string, source?: string): FusionConfig {
  let raw: unknown;
  try { raw = parseYaml(text); } catch (e) {
    throw new FusionConfigError(`not valid YAML: ${(e as Error).message}`, source);
  }
  if (raw === null || raw === undefined) throw new FusionConfigError('empty file', source);
  return buildFusionConfig(raw, source);
}
