// The delayed-label join (docs/streaming.md "Join"): a pure state machine over parsed events.
// Each impression waits until its attribution windows have closed, then becomes ONE sample (the
// world's table row: features + labels). Event time drives everything:
//   watermark = newest event ts seen − allowed lateness
//   an event with ts < watermark is out of order beyond the allowed lateness → dead letter
//   a label counts for its task iff label ts − impression ts ≤ window[task]; otherwise it is LATE
//     (counted per task, not applied, and handed out as a LateLabel for the late stream)
//   an impression is emitted when impression ts + max window < watermark
//   a label that arrives before its impression waits (orphan); if the impression has not come by
//     the time its window would have closed, the label goes to the dead letters ("unknown impression")
// Label events are deduplicated per impression and type (appends are at-least-once).
import { z } from 'zod';
import { SCENARIO_SPECS } from '../world/params.js';
import { JOIN_TASKS, TASK_OF, parseEvent, type ImpressionEvent, type JoinTask, type LabelEvent, type LabelEventType, type StreamEvent } from './events.js';

export const JoinConfigSchema = z.object({
  /** Attribution window per task, seconds after the impression. */
  windows_s: z.object({
    click: z.number().positive().default(300),
    watch: z.number().positive().default(3600),
    follow: z.number().positive().default(3600),
    gift: z.number().positive().default(1800),
    order: z.number().positive().default(1800),
  }).strict().default({ click: 300, watch: 3600, follow: 3600, gift: 1800, order: 1800 }),
  /** How far behind the newest event an event may be and still be accepted. */
  allowed_lateness_s: z.number().nonnegative().default(60),
  /** Scenarios without a click (the sample's click is null there, as in the world). */
  no_click_scenarios: z.array(z.string()).default(['slide']),
  /** Effective-view threshold per scenario (watch_s ≥ threshold); default the world's. */
  effective_view_s: z.record(z.string(), z.number().nonnegative()).optional(),
}).strict();
export type JoinConfig = z.output<typeof JoinConfigSchema>;
export type JoinConfigInput = z.input<typeof JoinConfigSchema>;

export const DEAD_KINDS = ['bad_json', 'invalid', 'out_of_order', 'unknown_impression'] as const;
export type DeadKind = (typeof DEAD_KINDS)[number];
export interface DeadLetter { kind: DeadKind; reason: string; body: string; source_id?: string }

/** One joined sample: the world's impression columns (labels filled; null = missing) plus sample_id. */
export type Sample = Record<string, number | string | null> & { sample_id: string };

interface Labels { click?: number; watch_s?: number; follow?: number; gift?: number; order?: number; gift_value?: number; order_value?: number }
interface Open { imp: ImpressionEvent; closeAt: number; seq: number; labels: Labels; seen: LabelEventType[] }

export interface JoinCounters {
  events: number;
  by_type: Record<StreamEvent['type'], number>;
  samples: number;
  /** Labels applied to a sample, per task. */
  joined: Record<JoinTask, number>;
  /** Labels after their window (per task): counted, not applied. */
  late: Record<JoinTask, number>;
  duplicates: number;
  dead: Record<DeadKind, number>;
}

export interface JoinerState {
  version: 1;
  maxTs: number;
  seq: number;
  open: Open[];
  orphans: [string, LabelEvent[]][];
  counters: JoinCounters;
  /** Event-time second of the next scan for expired orphans. */
  nextOrphanScan?: number;
}

const zeroTasks = (): Record<JoinTask, number> => ({ click: 0, watch: 0, follow: 0, gift: 0, order: 0 });
function zeroCounters(): JoinCounters {
  return {
    events: 0, by_type: { impression: 0, click: 0, watch_end: 0, follow: 0, gift: 0, order: 0, heartbeat: 0 },
    samples: 0, joined: zeroTasks(), late: zeroTasks(), duplicates: 0, dead: { bad_json: 0, invalid: 0, out_of_order: 0, unknown_impression: 0 },
  };
}

/** A label that came after its task's window: not applied to the sample, kept on the late stream. */
export interface LateLabel { task: JoinTask; /** label ts − impression ts */ delay_s: number; window_s: number; sample_emitted: boolean; event: LabelEvent }

export interface JoinOutput { samples: Sample[]; dead: DeadLetter[]; late?: LateLabel[] }

export class Joiner {
  readonly cfg: JoinConfig;
  readonly maxWindow: number;
  private maxTs = -Infinity;
  private seq = 0;
  private readonly open = new Map<string, Open>();
  /** Open impressions by close time (binary heap on closeAt, seq). */
  private heap: Open[] = [];
  private readonly orphans = new Map<string, LabelEvent[]>();
  private nextOrphanScan = -Infinity;
  private counters = zeroCounters();
  private readonly evThreshold: Record<string, number>;

  constructor(cfg: JoinConfigInput = {}, state?: JoinerState) {
    this.cfg = JoinConfigSchema.parse(cfg);
    this.maxWindow = Math.max(...JOIN_TASKS.map((t) => this.cfg.windows_s[t]));
    this.evThreshold = this.cfg.effective_view_s ?? Object.fromEntries(Object.entries(SCENARIO_SPECS).map(([k, v]) => [k, v.threshold]));
    if (state) this.restore(state);
  }

  get watermark(): number { return this.maxTs - this.cfg.allowed_lateness_s; }
  get openCount(): number { return this.open.size; }
  get orphanCount(): number { let n = 0; for (const v of this.orphans.values()) n += v.length; return n; }
  stats(): JoinCounters { return structuredClone(this.counters); }

  /** Processes one record body; returns the samples whose windows closed and the dead letters. */
  processBody(body: string, sourceId?: string, out: JoinOutput = { samples: [], dead: [], late: [] }): JoinOutput {
    this.counters.events++;
    const r = parseEvent(body);
    if (!r.ok) {
      const kind: DeadKind = r.reason.startsWith('bad JSON') ? 'bad_json' : 'invalid';
      this.dead(out, kind, r.reason, body, sourceId);
      return out;
    }
    return this.process(r.event, body, sourceId, out);
  }

  private dead(out: JoinOutput, kind: DeadKind, reason: string, body: string, sourceId?: string): void {
    this.counters.dead[kind]++;
    out.dead.push(sourceId === undefined ? { kind, reason, body } : { kind, reason, body, source_id: sourceId });
  }

  process(ev: StreamEvent, body: string, sourceId: string | undefined, out: JoinOutput): JoinOutput {
    if (ev.ts < this.watermark) {
      this.dead(out, 'out_of_order', `out of order: ts ${ev.ts} is ${(this.maxTs - ev.ts).toFixed(3)} s behind the newest event (allowed lateness ${this.cfg.allowed_lateness_s} s)`, body, sourceId);
      return out;
    }
    this.counters.by_type[ev.type]++;
    if (ev.ts > this.maxTs) this.maxTs = ev.ts;
    if (ev.type === 'impression') this.addImpression(ev, out);
    else if (ev.type !== 'heartbeat') this.addLabel(ev, out);
    this.flush(out);
    return out;
  }

  private late(out: JoinOutput, ev: LabelEvent, impTs: number, emitted: boolean): void {
    const task = TASK_OF[ev.type];
    this.counters.late[task]++;
    (out.late ??= []).push({ task, delay_s: Math.round((ev.ts - impTs) * 1000) / 1000, window_s: this.cfg.windows_s[task], sample_emitted: emitted, event: ev });
  }

  private addImpression(ev: ImpressionEvent, out: JoinOutput): void {
    const key = String(ev.impression_id);
    if (this.open.has(key)) { this.counters.duplicates++; return; }
    const o: Open = { imp: ev, closeAt: ev.ts + this.maxWindow, seq: this.seq++, labels: {}, seen: [] };
    this.open.set(key, o);
    this.heapPush(o);
    const waiting = this.orphans.get(key);
    if (waiting) {
      this.orphans.delete(key);
      for (const l of waiting) this.apply(o, l, out);
    }
  }

  private addLabel(ev: LabelEvent, out: JoinOutput): void {
    const key = String(ev.impression_id);
    const o = this.open.get(key);
    if (o) { this.apply(o, ev, out); return; }
    if (ev.impression_ts + this.maxWindow < this.watermark) {
      // its impression's sample is out (or the impression's window closed without it): late
      this.late(out, ev, ev.impression_ts, true);
      return;
    }
    const list = this.orphans.get(key);
    if (list) list.push(ev); else this.orphans.set(key, [ev]);
  }

  private apply(o: Open, ev: LabelEvent, out: JoinOutput): void {
    if (o.seen.includes(ev.type)) { this.counters.duplicates++; return; }
    o.seen.push(ev.type);
    const task = TASK_OF[ev.type];
    if (ev.ts - o.imp.ts > this.cfg.windows_s[task]) { this.late(out, ev, o.imp.ts, false); return; }
    this.counters.joined[task]++;
    const L = o.labels;
    switch (ev.type) {
      case 'click': L.click = 1; break;
      case 'watch_end': L.watch_s = ev.watch_s; break;
      case 'follow': L.follow = 1; break;
      case 'gift': L.gift = 1; L.gift_value = ev.value; break;
      case 'order': L.order = 1; L.order_value = ev.value; break;
    }
  }

  /** Emits every impression whose windows closed; sends orphans whose impression never came to the dead letters. */
  private flush(out: JoinOutput): void {
    const wm = this.watermark;
    while (this.heap.length > 0 && this.heap[0]!.closeAt < wm) {
      const o = this.heapPop();
      this.open.delete(String(o.imp.impression_id));
      out.samples.push(this.sample(o));
      this.counters.samples++;
    }
    if (this.orphans.size > 0 && wm >= this.nextOrphanScan) {
      // scanned at most once per event-time second (the map can be large when labels outrun impressions)
      this.nextOrphanScan = Math.floor(wm) + 1;
      for (const [key, list] of this.orphans) {
        if (list[0]!.impression_ts + this.maxWindow >= wm) continue;
        this.orphans.delete(key);
        for (const l of list) this.dead(out, 'unknown_impression', `label for impression ${key} that never arrived within its window`, JSON.stringify(l));
      }
    }
  }

  private sample(o: Open): Sample {
    const imp = o.imp;
    const L = o.labels;
    const scenario = imp.scenario;
    const watch = L.watch_s ?? 0;
    const thr = this.evThreshold[scenario];
    const s: Sample = {
      sample_id: String(imp.impression_id),
      ...imp.features,
      impression_id: imp.impression_id,
      ts: imp.ts, user_id: imp.user_id, room_id: imp.room_id, streamer_id: imp.streamer_id, scenario, country: imp.country,
      click: this.cfg.no_click_scenarios.includes(scenario) ? null : (L.click ?? 0),
      watch_s: watch,
      effective_view: thr === undefined ? null : watch >= thr ? 1 : 0,
      follow: L.follow ?? 0, gift: L.gift ?? 0, order: L.order ?? 0,
      gift_value: L.gift_value ?? 0, order_value: L.order_value ?? 0,
      request_id: imp.request_id,
      window_close_ts: o.closeAt,
      ...(imp.truth ?? {}),
    };
    return s;
  }

  private less(a: Open, b: Open): boolean { return a.closeAt < b.closeAt || (a.closeAt === b.closeAt && a.seq < b.seq); }
  private heapPush(o: Open): void {
    const h = this.heap;
    h.push(o);
    let i = h.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (!this.less(h[i]!, h[p]!)) break; [h[i], h[p]] = [h[p]!, h[i]!]; i = p; }
  }
  private heapPop(): Open {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Everything needed to resume exactly here (JSON-serialisable). */
  snapshot(): JoinerState {
    return {
      version: 1, maxTs: Number.isFinite(this.maxTs) ? this.maxTs : -1e18, seq: this.seq,
      open: [...this.open.values()], orphans: [...this.orphans.entries()], counters: this.counters,
      ...(Number.isFinite(this.nextOrphanScan) ? { nextOrphanScan: this.nextOrphanScan } : {}),
    };
  }

  private restore(s: JoinerState): void {
    if (s.version !== 1) throw new Error(`joiner state version ${String(s.version)} not supported (expected 1)`);
    this.maxTs = s.maxTs <= -1e18 ? -Infinity : s.maxTs;
    this.seq = s.seq;
    for (const o of s.open) { this.open.set(String(o.imp.impression_id), o); this.heapPush(o); }
    for (const [k, v] of s.orphans) this.orphans.set(k, v);
    this.counters = structuredClone(s.counters);
    this.nextOrphanScan = s.nextOrphanScan ?? -Infinity;
  }
}
