import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyToken } from '../../../lambdas/core/auth.ts';
import { createToken, listTokens, revokeToken } from '../../../lambdas/core/tokens.ts';
import { FakeClock, FakeTokenStore, FakeUserStore } from '../../support/fakes.ts';

const TOKEN_FORMAT = /^pst_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;

const setup = () => ({
  users: new FakeUserStore(),
  tokens: new FakeTokenStore(),
  clock: new FakeClock('2024-05-01T12:00:00.000Z'),
});

describe('createToken', () => {
  it('mints a token in the documented format and stores only the hash of its secret', async () => {
    const ports = setup();
    const { token, record } = await createToken({ userId: 'alice', name: 'laptop' }, ports);
    const match = TOKEN_FORMAT.exec(token);
    expect(match).not.toBeNull();
    const [, tokenId, secret] = match as RegExpExecArray;
    expect(record).toEqual({
      tokenId,
      userId: 'alice',
      name: 'laptop',
      secretHash: createHash('sha256')
        .update(secret as string)
        .digest('hex'),
      created: '2024-05-01T12:00:00.000Z',
    });
    const stored = await ports.tokens.get(tokenId as string);
    expect(stored).toEqual(record);
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('uses a 256-bit secret and a fresh id every time', async () => {
    const ports = setup();
    const minted = await Promise.all(
      Array.from({ length: 20 }, () => createToken({ userId: 'alice' }, ports)),
    );
    const ids = new Set<string>();
    const secrets = new Set<string>();
    for (const { token } of minted) {
      const [, id, secret] = TOKEN_FORMAT.exec(token) as RegExpExecArray;
      expect(Buffer.from(secret as string, 'base64url')).toHaveLength(32);
      ids.add(id as string);
      secrets.add(secret as string);
    }
    expect(ids.size).toBe(20);
    expect(secrets.size).toBe(20);
  });

  it('creates the user once and keeps its first creation time', async () => {
    const ports = setup();
    await createToken({ userId: 'alice' }, ports);
    ports.clock.advance(60_000);
    await createToken({ userId: 'alice' }, ports);
    expect([...ports.users.users.values()]).toEqual([
      { userId: 'alice', created: '2024-05-01T12:00:00.000Z' },
    ]);
    expect(await listTokens('alice', ports)).toHaveLength(2);
  });

  it('names an unnamed token after its creation time and trims given names', async () => {
    const ports = setup();
    expect((await createToken({ userId: 'alice' }, ports)).record.name).toBe(
      'token 2024-05-01T12:00:00.000Z',
    );
    expect((await createToken({ userId: 'alice', name: '  ci  ' }, ports)).record.name).toBe('ci');
    expect((await createToken({ userId: 'alice', name: '   ' }, ports)).record.name).toBe(
      'token 2024-05-01T12:00:00.000Z',
    );
  });

  it.each([
    ['empty', ''],
    ['leading space', ' alice'],
    ['a slash', 'a/b'],
    ['a hash (key separator)', 'a#b'],
    ['a leading dot', '.alice'],
    ['129 characters', 'a'.repeat(129)],
  ])('rejects a user id with %s and writes nothing', async (_label, userId) => {
    const ports = setup();
    await expect(createToken({ userId }, ports)).rejects.toThrow(/Invalid user id/);
    expect(ports.users.users.size).toBe(0);
    expect(ports.tokens.tokens.size).toBe(0);
  });

  it('accepts e-mail-like user ids up to 128 characters', async () => {
    const ports = setup();
    await createToken({ userId: 'alice.b+nft@example.org' }, ports);
    await createToken({ userId: 'a'.repeat(128) }, ports);
    expect(ports.users.users.size).toBe(2);
  });
});

describe('revokeToken and listTokens', () => {
  it('a revoked token stops authenticating; revoking an unknown token answers false', async () => {
    const ports = setup();
    const { token, record } = await createToken({ userId: 'alice' }, ports);
    expect((await verifyToken(`Bearer ${token}`, ports.tokens)).ok).toBe(true);
    expect(await revokeToken(record.tokenId, ports)).toBe(true);
    expect((await verifyToken(`Bearer ${token}`, ports.tokens)).ok).toBe(false);
    expect(await revokeToken('zzzzzzzzzzzzzzzz', ports)).toBe(false);
    const [listed] = await listTokens('alice', ports);
    expect(listed?.revoked).toBe('2024-05-01T12:00:00.000Z');
  });

  it("lists only the user's own tokens", async () => {
    const ports = setup();
    await createToken({ userId: 'alice' }, ports);
    await createToken({ userId: 'bob' }, ports);
    const listed = await listTokens('alice', ports);
    expect(listed.map((t) => t.userId)).toEqual(['alice']);
  });
});
