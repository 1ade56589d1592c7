/**
 * Function bundles, built exactly as the stack deploys them (lib/bundling.ts):
 * - each bundle's size, next to its limit (target: within it);
 * - each bundle's cold init — a fresh Node process importing it, with only its bound
 *   environment — next to the init of an empty handler bundle built the same way, in the same
 *   run (informational: it shows what a function's code adds to a cold start).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUNDLE_LIMITS, boundEnvironment, buildBundle } from '../lib/bundling.ts';
import { PROJECT_ROOT } from '../lib/stack-config.ts';
import { lambdaRuntimePrelude } from '../local/lambda.ts';
import { functions, handlerEntry } from '../system/functions.ts';
import { type BenchModule, type BenchRow, latencyRow } from './harness.ts';

const run = promisify(execFile);
const INIT_RUNS = 7;

/** Milliseconds a fresh process takes to import the bundle (median of several processes). */
async function initMs(bundle: string, env: Record<string, string>, prelude = ''): Promise<number> {
  const url = pathToFileURL(bundle).href;
  // The prelude (what the Lambda runtime provides) runs before the clock starts.
  const script = `${prelude} const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < INIT_RUNS; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env });
    samples.push(Number(stdout.trim()));
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1] as number;
}

export const bundlesBench: BenchModule = {
  name: 'bundles',
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'pinstack-bench-bundles-'));
    try {
      const emptyEntry = join(dir, 'empty-handler.ts');
      await writeFile(emptyEntry, 'export const handler = async () => ({ statusCode: 200 });\n');
      const empty = await buildBundle(relative(PROJECT_ROOT, emptyEntry), join(dir, 'empty.mjs'));
      const emptyInit = await initMs(empty.path, boundEnvironment({ bindings: {} }));
      const rows: BenchRow[] = [];
      for (const fn of functions) {
        const bundle = await buildBundle(handlerEntry(fn), join(dir, `${fn.name}.mjs`));
        const limit = BUNDLE_LIMITS[fn.name as keyof typeof BUNDLE_LIMITS] ?? BUNDLE_LIMITS.default;
        rows.push(
          latencyRow({
            name: `${fn.name} bundle size`,
            value: bundle.bytes / 1000,
            unit: 'kB',
            baseline: { name: 'its limit', value: limit / 1000 },
            target: 1,
          }),
          latencyRow({
            name: `${fn.name} cold init`,
            value: await initMs(bundle.path, boundEnvironment(fn), lambdaRuntimePrelude(fn)),
            unit: 'ms',
            baseline: { name: 'empty handler bundle', value: emptyInit },
          }),
        );
      }
      return rows;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
