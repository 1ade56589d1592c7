/** Behaviour every UserStore, TokenStore and RateLimitStore must show (fakes and adapters alike). */
import { describe, expect, it } from 'vitest';
import type {
  RateLimitStore,
  TokenRecord,
  TokenStore,
  UserStore,
} from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

export function userStoreContract(name: string, makeStore: Make<UserStore>) {
  describe(`UserStore contract: ${name}`, () => {
    it('gives undefined for an unknown user', async () => {
      const users = await makeStore();
      expect(await users.get('nobody')).toBeUndefined();
    });

    it('ensure creates the user and get reads it back', async () => {
      const users = await makeStore();
      const created = await users.ensure('alice', '2024-01-01T00:00:00.000Z');
      expect(created).toEqual({ userId: 'alice', created: '2024-01-01T00:00:00.000Z' });
      expect(await users.get('alice')).toEqual(created);
    });

    it('ensure is idempotent and keeps the first creation time', async () => {
      const users = await makeStore();
      await users.ensure('alice', '2024-01-01T00:00:00.000Z');
      const again = await users.ensure('alice', '2024-06-01T00:00:00.000Z');
      expect(again.created).toBe('2024-01-01T00:00:00.000Z');
      expect((await users.get('alice'))?.created).toBe('2024-01-01T00:00:00.000Z');
    });

    it('concurrent ensures of one user all answer the same stored record', async () => {
      const users = await makeStore();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => users.ensure('bob', `2024-01-01T00:00:0${i}.000Z`)),
      );
      const stored = await users.get('bob');
      expect(stored).toBeDefined();
      for (const result of results) expect(result).toEqual(stored);
    });
  });
}

const token = (overrides: Partial<TokenRecord> = {}): TokenRecord => ({
  tokenId: 'aaaaaaaaaaaaaaaa',
  userId: 'alice',
  name: 'laptop',
  secretHash: 'ab'.repeat(32),
  created: '2024-01-01T00:00:00.000Z',
  ...overrides,
});

export function tokenStoreContract(name: string, makeStore: Make<TokenStore>) {
  describe(`TokenStore contract: ${name}`, () => {
    it('put then get returns the token; an unknown id is undefined', async () => {
      const tokens = await makeStore();
      await tokens.put(token());
      expect(await tokens.get('aaaaaaaaaaaaaaaa')).toEqual(token());
      expect(await tokens.get('bbbbbbbbbbbbbbbb')).toBeUndefined();
    });

    it('never overwrites an existing token id', async () => {
      const tokens = await makeStore();
      await tokens.put(token());
      await expect(
        tokens.put(token({ userId: 'mallory', secretHash: 'cd'.repeat(32) })),
      ).rejects.toThrow();
      expect(await tokens.get('aaaaaaaaaaaaaaaa')).toEqual(token());
    });

    it("lists only the user's tokens, oldest first", async () => {
      const tokens = await makeStore();
      await tokens.put(token({ tokenId: 'cccccccccccccccc', created: '2024-03-01T00:00:00.000Z' }));
      await tokens.put(token({ tokenId: 'aaaaaaaaaaaaaaaa', created: '2024-01-01T00:00:00.000Z' }));
      await tokens.put(token({ tokenId: 'bbbbbbbbbbbbbbbb', userId: 'bob' }));
      const listed = await tokens.listByUser('alice');
      expect(listed.map((t) => t.tokenId)).toEqual(['aaaaaaaaaaaaaaaa', 'cccccccccccccccc']);
      expect(await tokens.listByUser('carol')).toEqual([]);
    });

    it('revoke marks the token revoked; revoking again keeps the first time', async () => {
      const tokens = await makeStore();
      await tokens.put(token());
      expect(await tokens.revoke('aaaaaaaaaaaaaaaa', '2024-02-01T00:00:00.000Z')).toBe(true);
      expect(await tokens.revoke('aaaaaaaaaaaaaaaa', '2024-03-01T00:00:00.000Z')).toBe(true);
      expect((await tokens.get('aaaaaaaaaaaaaaaa'))?.revoked).toBe('2024-02-01T00:00:00.000Z');
      expect((await tokens.listByUser('alice'))[0]?.revoked).toBe('2024-02-01T00:00:00.000Z');
    });

    it('revoking an unknown token answers false and creates nothing', async () => {
      const tokens = await makeStore();
      expect(await tokens.revoke('zzzzzzzzzzzzzzzz', '2024-02-01T00:00:00.000Z')).toBe(false);
      expect(await tokens.get('zzzzzzzzzzzzzzzz')).toBeUndefined();
    });
  });
}

export function rateLimitStoreContract(name: string, makeStore: Make<RateLimitStore>) {
  describe(`RateLimitStore contract: ${name}`, () => {
    it('counts what it takes, per key and bucket, and 0 for buckets never used', async () => {
      const store = await makeStore();
      expect(await store.take('t', 5, 10, 100)).toBe(true);
      expect(await store.take('t', 5, 10, 100)).toBe(true);
      expect(await store.take('t', 7, 10, 100)).toBe(true);
      expect(await store.take('other', 6, 10, 100)).toBe(true);
      expect(await store.counts('t', 4, 4)).toEqual([0, 2, 0, 1]);
      expect(await store.counts('unknown', 0, 3)).toEqual([0, 0, 0]);
    });

    it('takes exactly the budget however many callers race', async () => {
      const store = await makeStore();
      const taken = await Promise.all(
        Array.from({ length: 40 }, () => store.take('busy', 1, 7, 100)),
      );
      expect(taken.filter(Boolean)).toHaveLength(7);
      expect(await store.counts('busy', 1, 1)).toEqual([7]);
      expect(await store.take('busy', 1, 7, 100)).toBe(false);
      expect(await store.take('busy', 1, 8, 100)).toBe(true);
    });
  });
}
