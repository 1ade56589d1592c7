/**
 * IPFS gateway benchmarks against the local stack running in its own process, with content
 * uploaded through its API and indexed by its indexer:
 * - a 256 MiB DAG (uploaded as 4 MiB CAR chunks, as the nft.storage client sends it) streamed
 *   as `?format=car` by the gateway handler, in MB/s, next to plain S3 GETs of the CARs that hold
 *   it from the same emulator (the handler runs in this process with a Lambda response stream:
 *   a 256 MiB response is over what a Function URL streams, locally and on AWS);
 * - p50/p99 of a 1 KiB file, deserialized, through the gateway's Function URL under 50
 *   concurrent requests, next to one DynamoDB GetItem plus one S3 GET of a small object;
 * - p99 of a 256 KiB raw block (`?format=raw`) under the same load, next to an S3 ranged GET of
 *   the same bytes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CarBlockIterator } from '@ipld/car/iterator';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import type { CID } from 'multiformats/cid';
import { dynamoBlockIndexStore } from '../lambdas/adapters/dynamodb/blocks.ts';
import { keys } from '../lambdas/codecs/keys.ts';
import { blockIndexKey } from '../lambdas/core/block-index.ts';
import type { Block } from '../lambdas/core/ipfs/block.ts';
import { carCid, encodeCar, packFile } from '../lambdas/core/ipfs/index.ts';
import { createToken } from '../lambdas/core/tokens.ts';
import { carparkKey } from '../lambdas/core/uploads.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig, resource } from '../lambdas/shared/config.ts';
import { identityPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { installAwsLambdaGlobal, LambdaResponseStream } from '../local/lambda.ts';
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
import { type RunningStack, startStackProcess } from './stack-process.ts';

const DAG_BYTES = 256 * 1024 * 1024;
/** Leaves per uploaded CAR chunk: 15 x 256 KiB stays under the 4 MiB inline limit. */
const LEAVES_PER_CHUNK = 15;
const LOAD = { concurrency: 50, perWorker: 20 };
const CAR_ITERATIONS = 5;

type Clients = ReturnType<typeof createClients>;

async function post(stack: RunningStack, token: string, body: Uint8Array, type?: string) {
  const response = await fetch(`${stack.apiUrl}/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
    body,
  });
  const json = (await response.json()) as { value?: { cid: string }; error?: unknown };
  if (!json.value) throw new Error(`upload failed: ${JSON.stringify(json.error)}`);
  return json.value.cid;
}

/** The DAG as the nft.storage client splits it: chunks of leaves, each with the root block. */
async function uploadChunkedDag(stack: RunningStack, token: string) {
  const packed = await packFile(randomBytes(DAG_BYTES));
  if (!packed.ok) throw new Error(packed.error.message);
  const [rootBlock, ...rest] = packed.value.blocks as [Block, ...Block[]];
  const carKeys: string[] = [];
  for (let at = 0; at < rest.length; ) {
    const chunk: Block[] = [rootBlock];
    let leaves = 0;
    while (at < rest.length && leaves < LEAVES_PER_CHUNK) {
      const block = rest[at++] as Block;
      chunk.push(block);
      if (block.cid.code === 0x55) leaves++;
    }
    const car = await encodeCar(packed.value.root, chunk);
    await post(stack, token, car, 'application/car');
    carKeys.push((await carCid(car)).toString());
  }
  return { root: packed.value.root, leaf: rest.find((b) => b.cid.code === 0x55) as Block, carKeys };
}

/** Waits until the indexer has written every CAR's block index (its last step). */
async function indexed(clients: Clients, bucket: string, cars: string[]) {
  const deadline = Date.now() + 10 * 60_000;
  for (const car of cars) {
    for (;;) {
      try {
        await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: blockIndexKey(car) }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`CAR ${car} was never indexed`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }
}

async function drain(body: unknown): Promise<number> {
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  return bytes;
}

type StreamingHandler = (
  event: LambdaFunctionURLEvent,
  stream: LambdaResponseStream,
  context: Context,
) => Promise<void>;

/** Invokes the gateway handler as a Function URL does; resolves to the body it streamed. */
async function invokeGateway(handler: StreamingHandler, path: string, keep = false) {
  const [rawPath = path, rawQueryString = ''] = path.split('?');
  let prelude = '';
  let inBody = false;
  let bytes = 0;
  const kept: Uint8Array[] = [];
  const stream = new LambdaResponseStream({
    start() {},
    async write(chunk) {
      if (inBody) {
        bytes += chunk.byteLength;
        if (keep) kept.push(chunk);
      } else if (chunk.byteLength === 8 && chunk.every((b) => b === 0)) inBody = true;
      else prelude += Buffer.from(chunk).toString();
    },
    end() {},
    abort(error) {
      throw error;
    },
  });
  const requestId = randomUUID();
  await handler(
    {
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString,
      headers: { accept: 'application/vnd.ipld.car' },
      isBase64Encoded: false,
      requestContext: {
        accountId: 'bench',
        apiId: 'bench',
        domainName: 'localhost',
        domainPrefix: 'localhost',
        http: {
          method: 'GET',
          path: rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'bench',
        },
        requestId,
        routeKey: '$default',
        stage: '$default',
        time: '',
        timeEpoch: Date.now(),
      },
    },
    stream,
    { awsRequestId: requestId } as Context,
  );
  await stream.finish();
  const status = (JSON.parse(prelude) as { statusCode: number }).statusCode;
  if (status !== 200) throw new Error(`gateway answered ${status} for ${path}`);
  return { bytes, body: keep ? new Uint8Array(Buffer.concat(kept)) : undefined };
}

async function carThroughput(
  clients: Clients,
  bucket: string,
  dag: { root: CID; carKeys: string[] },
): Promise<BenchRow> {
  installAwsLambdaGlobal();
  const { handler } = (await import('../lambdas/handlers/gateway.ts')) as unknown as {
    handler: StreamingHandler;
  };
  const path = `/ipfs/${dag.root}?format=car`;
  // Once, untimed: the CAR holds the whole DAG, each block once.
  const check = await invokeGateway(handler, path, true);
  let blocks = 0;
  for await (const _ of await CarBlockIterator.fromBytes(check.body as Uint8Array)) blocks++;
  const expected = Math.ceil(DAG_BYTES / 262_144) + 1 + Math.ceil(DAG_BYTES / 262_144 / 174);
  if (blocks !== expected) throw new Error(`the CAR has ${blocks} blocks, not ${expected}`);

  let carBytes = 0;
  let storedBytes = 0;
  const { task, baseline } = await measurePair(
    async () => {
      carBytes = (await invokeGateway(handler, path)).bytes;
    },
    async () => {
      storedBytes = 0;
      for (const car of dag.carKeys) {
        const object = await clients.s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: carparkKey(car) }),
        );
        storedBytes += await drain(object.Body);
      }
    },
    { warmup: 1, iterations: CAR_ITERATIONS },
  );
  return throughputRow({
    name: `256 MiB DAG as ?format=car (${dag.carKeys.length} CARs)`,
    value: megabytesPerSecond(carBytes, task.medianMs),
    unit: 'MB/s',
    baseline: {
      name: 'S3 GET of the CARs holding it',
      value: megabytesPerSecond(storedBytes, baseline.medianMs),
    },
    target: 0.7,
  });
}

async function latencyRows(input: {
  name: string;
  url: string;
  bare: () => Promise<void>;
  baselineName: string;
  target: number;
  withP50: boolean;
}): Promise<BenchRow[]> {
  const viaGateway = async () => {
    const response = await fetch(input.url);
    if (response.status !== 200) throw new Error(`${input.url}: ${response.status}`);
    await response.arrayBuffer();
  };
  // Warm both paths first (the gateway's containers learn where the block lies).
  await concurrentLatencies(viaGateway, LOAD);
  await concurrentLatencies(input.bare, LOAD);
  const gateway = await concurrentLatencies(viaGateway, LOAD);
  const bare = await concurrentLatencies(input.bare, LOAD);
  const rows: BenchRow[] = [];
  for (const p of input.withP50 ? [50, 99] : [99]) {
    rows.push(
      latencyRow({
        name: `${input.name} p${p}, ${LOAD.concurrency} concurrent`,
        value: percentile(gateway, p),
        unit: 'ms',
        baseline: { name: `${input.baselineName} p${p}`, value: percentile(bare, p) },
        ...(p === 99 ? { target: input.target } : {}),
      }),
    );
  }
  return rows;
}

async function run(): Promise<BenchRow[]> {
  const stack = await startStackProcess();
  try {
    // This process acts as the gateway Lambda for the CAR benchmark: config from the environment.
    Object.assign(process.env, stack.env);
    const config = loadConfig();
    const clients = createClients(config);
    const bucket = resource(config, 'carpark');
    const tableName = resource(config, 'table');
    const { token } = await createToken(
      { userId: 'bench', name: 'bench' },
      { ...identityPorts(config, clients), clock: systemClock },
    );

    const small = await post(stack, token, randomBytes(1024));
    const dag = await uploadChunkedDag(stack, token);
    await indexed(clients, bucket, dag.carKeys);

    const rows: BenchRow[] = [await carThroughput(clients, bucket, dag)];

    // One GetItem plus one S3 GET of a small object: what a lookup and a read cost bare.
    const smallKey = 'bench/small-object';
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: smallKey, Body: randomBytes(1024) }),
    );
    const itemKey = keys.block(dag.leaf.cid.multihash.bytes, dag.carKeys[0] as string);
    rows.push(
      ...(await latencyRows({
        name: 'GET /ipfs/<1 KiB file>',
        url: `${stack.gatewayUrl}/ipfs/${small}`,
        bare: async () => {
          await clients.dynamo.send(new GetCommand({ TableName: tableName, Key: itemKey }));
          const object = await clients.s3.send(
            new GetObjectCommand({ Bucket: bucket, Key: smallKey }),
          );
          await drain(object.Body);
        },
        baselineName: 'GetItem + S3 GET',
        target: 0.5,
        withP50: true,
      })),
    );

    const place = await dynamoBlockIndexStore({ client: clients.dynamo, tableName }).locate(
      dag.leaf.cid.multihash.bytes,
    );
    if (!place) throw new Error('the leaf is not indexed');
    rows.push(
      ...(await latencyRows({
        name: 'GET /ipfs/<256 KiB block>?format=raw',
        url: `${stack.gatewayUrl}/ipfs/${dag.leaf.cid}?format=raw`,
        bare: async () => {
          const object = await clients.s3.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: carparkKey(place.carCid),
              Range: `bytes=${place.offset}-${place.offset + place.length - 1}`,
            }),
          );
          await drain(object.Body);
        },
        baselineName: 'S3 ranged GET',
        target: Number((1 / 1.5).toFixed(3)),
        withP50: true,
      })),
    );
    return rows;
  } finally {
    await stack.stop();
  }
}

export const gatewayBench: BenchModule = { name: 'gateway', run };
