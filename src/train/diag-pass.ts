// The trainer's side of the hooks (hooks.ts): scalars after every step, and every `tensorsEvery`
// steps a diagnostic pass — the per-feature embedding statistics around the sparse update
// (feature-probe.ts) and one eval-mode forward pass over the step's batch that fetches the towers'
// logits and predictions and the model's extras (gates, expert outputs, deltas). That pass is a graph
// of its own, built on the first snapshot, so the training step graph is unchanged.
import type { Table } from '../data/table.js';
import { Evaluator } from '../engine/step.js';
import type { Feed } from '../engine/runtime.js';
import type { ParameterStore } from '../engine/store.js';
import type { Tensor } from '../engine/graph.js';
import type { FeatureBatch } from '../features/index.js';
import type { MatrixJSON } from '../metrics/matrix-types.js';
import { FeatureProbe } from './feature-probe.js';
import type { StepScalars, StepTensors, TensorValue, TrainHooks } from './hooks.js';
import type { Session } from './session.js';

const logitName = (t: string) => `diag.logit.${t}`;
const predName = (t: string) => `diag.pred.${t}`;
const extraName = (k: string) => `diag.extra.${k}`;
/** Extras left out of snapshots: the towers' inputs (wide feature vectors, for PCA / probes, not histograms). */
const skipExtra = (k: string) => k.startsWith('g.') || k === 'epnet.out';

export class TrainDiagnostics {
  private probe: FeatureProbe | null = null;
  private evaluator: Promise<Evaluator> | null = null;
  private extraKeys: string[] = [];

  constructor(private readonly s: Session, private readonly store: ParameterStore, readonly hooks: TrainHooks) {}

  /** Null when there are no hooks: the trainer then does no diagnostic work at all. */
  static open(s: Session, store: ParameterStore, hooks: TrainHooks | null): TrainDiagnostics | null {
    return hooks ? new TrainDiagnostics(s, store, hooks) : null;
  }

  /** Whether step `step` (1-based, the step about to run) takes a snapshot. */
  due(step: number): boolean {
    const n = this.hooks.tensorsEvery;
    return n > 0 && step % n === 0;
  }

  /** In the step's `during`, before the sparse update: d loss / d emb of the batch. */
  beforeSparse(step: number, fb: FeatureBatch, grad: Float32Array): void {
    if (!this.due(step)) return;
    this.probe = FeatureProbe.begin(this.s.fitted.specs, this.s.asm.tables, fb, grad, this.s.asm.embWidth);
  }

  /** After the step's update (θ and tables are the new values). */
  async afterStep(step: number, batch: Table, feeds: Record<string, Feed>, v: StepScalars): Promise<void> {
    let tensors: StepTensors | undefined;
    if (this.probe) {
      const features = this.probe.finish();
      this.probe = null;
      tensors = { ...(await this.forwardPass(batch, feeds)), features };
    }
    this.hooks.onStep?.(step, tensors ? { ...v, tensors } : v);
  }

  onEval(step: number, split: 'val' | 'test', matrix: MatrixJSON): void {
    this.hooks.onEval?.(step, split, matrix);
  }

  end(): void {
    this.hooks.onEnd?.();
  }

  private diagnosticEvaluator(): Promise<Evaluator> {
    if (!this.evaluator) {
      const { s } = this;
      this.evaluator = Evaluator.create((g) => {
        const f = s.forward(g);
        const outputs: Record<string, Tensor> = {};
        for (const t of s.cfg.tasks) {
          const z = f.out.logits[t.name];
          if (z) outputs[logitName(t.name)] = z;
          outputs[predName(t.name)] = f.preds[t.name]!;
        }
        this.extraKeys = Object.keys(f.out.extras ?? {}).filter((k) => !skipExtra(k));
        for (const k of this.extraKeys) outputs[extraName(k)] = f.out.extras![k]!;
        return { outputs };
      }, this.store, { substitute: s.asm.substitute });
    }
    return this.evaluator;
  }

  private async forwardPass(batch: Table, feeds: Record<string, Feed>): Promise<Omit<StepTensors, 'features'>> {
    const ev = await this.diagnosticEvaluator();
    const want = new Set(ev.runner.inputs.map((x) => x.name)); // the step's feeds less labels, masks, task weights
    const out = await ev.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => want.has(k))));
    const f32 = (x: Feed) => (x.data instanceof Float32Array ? x.data : Float32Array.from(x.data as ArrayLike<number>));
    const tasks: StepTensors['tasks'] = {};
    for (const t of this.s.cfg.tasks) {
      const z = out[logitName(t.name)];
      tasks[t.name] = { kind: t.kind, logit: z ? f32(z) : null, pred: f32(out[predName(t.name)]!) };
    }
    const extras: Record<string, TensorValue> = {};
    for (const k of this.extraKeys) {
      const x = out[extraName(k)];
      if (x) extras[k] = { data: f32(x), dims: [...x.dims] };
    }
    const slices: Record<string, (string | null)[]> = {};
    for (const [name, col] of Object.entries({ scenario: this.s.slices.scenario, country: this.s.slices.country })) {
      const c = col ? batch.columns[col] : undefined;
      if (c) slices[name] = Array.from(c as ArrayLike<string | number | null>, (x) => (x === null || (typeof x === 'number' && Number.isNaN(x)) ? null : String(x)));
    }
    return { rows: batch.numRows, tasks, slices, extras };
  }
}
