import { describe, expect, it } from 'vitest';
import { authorize, checkRateLimit } from '../../../lambdas/core/auth.ts';
import { createToken, revokeToken } from '../../../lambdas/core/tokens.ts';
import { nftStorageError } from '../../../lambdas/http/nft-storage-errors.ts';
import {
  FakeClock,
  FakeRateLimitStore,
  FakeTokenStore,
  FakeUserStore,
} from '../../support/fakes.ts';

/** The core's failure as the nft.storage edge answers it. */
const answered = (failure: Parameters<typeof nftStorageError>[0]) => {
  const { status, headers, body } = nftStorageError(failure, 'req-1');
  return { status, headers, code: body.error.code, message: body.error.message };
};

async function setup() {
  const ports = {
    users: new FakeUserStore(),
    tokens: new FakeTokenStore(),
    rateLimits: new FakeRateLimitStore(),
    clock: new FakeClock(),
  };
  const { token, record } = await createToken({ userId: 'alice', name: 'laptop' }, ports);
  return { ports, token, record };
}

/** Authorization with a limit no test reaches: only the token and its user matter here. */
const authenticate = (header: string | undefined, ports: Parameters<typeof authorize>[2]) =>
  authorize(header, { requests: 1000, windowSeconds: 10 }, ports);

const codeOf = (result: Awaited<ReturnType<typeof authorize>>) =>
  result.ok
    ? undefined
    : { status: answered(result.error).status, code: answered(result.error).code };

describe('authorize: the bearer token and its user', () => {
  it('accepts a valid bearer token and names the principal', async () => {
    const { ports, token, record } = await setup();
    const result = await authenticate(`Bearer ${token}`, ports);
    expect(result).toEqual({
      ok: true,
      value: { userId: 'alice', tokenId: record.tokenId, tokenName: 'laptop' },
    });
  });

  it('accepts any case of the scheme and surrounding spaces', async () => {
    const { ports, token } = await setup();
    expect((await authenticate(`bearer   ${token}  `, ports)).ok).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['scheme only', 'Bearer'],
    ['scheme and spaces', 'Bearer   '],
    ['basic auth', 'Basic YWxpY2U6c2VjcmV0'],
    ['no scheme', 'pst_aaaaaaaaaaaaaaaa_xxx'],
  ])('a %s header is EXPECTED_BEARER_STRING 401', async (_label, header) => {
    const { ports } = await setup();
    const result = await authenticate(header, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'EXPECTED_BEARER_STRING' });
    expect(result.ok || result.error.message).toContain('Bearer {api key}');
  });

  it.each([
    ['an nft.storage JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
    ['a truncated secret', 'pst_aaaaaaaaaaaaaaaa_short'],
    ['an id of the wrong alphabet', `pst_AAAAAAAAAAAAAAAA_${'a'.repeat(43)}`],
    ['another prefix', `sk_aaaaaaaaaaaaaaaa_${'a'.repeat(43)}`],
  ])('%s is ERROR_MALFORMED_TOKEN 401', async (_label, token) => {
    const { ports } = await setup();
    const result = await authenticate(`Bearer ${token}`, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'ERROR_MALFORMED_TOKEN' });
  });

  it('a well-formed token with an unknown id is ERROR_TOKEN_NOT_FOUND', async () => {
    const { ports, token } = await setup();
    const unknownId = token.replace(/^pst_[a-z2-7]{16}_/, 'pst_zzzzzzzzzzzzzzzz_');
    const result = await authenticate(`Bearer ${unknownId}`, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'ERROR_TOKEN_NOT_FOUND' });
  });

  it('the right id with a wrong secret is ERROR_TOKEN_NOT_FOUND', async () => {
    const { ports, token } = await setup();
    const secretStart = 'pst_'.length + 16 + 1;
    const other = token[secretStart] === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, secretStart)}${other}${token.slice(secretStart + 1)}`;
    const result = await authenticate(`Bearer ${forged}`, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'ERROR_TOKEN_NOT_FOUND' });
  });

  it('a revoked token is ERROR_TOKEN_NOT_FOUND at once', async () => {
    const { ports, token, record } = await setup();
    expect(await revokeToken(record.tokenId, ports)).toBe(true);
    const result = await authenticate(`Bearer ${token}`, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'ERROR_TOKEN_NOT_FOUND' });
  });

  it('a token whose user is gone is ERROR_USER_NOT_FOUND', async () => {
    const { ports, token } = await setup();
    ports.users.users.delete('alice');
    const result = await authenticate(`Bearer ${token}`, ports);
    expect(codeOf(result)).toEqual({ status: 401, code: 'ERROR_USER_NOT_FOUND' });
  });
});

describe('checkRateLimit', () => {
  const limit = { requests: 3, windowSeconds: 10 };
  const start = '2024-01-01T00:00:02.500Z';

  const setupLimiter = () => {
    const clock = new FakeClock(start);
    const rateLimits = new FakeRateLimitStore();
    return { clock, rateLimits, ports: { clock, rateLimits } };
  };

  it('lets N requests through, then answers 429 with the seconds until one leaves the window', async () => {
    const { ports } = setupLimiter();
    for (let i = 0; i < 3; i++) {
      expect(await checkRateLimit('tok', limit, ports)).toEqual({ ok: true, value: undefined });
    }
    const limited = await checkRateLimit('tok', limit, ports);
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    // The requests of second 2 leave a 10 s window (of whole seconds) at 13 s.
    expect(limited.error).toMatchObject({ name: 'RateLimited', retryAfterSeconds: 11 });
    expect(answered(limited.error)).toMatchObject({
      status: 429,
      code: 'ERROR_RATE_LIMITED',
      message: 'You are being rate limited',
      headers: { 'retry-after': '11' },
    });
  });

  it('retry-after shrinks as the window moves on and never reaches zero', async () => {
    const { ports, clock } = setupLimiter();
    for (let i = 0; i < 3; i++) await checkRateLimit('tok', limit, ports);
    clock.set('2024-01-01T00:00:12.900Z');
    const limited = await checkRateLimit('tok', limit, ports);
    expect(limited.ok ? undefined : answered(limited.error).headers).toEqual({
      'retry-after': '1',
    });
  });

  it('admits again once the used requests have left the window, not at a window boundary', async () => {
    const { ports, clock } = setupLimiter();
    for (let i = 0; i < 4; i++) await checkRateLimit('tok', limit, ports);
    clock.set('2024-01-01T00:00:10.000Z');
    expect((await checkRateLimit('tok', limit, ports)).ok).toBe(false);
    clock.set('2024-01-01T00:00:13.000Z');
    for (let i = 0; i < 3; i++) expect((await checkRateLimit('tok', limit, ports)).ok).toBe(true);
    expect((await checkRateLimit('tok', limit, ports)).ok).toBe(false);
  });

  it('never admits more than the limit in any window-long span', async () => {
    const { ports, clock } = setupLimiter();
    const admitted: number[] = [];
    // A request every 50 ms for 60 s, bursts included: the fixed-window flaw let 2x through
    // around each window boundary.
    for (let t = 0; t < 60_000; t += 50) {
      clock.set(new Date(Date.parse(start) + t).toISOString());
      const burst = t % 5_000 === 0 ? 5 : 1;
      for (let i = 0; i < burst; i++) {
        if ((await checkRateLimit('tok', limit, ports)).ok) admitted.push(t);
      }
    }
    expect(admitted.length).toBeGreaterThan(10);
    for (const from of admitted) {
      const inSpan = admitted.filter((t) => t >= from && t < from + 10_000).length;
      expect(inSpan, `from ${from} ms`).toBeLessThanOrEqual(3);
    }
  });

  it('counts each token separately', async () => {
    const { ports } = setupLimiter();
    for (let i = 0; i < 4; i++) await checkRateLimit('busy', limit, ports);
    expect((await checkRateLimit('quiet', limit, ports)).ok).toBe(true);
  });

  it('lets a bucket expire once no window can reach it', async () => {
    const { ports, rateLimits } = setupLimiter();
    await checkRateLimit('tok', limit, ports);
    const second = Math.floor(Date.parse(start) / 1000);
    // Reachable by windows ending up to ten buckets later; kept a little longer.
    expect(rateLimits.buckets.get(`tok#1:${second}`)).toEqual({
      count: 1,
      expiresAtEpochSeconds: second + 12,
    });
  });

  it('counts a day-long window in tenths', async () => {
    const { ports, rateLimits, clock } = setupLimiter();
    const daily = { requests: 2, windowSeconds: 86_400 };
    expect((await checkRateLimit('tok', daily, ports)).ok).toBe(true);
    clock.advance(50_000_000);
    expect((await checkRateLimit('tok', daily, ports)).ok).toBe(true);
    expect((await checkRateLimit('tok', daily, ports)).ok).toBe(false);
    expect([...rateLimits.buckets.keys()].every((key) => key.startsWith('tok#8640:'))).toBe(true);
  });
});
