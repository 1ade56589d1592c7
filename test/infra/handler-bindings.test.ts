/**
 * Every handler must start with only the environment its catalog bindings give it: that is all
 * the deployed function gets (the local stack hands every handler every variable, so it cannot
 * catch a missing binding). Each handler is loaded in a fresh process, as a cold start (with the
 * `awslambda` global the Lambda runtime gives streaming handlers).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boundEnvironment } from '../../lib/bundling.ts';
import { lambdaRuntimePrelude } from '../../local/lambda.ts';
import { type FunctionSpec, functions, handlerEntry } from '../../system/functions.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

async function coldStart(spec: FunctionSpec, env: Record<string, string>) {
  const url = pathToFileURL(join(ROOT, handlerEntry(spec))).href;
  const script = `${lambdaRuntimePrelude(spec)} const m = await import(${JSON.stringify(url)}); if (typeof m.handler !== 'function') throw new Error('no handler export');`;
  return run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env });
}

describe('handler cold starts with only their bound environment', () => {
  it.each(functions.map((spec) => [spec.name, spec] as const))('%s starts', async (_name, spec) => {
    await expect(coldStart(spec, boundEnvironment(spec))).resolves.toBeDefined();
  });

  it('fails fast, naming the variable, when a binding is missing', async () => {
    const spec = functions.find((fn) => fn.name === 'api-write') as FunctionSpec;
    const env = boundEnvironment(spec);
    delete env.STAGING_BUCKET;
    await expect(coldStart(spec, env)).rejects.toThrow(/Missing env var: STAGING_BUCKET/);
  });
});
