// A streaming-trainer process for the kill tests (exactly-once.test.ts): `node --import tsx
// src/train/stream/kill-child.ts CONFIG OUT REDIS_URL GROUP` — the CLI's path without loading every
// command (the test's last run goes through `liverank train --stream` itself).
import { openEventStream } from '../../data/stream/open.js';
import { loadTrainConfig } from '../config.js';
import { trainStream } from './trainer.js';

const [config, out, url, group] = process.argv.slice(2);
if (!config || !out || !url || !group) throw new Error('usage: kill-child.ts CONFIG OUT REDIS_URL GROUP');
const es = await openEventStream(url);
await trainStream(loadTrainConfig(config), {
  out, stream: es, group, untilIdleMs: 1000, batch: 256, checkpointEvery: 768, logEvery: 256, bootstrap: 1000, window: 4000, ledger: true,
  admission: { capacity: 3000, admitAfter: 2, ttlSteps: 0 }, command: 'kill-child',
});
await es.close();
