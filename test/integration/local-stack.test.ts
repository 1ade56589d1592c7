/**
 * The local stack end to end with test handlers: the gateway's API Gateway behaviour, stack.json,
 * schedules, `pinstack run`, and state surviving a restart on the same data dir.
 */

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, Context, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobError, runJob } from '../../cli/run.ts';
import { startEmulators } from '../../local/emulators.ts';
import type { LambdaHandler, Logger } from '../../local/lambda.ts';
import { moduleHandlerLoader } from '../../local/lambda.ts';
import { type LocalStack, readLocalStack, startLocalStack } from '../../local/stack.ts';
import type { FunctionSpec } from '../../system/functions.ts';

const spec = (name: string, overrides: Partial<FunctionSpec>): FunctionSpec => ({
  name,
  description: `test function ${name}`,
  memoryMB: 128,
  timeoutSeconds: 5,
  bindings: {},
  triggers: [],
  ...overrides,
});

interface Captured {
  event: APIGatewayProxyEventV2;
  context: Context;
}

class Recorder {
  lines: string[] = [];
  errors: string[] = [];
  logger: Logger = {
    info: (line) => this.lines.push(line),
    error: (line) => this.errors.push(line),
  };
}

const tempDir = () => mkdtemp(join(tmpdir(), 'pinstack-local-stack-'));

describe('local gateway', () => {
  const captured: Captured[] = [];
  const recorder = new Recorder();
  let stack: LocalStack;
  let dataDir: string;

  const functions = [
    spec('echo', {
      triggers: [
        { kind: 'http', method: 'GET', path: '/items/{id}' },
        { kind: 'http', method: 'GET', path: '/items/special' },
        { kind: 'http', method: 'GET', path: '/{proxy+}' },
        { kind: 'http', method: 'POST', path: '/{proxy+}' },
      ],
    }),
    spec('shaped', { triggers: [{ kind: 'http', method: 'GET', path: '/shaped/{kind}' }] }),
    spec('boom', { triggers: [{ kind: 'http', method: 'GET', path: '/boom' }] }),
    spec('slow', { timeoutSeconds: 1, triggers: [{ kind: 'http', method: 'GET', path: '/slow' }] }),
  ];
  let echoInvocations = 0;
  const handlers: Record<string, LambdaHandler> = {
    echo: (event: APIGatewayProxyEventV2, context: Context) => {
      echoInvocations++;
      captured.push({ event, context });
      return { statusCode: 200, body: 'ok' };
    },
    shaped: (event: APIGatewayProxyEventV2) => {
      switch (event.pathParameters?.kind) {
        case 'binary':
          return {
            statusCode: 201,
            headers: { 'content-type': 'application/octet-stream', 'x-extra': 7 },
            cookies: ['a=1; Path=/', 'b=2'],
            body: Buffer.from([0, 1, 2, 254, 255]).toString('base64'),
            isBase64Encoded: true,
          };
        case 'object':
          return { hello: 'world' };
        case 'string':
          return 'plain';
        case 'bad-status':
          return { statusCode: 'nope' };
        default:
          return { statusCode: 204 };
      }
    },
    boom: () => {
      throw new Error('kaboom');
    },
    slow: async (_event: unknown, context: Context) => {
      captured.push({ event: {} as APIGatewayProxyEventV2, context });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return { statusCode: 200 };
    },
  };

  beforeAll(async () => {
    dataDir = await tempDir();
    stack = await startLocalStack({
      dataDir,
      port: 0,
      persist: false,
      functions,
      loadHandler: (fn) => handlers[fn.name] as LambdaHandler,
      log: recorder.logger,
      env: {},
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const last = () => {
    const entry = captured.at(-1);
    if (!entry) throw new Error('handler was not invoked');
    return entry;
  };

  it('builds a payload format 2.0 event with path, query, cookies and joined headers', async () => {
    const response = await rawRequest(stack.apiUrl, {
      method: 'GET',
      path: '/items/a%20b?x=1&x=2&y=hello%20world',
      headers: { 'X-Dup': ['one', 'two'], Cookie: 'c1=v1; c2=v2', 'User-Agent': 'tester' },
    });
    expect(response.status).toBe(200);
    const { event, context } = last();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'x=1&x=2&y=hello%20world',
      cookies: ['c1=v1', 'c2=v2'],
      queryStringParameters: { x: '1,2', y: 'hello world' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        routeKey: 'GET /items/{id}',
        stage: '$default',
        http: { method: 'GET', path: '/items/a%20b', sourceIp: '127.0.0.1', userAgent: 'tester' },
      },
    });
    expect(event.headers['x-dup']).toBe('one,two');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toBe(response.headers['apigw-requestid']);
    expect(event.requestContext.time).toMatch(
      /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/,
    );
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(context.functionName).toBe('echo');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5000);
  });

  it('selects routes like API Gateway: literal, then {param}, then {proxy+}', async () => {
    await fetch(`${stack.apiUrl}/items/special`);
    expect(last().event.routeKey).toBe('GET /items/special');
    expect(last().event.pathParameters).toBeUndefined();

    await fetch(`${stack.apiUrl}/items/other`);
    expect(last().event.routeKey).toBe('GET /items/{id}');

    await fetch(`${stack.apiUrl}/deep/down/there%2Fhere`);
    expect(last().event.routeKey).toBe('GET /{proxy+}');
    expect(last().event.pathParameters).toEqual({ proxy: 'deep/down/there/here' });

    await fetch(`${stack.apiUrl}/items/a/b`);
    expect(last().event.routeKey).toBe('GET /{proxy+}');
  });

  it('answers unmatched routes and methods with API Gateway 404 without invoking', async () => {
    const before = echoInvocations;
    for (const [method, path] of [
      ['GET', '/'], // {proxy+} needs at least one segment
      ['DELETE', '/items/x'],
      ['PATCH', '/anything'],
    ] as const) {
      const response = await fetch(`${stack.apiUrl}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
    expect(echoInvocations).toBe(before);
  });

  it('passes text bodies as utf8 and binary bodies base64-encoded', async () => {
    await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'ünïcode' }),
    });
    expect(last().event.isBase64Encoded).toBe(false);
    expect(last().event.body).toBe('{"name":"ünïcode"}');

    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/car' },
      body: bytes,
    });
    expect(last().event.isBase64Encoded).toBe(true);
    expect(Buffer.from(last().event.body ?? '', 'base64').equals(bytes)).toBe(true);

    // No content type at all: API Gateway cannot know it is text, so it is base64 too.
    await rawRequest(stack.apiUrl, { method: 'POST', path: '/upload', body: Buffer.from('hi') });
    expect(last().event.isBase64Encoded).toBe(true);
    expect(last().event.body).toBe(Buffer.from('hi').toString('base64'));
  });

  it('maps structured results, cookies and base64 bodies back to HTTP', async () => {
    const binary = await rawRequest(stack.apiUrl, { method: 'GET', path: '/shaped/binary' });
    expect(binary.status).toBe(201);
    expect(binary.headers['content-type']).toBe('application/octet-stream');
    expect(binary.headers['x-extra']).toBe('7');
    expect(binary.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect([...binary.body]).toEqual([0, 1, 2, 254, 255]);

    const object = await fetch(`${stack.apiUrl}/shaped/object`);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('application/json');
    expect(await object.json()).toEqual({ hello: 'world' });

    const text = await fetch(`${stack.apiUrl}/shaped/string`);
    expect(await text.text()).toBe('plain');

    const empty = await fetch(`${stack.apiUrl}/shaped/none`);
    expect(empty.status).toBe(204);

    const malformed = await fetch(`${stack.apiUrl}/shaped/bad-status`);
    expect(malformed.status).toBe(500);
    expect(await malformed.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('rejects an event over the 6 MB invoke limit with 413, without invoking', async () => {
    const before = echoInvocations;
    // 4.8 MB of binary becomes 6.4 MB of base64: over Lambda's limit, under API Gateway's.
    const response = await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4_800_000, 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      ok: false,
      error: { code: 'ERROR_PAYLOAD_TOO_LARGE', message: expect.stringMatching(/4800000 bytes/) },
    });
    expect(echoInvocations).toBe(before);

    // Just under the limit still goes through.
    const fits = await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(4_600_000, 1),
    });
    expect(fits.status).toBe(200);
    expect(echoInvocations).toBe(before + 1);
  });

  it("refuses a request line and headers over API Gateway's 10,240 bytes with 431 and the envelope", async () => {
    const before = echoInvocations;
    const over = await rawRequest(stack.apiUrl, {
      method: 'GET',
      path: '/version',
      headers: { 'x-padding': 'p'.repeat(10_300) },
    });
    expect(over.status).toBe(431);
    expect(JSON.parse(over.body.toString())).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', message: expect.stringMatching(/at most 10240 bytes/) },
    });
    // Past what the local server parses at all (100 KB): the same envelope, not an empty 431.
    const huge = await rawRequest(stack.apiUrl, {
      method: 'GET',
      path: '/version',
      headers: { 'x-padding': 'p'.repeat(100_000) },
    });
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.body.toString())).toMatchObject({
      ok: false,
      error: { code: 'HTTP_ERROR', message: expect.stringMatching(/at most 10240 bytes/) },
    });
    expect(echoInvocations).toBe(before);
    // Headers within the limit still go through.
    const fits = await rawRequest(stack.apiUrl, {
      method: 'GET',
      path: '/version',
      headers: { 'x-padding': 'p'.repeat(9_000) },
    });
    expect(fits.status).toBe(200);
  });

  it('rejects a request over 10 MiB before reading it', async () => {
    const response = await rawRequest(stack.apiUrl, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-length': String(11 * 1024 * 1024) },
      body: Buffer.alloc(1024),
      endBody: false,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      ok: false,
      error: { code: 'ERROR_PAYLOAD_TOO_LARGE', message: expect.stringMatching(/11534336 bytes/) },
    });

    const asked = await rawRequest(stack.apiUrl, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-length': String(11 * 1024 * 1024), expect: '100-continue' },
      endBody: false,
    });
    expect(asked.status).toBe(413);
  });

  it('answers 500 like API Gateway when a handler throws, and logs the error', async () => {
    const response = await fetch(`${stack.apiUrl}/boom`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(
      recorder.errors.some((line) => line.startsWith('boom ') && line.includes('failed')),
    ).toBe(true);
  });

  it('answers 500 when a handler outlives its timeout', async () => {
    const started = Date.now();
    const response = await fetch(`${stack.apiUrl}/slow`);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(500);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2500);
    expect(last().context.getRemainingTimeInMillis()).toBe(0);
    expect(recorder.errors.some((line) => line.includes('timed out'))).toBe(true);
  });

  it('logs one line per request', () => {
    expect(recorder.lines.some((line) => /^GET \/boom 500 \d+ms$/.test(line))).toBe(true);
    expect(recorder.lines.some((line) => /^GET \/items\/special 200 \d+ms$/.test(line))).toBe(true);
  });

  it('serves concurrent requests from one warm handler', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fetch(`${stack.apiUrl}/items/${i}`)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
  });
});

describe('local stack lifecycle', () => {
  it('writes stack.json for other processes, sets the env and removes it on stop', async () => {
    const dataDir = await tempDir();
    try {
      const stack = await startLocalStack({
        dataDir,
        port: 0,
        persist: false,
        functions: [],
        log: new Recorder().logger,
        env: {},
      });
      const file = await readLocalStack(dataDir);
      expect(file).toEqual({
        pid: process.pid,
        apiUrl: stack.apiUrl,
        region: 'us-east-1',
        env: stack.env,
      });
      expect(stack.env).toMatchObject({
        TABLE_NAME: 'pinstack-local-table',
        STAGING_BUCKET: 'pinstack-local-staging',
        CARPARK_BUCKET: 'pinstack-local-carpark',
        AWS_REGION: 'us-east-1',
      });
      expect(stack.env.INGEST_QUEUE_URL).toMatch(/\/pinstack-local-ingest$/);
      expect(stack.env.PIN_QUEUE_URL).toMatch(/\/pinstack-local-pin$/);
      expect(process.env.TABLE_NAME).toBe('pinstack-local-table');
      expect(process.env.PINSTACK_S3_ENDPOINT).toBe(stack.env.PINSTACK_S3_ENDPOINT);

      await expect(
        startLocalStack({ dataDir, port: 0, persist: false, functions: [], env: {} }),
      ).rejects.toThrow(`a local stack is already running in ${dataDir}`);

      await stack.stop();
      await expect(stat(join(dataDir, 'stack.json'))).rejects.toThrow(/ENOENT/);
      await expect(readLocalStack(dataDir)).rejects.toThrow(
        `no local stack running in ${dataDir}: start it with npm start`,
      );
      expect(process.env.PINSTACK_S3_ENDPOINT).toBeUndefined();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('treats a stack.json whose process is gone as no stack', async () => {
    const dataDir = await tempDir();
    try {
      const stack = await startLocalStack({
        dataDir,
        port: 0,
        persist: false,
        functions: [],
        env: {},
      });
      const file = await readLocalStack(dataDir);
      await stack.stop();
      const { writeStackFile } = await import('../../local/stack-file.ts');
      await writeStackFile(dataDir, { ...file, pid: 2 ** 22 + 12345 });
      await expect(readLocalStack(dataDir)).rejects.toThrow(/no local stack running in .*is gone/);
      // A stale file does not block a new start.
      const again = await startLocalStack({
        dataDir,
        port: 0,
        persist: false,
        functions: [],
        env: {},
      });
      await again.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps table items, objects and messages across a restart on the same data dir', async () => {
    const dataDir = await tempDir();
    const options = { dataDir, port: 0, functions: [], env: {}, schedules: false } as const;
    try {
      const first = await startLocalStack(options);
      const clients = clientsFor(first);
      await clients.dynamo.send(
        new PutItemCommand({
          TableName: first.env.TABLE_NAME,
          Item: { pk: { S: 'USER#1' }, sk: { S: 'PROFILE' }, name: { S: 'Ada' } },
        }),
      );
      await clients.s3.send(
        new PutObjectCommand({ Bucket: first.env.CARPARK_BUCKET, Key: 'x/y.car', Body: 'car!' }),
      );
      await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: first.env.PIN_QUEUE_URL, MessageBody: 'pin me' }),
      );
      clients.destroy();
      await first.stop();

      const second = await startLocalStack(options);
      const again = clientsFor(second);
      try {
        const item = await again.dynamo.send(
          new GetItemCommand({
            TableName: second.env.TABLE_NAME,
            Key: { pk: { S: 'USER#1' }, sk: { S: 'PROFILE' } },
          }),
        );
        expect(item.Item?.name?.S).toBe('Ada');
        const object = await again.s3.send(
          new GetObjectCommand({ Bucket: second.env.CARPARK_BUCKET, Key: 'x/y.car' }),
        );
        expect(await object.Body?.transformToString()).toBe('car!');
        const received = await again.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: second.env.PIN_QUEUE_URL, WaitTimeSeconds: 1 }),
        );
        expect(received.Messages?.map((m) => m.Body)).toEqual(['pin me']);
      } finally {
        again.destroy();
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('uses endpoints and names given by env instead of starting emulators', async () => {
    const dataDir = await tempDir();
    const services = await startEmulators();
    const recorder = new Recorder();
    const env = {
      PINSTACK_DYNAMODB_ENDPOINT: services.dynamodbEndpoint,
      PINSTACK_S3_ENDPOINT: services.s3Endpoint,
      PINSTACK_SQS_ENDPOINT: services.sqsEndpoint,
      TABLE_NAME: 'custom-table',
      STAGING_BUCKET: 'custom-staging',
      INGEST_QUEUE_URL: 'http://sqs.example/000000000000/custom-ingest',
      AWS_REGION: 'eu-west-1',
    };
    const options = { dataDir, port: 0, functions: [], env, log: recorder.logger } as const;
    try {
      const stack = await startLocalStack(options);
      await stack.stop();
      // Idempotent: a second start finds everything in place.
      const again = await startLocalStack(options);
      const clients = clientsFor(again);
      try {
        expect(again.env).toMatchObject({
          PINSTACK_DYNAMODB_ENDPOINT: services.dynamodbEndpoint,
          PINSTACK_S3_ENDPOINT: services.s3Endpoint,
          PINSTACK_SQS_ENDPOINT: services.sqsEndpoint,
          TABLE_NAME: 'custom-table',
          STAGING_BUCKET: 'custom-staging',
          CARPARK_BUCKET: 'pinstack-local-carpark',
          AWS_REGION: 'eu-west-1',
        });
        expect(again.env.INGEST_QUEUE_URL).toMatch(/\/custom-ingest$/);
        expect(again.queues.ingestQueue.arn).toBe(
          'arn:aws:sqs:eu-west-1:000000000000:custom-ingest',
        );
        await clients.dynamo.send(
          new PutItemCommand({
            TableName: 'custom-table',
            Item: { pk: { S: 'a' }, sk: { S: 'b' } },
          }),
        );
        await clients.s3.send(
          new PutObjectCommand({ Bucket: 'custom-staging', Key: 'k', Body: 'v' }),
        );
        // dynalite has no TTL API: a warning, not a failed start.
        expect(recorder.errors).toContain(
          'could not enable TTL on custom-table; expired items will stay',
        );
        // Nothing was started under the data dir: the given services hold the state (the
        // provider's key is the stack's own identity, kept beside stack.json).
        expect((await readdir(dataDir)).sort()).toEqual(['provider.key', 'stack.json']);
      } finally {
        clients.destroy();
        await again.stop();
      }
    } finally {
      await services.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('loads handler modules from lambdas/handlers/<name>.ts after setting the env', async () => {
    const dataDir = await tempDir();
    const recorder = new Recorder();
    const loadHandler = moduleHandlerLoader(
      new URL('../support/local-stack-fixture/', import.meta.url),
    );
    const stack = await startLocalStack({
      dataDir,
      port: 0,
      persist: false,
      env: {},
      log: recorder.logger,
      loadHandler,
      functions: [
        spec('hello', { triggers: [{ kind: 'http', method: 'GET', path: '/hello' }] }),
        spec('no-export', { triggers: [{ kind: 'http', method: 'GET', path: '/broken' }] }),
        spec('missing', { triggers: [{ kind: 'http', method: 'GET', path: '/missing' }] }),
      ],
    });
    try {
      const hello = await fetch(`${stack.apiUrl}/hello`);
      expect(await hello.json()).toEqual({ hello: 'world', tableAtLoad: 'pinstack-local-table' });
      expect((await fetch(`${stack.apiUrl}/broken`)).status).toBe(500);
      expect((await fetch(`${stack.apiUrl}/missing`)).status).toBe(500);
      expect(recorder.errors.some((line) => line.startsWith('no-export'))).toBe(true);
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('schedules and pinstack run', () => {
  it('fires each schedule at its rate, never overlapping, surviving failures', async () => {
    const dataDir = await tempDir();
    const runs: { start: number; end: number; event: ScheduledEvent }[] = [];
    let active = 0;
    let maxActive = 0;
    let failures = 0;
    const startedAt = Date.now();
    const recorder = new Recorder();
    const stack = await startLocalStack({
      dataDir,
      port: 0,
      persist: false,
      env: {},
      log: recorder.logger,
      functions: [
        // 300 ms period, 500 ms runs: ticks that fall inside a run are skipped.
        spec('tick', { triggers: [{ kind: 'schedule', name: 'tick', rateMinutes: 0.005 }] }),
        spec('flaky', { triggers: [{ kind: 'schedule', name: 'flaky', rateMinutes: 0.005 }] }),
      ],
      loadHandler: (fn) =>
        fn.name === 'tick'
          ? async (event: ScheduledEvent) => {
              const start = Date.now();
              active++;
              maxActive = Math.max(maxActive, active);
              await new Promise((resolve) => setTimeout(resolve, 500));
              active--;
              runs.push({ start, end: Date.now(), event });
            }
          : () => {
              failures++;
              throw new Error('flaky schedule');
            },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 2100));
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(maxActive).toBe(1);
    expect((runs[0]?.start ?? 0) - startedAt).toBeGreaterThanOrEqual(250);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]?.start).toBeGreaterThanOrEqual(runs[i - 1]?.end ?? Infinity);
    }
    expect(runs[0]?.event).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      region: 'us-east-1',
      resources: ['arn:aws:scheduler:us-east-1:000000000000:schedule/default/tick'],
      detail: {},
    });
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(recorder.errors.filter((line) => line.startsWith('flaky')).length).toBe(failures);
  });

  it('runs a job once against the running stack, with its env and a scheduler event', async () => {
    const dataDir = await tempDir();
    const functions = [
      spec('reporter', { triggers: [{ kind: 'schedule', name: 'report', rateMinutes: 60 }] }),
      spec('failing', { triggers: [{ kind: 'schedule', name: 'fail', rateMinutes: 60 }] }),
    ];
    const seen: { event: ScheduledEvent; table?: string }[] = [];
    const loadHandler = (fn: FunctionSpec): LambdaHandler =>
      fn.name === 'reporter'
        ? (event: ScheduledEvent) => {
            seen.push({ event, table: process.env.TABLE_NAME });
            return { checked: 3 };
          }
        : () => {
            throw new Error('chain unreachable');
          };
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);

    await expect(runJob('report', { dataDir, functions, loadHandler, print })).rejects.toThrow(
      `no local stack running in ${dataDir}`,
    );

    const stack = await startLocalStack({ dataDir, port: 0, persist: false, env: {}, functions });
    try {
      const result = await runJob('report', { dataDir, functions, loadHandler, print });
      expect(result).toMatchObject({
        job: 'report',
        functionName: 'reporter',
        value: { checked: 3 },
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.table).toBe(stack.env.TABLE_NAME);
      expect(seen[0]?.event['detail-type']).toBe('Scheduled Event');
      expect(lines).toEqual([expect.stringMatching(/^report: ok in \d+ ms \{"checked":3\}$/)]);

      await expect(runJob('fail', { dataDir, functions, loadHandler, print })).rejects.toThrow(
        /^fail failed after \d+ ms: chain unreachable$/,
      );
      await expect(runJob('nope', { dataDir, functions, loadHandler })).rejects.toThrow(
        new JobError('unknown job "nope": valid jobs are report, fail'),
      );
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('lists the catalog schedules for an unknown job', async () => {
    await expect(runJob('nope')).rejects.toThrow(
      'unknown job "nope": valid jobs are ipni-announce, pin-status, scraper',
    );
  });
});

function clientsFor(stack: LocalStack) {
  const region = stack.region;
  const dynamo = new DynamoDBClient({ region, endpoint: stack.env.PINSTACK_DYNAMODB_ENDPOINT });
  const s3 = new S3Client({
    region,
    endpoint: stack.env.PINSTACK_S3_ENDPOINT,
    forcePathStyle: true,
  });
  const sqs = new SQSClient({ region, endpoint: stack.env.PINSTACK_SQS_ENDPOINT });
  return {
    dynamo,
    s3,
    sqs,
    destroy() {
      dynamo.destroy();
      s3.destroy();
      sqs.destroy();
    },
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain node:http request: repeated headers, no content type, or a body left unfinished. */
function rawRequest(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string | string[]>;
    body?: Buffer;
    endBody?: boolean;
  },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body) req.write(options.body);
    if (options.endBody !== false) req.end();
  });
}
