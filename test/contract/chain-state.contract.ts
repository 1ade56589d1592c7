/** Behaviour every store of the chain scraper must show (fakes and adapters alike). */
import { describe, expect, it } from 'vitest';
import { MAX_UINT256, nftKeyString } from '../../lambdas/codecs/nft.ts';
import type {
  ChainCursor,
  CursorStore,
  LeaseStore,
  NftRecord,
  NftStore,
} from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const CONTRACT = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const OTHER = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512';
const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-01T00:01:00.000Z';
const T2 = '2024-01-01T00:02:00.000Z';

export const nftRecord = (tokenId: bigint, overrides: Partial<NftRecord> = {}): NftRecord => ({
  chainId: 1,
  contract: CONTRACT,
  tokenId: tokenId.toString(),
  standard: 'erc721',
  tokenURI: `ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/${tokenId}`,
  uriStatus: 'ipfs',
  metadataStatus: 'fetched',
  metadataAttempts: 0,
  cids: [
    {
      cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
      path: `/${tokenId}`,
      source: 'uri',
    },
  ],
  firstBlock: 7,
  updated: T0,
  ...overrides,
});

const key = (tokenId: bigint, contract = CONTRACT, chainId = 1) => ({ chainId, contract, tokenId });

export function nftStoreContract(name: string, makeStore: Make<NftStore>) {
  describe(`NftStore contract: ${name}`, () => {
    it('stores whole records and reads them back by chain, contract and uint256 id', async () => {
      const nfts = await makeStore();
      const max = nftRecord(MAX_UINT256, {
        history: [{ tokenURI: 'ipfs://old', cids: [], replaced: T0 }],
        uriReason: 'why',
      });
      await nfts.putMany([nftRecord(1n), max]);
      expect(await nfts.get(key(MAX_UINT256))).toEqual(max);
      expect(await nfts.get(key(1n))).toEqual(nftRecord(1n));
      expect(await nfts.get(key(2n))).toBeUndefined();
      expect(await nfts.get(key(1n, OTHER))).toBeUndefined();
      expect(await nfts.get(key(1n, CONTRACT, 2))).toBeUndefined();
    });

    it('reads many at once, keyed by token, leaving out the unknown ones', async () => {
      const nfts = await makeStore();
      const records = Array.from({ length: 130 }, (_, i) => nftRecord(BigInt(i)));
      await nfts.putMany(records);
      const found = await nfts.getMany([...records.map((r) => key(BigInt(r.tokenId))), key(999n)]);
      expect(found.size).toBe(130);
      expect([...found.values()].map((r) => r.tokenId).sort()).toEqual(
        records.map((r) => r.tokenId).sort(),
      );
    });

    it('a put replaces the whole record', async () => {
      const nfts = await makeStore();
      await nfts.putMany([nftRecord(5n, { uriReason: 'first', metadataDue: T0 })]);
      const second = nftRecord(5n, { tokenURI: 'ipfs://second', updated: T1 });
      await nfts.putMany([second]);
      expect(await nfts.get(key(5n))).toEqual(second);
      expect(await nfts.listMetadataDue(T2, 10)).toEqual([]);
    });

    it('lists one contract’s tokens in an id range, in id order, up to a limit', async () => {
      const nfts = await makeStore();
      await nfts.putMany([
        nftRecord(300n),
        nftRecord(2n),
        nftRecord(10n),
        nftRecord(MAX_UINT256),
        nftRecord(3n, { contract: OTHER }),
      ]);
      const all = await nfts.listRange(1, CONTRACT, 0n, MAX_UINT256, 100);
      expect(all.map((r) => r.tokenId)).toEqual(['2', '10', '300', MAX_UINT256.toString()]);
      const some = await nfts.listRange(1, CONTRACT, 3n, 300n, 100);
      expect(some.map((r) => r.tokenId)).toEqual(['10', '300']);
      expect((await nfts.listRange(1, CONTRACT, 0n, MAX_UINT256, 2)).length).toBe(2);
      expect(await nfts.listRange(1, CONTRACT, 300n, 2n, 100)).toEqual([]);
    });

    it('keeps tokens written apart, neighbours or not, and the last of a token written twice', async () => {
      const nfts = await makeStore();
      await nfts.putMany([nftRecord(0n), nftRecord(31n), nftRecord(32n)]);
      await nfts.putMany([nftRecord(1n), nftRecord(33n, { uriReason: 'first' })]);
      const last = nftRecord(33n, { uriReason: 'second' });
      await nfts.putMany([nftRecord(2n), last]);
      const all = await nfts.listRange(1, CONTRACT, 0n, 100n, 100);
      expect(all.map((r) => r.tokenId)).toEqual(['0', '1', '2', '31', '32', '33']);
      expect(await nfts.get(key(33n))).toEqual(last);
    });

    it('stores a record of any size, and one that grows large or shrinks again', async () => {
      const nfts = await makeStore();
      const long = (tokenId: bigint, due?: string) =>
        nftRecord(tokenId, {
          tokenURI: `data:application/json,${'x'.repeat(20_000)}`,
          uriStatus: 'data',
          metadataStatus: due ? 'pending' : 'fetched',
          ...(due ? { metadataDue: due } : {}),
          cids: Array.from({ length: 100 }, (_, i) => ({
            cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
            path: `/${i}`,
            source: 'data-uri' as const,
          })),
        });
      await nfts.putMany([nftRecord(1n), long(2n, T0), nftRecord(3n)]);
      expect(await nfts.get(key(2n))).toEqual(long(2n, T0));
      expect((await nfts.getMany([key(1n), key(2n), key(3n)])).get(nftKeyString(key(2n)))).toEqual(
        long(2n, T0),
      );
      expect((await nfts.listRange(1, CONTRACT, 0n, 10n, 10)).map((r) => r.tokenId)).toEqual([
        '1',
        '2',
        '3',
      ]);
      expect(await nfts.listMetadataDue(T1, 10)).toEqual([long(2n, T0)]);

      await nfts.putMany([nftRecord(2n, { updated: T1 })]);
      expect(await nfts.get(key(2n))).toEqual(nftRecord(2n, { updated: T1 }));
      expect(await nfts.listMetadataDue(T1, 10)).toEqual([]);
      await nfts.putMany([long(2n)]);
      expect(await nfts.get(key(2n))).toEqual(long(2n));
      expect(await nfts.get(key(1n))).toEqual(nftRecord(1n));
    });

    it('lists tokens whose metadata is due by then, soonest first', async () => {
      const nfts = await makeStore();
      await nfts.putMany([
        nftRecord(1n, { metadataStatus: 'retrying', metadataDue: T1 }),
        nftRecord(2n, { metadataStatus: 'pending', metadataDue: T0 }),
        nftRecord(3n, { metadataStatus: 'retrying', metadataDue: T2 }),
        nftRecord(4n),
      ]);
      expect((await nfts.listMetadataDue(T1, 10)).map((r) => r.tokenId)).toEqual(['2', '1']);
      expect((await nfts.listMetadataDue(T1, 1)).map((r) => r.tokenId)).toEqual(['2']);
      // Soonest first across neighbours and far-apart ids alike.
      await nfts.putMany([
        nftRecord(40n, { metadataStatus: 'pending', metadataDue: T0 }),
        nftRecord(41n, { metadataStatus: 'retrying', metadataDue: T2 }),
        nftRecord(1000n, { metadataStatus: 'retrying', metadataDue: T1 }),
      ]);
      expect((await nfts.listMetadataDue(T2, 4)).map((r) => r.tokenId)).toEqual([
        '2',
        '40',
        '1',
        '1000',
      ]);
      expect(await nfts.listMetadataDue('2023-12-31T00:00:00.000Z', 10)).toEqual([]);
    });
  });
}

const cursor = (next: number, version: number): ChainCursor => ({
  chainId: 1,
  next,
  window: 2000,
  recent: [{ from: 0, to: next - 1, hash: `0x${'ab'.repeat(32)}` }],
  version,
  updated: T0,
});

export function cursorStoreContract(name: string, makeStore: Make<CursorStore>) {
  describe(`CursorStore contract: ${name}`, () => {
    it('creates a cursor only when none is stored', async () => {
      const cursors = await makeStore();
      expect(await cursors.get(1)).toBeUndefined();
      expect(await cursors.save(cursor(10, 1), 0)).toBe(true);
      expect(await cursors.get(1)).toEqual(cursor(10, 1));
      // A second writer that also read "none" cannot create it again.
      expect(await cursors.save(cursor(20, 1), 0)).toBe(false);
      expect((await cursors.get(1))?.next).toBe(10);
    });

    it('moves only for the writer that read the version stored', async () => {
      const cursors = await makeStore();
      await cursors.save(cursor(10, 1), 0);
      expect(await cursors.save(cursor(20, 2), 1)).toBe(true);
      expect(await cursors.save(cursor(30, 2), 1)).toBe(false);
      expect(await cursors.get(1)).toEqual(cursor(20, 2));
      expect(await cursors.get(2)).toBeUndefined();
    });
  });
}

export function leaseStoreContract(name: string, makeStore: Make<LeaseStore>) {
  describe(`LeaseStore contract: ${name}`, () => {
    const now = new Date(T0);
    const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

    it('gives the lease to one holder at a time until it is released', async () => {
      const leases = await makeStore();
      expect(await leases.acquire('scraper', 'run-a', now, 60)).toBe(true);
      expect(await leases.acquire('scraper', 'run-b', later(30), 60)).toBe(false);
      // Another job's lease is another lease.
      expect(await leases.acquire('other', 'run-b', later(30), 60)).toBe(true);
      await leases.release('scraper', 'run-b');
      expect(await leases.acquire('scraper', 'run-b', later(31), 60)).toBe(false);
      await leases.release('scraper', 'run-a');
      expect(await leases.acquire('scraper', 'run-b', later(32), 60)).toBe(true);
    });

    it('lets a lease whose holder died expire', async () => {
      const leases = await makeStore();
      expect(await leases.acquire('scraper', 'run-a', now, 60)).toBe(true);
      expect(await leases.acquire('scraper', 'run-b', later(60), 60)).toBe(false);
      expect(await leases.acquire('scraper', 'run-b', later(61), 60)).toBe(true);
      // The old holder's release no longer frees the new holder's lease.
      await leases.release('scraper', 'run-a');
      expect(await leases.acquire('scraper', 'run-c', later(62), 60)).toBe(false);
    });

    it('lets many racing runs take it exactly once', async () => {
      const leases = await makeStore();
      const taken = await Promise.all(
        Array.from({ length: 8 }, (_, i) => leases.acquire('scraper', `run-${i}`, now, 60)),
      );
      expect(taken.filter(Boolean)).toHaveLength(1);
    });
  });
}
