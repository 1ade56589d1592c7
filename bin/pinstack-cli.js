#!/usr/bin/env node
// The `pinstack` CLI. Node 24 runs the TypeScript source directly; an older Node is stopped
// first with one line saying so (the import below would fail on it with a stack trace).
import './require-node.js';

await import('../cli/main.ts');
