/**
 * Pinning benchmarks against the local stack's emulators (in their own process, as `npm start`
 * runs them), each figure next to a baseline measured in the same run:
 * - the pin worker: pins per second for 1,000 small pins against a local provider (a Kubo RPC
 *   fixture), next to the same CARs imported straight into it in the same batches; and the
 *   DynamoDB writes it makes per pinned content, next to the one write that records a pin;
 * - pin-by-CID of a 256 MiB DAG from a local trustless gateway (its own process), in MB/s, next
 *   to a plain HTTP GET of the same CAR from that gateway followed by a multipart S3 PUT of it
 *   to the same emulator. Target: at least 0.7 of the baseline.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { kuboProvider } from '../lambdas/adapters/http/kubo.ts';
import { httpTrustlessGateway } from '../lambdas/adapters/http/trustless-gateway.ts';
import { keys } from '../lambdas/codecs/keys.ts';
import { carCid } from '../lambdas/core/ipfs/car.ts';
import { encodeCar, packFile } from '../lambdas/core/ipfs/index.ts';
import { requestPinByCid } from '../lambdas/core/pin-by-cid.ts';
import { type PinJob, processPinJobs, providerItem } from '../lambdas/core/pinning.ts';
import type { PinMessage } from '../lambdas/core/ports.ts';
import { storeUpload } from '../lambdas/core/uploads.ts';
import { createClients } from '../lambdas/shared/clients.ts';
import { loadConfig, resource } from '../lambdas/shared/config.ts';
import { blockIndex, carpark, contentPorts, systemClock } from '../lambdas/shared/wiring.ts';
import { kuboRpcFixture } from '../test/support/fixtures/kubo-rpc.ts';
import {
  type BenchModule,
  type BenchRow,
  latencyRow,
  measurePair,
  megabytesPerSecond,
  throughputRow,
} from './harness.ts';
import { startStackProcess } from './stack-process.ts';

const SMALL_PINS = 1000;
const SMALL_PIN_BYTES = 1024;
/** What the pin worker's event source hands it per invocation (the catalog's batch size). */
const BATCH = 25;
const DAG_BYTES = 256 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

const WORKER_SETTINGS = {
  IPFS_GATEWAYS: [] as string[],
  PIN_FETCH_MAX_BYTES: 1024 * 1024 * 1024,
  PIN_FETCH_TIMEOUT_SECONDS: 600,
  PIN_FETCH_RETRIES: 4,
  PIN_FAILED_GRACE_HOURS: 24,
  GATEWAY_PUBLIC_URL: undefined,
};

type Clients = ReturnType<typeof createClients>;

/** Counts the items DynamoDB writes, whatever the call (puts, updates, deletes, batches). */
function countWrites(clients: Clients) {
  const counter = { writes: 0 };
  clients.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '';
      if (/^(Put|Update|Delete)(Item)?Command$/.test(command)) counter.writes++;
      if (command === 'BatchWriteCommand' || command === 'BatchWriteItemCommand') {
        const items = (args.input as { RequestItems?: Record<string, unknown[]> }).RequestItems;
        for (const list of Object.values(items ?? {})) counter.writes += list.length;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchWriteCounter' },
  );
  return counter;
}

async function workerRows(
  config: ReturnType<typeof loadConfig>,
  clients: Clients,
): Promise<BenchRow[]> {
  const kubo = await kuboRpcFixture();
  try {
    const ports = {
      ...contentPorts(config, clients),
      carpark: carpark(config, clients),
      ingestQueue: { send: async () => {} },
      blocks: blockIndex(config, clients),
      clock: systemClock,
    };
    const provider = kuboProvider({ name: 'kubo', url: kubo.url });
    const writes = countWrites(clients);
    let perContent = 0;
    const { task, baseline } = await measurePair(
      async (cids: string[]) => {
        const before = writes.writes;
        for (let i = 0; i < cids.length; i += BATCH) {
          const jobs: PinJob[] = cids.slice(i, i + BATCH).map((cid, j) => ({
            id: `m${i + j}`,
            message: { op: 'pin', cid },
          }));
          const outcome = await processPinJobs(
            jobs,
            {
              ...ports,
              gateway: httpTrustlessGateway({ refuseLoopback: false }),
              providers: [provider],
            },
            WORKER_SETTINGS,
          );
          if (outcome.retry.size > 0 || outcome.report.pinned !== jobs.length) {
            throw new Error(`pins did not all succeed: ${JSON.stringify(outcome.report)}`);
          }
        }
        perContent = (writes.writes - before) / cids.length;
      },
      async (cids: string[]) => {
        // The provider's own pace: the same CARs, read from the carpark, in the same batches.
        for (let i = 0; i < cids.length; i += BATCH) {
          const items = cids
            .slice(i, i + BATCH)
            .map((cid) => providerItem({ cid }, ports.contents, ports.carpark));
          const answers = await provider.pin(items, []);
          if ([...answers.values()].some((a) => a.status !== 'pinned'))
            throw new Error('not pinned');
        }
      },
      {
        warmup: 0,
        iterations: 2,
        prepare: async () => {
          // Fresh content each step: 1,000 uploads, stored and queued for the provider.
          const sent: PinMessage[] = [];
          const cids: string[] = [];
          for (let n = 0; n < SMALL_PINS; n++) {
            const packed = await packFile(randomBytes(SMALL_PIN_BYTES));
            if (!packed.ok) throw new Error('pack failed');
            const bytes = await encodeCar(packed.value.root, packed.value.blocks);
            await storeUpload(
              {
                principal: { userId: 'bench', tokenId: 'benchbenchbenchb', tokenName: 'bench' },
                car: {
                  root: packed.value.root,
                  bytes,
                  carCid: await carCid(bytes),
                  dagSize: SMALL_PIN_BYTES,
                  structure: 'complete',
                },
                type: 'application/octet-stream',
                files: [],
              },
              {
                ...ports,
                pinQueue: { send: async (m: PinMessage) => void sent.push(m) },
              },
              { PIN_PROVIDERS: [{}] },
            );
            cids.push(packed.value.root.toString());
          }
          return cids;
        },
      },
    );
    const rate = (ms: number) => SMALL_PINS / (ms / 1000);
    return [
      throughputRow({
        name: `pin worker, ${SMALL_PINS} small pins`,
        value: rate(task.medianMs),
        unit: 'pins/s',
        baseline: { name: 'provider, same CARs and batches', value: rate(baseline.medianMs) },
      }),
      latencyRow({
        name: 'DynamoDB writes per pinned content',
        value: perContent,
        unit: 'writes',
        baseline: { name: 'the one write recording the pin', value: 1 },
      }),
    ];
  } finally {
    await kubo.close();
  }
}

/** The 256 MiB DAG's CAR in a file, served by its own gateway process. */
async function startGateway(dir: string) {
  const packed = await packFile(randomBytes(DAG_BYTES));
  if (!packed.ok) throw new Error('pack failed');
  const root = packed.value.root;
  const car = await encodeCar(root, packed.value.blocks);
  const file = join(dir, 'dag.car');
  await writeFile(file, car);
  const size = car.length;
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'serve-car.ts'), file, root.toString()],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
  });
  return {
    url,
    root,
    size,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function pinByCidRow(
  config: ReturnType<typeof loadConfig>,
  clients: Clients,
): Promise<BenchRow> {
  const dir = await mkdtemp(join(tmpdir(), 'pinstack-bench-dag-'));
  const gateway = await startGateway(dir);
  try {
    const ports = {
      ...contentPorts(config, clients),
      carpark: carpark(config, clients),
      pinQueue: { send: async () => {} },
      blocks: blockIndex(config, clients),
      clock: systemClock,
    };
    const cid = gateway.root.toString();
    const bucket = resource(config, 'carpark');
    let upload = 0;
    const { task, baseline } = await measurePair(
      async () => {
        const outcome = await processPinJobs(
          [{ id: 'dag', message: { op: 'pin', cid } }],
          { ...ports, gateway: httpTrustlessGateway({ refuseLoopback: false }), providers: [] },
          { ...WORKER_SETTINGS, IPFS_GATEWAYS: [gateway.url] },
        );
        if (outcome.report.fetched !== 1 || outcome.report.pinned !== 1) {
          throw new Error(`pin by CID failed: ${JSON.stringify(outcome.report)}`);
        }
      },
      async () => {
        const response = await fetch(`${gateway.url}/ipfs/${cid}?format=car`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (bytes.length !== gateway.size) throw new Error('short read');
        await multipartPut(clients, bucket, `bench/plain-${upload++}.car`, bytes);
      },
      {
        warmup: 1,
        iterations: 3,
        // Each step pins the DAG afresh: the last step's records and CAR objects go first
        // (untimed), so it writes new objects as the baseline does.
        prepare: async () => {
          const cars = await ports.contents.listCars(cid);
          for (const car of cars) {
            await ports.carpark.delete(car.key);
            await clients.dynamo.send(
              new DeleteCommand({
                TableName: resource(config, 'table'),
                Key: keys.contentCar(cid, car.carCid),
              }),
            );
          }
          await clients.dynamo.send(
            new DeleteCommand({ TableName: resource(config, 'table'), Key: keys.content(cid) }),
          );
          const requested = await requestPinByCid(ports, { userId: 'bench', cid });
          if (!requested.ok) throw new Error(requested.error.message);
        },
      },
    );
    return throughputRow({
      name: 'pin-by-CID of a 256 MiB DAG from a local trustless gateway',
      value: megabytesPerSecond(gateway.size, task.medianMs),
      unit: 'MB/s',
      baseline: {
        name: 'HTTP GET of its CAR, then a multipart S3 PUT',
        value: megabytesPerSecond(gateway.size, baseline.medianMs),
      },
      target: 0.7,
    });
  } finally {
    await gateway.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A multipart upload as @aws-sdk/lib-storage does one: 8 MiB parts, four at a time. */
async function multipartPut(clients: Clients, bucket: string, key: string, bytes: Uint8Array) {
  const { UploadId } = await clients.s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  const parts: { PartNumber: number; ETag: string | undefined }[] = [];
  const numbers = Array.from({ length: Math.ceil(bytes.length / PART_BYTES) }, (_, i) => i + 1);
  let next = 0;
  await Promise.all(
    Array.from({ length: PARTS_IN_FLIGHT }, async () => {
      while (next < numbers.length) {
        const n = numbers[next++] as number;
        const body = bytes.subarray((n - 1) * PART_BYTES, n * PART_BYTES);
        const { ETag } = await clients.s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            PartNumber: n,
            Body: body,
            ContentLength: body.length,
          }),
        );
        parts.push({ PartNumber: n, ETag });
      }
    }),
  );
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  await clients.s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function run(): Promise<BenchRow[]> {
  const stack = await startStackProcess();
  try {
    Object.assign(process.env, stack.env);
    const config = loadConfig();
    const clients = createClients(config);
    try {
      return [...(await workerRows(config, clients)), await pinByCidRow(config, clients)];
    } finally {
      clients.destroy();
    }
  } finally {
    await stack.stop();
  }
}

export const pinningBench: BenchModule = { name: 'pinning', run };
