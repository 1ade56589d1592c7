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
  method: 'put',
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
      expect(
        await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:10:00.000Z'),
      ).toBe(true);
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
      expect(
        await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:20:00.000Z'),
      ).toBe(false);
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
      expect(
        await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:10:00.000Z'),
      ).toBe(false);
      expect(await store.get(ID)).toBeUndefined();
    });

    it('startValidating moves an open upload on, again is fine, a final one stays', async () => {
      const store = await makeStore();
      await store.create(staged({ method: 'multipart', status: 'uploading', uploadId: 'u1' }));
      expect(await store.startValidating(ID, '2024-01-01T00:05:00.000Z')).toBe(true);
      expect(await store.get(ID)).toMatchObject({ status: 'validating' });
      expect(await store.startValidating(ID, '2024-01-01T00:06:00.000Z')).toBe(true);
      await store.finish(ID, { status: 'stored', cid: 'bafyroot' }, '2024-01-01T00:10:00.000Z');
      expect(await store.startValidating(ID, '2024-01-01T00:11:00.000Z')).toBe(false);
      expect(await store.get(ID)).toMatchObject({ status: 'stored' });
      expect(await store.startValidating('00000000-0000-0000-0000-000000000000', 'x')).toBe(false);
    });

    it('finish only from the states asked for', async () => {
      const store = await makeStore();
      await store.create(staged());
      await store.startValidating(ID, '2024-01-01T00:05:00.000Z');
      const aborted = { name: 'UploadAborted' as const, message: 'aborted by its client' };
      const open = ['waiting', 'uploading'] as const;
      expect(await store.finish(ID, { status: 'failed', failure: aborted }, 'x', open)).toBe(false);
      expect(await store.get(ID)).toMatchObject({ status: 'validating' });
    });

    it('lists open uploads expired before a time, oldest first, and no others', async () => {
      const store = await makeStore();
      const ids = [
        '00000000-0000-4000-8000-000000000001',
        '00000000-0000-4000-8000-000000000002',
        '00000000-0000-4000-8000-000000000003',
        '00000000-0000-4000-8000-000000000004',
      ];
      await store.create(staged({ id: ids[0], expires: '2024-01-01T03:00:00.000Z' }));
      await store.create(
        staged({
          id: ids[1],
          expires: '2024-01-01T02:00:00.000Z',
          method: 'multipart',
          status: 'uploading',
        }),
      );
      await store.create(staged({ id: ids[2], expires: '2024-01-01T01:00:00.000Z' }));
      await store.create(staged({ id: ids[3], expires: '2024-01-01T09:00:00.000Z' }));
      await store.startValidating(ids[2] as string, '2024-01-01T00:30:00.000Z');
      const expired = await store.listExpired('2024-01-01T04:00:00.000Z', 10);
      expect(expired.map((r) => r.id)).toEqual([ids[1], ids[0]]);
      expect(expired[0]).toMatchObject({ method: 'multipart', status: 'uploading' });
      expect((await store.listExpired('2024-01-01T04:00:00.000Z', 1)).map((r) => r.id)).toEqual([
        ids[1],
      ]);
      await store.finish(ids[1] as string, { status: 'failed' }, '2024-01-01T04:00:00.000Z');
      expect((await store.listExpired('2024-01-01T04:00:00.000Z', 10)).map((r) => r.id)).toEqual([
        ids[0],
      ]);
    });
  });
}
