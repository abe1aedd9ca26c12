// JSON shapes of the post-hoc run analyses written into RUN/diagnostics/ (issue 17 part B):
// gates.json (`liverank gates RUN`), feature_health.json (`liverank features health RUN`) and
// representations.json (`liverank representations RUN`). The report (part C) renders
// them. Shapes only grow: new optional fields may be added, existing ones never change meaning.
// Numbers that cannot be computed (no rows, one class) are null, never NaN.

/** Which part of the run was analysed. */
export interface DiagnosticsSource {
  /** Run directory as given. */
  run: string;
  /** Model type from the run's config (e.g. "mmoe", "ple"). */
  model: string;
  /** The checkpoint file that was loaded. */
  checkpoint: string;
  /** Split the rows were taken from ("val" unless the run has none, then "test"). */
  split: 'val' | 'test' | 'train';
  /** Rows analysed (a seeded sample of the split when it is larger than the limit). */
  rows: number;
  seed: number;
  /** Slice column used for the per-scenario breakdown, null when the data has none. */
  scenario_column: string | null;
  /** ISO timestamp. */
  created: string;
}

export type AlarmKind =
  | 'collapse' // one expert takes > 0.9 of the weight on most rows
  | 'uniform' // gates ≈ 1/n on every row: they learned nothing (MMoE = shared-bottom)
  | 'no_differentiation' // the tasks' mean gates are (nearly) identical and uniform
  | 'dead_expert' // an expert receives ≈ 0 weight from every gate
  | 'dead_relu' // an expert's ReLU outputs are ≈ always 0
  | 'delta_stuck' // a Gate NU δ (PPNet/PEPNet/DWG, range (0, 2)) sits at 0 or 2
  | 'dead_feature' // feature health: ≈ no gradient / no touched rows
  | 'never_converged'; // feature health: gradient norm never settled

export interface Alarm {
  kind: AlarmKind;
  /** What it concerns: a gate ("gate.click"), an expert ("experts.mmoe.experts/e2"), a feature. */
  subject: string;
  /** Scenario value when the alarm is for one scenario only; absent = all rows. */
  scenario?: string;
  /** One sentence with the numbers behind it. */
  message: string;
}

// ---------------------------------------------------------------- gates.json

/** Statistics of one gate's weights [rows, n] over a set of rows. */
export interface GateStats {
  rows: number;
  /** Mean gate weight per expert = expert utilisation Σ_rows g / rows (sums to 1). */
  mean: number[];
  /** Per-sample standard deviation per expert (input dependence; ≈ 0 = gate ignores the input). */
  std: number[];
  /** Share of rows on which each expert has the largest weight. */
  top1_share: number[];
  /** Mean over rows of H(g)/ln n (uniform = 1, one-hot = 0). */
  entropy: number;
  /** H(mean gate)/ln n: entropy of the mean distribution. */
  entropy_of_mean: number;
  /** Share of rows whose largest weight exceeds 0.9. */
  collapsed_rows: number;
}

export interface GateReport {
  /** The model output name, e.g. "gate.click" (MMoE), "gate.click.l1" / "gate.shared.l0" (PLE). */
  name: string;
  /** Task the gate serves, or "shared" for PLE's shared gates. */
  task: string;
  /** PLE / CGC level, 0 for one-level models. */
  level: number;
  /** Expert labels in gate order, e.g. ["e0", "e1"] (MMoE) or ["click.0", "shared.0"] (PLE). */
  experts: string[];
  all: GateStats;
  /** Per value of the scenario column (absent when the data has none). */
  by_scenario?: Record<string, GateStats>;
}

/** Jensen–Shannon divergence (natural log, in [0, ln 2]) between two tasks' mean gates. */
export interface GateDivergence {
  a: string;
  b: string;
  level: number;
  /** "experts": both gates mix the same experts; "position": PLE task gates compared slot by slot (own experts ⊕ shared). */
  aligned: 'experts' | 'position';
  js: number;
  /** js / ln 2 in [0, 1]. */
  js_normalised: number;
  by_scenario?: Record<string, number>;
}

/** One expert of a bank: its output activations over the analysed rows. */
export interface ExpertStats {
  /** e.g. "e0" for bank "mmoe.experts". */
  expert: string;
  /** Share of (row, unit) outputs that are exactly 0 after the ReLU. */
  dead_relu_share: number;
  /** Share of the expert's output units that are 0 on every analysed row. */
  dead_units: number;
  /** Mean L2 norm of the expert's output vector. */
  output_norm_mean: number;
  output_norm_std: number;
}

export interface ExpertBankReport {
  /** Bank name, e.g. "mmoe.experts", "ple.l0.experts.shared". */
  bank: string;
  units: number;
  experts: ExpertStats[];
}

/** Summary of a multiplicative Gate NU δ = 2σ(·) ∈ (0, 2) (PPNet / EPNet / PEPNet / DWG). */
export interface DeltaSummary {
  /** The model output, e.g. "delta.epnet", "delta.ppnet.h1", "delta.dwg.emb". */
  name: string;
  /** Values per row (the δ vector's width). */
  width: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  p05: number;
  p50: number;
  p95: number;
  /** Share of values < 0.05 (gate closed) and > 1.95 (saturated open). */
  near_zero: number;
  near_two: number;
  /** Mean per column (at most the first 64 columns). */
  column_mean: number[];
  by_scenario?: Record<string, { mean: number; std: number }>;
}

export interface GatesFile {
  version: 1;
  source: DiagnosticsSource;
  /** Thresholds used by the alarms. */
  thresholds: { collapse_weight: number; collapse_rows: number; uniform_entropy: number; uniform_std: number; dead_expert_weight: number; dead_relu: number };
  gates: GateReport[];
  divergence: GateDivergence[];
  banks: ExpertBankReport[];
  deltas: DeltaSummary[];
  alarms: Alarm[];
  /** Plain-language notes (e.g. "model dnn has no gates"). */
  notes: string[];
}

// ---------------------------------------------------------------- feature_health.json

/** One feature's training trace from RUN/diagnostics/feature_stats.jsonl (part A). */
export interface FeatureTrace {
  feature: string;
  /** Points present for this feature. */
  points: number;
  peak_grad_norm: number;
  peak_step: number;
  last_grad_norm: number;
  last_update_ratio: number | null;
  touched_rows_total: number;
  /** First step after which the smoothed gradient norm stays ≤ fraction · peak; null = never. */
  converged_step: number | null;
  status: 'converged' | 'not_converged' | 'dead';
  /** Down-sampled series for charts (at most 200 points). */
  series: { step: number; grad_norm: number; update_ratio: number | null; touched_rows: number | null }[];
}

/** AUC drop per task when one feature's values are permuted across the analysed rows. */
export interface PermutationImportance {
  feature: string;
  /** Per task: baseline AUC − permuted AUC, mean over repeats (null when the task has one class). */
  drop: Record<string, number | null>;
  /** Per task: standard deviation of the drop over repeats. */
  drop_std: Record<string, number | null>;
}

export interface FeatureHealthFile {
  version: 1;
  source: DiagnosticsSource;
  /** null when RUN/diagnostics/feature_stats.jsonl does not exist (then `traces` is empty). */
  stats_file: string | null;
  convergence: {
    /** A feature has converged when its smoothed gradient norm stays ≤ fraction · its peak. */
    fraction: number;
    /** Trailing window (points) of the smoothing mean. */
    window: number;
    /** Peak gradient norm ≤ this (or no touched rows) = dead. */
    dead_grad_norm: number;
  };
  traces: FeatureTrace[];
  permutation: {
    repeats: number;
    /** Baseline AUC per task on the analysed rows (null when one class). */
    baseline_auc: Record<string, number | null>;
    features: PermutationImportance[];
  };
  alarms: Alarm[];
  notes: string[];
}

// ---------------------------------------------------------------- representations.json

/** A 2-D sample point of a layer's PCA. */
export interface PcaPoint {
  x: number;
  y: number;
  /** Scenario value of the row ("" when the data has none). */
  scenario: string;
  /** Labels of the row per task (binary tasks: 0/1; null = missing). */
  labels: Record<string, number | null>;
}

export interface LayerReport {
  /** Model output, e.g. "g.click" (tower input of task click), "experts.mmoe.experts/e0". */
  layer: string;
  kind: 'tower_input' | 'expert_output' | 'shared_level' | 'level_output';
  /** Task whose tower the layer feeds, absent for shared layers. */
  task?: string;
  width: number;
  /** Explained variance ratio of the leading components (up to 10). */
  explained_variance: number[];
  /** Sample of rows projected on the first two components (at most 1000). */
  points: PcaPoint[];
  /** Linear-probe AUC per task (fit on one half, scored on the other); null when one class. */
  probe_auc: Record<string, number | null>;
  /** The same probe on a shuffled label (sanity floor ≈ 0.5). */
  probe_auc_shuffled: Record<string, number | null>;
}

export interface RepresentationsFile {
  version: 1;
  source: DiagnosticsSource;
  /** fit_rows / score_rows: of the first binary task; by_task: per binary task (rows with a label in its space). */
  probe: { l2: number; fit_rows: number; score_rows: number; by_task?: Record<string, { fit_rows: number; score_rows: number }> };
  layers: LayerReport[];
  /**
   * Linear CKA (Kornblith et al. 2019) between every two non-expert layers (tower inputs, level
   * outputs, shared levels) over the analysed rows: 1 = the same representation up to rotation and
   * scale; null when a layer has no variance.
   */
  similarity?: { a: string; b: string; cka: number | null }[];
  notes: string[];
}
