// PLE (Tang et al., RecSys 2020) — CGC is PLE with one level. At level j: task-k experts read
// g^{k,j−1}, shared experts read g^{s,j−1} (x at j = 1); the task-k gate reads its experts' input
// and mixes [task-k experts ⊕ shared experts]; the shared gate (levels j < N only) reads g^{s,j−1}
// and mixes all experts of the level. Towers read g^{k,N}.
import { z } from 'zod';
import type { Tensor } from '../engine/graph.js';
import { mixExperts, parallelMlp, type ExpertBank } from '../engine/layers/index.js';
import { tower, type ModelDef, type ModelOutputs } from './base.js';
import { bankOutputs, crossNetwork, dims, moeFields } from './common.js';
import { softmaxGate } from './gates.js';

const base = z.object({
  levels: z.number().int().positive().default(2),
  shared_experts: z.number().int().nonnegative().default(1),
  task_experts: z.number().int().nonnegative().default(1),
  expert: dims.default([256]),
  ...moeFields,
}).strict();
const atLeastOne = { message: 'needs at least one expert (shared_experts + task_experts > 0)' };
const schema = base.refine((c) => c.shared_experts + c.task_experts > 0, atLeastOne);
const cgcSchema = base.omit({ levels: true }).refine((c) => c.shared_experts + c.task_experts > 0, atLeastOne);

type Cfg = Omit<z.infer<typeof schema>, 'levels'>;

export function buildPle(cfg: Cfg, input: Tensor, tasks: { name: string }[], prefix: string, levels: number): ModelOutputs {
  const gate = { temperature: cfg.gate_temperature, dropout: cfg.gate_dropout };
  const mk = cfg.task_experts, ms = cfg.shared_experts;
  let taskIn = tasks.map(() => input);
  let sharedIn = input;
  const out: ModelOutputs = { logits: {}, extras: {} };
  let lastShared: Tensor | undefined;
  for (let j = 0; j < levels; j++) {
    const last = j === levels - 1;
    const lvl = `${prefix}.l${j}`;
    const bank = (who: string, input: Tensor, n: number) => {
      if (n === 0) return null;
      const b = parallelMlp(input, `${lvl}.experts.${who}`, n, cfg.expert);
      out.extras![`experts.${lvl}.experts.${who}`] = bankOutputs(b); // diagnostics
      return b;
    };
    const taskE = tasks.map((t, k) => bank(t.name, taskIn[k]!, mk));
    const sharedE = bank('shared', sharedIn, ms);
    if (sharedE) lastShared = input.graph.params.get(`${lvl}.experts.shared.${cfg.expert.length - 1}.weight`)!.tensor;
    const nextTask = tasks.map((t, k) => {
      const sel = [taskE[k], sharedE].filter((e): e is ExpertBank => e !== null);
      const w = softmaxGate(taskIn[k]!, `${lvl}.gate.${t.name}`, mk + ms, gate);
      out.extras![`gate.${t.name}.l${j}`] = w;
      return mixExperts(sel, w);
    });
    if (!last) {
      const all = [...taskE, sharedE].filter((e): e is ExpertBank => e !== null);
      const ws = softmaxGate(sharedIn, `${lvl}.gate.shared`, tasks.length * mk + ms, gate);
      out.extras![`gate.shared.l${j}`] = ws;
      sharedIn = mixExperts(all, ws);
      out.extras![`g.shared.l${j}`] = sharedIn;
    }
    nextTask.forEach((t, k) => (out.extras![`g.${tasks[k]!.name}.l${j}`] = t));
    taskIn = nextTask;
  }
  tasks.forEach((t, k) => (out.logits[t.name] = tower(taskIn[k]!, `tower.${t.name}`, cfg.tower, cfg)));
  out.shared = lastShared;
  return out;
}

export const ple: ModelDef<typeof schema> = {
  name: 'ple',
  description: 'Progressive Layered Extraction: stacked CGC levels with task and shared experts.',
  schema,
  build: (cfg, x, tasks) => buildPle(cfg, crossNetwork(x.all(), 'ple.cross', cfg.input_cross_layers), tasks, 'ple', cfg.levels),
};

export const cgc: ModelDef<typeof cgcSchema> = {
  name: 'cgc',
  description: 'Customized Gate Control: one PLE level (task-specific and shared experts, per-task gates).',
  schema: cgcSchema,
  build: (cfg, x, tasks) => buildPle(cfg, crossNetwork(x.all(), 'cgc.cross', cfg.input_cross_layers), tasks, 'cgc', 1),
};
