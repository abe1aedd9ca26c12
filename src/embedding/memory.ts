// Memory estimates for embedding tables: values + optimizer state (+ mapper), with a readable line
// such as `user_id: 100000 × 16 fp32 = 6.4 MB values + 13.2 MB Adam state`. MB = 10^6 bytes.
import { optimizerStateBytes, type OptimizerConfig } from './optimizers.js';

export interface MemoryEstimate {
  name: string;
  rows: number;
  dim: number;
  valuesBytes: number;
  optimizerBytes: number;
  mapperBytes: number;
  /** Gradient accumulation scratch (table-shaped in 'row' mode). */
  scratchBytes: number;
  totalBytes: number;
  summary: string;
}

/** 6400000 → "6.4 MB" (decimal units). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0, x = n;
  while (x >= 1000 && u < units.length - 1) { x /= 1000; u++; }
  const s = u === 0 ? String(x) : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  return `${s.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1')} ${units[u]}`;
}

const LABEL: Record<OptimizerConfig['kind'], string> = {
  sgd: 'SGD state', adagrad: 'Adagrad state', adam: 'Adam state', ftrl: 'FTRL state',
};

export function tableMemory(name: string, rows: number, dim: number, optimizer: OptimizerConfig, mapperBytes = 0, scratchBytes = 0): MemoryEstimate {
  const valuesBytes = rows * dim * 4;
  const optimizerBytes = optimizerStateBytes(optimizer, rows, dim);
  const totalBytes = valuesBytes + optimizerBytes + mapperBytes + scratchBytes;
  let summary = `${name}: ${rows} × ${dim} fp32 = ${formatBytes(valuesBytes)} values`;
  summary += optimizerBytes > 0 ? ` + ${formatBytes(optimizerBytes)} ${LABEL[optimizer.kind]}` : ' (no optimizer state)';
  if (mapperBytes > 0) summary += ` + ${formatBytes(mapperBytes)} key map`;
  if (scratchBytes > 0) summary += ` + ${formatBytes(scratchBytes)} gradient scratch`;
  return { name, rows, dim, valuesBytes, optimizerBytes, mapperBytes, scratchBytes, totalBytes, summary };
}

/** Sums several estimates and renders one line per table plus a total. */
export function memorySummary(estimates: MemoryEstimate[]): { totalBytes: number; text: string } {
  const totalBytes = estimates.reduce((s, e) => s + e.totalBytes, 0);
  const lines = estimates.map((e) => e.summary);
  lines.push(`total: ${formatBytes(totalBytes)} in ${estimates.length} table${estimates.length === 1 ? '' : 's'}`);
  return { totalBytes, text: lines.join('\n') };
}
