/** Behaviour every StagedUploadStore must show (fakes and adapters alike). */
import { describe, expect, it } from 'vitest';
import type { StagedUploadRecord, StagedUploadStore } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const ID = '2b0c1f7e-4f55-4c43-9a0e-0d5b6a3e2f10';

const staged = (overrides: Partial<StagedUploadRecord> = {}): StagedUploadRecord => ({
  id: ID,
  userId: 'alice',
  tokenId: 'tokenaaaaaaaaaaa',
  tokenName: 'laptop',
  name: 'big dataset',
  size: 10_000_000,
  sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
  key: `cars/${ID}.car`,
  created: '2024-01-01T00:00:00.000Z',
  expires: '2024-01-01T01:00:00.000Z',
  status: 'waiting',
  ...overrides,
});

export function stagedUploadStoreContract(name: string, makeStore: Make<StagedUploadStore>) {
  describe(`StagedUploadStore contract: ${name}`, () => {
    it('create then get returns the intent; an unknown id is undefined', async () => {
      const store = await makeStore();
      await store.create(staged());
      expect(await store.get(ID)).toEqual(staged());
      expect(await store.get('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    });

    it('never overwrites an existing intent', async () => {
      const store = await makeStore();
      await store.create(staged());
      await expect(store.create(staged({ userId: 'mallory' }))).rejects.toThrow();
      expect((await store.get(ID))?.userId).toBe('alice');
    });

    it('finish records the outcome of a waiting upload', async () => {
      const store = await makeStore();
      await store.create(staged());
      await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:10:00.000Z');
      expect(await store.get(ID)).toEqual({
        ...staged(),
        status: 'stored',
        cid: 'bafyroot',
        updated: '2024-01-01T00:10:00.000Z',
      });
    });

    it('a final state is written once: a redelivered event changes nothing', async () => {
      const store = await makeStore();
      await store.create(staged());
      const failure = { name: 'InvalidCar' as const, message: 'Invalid CAR file received: empty' };
      await store.finish(ID, { status: 'failed', failure }, '2024-01-01T00:10:00.000Z');
      await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:20:00.000Z');
      const record = await store.get(ID);
      expect(record).toMatchObject({
        status: 'failed',
        failure,
        updated: '2024-01-01T00:10:00.000Z',
      });
      expect(record?.cid).toBeUndefined();
    });

    it('finishing an unknown intent creates nothing', async () => {
      const store = await makeStore();
      await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:10:00.000Z');
      expect(await store.get(ID)).toBeUndefined();
    });
  });
}
