/**
 * Multipart staged uploads end to end on the local stack: parts PUT to presigned URLs over
 * HTTP, ListParts (emulated by the stack's S3 proxy) to resume, completion, the streaming
 * ingest and its copy into the carpark, aborts, expiry by the pin-status cron, and the ingest
 * dead-letter consumer.
 */
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from '../../cli/run.ts';
import { keys } from '../../lambdas/codecs/keys.ts';
import type { Block } from '../../lambdas/core/ipfs/block.ts';
import { carCid, encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { carparkKey } from '../../lambdas/core/uploads.ts';
import { createClients } from '../../lambdas/shared/clients.ts';
import { loadConfig } from '../../lambdas/shared/config.ts';
import { carpark, staging } from '../../lambdas/shared/wiring.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { craftCar, seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const MiB = 1024 * 1024;
let stack: TestStack;
let api: ReturnType<typeof apiClient>;
let clients: ReturnType<typeof createClients>;
let config: ReturnType<typeof loadConfig>;

beforeAll(async () => {
  process.env.RATE_LIMIT_REQUESTS = '100000';
  stack = await withLocalStack();
  api = apiClient(stack);
  config = loadConfig({ ...process.env, ...stack.env });
  clients = createClients(config);
});

afterAll(async () => {
  clients?.destroy();
  await stack?.stop();
});

async function carOf(length: number, seed: number) {
  const packed = await packFile(seededBytes(length, seed));
  if (!packed.ok) throw new Error(packed.error.message);
  const bytes = await encodeCar(packed.value.root, packed.value.blocks);
  return { root: packed.value.root, blocks: packed.value.blocks, bytes };
}

type PartUrl = { partNumber: number; size: number; url: string; headers: Record<string, string> };

async function start(token: string, car: Uint8Array, extra: Record<string, unknown> = {}) {
  const response = await api.post('/staged-uploads', {
    token,
    body: JSON.stringify({ size: car.byteLength, ...extra }),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status, response.text).toBe(200);
  return response.body.value as {
    id: string;
    status: string;
    upload: { method: string; partSize: number; partCount: number; parts: PartUrl[] };
  };
}

async function putPart(part: PartUrl, car: Uint8Array, partSize: number) {
  const start = (part.partNumber - 1) * partSize;
  const response = await fetch(part.url, {
    method: 'PUT',
    headers: part.headers,
    body: car.subarray(start, start + part.size),
  });
  expect(response.status).toBe(200);
  return { partNumber: part.partNumber, etag: response.headers.get('etag') ?? '' };
}

const complete = (token: string, id: string, parts: { partNumber: number; etag: string }[]) =>
  api.post(`/staged-uploads/${id}/complete`, {
    token,
    body: JSON.stringify({ parts }),
    headers: { 'content-type': 'application/json' },
  });

describe('multipart staged uploads on the local stack', () => {
  it('stores a 20 MiB CAR sent in parts, copied into the carpark under its CID', async () => {
    const { token } = await createTestToken(stack, 'mp-alice');
    const car = await carOf(20 * MiB, 1);
    const ticket = await start(token, car.bytes, { name: 'video' });
    expect(ticket).toMatchObject({ status: 'uploading', upload: { method: 'multipart' } });
    // Under the emulator's 11 MiB request limit.
    expect(ticket.upload.partSize).toBe(8 * MiB);
    expect(ticket.upload.parts).toHaveLength(3);
    const parts = await Promise.all(
      ticket.upload.parts.map((part) => putPart(part, car.bytes, ticket.upload.partSize)),
    );
    const done = await complete(token, ticket.id, parts);
    expect(done.status, done.text).toBe(200);
    expect(['validating', 'stored']).toContain(done.body.value.status);
    await stack.idle();
    const view = await api.get(`/staged-uploads/${ticket.id}`, { token });
    expect(view.body.value).toMatchObject({ status: 'stored', cid: car.root.toString() });
    const upload = await api.get(`/${car.root}`, { token });
    expect(upload.body.value).toMatchObject({ name: 'video', pin: { status: 'pinned' } });
    const carKey = carparkKey((await carCid(car.bytes)).toString());
    const stored = await carpark(config, clients).get(carKey);
    expect(stored && Buffer.from(stored).equals(car.bytes)).toBe(true);
  });

  it('lists the parts S3 has, so an interrupted upload sends only the missing ones', async () => {
    const { token } = await createTestToken(stack, 'mp-resumer');
    const car = await carOf(18 * MiB, 2);
    const ticket = await start(token, car.bytes);
    const [first, second, third] = ticket.upload.parts as [PartUrl, PartUrl, PartUrl];
    const sent = await putPart(second, car.bytes, ticket.upload.partSize);
    const partial = await api.get(`/staged-uploads/${ticket.id}`, { token });
    expect(partial.body.value).toMatchObject({
      status: 'uploading',
      partCount: 3,
      parts: [{ partNumber: 2, size: second.size, etag: sent.etag }],
    });
    // Resuming: fresh URLs for the missing parts only.
    const urls = await api.post(`/staged-uploads/${ticket.id}/parts`, {
      token,
      body: JSON.stringify({ parts: [{ partNumber: 1 }, { partNumber: 3 }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(urls.status, urls.text).toBe(200);
    const rest = await Promise.all(
      (urls.body.value.parts as PartUrl[]).map((part) =>
        putPart(part, car.bytes, ticket.upload.partSize),
      ),
    );
    expect(rest.map((p) => p.partNumber)).toEqual([first.partNumber, third.partNumber]);
    const done = await complete(token, ticket.id, [rest[0], sent, rest[1]] as typeof rest);
    expect(done.status, done.text).toBe(200);
    await stack.idle();
    expect((await api.get(`/staged-uploads/${ticket.id}`, { token })).body.value.status).toBe(
      'stored',
    );
  });

  it('records a CAR with one tampered block as failed with the reason, and no content', async () => {
    const { token } = await createTestToken(stack, 'mp-tamperer');
    const car = await carOf(12 * MiB, 3);
    const [root, first, ...rest] = car.blocks as [Block, Block, ...Block[]];
    const tampered = first.bytes.slice();
    tampered[7] = (tampered[7] ?? 0) ^ 0x01;
    const bytes = await craftCar([car.root], [root, { cid: first.cid, bytes: tampered }, ...rest]);
    const ticket = await start(token, bytes);
    const parts = await Promise.all(
      ticket.upload.parts.map((part) => putPart(part, bytes, ticket.upload.partSize)),
    );
    expect((await complete(token, ticket.id, parts)).status).toBe(200);
    await stack.idle();
    const view = await api.get(`/staged-uploads/${ticket.id}`, { token });
    expect(view.body.value).toMatchObject({
      status: 'failed',
      error: {
        code: 'ERROR_INVALID_CAR',
        message: `failed hash verification: ${first.cid}: CID hash does not match bytes`,
      },
    });
    expect((await api.get(`/check/${car.root}`)).status).toBe(404);
  });

  it('stores one root staged by two users as one content and two uploads', async () => {
    const car = await carOf(9 * MiB, 4);
    for (const user of ['mp-first', 'mp-second']) {
      const { token } = await createTestToken(stack, user);
      const ticket = await start(token, car.bytes);
      const parts = await Promise.all(
        ticket.upload.parts.map((part) => putPart(part, car.bytes, ticket.upload.partSize)),
      );
      expect((await complete(token, ticket.id, parts)).status).toBe(200);
      await stack.idle();
      expect((await api.get(`/${car.root}`, { token })).body.value).toMatchObject({
        cid: car.root.toString(),
        pin: { status: 'pinned' },
      });
    }
    const check = await api.get(`/check/${car.root}`);
    expect(check.body.value.pin.status).toBe('pinned');
  });

  it('aborts an upload: failed, its parts gone, and no more parts taken', async () => {
    const { token } = await createTestToken(stack, 'mp-quitter');
    const car = await carOf(9 * MiB, 5);
    const ticket = await start(token, car.bytes);
    await putPart(ticket.upload.parts[0] as PartUrl, car.bytes, ticket.upload.partSize);
    const aborted = await api.delete(`/staged-uploads/${ticket.id}`, { token });
    expect(aborted.status, aborted.text).toBe(200);
    expect(aborted.body.value).toMatchObject({ status: 'failed', error: { code: 'HTTP_ERROR' } });
    const view = await api.get(`/staged-uploads/${ticket.id}`, { token });
    expect(view.body.value.status).toBe('failed');
    const late = await complete(token, ticket.id, [{ partNumber: 1, etag: '"x"' }]);
    expect(late.status).toBe(409);
  });

  it('expires an upload never completed: the cron fails it and aborts its parts', async () => {
    const { token } = await createTestToken(stack, 'mp-forgetful');
    const car = await carOf(9 * MiB, 6);
    const ticket = await start(token, car.bytes);
    await putPart(ticket.upload.parts[0] as PartUrl, car.bytes, ticket.upload.partSize);
    const { Item: record } = await clients.dynamo.send(
      new GetCommand({ TableName: stack.env.TABLE_NAME, Key: keys.staged(ticket.id) }),
    );
    const s3Parts = () => staging(config).listParts(record?.key, record?.uploadId);
    expect(await s3Parts()).toHaveLength(1);
    // A day and more later (time is the one thing the test moves).
    const past = '2020-01-01T00:00:00.000Z';
    await clients.dynamo.send(
      new UpdateCommand({
        TableName: stack.env.TABLE_NAME,
        Key: keys.staged(ticket.id),
        UpdateExpression: 'SET expires = :past, gsi3sk = :position',
        ExpressionAttributeValues: { ':past': past, ':position': `${past}#${ticket.id}` },
      }),
    );
    const result = await runJob('pin-status', { dataDir: stack.dataDir, print: () => {} });
    expect(result.value).toMatchObject({ stagedUploads: { expired: 1 } });
    const view = await api.get(`/staged-uploads/${ticket.id}`, { token });
    expect(view.body.value).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/not completed before 2020-01-01/) },
    });
    expect(view.body.value.parts).toBeUndefined();
    // The multipart upload is aborted in S3: its parts are gone.
    expect(await s3Parts()).toBeUndefined();
  });

  it('refuses part URLs and completion of uploads that are not its caller’s', async () => {
    const { token } = await createTestToken(stack, 'mp-owner');
    const { token: other } = await createTestToken(stack, 'mp-other');
    const car = await carOf(9 * MiB, 7);
    const ticket = await start(token, car.bytes);
    const parts = await api.post(`/staged-uploads/${ticket.id}/parts`, {
      token: other,
      body: JSON.stringify({ parts: [{ partNumber: 1 }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(parts.status).toBe(404);
    expect((await complete(other, ticket.id, [{ partNumber: 1, etag: 'x' }])).status).toBe(404);
    expect((await api.delete(`/staged-uploads/${ticket.id}`, { token: other })).status).toBe(404);
  });

  it('keeps single PUTs for CARs up to the part size, sha256 optional', async () => {
    const { token } = await createTestToken(stack, 'mp-small');
    const car = await carOf(2 * MiB, 8);
    const sha256 = createHash('sha256').update(car.bytes).digest('base64');
    const withSha = await start(token, car.bytes, { sha256 });
    expect(withSha).toMatchObject({ status: 'waiting', upload: { method: 'PUT' } });
    const without = await start(token, car.bytes);
    const { url, headers } = without.upload as unknown as {
      url: string;
      headers: Record<string, string>;
    };
    expect(headers['x-amz-checksum-sha256']).toBeUndefined();
    expect((await fetch(url, { method: 'PUT', headers, body: car.bytes })).status).toBe(200);
    await stack.idle();
    expect((await api.get(`/staged-uploads/${without.id}`, { token })).body.value).toMatchObject({
      status: 'stored',
      cid: car.root.toString(),
    });
  });
});
