import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3BlobStore } from '../../lambdas/adapters/s3/blob-store.ts';
import { s3StagingArea } from '../../lambdas/adapters/s3/staging.ts';
import { type AwsClients, createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { type Emulators, startEmulators } from '../../local/emulators.ts';
import { Activity, silentLogger } from '../../local/lambda.ts';
import { type S3NotificationProxy, startS3NotificationProxy } from '../../local/notifications.ts';
import { FakeBlobStore, FakeStagingArea } from '../support/fakes.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { stagingAreaContract } from './staging.contract.ts';

stagingAreaContract('in-memory fake', () => {
  const carpark = new FakeBlobStore();
  const staging = new FakeStagingArea(carpark);
  return {
    staging,
    carpark,
    async send(request, bytes) {
      const url = new URL(request.url);
      const key = decodeURIComponent(url.pathname.slice(1));
      const uploadId = url.searchParams.get('uploadId');
      if (!uploadId) {
        await staging.put(key, bytes);
        return '';
      }
      return staging.uploadPart(uploadId, Number(url.searchParams.get('partNumber')), bytes);
    },
  };
});

let emulators: Emulators;
let proxy: S3NotificationProxy;
let clients: AwsClients;
let buckets = 0;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  emulators = await startEmulators();
  clients = createClients(loadConfig({ AWS_REGION: 'us-east-1' }));
  proxy = await startS3NotificationProxy({
    upstream: emulators.s3Endpoint,
    targets: [],
    sqs: clients.sqs,
    region: 'us-east-1',
    activity: new Activity(),
    log: silentLogger,
  });
  clients.destroy();
  clients = createClients(
    loadConfig({ AWS_REGION: 'us-east-1', PINSTACK_S3_ENDPOINT: proxy.endpoint }),
  );
}, 30_000);

afterAll(async () => {
  clients?.destroy();
  await proxy?.stop();
  await emulators?.stop();
});

async function newBuckets() {
  const staging = `staging-${++buckets}`;
  const carpark = `carpark-${buckets}`;
  for (const Bucket of [staging, carpark]) {
    await clients.s3.send(new CreateBucketCommand({ Bucket }));
  }
  return { staging, carpark };
}

async function send(request: { url: string; headers: Record<string, string> }, bytes: Uint8Array) {
  const response = await fetch(request.url, {
    method: 'PUT',
    headers: request.headers,
    body: bytes,
  });
  if (!response.ok) throw new Error(`PUT answered ${response.status}: ${await response.text()}`);
  return response.headers.get('etag') ?? '';
}

stagingAreaContract('S3 adapter (emulator behind the S3 proxy)', async () => {
  const { staging, carpark } = await newBuckets();
  return {
    staging: s3StagingArea({ client: clients.s3Staging, bucket: staging, carparkBucket: carpark }),
    carpark: s3BlobStore({ client: clients.s3, bucket: carpark }),
    send,
  };
});

describe('S3 staging adapter', () => {
  it('copies an object over the single-copy limit part by part (UploadPartCopy)', async () => {
    const names = await newBuckets();
    const MiB = 1024 * 1024;
    const staging = s3StagingArea({
      client: clients.s3Staging,
      bucket: names.staging,
      carparkBucket: names.carpark,
      singleCopyMaxBytes: 6 * MiB,
      copyPartBytes: 5 * MiB,
    });
    const bytes = seededBytes(10 * MiB + 17, 9);
    const key = 'cars/00000000-0000-4000-8000-000000000009.car';
    await send(await staging.presignPut({ key, size: bytes.length, expiresInSeconds: 60 }), bytes);
    await staging.copyToCarpark(key, 'big/big.car', bytes.length);
    const copied = await s3BlobStore({ client: clients.s3, bucket: names.carpark }).get(
      'big/big.car',
    );
    expect(Buffer.from(copied ?? []).equals(bytes)).toBe(true);
  });

  it('signs no checksum of an empty body into the URL', async () => {
    const names = await newBuckets();
    const staging = s3StagingArea({ client: clients.s3Staging, bucket: names.staging });
    const put = await staging.presignPut({ key: 'cars/x.car', size: 10, expiresInSeconds: 60 });
    expect(put.url).not.toMatch(/x-amz-checksum-crc32|x-amz-sdk-checksum-algorithm/i);
    const part = await staging.presignPart({
      key: 'cars/x.car',
      uploadId: 'u',
      partNumber: 1,
      size: 10,
      expiresInSeconds: 60,
    });
    expect(part.url).not.toMatch(/x-amz-checksum-crc32|x-amz-sdk-checksum-algorithm/i);
  });
});
