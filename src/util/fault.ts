// Fault injection for the kill-and-resume tests. Code that commits durable state calls
// faultPoint('<name>') between its steps; in production this is one Map lookup.
//
//   LIVERANK_FAULT="checkpoint.renamed:3"   SIGKILL this process the 3rd time that point is reached
//   LIVERANK_FAULT="a:1,b:2"                 several points (the first one reached kills)
//   LIVERANK_FAULT_TRACE=/tmp/points.txt     append every point reached (one name per line)
//   LIVERANK_FAULT_HOLD="train.val-logged=/tmp/go"   wait at the first time that point is reached
//                                            until the file /tmp/go exists (to line up two processes)
import { appendFileSync, existsSync } from 'node:fs';

const targets = new Map<string, number>();
for (const part of (process.env.LIVERANK_FAULT ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
  const [name, n] = part.split(':');
  targets.set(name!, n === undefined ? 1 : Number(n));
}
const trace = process.env.LIVERANK_FAULT_TRACE;
const seen = new Map<string, number>();
const [holdPoint, holdFile] = (process.env.LIVERANK_FAULT_HOLD ?? '').split('=');
let held = false;

function holdUntil(file: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(file)) Atomics.wait(cell, 0, 0, 20);
}

export function faultPoint(name: string): void {
  if (trace) appendFileSync(trace, `${name}\n`);
  if (!held && holdFile && name === holdPoint) { held = true; holdUntil(holdFile); }
  const want = targets.get(name);
  if (want === undefined) return;
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  if (n === want) process.kill(process.pid, 'SIGKILL');
}
