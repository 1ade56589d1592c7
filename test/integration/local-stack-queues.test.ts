/**
 * The local stack's SQS event source mappings and S3 -> SQS notifications, with test consumers:
 * partial batch failures, redrive to the DLQ, and ObjectCreated events for every way an object
 * can be created, including an external client uploading to a presigned URL.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Event, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LambdaHandler, Logger } from '../../local/lambda.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import type { FunctionSpec } from '../../system/functions.ts';

const consumer = (name: string, queue: 'ingestQueue' | 'pinQueue'): FunctionSpec => ({
  name,
  description: `test consumer of ${queue}`,
  memoryMB: 128,
  timeoutSeconds: 2,
  bindings: {},
  triggers: [{ kind: 'queue', queue, batchSize: 10, maxBatchingWindowSeconds: 0 }],
});

const quiet: Logger = { info() {}, error() {} };

describe('local stack queues and notifications', () => {
  let stack: LocalStack;
  let dataDir: string;
  let sqs: SQSClient;
  let s3: S3Client;
  /** Every batch each consumer was invoked with. */
  const batches: Record<string, SQSRecord[][]> = { pin: [], ingest: [] };
  const bodiesSeen = (name: string) => batches[name]?.flat().map((r) => r.body) ?? [];

  /** Decides per message from its body: ok, fail-once, always-fail, throw-once. */
  const pinConsumer = (event: SQSEvent): SQSBatchResponse => {
    batches.pin?.push(event.Records);
    const firstTry = (r: SQSRecord) => r.attributes.ApproximateReceiveCount === '1';
    if (event.Records.some((r) => r.body.startsWith('throw-once') && firstTry(r))) {
      throw new Error('the whole batch fails');
    }
    const failed = event.Records.filter(
      (r) => r.body.startsWith('always-fail') || (r.body.startsWith('fail-once') && firstTry(r)),
    );
    return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
  };
  const ingestConsumer = (event: SQSEvent) => {
    batches.ingest?.push(event.Records);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pinstack-local-queues-'));
    stack = await startLocalStack({
      dataDir,
      port: 0,
      persist: false,
      env: {},
      log: quiet,
      visibilityTimeoutSeconds: 1,
      functions: [consumer('pin', 'pinQueue'), consumer('ingest', 'ingestQueue')],
      loadHandler: (fn) => (fn.name === 'pin' ? pinConsumer : ingestConsumer) as LambdaHandler,
    });
    sqs = new SQSClient({ region: stack.region, endpoint: stack.env.PINSTACK_SQS_ENDPOINT });
    s3 = new S3Client({
      region: stack.region,
      endpoint: stack.env.PINSTACK_S3_ENDPOINT,
      forcePathStyle: true,
    });
  });

  afterAll(async () => {
    sqs?.destroy();
    s3?.destroy();
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    for (const list of Object.values(batches)) list.length = 0;
  });

  const sendBatch = (queueUrl: string, bodies: string[]) =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );

  const drainDlq = async (queueUrl: string) => {
    const bodies: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) return bodies;
      bodies.push(...Messages.map((m) => m.Body ?? ''));
    }
  };

  const queueDepth = async (queueUrl: string) => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  };

  it('delivers real SQS events and deletes the messages that succeeded', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.PIN_QUEUE_URL,
        MessageBody: 'ok-attrs',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'pin' } },
      }),
    );
    await stack.idle();
    const record = batches.pin?.flat().find((r) => r.body === 'ok-attrs');
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: stack.queues.pinQueue.arn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
      messageAttributes: {
        kind: {
          stringValue: 'pin',
          dataType: 'String',
          stringListValues: [],
          binaryListValues: [],
        },
      },
    });
    expect(record?.messageId).toMatch(/.+/);
    expect(record?.receiptHandle).toMatch(/.+/);
    expect(Number(record?.attributes.SentTimestamp)).toBeGreaterThan(0);
    expect(await queueDepth(stack.env.PIN_QUEUE_URL)).toBe(0);
    expect(bodiesSeen('pin')).toEqual(['ok-attrs']);
  });

  it('re-delivers only the reported batch item failures', async () => {
    await sendBatch(stack.env.PIN_QUEUE_URL, ['ok-1', 'ok-2', 'fail-once-3']);
    await stack.idle();
    const seen = bodiesSeen('pin');
    expect(seen.filter((b) => b === 'ok-1')).toHaveLength(1);
    expect(seen.filter((b) => b === 'ok-2')).toHaveLength(1);
    expect(seen.filter((b) => b === 'fail-once-3')).toHaveLength(2);
    const retry = batches.pin?.flat().filter((r) => r.body === 'fail-once-3');
    expect(retry?.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(await drainDlq(stack.queues.pinQueue.dlq.url)).toEqual([]);
  });

  it('re-delivers the whole batch when the handler throws', async () => {
    await sendBatch(stack.env.PIN_QUEUE_URL, ['throw-once-a', 'ok-b']);
    await stack.idle();
    const first = batches.pin?.[0]?.map((r) => r.body).sort();
    expect(first).toEqual(['ok-b', 'throw-once-a']);
    expect(bodiesSeen('pin').filter((b) => b === 'ok-b')).toHaveLength(2);
    expect(await queueDepth(stack.env.PIN_QUEUE_URL)).toBe(0);
  });

  it('moves a message that failed maxReceiveCount (3) times to the DLQ', async () => {
    await sendBatch(stack.env.PIN_QUEUE_URL, ['always-fail-x', 'ok-y']);
    // Not idle while the failed message waits out its visibility timeout.
    await expect(stack.idle({ timeoutMs: 200 })).rejects.toThrow(
      /not idle after 200ms: .*pinstack-local-pin: 0 ready, 1 in flight/,
    );
    await stack.idle();
    expect(bodiesSeen('pin').filter((b) => b === 'always-fail-x')).toHaveLength(3);
    expect(bodiesSeen('pin').filter((b) => b === 'ok-y')).toHaveLength(1);
    expect(await drainDlq(stack.queues.pinQueue.dlq.url)).toEqual(['always-fail-x']);
    expect(await queueDepth(stack.env.PIN_QUEUE_URL)).toBe(0);
  });

  const s3Events = () =>
    bodiesSeen('ingest').flatMap((body) => (JSON.parse(body) as S3Event).Records);

  it('turns a Put under the notified prefix into an S3 event on the ingest queue', async () => {
    const key = 'cars/a b(1)+é.car';
    await s3.send(
      new PutObjectCommand({ Bucket: stack.env.STAGING_BUCKET, Key: key, Body: 'car' }),
    );
    await stack.idle();
    const [record, ...rest] = s3Events();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: {
          name: stack.env.STAGING_BUCKET,
          arn: `arn:aws:s3:::${stack.env.STAGING_BUCKET}`,
        },
        object: {
          key: 'cars/a+b%281%29%2B%C3%A9.car',
          size: 3,
          // S3's ETag of a single-part object is its MD5, reported without quotes.
          eTag: createHash('md5').update('car').digest('hex'),
        },
      },
    });
    expect(Date.parse(record?.eventTime ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(decodeURIComponent((record?.s3.object.key ?? '').replace(/\+/g, ' '))).toBe(key);
  });

  it('sends nothing for objects outside the prefix or in other buckets', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: stack.env.STAGING_BUCKET, Key: 'other/x.car', Body: 'x' }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: stack.env.CARPARK_BUCKET, Key: 'cars/x.car', Body: 'x' }),
    );
    await s3.send(new GetObjectCommand({ Bucket: stack.env.STAGING_BUCKET, Key: 'other/x.car' }));
    await stack.idle();
    expect(s3Events()).toEqual([]);
  });

  it('notifies uploads by external clients to a presigned URL', async () => {
    const url = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: stack.env.STAGING_BUCKET, Key: 'cars/presigned.car' }),
      { expiresIn: 60 },
    );
    expect(url.startsWith(stack.env.PINSTACK_S3_ENDPOINT)).toBe(true);
    const body = Buffer.alloc(70_000, 7);
    const response = await fetch(url, { method: 'PUT', body });
    expect(response.status).toBe(200);
    await stack.idle();
    expect(s3Events()).toMatchObject([
      {
        eventName: 'ObjectCreated:Put',
        s3: { object: { key: 'cars/presigned.car', size: 70_000 } },
      },
    ]);
  });

  it('notifies copies, multipart completions and browser POST uploads', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: stack.env.CARPARK_BUCKET, Key: 'src.car', Body: 'source' }),
    );
    await s3.send(
      new CopyObjectCommand({
        Bucket: stack.env.STAGING_BUCKET,
        Key: 'cars/copied.car',
        CopySource: `${stack.env.CARPARK_BUCKET}/src.car`,
      }),
    );

    const multipartKey = 'cars/multipart.car';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: stack.env.STAGING_BUCKET, Key: multipartKey }),
    );
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(1000, 2)];
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const { ETag } = await s3.send(
        new UploadPartCommand({
          Bucket: stack.env.STAGING_BUCKET,
          Key: multipartKey,
          UploadId,
          PartNumber: index + 1,
          Body: part,
        }),
      );
      etags.push(ETag ?? '');
    }
    await stack.idle();
    expect(s3Events().map((r) => r.eventName)).toEqual(['ObjectCreated:Copy']);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: stack.env.STAGING_BUCKET,
        Key: multipartKey,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );

    const form = new FormData();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal key placeholder
    form.append('key', 'cars/${filename}');
    form.append('Content-Type', 'application/vnd.ipld.car');
    form.append('file', new Blob([Buffer.from('posted')]), 'form.car');
    const posted = await fetch(`${stack.env.PINSTACK_S3_ENDPOINT}/${stack.env.STAGING_BUCKET}`, {
      method: 'POST',
      body: form,
    });
    expect(posted.status).toBe(204);
    await stack.idle();

    const events = s3Events().map((r) => [r.eventName, r.s3.object.key, r.s3.object.size]);
    expect(events).toEqual([
      ['ObjectCreated:Copy', 'cars/copied.car', 6],
      ['ObjectCreated:CompleteMultipartUpload', multipartKey, 5 * 1024 * 1024 + 1000],
      ['ObjectCreated:Post', 'cars/form.car', 6],
    ]);
    const multipart = s3Events().find((r) => r.eventName.endsWith('CompleteMultipartUpload'));
    expect(multipart?.s3.object.eTag).toMatch(/^[0-9a-f]{32}-2$/);
  });

  it('sends nothing when an upload fails', async () => {
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: stack.env.STAGING_BUCKET, Key: 'cars/bad.car' }),
    );
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: stack.env.STAGING_BUCKET,
          Key: 'cars/bad.car',
          UploadId,
          MultipartUpload: { Parts: [{ ETag: '"nope"', PartNumber: 1 }] },
        }),
      ),
    ).rejects.toThrow();
    await stack.idle();
    expect(s3Events()).toEqual([]);
  });

  it('streams large objects through the S3 endpoint unchanged', async () => {
    const body = Buffer.alloc(9 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
    await s3.send(
      new PutObjectCommand({ Bucket: stack.env.CARPARK_BUCKET, Key: 'big', Body: body }),
    );
    const object = await s3.send(
      new GetObjectCommand({ Bucket: stack.env.CARPARK_BUCKET, Key: 'big' }),
    );
    const read = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expect(read.equals(body)).toBe(true);
  });
});
