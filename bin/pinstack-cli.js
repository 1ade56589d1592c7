#!/usr/bin/env node
// The `pinstack` admin CLI; Node 24 runs the TypeScript source directly.
import '../cli/main.ts';
