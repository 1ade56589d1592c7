import { describe, expect, it } from 'vitest';
import { authorize, checkRateLimit } from '../../../lambdas/core/auth.ts';
import { createToken, revokeToken } from '../../../lambdas/core/tokens.ts';
import { nftStorageError } from '../../../lambdas/http/nft-storage-errors.ts';
import { FakeClock, FakeCounterStore, FakeTokenStore, FakeUserStore } from '../../support/fakes.ts';

/** The core's failure as the nft.storage edge answers it. */
const answered = (failure: Parameters<typeof nftStorageError>[0]) => {
  const { status, headers, body } = nftStorageError(failure, 'req-1');
  return { status, headers, code: body.error.code, message: body.error.message };
};

async function setup() {
  const ports = {
    users: new FakeUserStore(),
    tokens: new FakeTokenStore(),
    counters: new FakeCounterStore(),
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
  // 2.5 s into a 10 s window.
  const start = '2024-01-01T00:00:02.500Z';

  const setupLimiter = () => {
    const clock = new FakeClock(start);
    const counters = new FakeCounterStore();
    return { clock, counters, ports: { clock, counters } };
  };

  it('lets N requests through, then answers 429 with seconds until the window ends', async () => {
    const { ports } = setupLimiter();
    for (let i = 0; i < 3; i++) {
      expect(await checkRateLimit('tok', limit, ports)).toEqual({ ok: true, value: undefined });
    }
    const limited = await checkRateLimit('tok', limit, ports);
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    expect(limited.error).toMatchObject({ name: 'RateLimited', retryAfterSeconds: 8 });
    expect(answered(limited.error)).toMatchObject({
      status: 429,
      code: 'ERROR_RATE_LIMITED',
      message: 'You are being rate limited',
      headers: { 'retry-after': '8' },
    });
  });

  it('retry-after shrinks as the window runs out and never reaches zero', async () => {
    const { ports, clock } = setupLimiter();
    for (let i = 0; i < 3; i++) await checkRateLimit('tok', limit, ports);
    clock.set('2024-01-01T00:00:09.900Z');
    const limited = await checkRateLimit('tok', limit, ports);
    expect(limited.ok ? undefined : answered(limited.error).headers).toEqual({
      'retry-after': '1',
    });
  });

  it('a new window starts from zero', async () => {
    const { ports, clock } = setupLimiter();
    for (let i = 0; i < 4; i++) await checkRateLimit('tok', limit, ports);
    clock.set('2024-01-01T00:00:10.000Z');
    for (let i = 0; i < 3; i++) expect((await checkRateLimit('tok', limit, ports)).ok).toBe(true);
    expect((await checkRateLimit('tok', limit, ports)).ok).toBe(false);
  });

  it('counts each token separately', async () => {
    const { ports } = setupLimiter();
    for (let i = 0; i < 4; i++) await checkRateLimit('busy', limit, ports);
    expect((await checkRateLimit('quiet', limit, ports)).ok).toBe(true);
  });

  it('lets the counter expire a whole window after its window closes', async () => {
    const { ports, counters } = setupLimiter();
    await checkRateLimit('tok', limit, ports);
    const windowStart = Date.parse('2024-01-01T00:00:00.000Z') / 1000;
    expect(counters.counters.get(`tok#${windowStart}`)).toEqual({
      count: 1,
      expiresAtEpochSeconds: windowStart + 20,
    });
  });
});
