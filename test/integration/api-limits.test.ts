/**
 * Per-token rate limiting and staged (presigned S3) uploads, end to end on the local stack.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCar, packFile } from '../../lambdas/core/ipfs/index.ts';
import { apiClient, createTestToken } from '../support/api-client.ts';
import { type TestStack, withLocalStack } from '../support/local-stack.ts';

const LIMIT = 5;
// A day-long window: a burst in a test never straddles two windows (they align to UTC midnight).
const WINDOW_SECONDS = 86_400;

let stack: TestStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  process.env.RATE_LIMIT_REQUESTS = String(LIMIT);
  process.env.RATE_LIMIT_WINDOW_SECONDS = String(WINDOW_SECONDS);
  stack = await withLocalStack();
  api = apiClient(stack);
});

afterAll(async () => {
  await stack?.stop();
});

describe('rate limit', () => {
  it('answers the request over the per-token limit with 429 and Retry-After, across concurrent callers', async () => {
    const { token } = await createTestToken(stack, 'busy');
    // Concurrent requests race for the same counter: exactly LIMIT may pass in one window.
    const responses = await Promise.all(
      Array.from({ length: LIMIT + 3 }, () => api.get('/', { token })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    for (const response of limited) {
      expect(response.body.error).toEqual({
        code: 'ERROR_RATE_LIMITED',
        message: 'You are being rate limited',
      });
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      // The window slides in tenths: the wait is at most the window and the tenth under way.
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS * 1.1);
    }
  });

  it('counts each token separately and leaves public routes alone', async () => {
    const { token: first } = await createTestToken(stack, 'calm');
    const { token: second } = await createTestToken(stack, 'calm');
    for (let i = 0; i < LIMIT; i++) expect((await api.get('/', { token: first })).status).toBe(200);
    expect((await api.get('/', { token: first })).status).toBe(429);
    expect((await api.get('/', { token: second })).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await api.get('/version')).status).toBe(200);
  });
});

describe('staged uploads', () => {
  async function stage(token: string, car: Uint8Array, name?: string) {
    const sha256 = createHash('sha256').update(car).digest('base64');
    return api.post('/staged-uploads', {
      token,
      body: JSON.stringify({ size: car.length, sha256, ...(name ? { name } : {}) }),
      headers: { 'content-type': 'application/json' },
    });
  }

  it('stores a CAR PUT to the presigned URL, like POST /upload', async () => {
    const { token } = await createTestToken(stack, 'stager');
    const packed = await packFile(new Uint8Array(700_000).fill(3));
    if (!packed.ok) throw new Error('pack failed');
    const car = await encodeCar(packed.value.root, packed.value.blocks);
    const staged = await stage(token, car, 'big one');
    expect(staged.status).toBe(200);
    const { id, upload, status } = staged.body.value;
    expect(status).toBe('waiting');
    expect(upload.method).toBe('PUT');
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: car });
    expect(put.status).toBe(200);
    await stack.idle();
    // Each poll counts against the rate limit; one is enough once the queue is idle.
    const done = await api.get(`/staged-uploads/${id}`, { token });
    expect(done.body.value).toMatchObject({
      id,
      status: 'stored',
      cid: packed.value.root.toString(),
    });
    const upload2 = await api.get(`/${packed.value.root}`, { token });
    expect(upload2.body.value).toMatchObject({
      name: 'big one',
      type: 'application/car',
      pin: { status: 'pinned' },
    });
  });

  it('records a staged object whose bytes differ from the declaration as failed, storing nothing', async () => {
    const { token } = await createTestToken(stack, 'liar');
    const packed = await packFile(new Uint8Array(1000).fill(9));
    if (!packed.ok) throw new Error('pack failed');
    const car = await encodeCar(packed.value.root, packed.value.blocks);
    const staged = await stage(token, car);
    const { id, upload } = staged.body.value;
    const forged = car.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 0xff;
    // The emulator checks no signature or checksum: ingest must catch this itself.
    await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: forged });
    await stack.idle();
    const failed = await api.get(`/staged-uploads/${id}`, { token });
    expect(failed.body.value.status).toBe('failed');
    expect(failed.body.value.error.message).toMatch(/sha256/);
    expect((await api.get(`/check/${packed.value.root}`)).status).toBe(404);
  });

  it("validates staging requests and hides other users' staged uploads", async () => {
    const { token } = await createTestToken(stack, 'checker');
    const bad = await api.post('/staged-uploads', {
      token,
      body: JSON.stringify({ size: -1, sha256: 'nope' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^invalid params/);
    const car = new Uint8Array(10);
    const mine = (await stage(token, car)).body.value.id;
    const { token: other } = await createTestToken(stack, 'snoop');
    expect((await api.get(`/staged-uploads/${mine}`, { token: other })).status).toBe(404);
    expect((await api.get('/staged-uploads/not-an-id', { token: other })).status).toBe(404);
  });
});
