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
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../lambdas/core/tokens.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../../lambdas/shared/wiring.ts';
import {
  BUNDLE_LIMITS,
  type BuiltBundle,
  boundEnvironment,
  buildBundle,
} from '../../lib/bundling.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { lambdaRuntimePrelude } from '../../local/lambda.ts';
import {
  ensureBucket,
  ensureQueueWithDlq,
  ensureTable,
  resourceNames,
} from '../../local/resources.ts';
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

/**
 * The bundles with the modules lib/bundling.ts swaps in (no event streams, no endpoint
 * discovery, Node's own checksums) still talk to DynamoDB, S3 and SQS: each runs in a fresh
 * process against the emulators.
 */
describe('bundles against the emulators', () => {
  let emulators: Emulators;
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    // The emulators check no credentials, but this process's SDK clients insist on some.
    process.env.AWS_ACCESS_KEY_ID ??= 'local';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
    emulators = await startEmulators();
    const names = resourceNames({});
    const region = 'us-east-1';
    const dynamo = new DynamoDBClient({ region, endpoint: emulators.dynamodbEndpoint });
    const s3 = new S3Client({ region, endpoint: emulators.s3Endpoint, forcePathStyle: true });
    const sqs = new SQSClient({ region, endpoint: emulators.sqsEndpoint });
    try {
      await ensureTable(dynamo, names.table, { timeToLive: false, warn: () => {} });
      await ensureBucket(s3, names.carpark, region);
      const ingest = await ensureQueueWithDlq(sqs, names.ingestQueue, 30);
      const pin = await ensureQueueWithDlq(sqs, names.pinQueue, 30);
      env = {
        TABLE_NAME: names.table,
        CARPARK_BUCKET: names.carpark,
        STAGING_BUCKET: names.staging,
        INGEST_QUEUE_URL: ingest.url,
        PIN_QUEUE_URL: pin.url,
        PINSTACK_DYNAMODB_ENDPOINT: emulators.dynamodbEndpoint,
        PINSTACK_S3_ENDPOINT: emulators.s3Endpoint,
        PINSTACK_SQS_ENDPOINT: emulators.sqsEndpoint,
      };
      const config = loadConfig({
        ...process.env,
        ...env,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      const clients = createClients(config);
      try {
        token = (
          await createToken(
            { userId: 'bundle' },
            { ...identityPorts(config, clients), clock: systemClock },
          )
        ).token;
      } finally {
        clients.destroy();
      }
    } finally {
      dynamo.destroy();
      s3.destroy();
      sqs.destroy();
    }
  });

  afterAll(async () => {
    await emulators?.stop();
  });

  /** Runs one API request through a function's bundle in a fresh process. */
  async function invoke(name: FunctionName, method: string, path: string, body?: string) {
    const fn = functions.find((f) => f.name === name);
    if (!fn) throw new Error(`${name} is not in the catalog`);
    const event = {
      version: '2.0',
      rawPath: path,
      rawQueryString: '',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      requestContext: { http: { method, path }, requestId: 'r-1' },
      ...(body === undefined ? {} : { body, isBase64Encoded: false }),
    };
    const url = pathToFileURL(bundleOf(name).path).href;
    const script = `const { handler } = await import(${JSON.stringify(url)}); const r = await handler(${JSON.stringify(event)}, {}); console.log(JSON.stringify(r));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...boundEnvironment(fn), ...env, RATE_LIMIT_REQUESTS: '1000' },
    });
    const response = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    return { status: response.statusCode as number, body: JSON.parse(response.body) };
  }

  it('api-write stores an upload: S3, DynamoDB and SQS from its bundle', async () => {
    const stored = await invoke('api-write', 'POST', '/upload', 'bundled bytes');
    expect(stored.status, JSON.stringify(stored.body)).toBe(200);
    const cid = stored.body.value.cid as string;
    const checked = await invoke('api-public', 'GET', `/check/${cid}`);
    expect(checked.status).toBe(200);
    expect(checked.body.value.pin.status).toBe('pinned');
    const listed = await invoke('api-read', 'GET', `/${cid}`);
    expect(listed.body.value.cid).toBe(cid);
  });
});
