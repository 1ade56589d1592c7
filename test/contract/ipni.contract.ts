/** The behaviour every AdChainStore and AnnounceLog must have (fakes and DynamoDB alike). */
import { describe, expect, it } from 'vitest';
import { workKey } from '../../lambdas/core/ipni/work.ts';
import type { AdChainStore, AnnounceLog, ChainPosition } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const position = (seq: number, ad = `ad-${seq}`, keys: string[] = []): ChainPosition => ({
  seq,
  ad,
  keys,
  signedHead: `{"head":"${ad}"}`,
  created: '2024-01-01T00:00:00.000Z',
});

const content = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve';
const other = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e';

export function adChainStoreContract(name: string, make: Make<AdChainStore>) {
  describe(`AdChainStore: ${name}`, () => {
    it('is empty, then its head is the highest position claimed', async () => {
      const chain = await make();
      expect(await chain.head()).toBeUndefined();
      expect(await chain.claim(position(1))).toBe(true);
      expect(await chain.claim(position(2, 'ad-2', ['k']))).toBe(true);
      expect(await chain.head()).toEqual(position(2, 'ad-2', ['k']));
    });

    it('gives each position to one claim only, however many race for it', async () => {
      const chain = await make();
      const claims = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map((ad) => chain.claim(position(1, ad))),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      const winner = ['a', 'b', 'c', 'd', 'e'][claims.indexOf(true)];
      expect((await chain.head())?.ad).toBe(winner);
      // A taken position keeps its ad.
      expect(await chain.claim(position(1, 'late'))).toBe(false);
      expect((await chain.at([1])).get(1)?.ad).toBe(winner);
    });

    it('orders positions by number past any width (the head of 1..120 is 120)', async () => {
      const chain = await make();
      for (let seq = 1; seq <= 120; seq++) await chain.claim(position(seq));
      expect((await chain.head())?.seq).toBe(120);
      const after = await chain.after(95);
      expect(after.map((p) => p.seq)).toEqual(Array.from({ length: 25 }, (_, i) => 96 + i));
      expect(await chain.after(0)).toHaveLength(120);
      expect(await chain.after(120)).toEqual([]);
    });

    it('reads positions by number, leaving out the ones not taken', async () => {
      const chain = await make();
      await chain.claim(position(1, 'one', ['x']));
      await chain.claim(position(3, 'three'));
      const found = await chain.at([1, 2, 3, 3]);
      expect([...found.keys()].sort()).toEqual([1, 3]);
      expect(found.get(1)).toEqual(position(1, 'one', ['x']));
      expect((await chain.at([])).size).toBe(0);
    });

    it('keeps the last placement of each work key', async () => {
      const chain = await make();
      const a = workKey.advertise(content, 'bagcar1');
      const b = workKey.advertise(content, 'bagcar2');
      expect((await chain.placements([a, b])).size).toBe(0);
      await chain.place([a, b], 4);
      await chain.place([b], 5);
      const placed = await chain.placements([a, b, workKey.advertise(other, 'bagcar3')]);
      expect(Object.fromEntries(placed)).toEqual({ [a]: 4, [b]: 5 });
    });

    it('places many keys at once', async () => {
      const chain = await make();
      const many = Array.from({ length: 60 }, (_, i) => workKey.advertise(content, `bagcar${i}`));
      await chain.place(many, 7);
      const placed = await chain.placements(many);
      expect(placed.size).toBe(60);
      expect(new Set(placed.values())).toEqual(new Set([7]));
    });

    it("lists a content's withdrawals, not its advertisements, nor other content's", async () => {
      const chain = await make();
      const removal = workKey.withdraw(content, 'removed at 2024-01-02T00:00:00.000Z');
      await chain.place([workKey.advertise(content, 'bagcar1'), removal], 2);
      await chain.place([workKey.withdraw(other, 'r')], 3);
      expect(await chain.withdrawalsOf(content)).toEqual([{ key: removal, seq: 2 }]);
      expect(await chain.withdrawalsOf('bafkqaaa')).toEqual([]);
    });
  });
}

export function announceLogContract(name: string, make: Make<AnnounceLog>) {
  describe(`AnnounceLog: ${name}`, () => {
    it('remembers the last head each indexer took', async () => {
      const log = await make();
      const urls = ['https://a.example/announce', 'https://b.example'];
      expect((await log.announced(urls)).size).toBe(0);
      await log.record(urls[0] as string, 'ad-1', '2024-01-01T00:00:00.000Z');
      await log.record(urls[0] as string, 'ad-2', '2024-01-01T00:01:00.000Z');
      expect(Object.fromEntries(await log.announced(urls))).toEqual({
        [urls[0] as string]: 'ad-2',
      });
    });
  });
}
