/**
 * What the Lambda Node.js runtime gives a handler before its module loads, for tests that load
 * handlers (or their bundles) in a bare Node process: the `awslambda` global a streaming
 * handler wraps itself with, installed by the local runtime's own emulation of it.
 */
import { pathToFileURL } from 'node:url';
import type { FunctionSpec, Trigger } from '../../system/functions.ts';

const localLambda = pathToFileURL(new URL('../../local/lambda.ts', import.meta.url).pathname).href;

/** Module code run before the handler's import: empty unless the function streams. */
export function runtimePrelude(spec: Pick<FunctionSpec, 'triggers'>): string {
  const streams = (spec.triggers as readonly Trigger[]).some((t) => t.kind === 'url');
  return streams
    ? `const { installAwsLambdaGlobal } = await import(${JSON.stringify(localLambda)}); installAwsLambdaGlobal();`
    : '';
}
