/**
 * Every function's bundle, built exactly as the stack deploys it: small enough (the limits in
 * lib/bundling.ts), free of code it must not carry, and working — a fresh Node process loads
 * each bundle with only its bound environment, and api-public answers a request.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_LIMITS,
  type BuiltBundle,
  boundEnvironment,
  buildBundle,
} from '../../lib/bundling.ts';
import { lambdaRuntimePrelude } from '../../local/lambda.ts';
import { type FunctionName, functions, handlerEntry } from '../../system/functions.ts';

const run = promisify(execFile);
let dir: string;
const bundles = new Map<FunctionName, BuiltBundle>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinstack-bundles-'));
  for (const fn of functions) {
    bundles.set(fn.name, await buildBundle(handlerEntry(fn), join(dir, `${fn.name}.mjs`)));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bundleOf = (name: FunctionName) => bundles.get(name) as BuiltBundle;

describe('function bundles', () => {
  it.each(functions.map((fn) => [fn.name]))('%s is within its size limit', (name) => {
    const limit = BUNDLE_LIMITS[name as keyof typeof BUNDLE_LIMITS] ?? BUNDLE_LIMITS.default;
    expect(bundleOf(name).bytes).toBeLessThanOrEqual(limit);
  });

  it('api-public carries no upload, UnixFS, multipart or S3 code', () => {
    const inputs = Object.keys(bundleOf('api-public').inputs);
    const forbidden = inputs.filter((input) =>
      /ipfs-unixfs|@ipld\/car|busboy|@aws-sdk\/client-s3|@aws-sdk\/client-sqs|core\/prepare|core\/ipfs\//.test(
        input,
      ),
    );
    expect(forbidden).toEqual([]);
  });

  it.each(functions.map((fn) => [fn.name, fn] as const))(
    '%s loads in a fresh process with only its bound environment',
    async (_name, fn) => {
      const url = pathToFileURL(bundleOf(fn.name).path).href;
      const script = `${lambdaRuntimePrelude(fn)} const m = await import(${JSON.stringify(url)}); if (typeof m.handler !== 'function') throw new Error('no handler export');`;
      await expect(
        run(process.execPath, ['--input-type=module', '-e', script], { env: boundEnvironment(fn) }),
      ).resolves.toBeDefined();
    },
  );

  it('api-public answers GET /version from its bundle', async () => {
    const fn = functions.find((f) => f.name === 'api-public');
    if (!fn) throw new Error('api-public is not in the catalog');
    const url = pathToFileURL(bundleOf('api-public').path).href;
    const event = {
      version: '2.0',
      rawPath: '/version',
      rawQueryString: '',
      headers: {},
      requestContext: { http: { method: 'GET', path: '/version' }, requestId: 'r-1' },
      isBase64Encoded: false,
    };
    const script = `const { handler } = await import(${JSON.stringify(url)}); const r = await handler(${JSON.stringify(event)}, {}); console.log(JSON.stringify(r));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...boundEnvironment(fn), PINSTACK_VERSION: '9.9.9' },
    });
    const response = JSON.parse(stdout);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      version: '9.9.9',
      commit: 'unknown',
      mode: 'rw',
      peerId: boundEnvironment(fn).PROVIDER_PEER_ID,
    });
  });

  it('gateway answers the probe from its bundle, as a streamed response with an HTTP prelude', async () => {
    const fn = functions.find((f) => f.name === 'gateway');
    if (!fn) throw new Error('gateway is not in the catalog');
    const url = pathToFileURL(bundleOf('gateway').path).href;
    const lambda = pathToFileURL(join(import.meta.dirname, '..', '..', 'local', 'lambda.ts')).href;
    const event = {
      version: '2.0',
      rawPath: '/ipfs/bafkqaaa',
      rawQueryString: 'format=raw',
      headers: {},
      requestContext: { http: { method: 'HEAD', path: '/ipfs/bafkqaaa' }, requestId: 'r-1' },
      isBase64Encoded: false,
    };
    // The runtime's response stream, collecting what a Function URL would relay.
    const script = `${lambdaRuntimePrelude(fn)}
      const { LambdaResponseStream } = await import(${JSON.stringify(lambda)});
      const { handler } = await import(${JSON.stringify(url)});
      const parts = []; let type;
      const stream = new LambdaResponseStream({
        start: (t) => { type = t; }, write: async (c) => { parts.push(Buffer.from(c)); },
        end() {}, abort(e) { throw e; },
      });
      await handler(${JSON.stringify(event)}, stream, {});
      await stream.finish();
      const bytes = Buffer.concat(parts);
      const end = bytes.indexOf(0);
      console.log(JSON.stringify({ type, prelude: JSON.parse(bytes.subarray(0, end).toString()), rest: bytes.length - end - 8 }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: boundEnvironment(fn),
    });
    const out = JSON.parse(stdout);
    expect(out.type).toBe('application/vnd.awslambda.http-integration-response');
    expect(out.prelude.statusCode).toBe(200);
    expect(out.prelude.headers).toMatchObject({
      'content-type': 'application/vnd.ipld.raw',
      'content-length': '0',
    });
    expect(out.rest).toBe(0);
  });
});
