// The seeded delay model of the label events (docs/streaming.md "Delays"). The synthetic world
// draws WHETHER a label happens (click, watch seconds, follow, gift, order) but not WHEN; this
// file adds when, per impression, from its own seeded Rng (the world's draws are untouched):
//   click      impression ts + 1 s + LogNormal(median clickMedianS, clickSigma)
//   watch      starts at the click (home/outside) or at the impression (slide, no click);
//   watch_end  watch start + watch_s (only when watch_s > 0)
//   follow     watch start + U(0,1) · watch_s                       (during the view)
//   gift       watch start + U(0,1) · watch_s + LogNormal(giftMedianS, giftSigma)   (payment confirmation)
//   order      watch end + LogNormal(orderMedianS, orderSigma)      (checkout after the view)
// and, for every label event independently, with probability offlineP the app was offline and
// uploads it later: + U(offlineMinS, offlineMaxS). With the defaults a few percent of orders and
// the offline uploads land after their attribution windows (late events, counted by the joiner).
import { z } from 'zod';
import { Rng } from '../../util/rng.js';
import type { LabelEventType } from './events.js';

export const DelayModelSchema = z.object({
  seed: z.number().int().default(17),
  click_median_s: z.number().positive().default(3),
  click_sigma: z.number().nonnegative().default(0.8),
  gift_median_s: z.number().positive().default(30),
  gift_sigma: z.number().nonnegative().default(1.5),
  order_median_s: z.number().positive().default(300),
  order_sigma: z.number().nonnegative().default(1.2),
  offline_p: z.number().min(0).max(1).default(0.005),
  offline_min_s: z.number().nonnegative().default(600),
  offline_max_s: z.number().nonnegative().default(7200),
}).strict();
export type DelayModelOptions = z.input<typeof DelayModelSchema>;
export type DelayModelParams = z.output<typeof DelayModelSchema>;

/** What the world says happened on one impression (labels as in the table: click NaN on slide). */
export interface ImpressionOutcome {
  ts: number;
  scenario: string;
  click: number;
  watch_s: number;
  follow: number;
  gift: number;
  order: number;
}

export interface TimedLabel {
  type: LabelEventType;
  ts: number;
  watch_s?: number;
  value?: number;
}

export class DelayModel {
  readonly p: DelayModelParams;
  private readonly rng: Rng;

  constructor(opts: DelayModelOptions = {}) {
    this.p = DelayModelSchema.parse(opts);
    this.rng = new Rng(this.p.seed);
  }

  private logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.rng.normal());
  }

  private upload(t: number): number {
    const p = this.p;
    return p.offline_p > 0 && this.rng.next() < p.offline_p ? t + this.rng.uniform(p.offline_min_s, p.offline_max_s) : t;
  }

  /**
   * The label events of one impression, with their event times (ms precision). Call once per
   * impression in the world's row order: the draws come from one stream, so the same world and seed
   * give the same times.
   */
  labelsOf(o: ImpressionOutcome): TimedLabel[] {
    const p = this.p;
    const out: TimedLabel[] = [];
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    let start = o.ts;
    if (o.click === 1) {
      start = o.ts + 1 + this.logNormal(p.click_median_s, p.click_sigma);
      out.push({ type: 'click', ts: r3(this.upload(start)) });
    }
    const w = Number.isFinite(o.watch_s) ? o.watch_s : 0;
    const end = start + w;
    if (w > 0) out.push({ type: 'watch_end', ts: r3(this.upload(end)), watch_s: w });
    if (o.follow === 1) out.push({ type: 'follow', ts: r3(this.upload(start + this.rng.next() * w)) });
    if (o.gift === 1) {
      const t = start + this.rng.next() * w + this.logNormal(p.gift_median_s, p.gift_sigma);
      out.push({ type: 'gift', ts: r3(this.upload(t)), value: Math.max(1, Math.round(this.logNormal(10, 1.2))) });
    }
    if (o.order === 1) {
      const t = end + this.logNormal(p.order_median_s, p.order_sigma);
      out.push({ type: 'order', ts: r3(this.upload(t)), value: Math.round(this.logNormal(25, 0.8) * 100) / 100 });
    }
    return out;
  }
}
