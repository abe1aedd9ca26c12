#!/usr/bin/env node
// Command-line entry: runs the TypeScript sources directly through tsx (no build step needed).
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
