/**
 * The client's retry policy: 429 and 5xx are retried with backoff (Retry-After honoured),
 * broken connections too, other 4xx never; the API's error envelope becomes an HttpError.
 */
import { describe, expect, it } from 'vitest';
import { envelopeValue, HttpError, send } from '../../../client/http.ts';

function scripted(answers: (() => Response)[]) {
  const calls: number[] = [];
  const fetch = (async () => {
    calls.push(Date.now());
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const options = (fetch: typeof globalThis.fetch) => ({ fetch, maxRetries: 3, retryDelayMs: 1 });
const request = () => ({ url: 'http://api.test/x', init: {} });
const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), { status, headers });

describe('client requests', () => {
  it('retry 429 after the Retry-After it names, and 5xx with backoff', async () => {
    const { fetch, calls } = scripted([
      json(429, { ok: false }, { 'retry-after': '1' }),
      json(503, { ok: false }),
      json(200, { ok: true, value: 42 }),
    ]);
    const response = await send(request, options(fetch));
    expect(await envelopeValue(response)).toBe(42);
    expect(calls).toHaveLength(3);
    expect((calls[1] as number) - (calls[0] as number)).toBeGreaterThanOrEqual(990);
  });

  it('retry a broken connection', async () => {
    const { fetch, calls } = scripted([
      () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      },
      json(200, { ok: true, value: 'ok' }),
    ]);
    expect(await envelopeValue(await send(request, options(fetch)))).toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('never retry another 4xx, and report its code and message', async () => {
    const { fetch, calls } = scripted([
      json(400, { ok: false, error: { code: 'ERROR_INVALID_CAR', message: 'bad CAR' } }),
    ]);
    const response = await send(request, options(fetch));
    await expect(envelopeValue(response)).rejects.toMatchObject({
      name: 'HttpError',
      status: 400,
      code: 'ERROR_INVALID_CAR',
      message: 'bad CAR',
    });
    expect(calls).toHaveLength(1);
  });

  it('give up after the retries, answering the last response', async () => {
    const { fetch, calls } = scripted(Array.from({ length: 4 }, () => json(500, { ok: false })));
    const response = await send(request, options(fetch));
    expect(response.status).toBe(500);
    expect(calls).toHaveLength(4);
    await expect(envelopeValue(response)).rejects.toBeInstanceOf(HttpError);
  });
});
