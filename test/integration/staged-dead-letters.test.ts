/**
 * The ingest dead-letter consumer on the local stack: an ingest that fails on every attempt
 * (here a stand-in that always throws) sends its message to the DLQ after three receives, where
 * the real `ingest-failures` consumer marks the staged upload failed — the client learns it from
 * GET /staged-uploads/{id}, not from a rule applied when reading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { type LambdaHandler, moduleHandlerLoader, silentLogger } from '../../local/lambda.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { seededBytes } from '../support/ipfs-fixtures.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

let stack: TestStack;
let attempts = 0;

beforeAll(async () => {
  const modules = moduleHandlerLoader();
  stack = await withLocalStack({
    // The stand-in's failures are the point: not worth a line each.
    log: silentLogger,
    loadHandler: (fn) =>
      fn.name === 'ingest'
        ? ((async () => {
            attempts++;
            throw new Error('ingest crashed');
          }) as LambdaHandler)
        : modules(fn),
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe('an ingest that always fails', () => {
  it('ends in the DLQ, whose consumer marks the staged upload failed', async () => {
    const api = apiClient(stack);
    const { token } = await createTestToken(stack, 'dlq-user');
    const packed = await packFile(seededBytes(300_000, 1));
    if (!packed.ok) throw new Error(packed.error.message);
    const car = await encodeCar(packed.value.root, packed.value.blocks);
    const staged = await api.post('/staged-uploads', {
      token,
      body: JSON.stringify({ size: car.byteLength }),
      headers: { 'content-type': 'application/json' },
    });
    const { id, upload } = staged.body.value;
    expect(
      (await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: car })).status,
    ).toBe(200);
    await stack.idle({ timeoutMs: 60_000 });
    expect(attempts).toBe(3);
    const view = await api.get(`/staged-uploads/${id}`, { token });
    expect(view.body.value).toMatchObject({
      status: 'failed',
      error: { code: 'HTTP_ERROR', message: expect.stringMatching(/failed repeatedly/) },
    });
  });
});
