// `liverank report RUN` → RUN/report.html: the run's metric matrix with oracle gaps, reliability
// curves, training curves, gates, feature health, representations, the scenario/country shift and
// (when single-task runs are given) the seesaw table, as one self-contained HTML page of inline SVG.
// A section whose input file is unreadable shows the error (naming the file) and the rest still render.
import type { Table } from '../../data/table.js';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MatrixJSON } from '../../metrics/index.js';
import type { TrainConfig } from '../../train/config.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { calibrationSection } from './calibration-section.js';
import { gatesSection } from './gates-section.js';
import { healthSection } from './health-section.js';
import { esc, figure, html, page, sectionHtml, type Section } from './html.js';
import { metricsSection } from './metrics-section.js';
import { pcaSection } from './pca-section.js';
import { hasKeys, isObject, readJsonIfExists } from './read.js';
import { prefixIds, renderChart } from './render.js';
import { seesawSection } from './seesaw-section.js';
import { computeShift, currentShift, SHIFT_FILE, type ShiftFile } from './shift.js';
import { shiftSection } from './shift-section.js';
import { trainingSection } from './training-section.js';

export const REPORT_FILE = 'report.html';

export interface ReportOptions {
  /** Output file (default RUN/report.html). */
  out?: string;
  /** Single-task runs for the seesaw table: task → metrics.json or run directory. */
  seesaw?: Record<string, string>;
  /** Shift: "auto" reads RUN/diagnostics/shift.json or computes it; "recompute" always computes; "off" skips. */
  shift?: 'auto' | 'recompute' | 'off';
  shiftSplit?: 'train' | 'val' | 'test';
  shiftMaxRows?: number;
  /** The shift split's rows when the caller has them in memory (the demo: the split it just trained on). */
  shiftTable?: Table;
  /** The run's training config, when its data paths are relative to the config file. */
  config?: TrainConfig;
  log?: (s: string) => void;
}

export interface ReportResult {
  path: string;
  /** Titles of every chart, in page order. */
  charts: string[];
  sections: { id: string; title: string }[];
  /** Sections that could not be built (file and reason); their place in the page shows the same text. */
  errors: string[];
  /** Vega-Lite / Vega warnings while rendering (none expected). */
  warnings: string[];
  bytes: number;
}

const MATRIX_EXPECTED = 'a metric matrix as written by `liverank train` / `liverank eval` ({"tasks": {…}, "oracle": {…} | null})';

export function readMatrixFile(path: string): MatrixJSON | null {
  return readJsonIfExists<MatrixJSON>(path, MATRIX_EXPECTED, hasKeys(['tasks']));
}

function singlesOf(spec: Record<string, string>): Record<string, MatrixJSON> {
  const out: Record<string, MatrixJSON> = {};
  for (const [task, p] of Object.entries(spec)) {
    const file = existsSync(p) && statSync(p).isDirectory() ? join(p, 'metrics.json') : p;
    const m = readMatrixFile(file);
    if (!m) throw new Error(`seesaw: ${file} (single-task run for "${task}") not found; expected ${MATRIX_EXPECTED}`);
    out[task] = m;
  }
  return out;
}

function metaLines(run: string): string[] {
  const cfg = readJsonIfExists<Record<string, unknown>>(join(run, 'config.json'), 'the run\'s training config', hasKeys([]));
  const data = readJsonIfExists<Record<string, unknown>>(join(run, 'data_report.json'), 'data_report.json', hasKeys([]));
  const lines = [`Run ${resolve(run)} · report written ${new Date().toISOString()}`];
  if (cfg) {
    const model = isObject(cfg.model) ? String(cfg.model.type) : '?';
    const tasks = Array.isArray(cfg.tasks) ? cfg.tasks.map((t) => (isObject(t) ? String(t.name) : '?')).join(', ') : '?';
    lines.push(`Config "${String(cfg.name ?? '')}": model ${model}; tasks ${tasks}; data ${isObject(cfg.data) ? String(cfg.data.source) : '?'}`);
  }
  if (data && isObject(data.splits)) lines.push(`Splits: ${Object.entries(data.splits).map(([k, v]) => `${k} ${Number(v).toLocaleString('en-US')}`).join(', ')}`);
  return lines;
}

async function shiftPart(run: string, o: ReportOptions, errors: string[]): Promise<Section> {
  const path = join(run, SHIFT_FILE);
  const mode = o.shift ?? 'auto';
  if (mode === 'off') return shiftSection(null, { path, skipped: true, run });
  try {
    let file: ShiftFile | null = mode === 'auto' ? currentShift(run, o.log) : null;
    if (file && o.shiftSplit && file.split !== o.shiftSplit) file = null;
    file ??= await computeShift(run, { split: o.shiftSplit, maxRows: o.shiftMaxRows, config: o.config, table: o.shiftTable, log: o.log });
    return shiftSection(file, { path, run });
  } catch (e) {
    const msg = (e as Error).message;
    errors.push(`shift: ${msg}`);
    return shiftSection(null, { path, error: msg, run });
  }
}

/** Build a section; an error becomes a section showing the message. */
function guarded(id: string, title: string, errors: string[], fn: () => Section): Section {
  try {
    return fn();
  } catch (e) {
    const msg = (e as Error).message;
    errors.push(`${title}: ${msg}`);
    return { id, title, parts: [html(`<p class="missing">${esc(title)} could not be built: ${esc(msg)}</p>`)] };
  }
}

export async function writeReport(run: string, o: ReportOptions = {}): Promise<ReportResult> {
  if (!existsSync(run) || !statSync(run).isDirectory()) throw new Error(`${run}: not a directory; expected a liverank run directory (with metrics.json, train_log.jsonl, …)`);
  const errors: string[] = [];
  const mpath = join(run, 'metrics.json');
  let matrix: MatrixJSON | null = null;
  const sections: Section[] = [];
  sections.push(guarded('metrics', 'Metric matrix (test split)', errors, () => { matrix = readMatrixFile(mpath); return metricsSection(matrix, mpath); }));
  sections.push(guarded('calibration', 'Calibration (reliability curves)', errors, () => calibrationSection(matrix, mpath)));
  sections.push(guarded('training', 'Training curves', errors, () => trainingSection(join(run, 'train_log.jsonl'))));
  sections.push(guarded('gates', 'Gates and experts', errors, () => gatesSection(join(run, 'diagnostics', 'gates.json'), run)));
  sections.push(guarded('feature-health', 'Feature health', errors, () => healthSection(join(run, 'diagnostics', 'feature_health.json'), run)));
  sections.push(guarded('representations', 'Representations (PCA, linear probes)', errors, () => pcaSection(join(run, 'diagnostics', 'representations.json'), run)));
  sections.push(await shiftPart(run, o, errors));
  if (o.seesaw && Object.keys(o.seesaw).length) {
    const spec = o.seesaw;
    sections.push(guarded('seesaw', 'Seesaw (MTL gain vs single-task runs)', errors, () => seesawSection(matrix, singlesOf(spec), spec)!));
  }
  const charts: string[] = [];
  const warnings: string[] = [];
  const bodies: string[] = [];
  for (const s of sections) {
    const rendered: string[] = [];
    for (const p of s.parts) {
      if (p.kind !== 'chart') { rendered.push(''); continue; }
      rendered.push(figure(p.chart.title, prefixIds(await renderChart(p.chart, warnings), `c${charts.length}-`)));
      charts.push(p.chart.title);
    }
    bodies.push(sectionHtml(s, rendered));
  }
  let meta: string[];
  try { meta = metaLines(run); } catch (e) { errors.push((e as Error).message); meta = [`Run ${resolve(run)}`]; }
  const text = page(`liverank report — ${resolve(run).split('/').pop()}`, meta, sections, bodies);
  const path = o.out ?? join(run, REPORT_FILE);
  writeFileAtomic(path, text);
  return { path, charts, sections: sections.map((s) => ({ id: s.id, title: s.title })), errors, warnings, bytes: Buffer.byteLength(text) };
}
