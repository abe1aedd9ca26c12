// Static shape inference helpers (numbers and symbolic dims such as 'B').
import { type Dim, type Shape, type Tensor, shapeStr } from '../graph.js';

export function broadcastShapes(op: string, a: Shape, b: Shape): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else throw new Error(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} do not broadcast (dim ${i}: ${da} vs ${db})`);
  }
  return out;
}

export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function sameGraph(op: string, ...ts: Tensor[]): void {
  const g = ts[0]!.graph;
  for (const t of ts) if (t.graph !== g) throw new Error(`${op}: tensors from different graphs`);
}

export function requireFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (!t.isFloat) throw new Error(`${op}: expected a float tensor, got ${t}`);
}

export function dimsMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  return `${a}*${b}`;
}
