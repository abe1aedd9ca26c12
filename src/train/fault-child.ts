// A training process for the kill-and-resume test (faults.test.ts): `node --import tsx
// src/train/fault-child.ts CONFIG OUT` trains with --resume semantics (fresh when nothing is
// committed), quietly; LIVERANK_FAULT / LIVERANK_FAULT_TRACE (util/fault.ts) choose where it dies.
import { loadTrainConfig } from './config.js';
import { train } from './trainer.js';

const [config, out] = process.argv.slice(2);
if (!config || !out) throw new Error('usage: fault-child.ts CONFIG OUT');
await train(loadTrainConfig(config), { out, resume: true, verbose: false, command: 'fault-child' });
