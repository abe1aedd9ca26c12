// Learning-rate schedules (host side; the step graph takes the learning rate as an input).
import { z } from 'zod';

export const scheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('constant'), warmup_steps: z.number().int().nonnegative().default(0) }).strict(),
  z.object({ type: z.literal('cosine'), warmup_steps: z.number().int().nonnegative().default(0), min_ratio: z.number().min(0).max(1).default(0.1) }).strict(),
  z.object({ type: z.literal('step'), warmup_steps: z.number().int().nonnegative().default(0), every_epochs: z.number().int().positive().default(1), gamma: z.number().positive().default(0.5) }).strict(),
]);
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/** lr at 0-based global step `step` of `total` steps (epoch = 0-based epoch of that step). */
export function scheduledLr(c: ScheduleConfig, base: number, step: number, total: number, epoch: number): number {
  if (c.warmup_steps > 0 && step < c.warmup_steps) return (base * (step + 1)) / c.warmup_steps;
  switch (c.type) {
    case 'constant': return base;
    case 'cosine': {
      const span = Math.max(1, total - c.warmup_steps);
      const t = Math.min(1, (step - c.warmup_steps) / span);
      return base * (c.min_ratio + (1 - c.min_ratio) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }
    case 'step': return base * c.gamma ** Math.floor(epoch / c.every_epochs);
  }
}
