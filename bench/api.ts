/**
 * API benchmarks against the local stack running in its own process, as `npm start` runs it:
 * - the whole POST /upload handler (file, CAR, 100-file directory) in MB/s, next to a bare S3
 *   PutObject of the same bytes to the same emulator plus SHA-256 of them;
 * - p50/p99 latency of GET /check under 50 concurrent requests, next to a bare DynamoDB
 *   GetItem of the same item on the same emulator under the same concurrency.
 * The stack serves only the functions that answer requests (bench/api-stack.ts): an upload's
 * pin, block index and IPNI work runs in other Lambdas when deployed, but would run in the
 * emulators' process here and slow both sides of the comparison.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { fromCid } from '../lambdas/codecs/cid.ts';
import { keys } from '../lambdas/codecs/keys.ts';
import { encodeCar, packFile } from '../lambdas/core/ipfs/index.ts';
import { createToken } from '../lambdas/core/tokens.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig, resource } from '../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { functions } from '../system/functions.ts';
import {
  type BenchModule,
  type BenchRow,
  concurrentLatencies,
  latencyRow,
  measurePair,
  megabytesPerSecond,
  percentile,
  throughputRow,
} from './harness.ts';
import { startStackProcess } from './stack-process.ts';
import { meter, recordUsage } from './usage.ts';

/** Runs of each operation while the usage meter counts what it costs. */
const METERED_RUNS = 5;
const memoryOf = (name: string) => functions.find((fn) => fn.name === name)?.memoryMB ?? 0;

const FILE_BYTES = 4_000_000;
const DIRECTORY_FILES = 100;
const CONCURRENCY = 50;
const REQUESTS_PER_WORKER = 20;
const ITERATIONS = 12;
const WARMUP = 2;

function uploadEvent(body: Uint8Array, contentType: string, token: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /{proxy+}',
    rawPath: '/upload',
    rawQueryString: '',
    headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/upload',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: randomBytes(8).toString('hex'),
      routeKey: 'POST /{proxy+}',
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
  };
}

function multipart(files: { name: string; content: Uint8Array }[]) {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.from(file.content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: new Uint8Array(Buffer.concat(parts)),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

async function run(): Promise<BenchRow[]> {
  const stack = await startStackProcess({ apiOnly: true });
  try {
    // This process acts as the Lambda: the handler reads its config from the environment.
    Object.assign(process.env, stack.env, { RATE_LIMIT_REQUESTS: '100000000' });
    const config = loadConfig();
    const clients = createClients(config);
    const { token } = await createToken(
      { userId: 'bench', name: 'bench' },
      { ...identityPorts(config, clients), clock: systemClock },
    );
    const { handler } = await import('../lambdas/handlers/api-write.ts');
    const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 29_000 } as Context;
    const bucket = resource(config, 'carpark');

    const rows: BenchRow[] = [];
    const bodies: Record<string, () => Promise<{ body: Uint8Array; contentType: string }>> = {
      '4 MB file': async () => ({
        body: randomBytes(FILE_BYTES),
        contentType: 'application/octet-stream',
      }),
      '4 MB CAR': async () => {
        const packed = await packFile(randomBytes(FILE_BYTES));
        if (!packed.ok) throw new Error(packed.error.message);
        return {
          body: await encodeCar(packed.value.root, packed.value.blocks),
          contentType: 'application/car',
        };
      },
      '100-file directory': async () =>
        multipart(
          Array.from({ length: DIRECTORY_FILES }, (_, i) => ({
            name: `dir/file-${i}.bin`,
            content: randomBytes(FILE_BYTES / DIRECTORY_FILES),
          })),
        ),
    };

    for (const [name, make] of Object.entries(bodies)) {
      // Fresh content every step (a repeat upload of the same bytes would do less work), made
      // untimed just before it, so the heap holds one step's data as a Lambda's would. The event
      // is built then too: API Gateway, not the handler, base64-encodes the body.
      let size = 0;
      let put = 0;
      const { task, baseline } = await measurePair(
        async ({ event }) => {
          const result = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
          if (result.statusCode !== 200) throw new Error(`upload failed: ${result.body}`);
        },
        async ({ body }) => {
          createHash('sha256').update(body).digest();
          await clients.s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: `bench/${put++}`,
              Body: body,
              ContentLength: body.length,
            }),
          );
        },
        {
          warmup: WARMUP,
          iterations: ITERATIONS,
          prepare: async () => {
            const input = await make();
            size = input.body.length;
            return { body: input.body, event: uploadEvent(input.body, input.contentType, token) };
          },
        },
      );
      // What one such upload costs, at the default log level (what a deployment writes).
      process.env.LOG_LEVEL = 'info';
      const inputs = await Promise.all(Array.from({ length: METERED_RUNS }, make));
      recordUsage(
        await meter(
          {
            operation: `POST /upload, ${name}`,
            kind: 'upload',
            function: 'api-write',
            memoryMB: memoryOf('api-write'),
            runs: METERED_RUNS,
            bytesIn: size,
          },
          async () => {
            const input = inputs.pop() as { body: Uint8Array; contentType: string };
            const result = (await handler(
              uploadEvent(input.body, input.contentType, token),
              context,
            )) as APIGatewayProxyStructuredResultV2;
            return String(result.body ?? '').length;
          },
        ),
      );
      process.env.LOG_LEVEL = 'warn';
      rows.push(
        throughputRow({
          name: `POST /upload, ${name}`,
          value: megabytesPerSecond(size, task.medianMs),
          unit: 'MB/s',
          baseline: {
            name: 'S3 PutObject + SHA-256',
            value: megabytesPerSecond(size, baseline.medianMs),
          },
          target: 0.6,
        }),
      );
    }

    // GET /check under 50 concurrent callers vs GetItem of the same item.
    const checked = await fetch(`${stack.apiUrl}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: 'benchmark check target',
    });
    const cid = ((await checked.json()) as { value: { cid: string } }).value.cid;
    const checkUrl = `${stack.apiUrl}/check/${cid}`;
    const contentKey = keys.content(fromCid((await import('multiformats/cid')).CID.parse(cid)).v1);
    const tableName = resource(config, 'table');
    const viaApi = async () => {
      const response = await fetch(checkUrl);
      if (response.status !== 200) throw new Error(`check failed: ${response.status}`);
      await response.arrayBuffer();
    };
    const bare = async () => {
      const { Item } = await clients.dynamo.send(
        new GetCommand({ TableName: tableName, Key: contentKey, ConsistentRead: true }),
      );
      if (!Item) throw new Error('content item missing');
    };
    const load = { concurrency: CONCURRENCY, perWorker: REQUESTS_PER_WORKER };
    await concurrentLatencies(viaApi, load);
    await concurrentLatencies(bare, load);
    const apiLatencies = await concurrentLatencies(viaApi, load);
    const bareLatencies = await concurrentLatencies(bare, load);
    // What one check costs, through api-public's handler in this process, metered.
    process.env.LOG_LEVEL = 'info';
    const publicHandler = (await import('../lambdas/handlers/api-public.ts')).handler;
    const checkEvent = {
      ...uploadEvent(new Uint8Array(), 'text/plain', token),
      routeKey: 'GET /check/{proxy+}',
      rawPath: `/check/${cid}`,
      headers: {},
      body: undefined,
      isBase64Encoded: false,
    };
    checkEvent.requestContext = {
      ...checkEvent.requestContext,
      http: { ...checkEvent.requestContext.http, method: 'GET', path: `/check/${cid}` },
    };
    recordUsage(
      await meter(
        {
          operation: 'GET /check/{cid}',
          kind: 'check',
          function: 'api-public',
          memoryMB: memoryOf('api-public'),
          runs: METERED_RUNS * 4,
        },
        async () => {
          const result = (await publicHandler(
            checkEvent,
            context,
          )) as APIGatewayProxyStructuredResultV2;
          if (result.statusCode !== 200) throw new Error(`check failed: ${result.body}`);
          return String(result.body ?? '').length;
        },
      ),
    );
    process.env.LOG_LEVEL = 'warn';
    for (const p of [50, 99]) {
      rows.push(
        latencyRow({
          name: `GET /check p${p}, ${CONCURRENCY} concurrent`,
          value: percentile(apiLatencies, p),
          unit: 'ms',
          baseline: { name: `DynamoDB GetItem p${p}`, value: percentile(bareLatencies, p) },
          // p99 at most 1.5x the bare GetItem: baseline / value >= 1 / 1.5.
          ...(p === 99 ? { target: Number((1 / 1.5).toFixed(3)) } : {}),
        }),
      );
    }
    return rows;
  } finally {
    await stack.stop();
  }
}

export const apiBench: BenchModule = { name: 'api', run };
