/**
 * Behaviour the pinning needs from its stores, shown by fakes and DynamoDB adapters alike: pin
 * states with their indexes (queued, pinning, retries, pinned by provider set), provider claims,
 * pin-by-CID requests, removal, pin requests of the Pinning Service API, the cron's lease and
 * its record of provider sets.
 */
import { describe, expect, it } from 'vitest';
import { requestIdFor } from '../../lambdas/codecs/request-id.ts';
import type {
  ContentStore,
  PinRequestRecord,
  PinRequestStore,
  ProviderSetStore,
} from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-01T00:00:01.000Z';
const T2 = '2024-01-01T00:00:02.000Z';
const LATER = '2024-02-01T00:00:00.000Z';
const cids = (records: { cid: string }[]) => records.map((r) => r.cid);

export function pinStateContract(name: string, makeStore: Make<ContentStore>) {
  describe(`ContentStore pinning contract: ${name}`, () => {
    it('a complete DAG awaiting providers is queued (not pinned), and listed as such', async () => {
      const contents = await makeStore();
      const record = await contents.recordStored({
        cid: 'c1',
        structure: 'complete',
        now: T0,
        size: 5,
        awaitsProviders: true,
      });
      expect(record.pinStatus).toBe('queued');
      expect(cids(await contents.listPending('queued', LATER, 10))).toEqual(['c1']);
      expect(await contents.listPinnedWith('', 10)).toEqual([]);
    });

    it('without providers a complete DAG is pinned with the empty provider set', async () => {
      const contents = await makeStore();
      await contents.recordStored({ cid: 'c1', structure: 'complete', now: T0 });
      expect(cids(await contents.listPinnedWith('', 10))).toEqual(['c1']);
      expect((await contents.get('c1'))?.pinnedWith).toBeUndefined();
    });

    it('records provider progress: pinning, then pinned with its provider set', async () => {
      const contents = await makeStore();
      await contents.recordStored({
        cid: 'c1',
        structure: 'complete',
        now: T0,
        awaitsProviders: true,
      });
      await contents.recordProgress({
        cid: 'c1',
        providers: {
          a: { status: 'pinned', updated: T1 },
          b: { status: 'queued', requestId: 'r1', updated: T1 },
        },
        status: 'pinning',
        now: T1,
      });
      let record = await contents.get('c1');
      expect(record).toMatchObject({
        pinStatus: 'pinning',
        providers: { a: { status: 'pinned' }, b: { status: 'queued', requestId: 'r1' } },
      });
      expect(cids(await contents.listPending('pinning', LATER, 10))).toEqual(['c1']);
      expect(await contents.listPending('queued', LATER, 10)).toEqual([]);
      // Only the providers written change.
      await contents.recordProgress({
        cid: 'c1',
        providers: { b: { status: 'pinned', requestId: 'r1', size: 7, updated: T2 } },
        status: 'pinned',
        pinnedWith: 'a,b',
        size: 5,
        now: T2,
      });
      record = await contents.get('c1');
      expect(record).toMatchObject({
        pinStatus: 'pinned',
        pinnedWith: 'a,b',
        size: 5,
        providers: { a: { status: 'pinned' }, b: { status: 'pinned', size: 7 } },
      });
      expect(await contents.listPending('pinning', LATER, 10)).toEqual([]);
      expect(cids(await contents.listPinnedWith('a,b', 10))).toEqual(['c1']);
      // A repeat upload of the DAG keeps it pinned.
      const again = await contents.recordStored({
        cid: 'c1',
        structure: 'complete',
        now: LATER,
        awaitsProviders: true,
      });
      expect(again.pinStatus).toBe('pinned');
    });

    it('lets one worker claim a provider for a pin until it has a request id, or the claim is stale', async () => {
      const contents = await makeStore();
      await contents.recordStored({
        cid: 'c1',
        structure: 'complete',
        now: T0,
        awaitsProviders: true,
      });
      expect(await contents.claimProvider('c1', 'remote', T1, T0)).toBe(true);
      expect(await contents.claimProvider('c1', 'remote', T1, T0)).toBe(false);
      expect(await contents.claimProvider('c1', 'other', T1, T0)).toBe(true);
      // Stale: claimed before the cut-off.
      expect(await contents.claimProvider('c1', 'remote', T2, T2)).toBe(true);
      await contents.recordProgress({
        cid: 'c1',
        providers: { remote: { status: 'queued', requestId: 'r9', updated: T2 } },
        status: 'pinning',
        now: T2,
      });
      expect(await contents.claimProvider('c1', 'remote', LATER, LATER)).toBe(false);
      expect(await contents.claimProvider('missing', 'remote', T1, T0)).toBe(false);
      // A claim keeps the provider's last error for whoever reads the pin meanwhile.
      expect(await contents.claimProvider('c1', 'third', T1, T0, 'HTTP 503')).toBe(true);
      expect((await contents.get('c1'))?.providers?.third).toMatchObject({
        status: 'queued',
        claimed: T1,
        error: 'HTTP 503',
      });
    });

    it('records failures: retried ones listed by their retry time, final ones not; never a pinned one', async () => {
      const contents = await makeStore();
      for (const cid of ['c1', 'c2', 'c3']) {
        await contents.recordStored({ cid, structure: 'complete', now: T0, awaitsProviders: true });
      }
      const failure = { kind: 'gave-up' as const, message: 'x', since: T0, attempts: 1 };
      expect(await contents.recordFailure('c1', { ...failure, retryAt: T2 }, T0)).toBe(true);
      expect(await contents.recordFailure('c2', failure, T0)).toBe(true);
      expect((await contents.get('c1'))?.failure).toEqual({ ...failure, retryAt: T2 });
      expect(cids(await contents.listRetryDue(T1, 10))).toEqual([]);
      expect(cids(await contents.listRetryDue(T2, 10))).toEqual(['c1']);
      expect(await contents.listPending('queued', LATER, 10).then(cids)).toEqual(['c3']);
      // A worker's late progress leaves a pin given up on meanwhile failed; pinned still wins.
      await contents.recordProgress({
        cid: 'c2',
        providers: { a: { status: 'pinning', updated: T1 } },
        status: 'pinning',
        now: T1,
      });
      expect(await contents.get('c2')).toMatchObject({ pinStatus: 'failed', failure });
      await contents.recordProgress({ cid: 'c3', providers: {}, status: 'pinned', now: T1 });
      expect(await contents.recordFailure('c3', failure, T1)).toBe(false);
      expect((await contents.get('c3'))?.pinStatus).toBe('pinned');
      // A retry puts it back in the queue, keeping the attempts so far.
      expect(await contents.requeue('c1', T2)).toBe(true);
      expect(await contents.get('c1')).toMatchObject({
        pinStatus: 'queued',
        failure: { attempts: 1 },
      });
      expect(await contents.listRetryDue(LATER, 10)).toEqual([]);
    });

    it('records pin-by-CID requests: created queued with their fetch, repeated without change', async () => {
      const contents = await makeStore();
      const created = await contents.recordRequested({
        cid: 'c1',
        origins: ['/dns/a/tcp/443/https'],
        now: T0,
      });
      expect(created).toMatchObject({
        cid: 'c1',
        structure: 'unknown',
        pinStatus: 'queued',
        created: T0,
        fetch: { origins: ['/dns/a/tcp/443/https'] },
      });
      expect(cids(await contents.listPending('queued', LATER, 10))).toEqual(['c1']);
      const again = await contents.recordRequested({
        cid: 'c1',
        origins: ['/dns/b/tcp/443/https'],
        now: T1,
      });
      expect(again.fetch?.origins).toEqual(['/dns/a/tcp/443/https', '/dns/b/tcp/443/https']);
      expect(again.created).toBe(T0);

      expect(await contents.startFetch('c1', T1)).toBe(true);
      expect(await contents.get('c1')).toMatchObject({
        pinStatus: 'pinning',
        fetch: { started: T1 },
      });
      await contents.recordCars('c1', [
        { carCid: 'car1', key: 'car1/car1.car', size: 10, roots: ['c1'], created: T1 },
        { carCid: 'car2', key: 'car2/car2.car', size: 20, roots: ['c1'], created: T1 },
      ]);
      expect((await contents.listCars('c1')).map((c) => c.carCid)).toEqual(['car1', 'car2']);
      const stored = await contents.recordStored({
        cid: 'c1',
        structure: 'complete',
        now: T2,
        size: 30,
      });
      expect(stored).toMatchObject({ pinStatus: 'pinned', structure: 'complete', size: 30 });
      expect(stored.fetch).toBeUndefined();
      // Stored content is never fetched again.
      expect(await contents.startFetch('c1', LATER)).toBe(false);
      // Stored content stays as it is when requested again.
      expect(
        (await contents.recordRequested({ cid: 'c1', origins: [], now: LATER })).pinStatus,
      ).toBe('pinned');
    });

    it('gives a failed request a new try when it is requested again', async () => {
      const contents = await makeStore();
      await contents.recordRequested({ cid: 'c1', origins: [], now: T0 });
      await contents.recordFailure(
        'c1',
        { kind: 'invalid', message: 'bad block', since: T0, attempts: 1 },
        T0,
      );
      const again = await contents.recordRequested({
        cid: 'c1',
        origins: ['/dns/x/tcp/443/https'],
        now: T1,
      });
      expect(again).toMatchObject({
        pinStatus: 'queued',
        fetch: { origins: ['/dns/x/tcp/443/https'] },
      });
      expect(again.failure).toBeUndefined();
    });

    it('removes unpinned content with its CAR records, only while its unpin still stands', async () => {
      const contents = await makeStore();
      await contents.recordStored({ cid: 'c1', structure: 'complete', now: T0 });
      await contents.recordCars('c1', [
        { carCid: 'car1', key: 'k', size: 1, roots: ['c1'], created: T0 },
      ]);
      expect(await contents.removeContent('c1', ['car1'])).toBe(false);
      await contents.markUnpinRequested('c1', T1);
      expect(await contents.removeContent('c1', ['car1'])).toBe(true);
      expect(await contents.get('c1')).toBeUndefined();
      expect(await contents.listCars('c1')).toEqual([]);
      expect(await contents.listPinnedWith('', 10)).toEqual([]);
    });

    it('schedules a failed unpin again', async () => {
      const contents = await makeStore();
      await contents.recordStored({ cid: 'c1', structure: 'complete', now: T0 });
      await contents.markUnpinRequested('c1', T1);
      await contents.rescheduleUnpin('c1', T2);
      const record = await contents.get('c1');
      expect(record?.unpinAfter).toBe(T2);
      expect(record?.unpinRequested).toBeUndefined();
      expect(cids(await contents.listUnpinDue(T2, 10))).toEqual(['c1']);
    });
  });
}

const request = (
  userId: string,
  created: string,
  cid = 'c1',
  extra: Partial<PinRequestRecord> = {},
) => ({
  requestId: requestIdFor(Date.parse(created)),
  userId,
  cid,
  sourceCid: cid,
  origins: [],
  created,
  ...extra,
});

export function pinRequestStoreContract(name: string, makeStore: Make<PinRequestStore>) {
  describe(`PinRequestStore contract: ${name}`, () => {
    it('creates requests with creation times unique per user, and gets them by id', async () => {
      const store = await makeStore();
      const a = request('alice', T0, 'c1', { name: 'n', meta: { k: 'v' }, origins: ['/x'] });
      expect(await store.create(a)).toBe(true);
      expect(
        await store.create({ ...request('alice', T0), requestId: requestIdFor(Date.parse(T0)) }),
      ).toBe(false);
      expect(await store.create(request('bob', T0))).toBe(true);
      expect(await store.get('alice', a.requestId)).toEqual(a);
      expect(await store.get('bob', a.requestId)).toBeUndefined();
      expect(await store.get('alice', 'not-an-id')).toBeUndefined();
      // Another id for the same instant is not this request.
      expect(await store.get('alice', requestIdFor(Date.parse(T0)))).toBeUndefined();
    });

    it("pages a user's live requests newest first, within exclusive bounds", async () => {
      const store = await makeStore();
      const made = [T0, T1, T2, LATER].map((at) => request('alice', at));
      for (const r of made) await store.create(r);
      await store.create(request('bob', T1));
      const created = (page: { requests: PinRequestRecord[] }) =>
        page.requests.map((r) => r.created);
      const first = await store.page({ userId: 'alice', limit: 2 });
      expect(created(first)).toEqual([LATER, T2]);
      expect(first.next).toBeDefined();
      const rest = await store.page({
        userId: 'alice',
        limit: 2,
        ...(first.next ? { cursor: first.next } : {}),
      });
      expect(created(rest)).toEqual([T1, T0]);
      expect(
        created(await store.page({ userId: 'alice', limit: 10, before: T2, after: T0 })),
      ).toEqual([T1]);
      // A window with nothing inside (the same instant twice, or upside down) is empty.
      for (const [before, after] of [
        [T1, T1],
        [T0, T2],
      ]) {
        expect(await store.page({ userId: 'alice', limit: 10, before, after })).toEqual({
          requests: [],
        });
      }
      await store.markDeleted('alice', made[1]?.requestId as string, T2);
      expect(created(await store.page({ userId: 'alice', limit: 10 }))).toEqual([LATER, T2, T0]);
    });

    it('finds live requests by CID; a deleted one leaves them and waits for its cleanup', async () => {
      const store = await makeStore();
      const a = request('alice', T0, 'c1');
      const b = request('alice', T1, 'c1');
      await store.create(a);
      await store.create(b);
      await store.create(request('alice', T2, 'c2'));
      expect((await store.liveForCid('alice', 'c1')).map((r) => r.requestId).sort()).toEqual(
        [a.requestId, b.requestId].sort(),
      );
      expect(await store.markDeleted('alice', a.requestId, T2)).toBe(true);
      expect(await store.markDeleted('alice', a.requestId, T2)).toBe(false);
      expect((await store.liveForCid('alice', 'c1')).map((r) => r.requestId)).toEqual([
        b.requestId,
      ]);
      expect((await store.listDeleted(LATER, 10)).map((r) => r.requestId)).toEqual([a.requestId]);
      expect(await store.listDeleted(T1, 10)).toEqual([]);
      expect((await store.get('alice', a.requestId))?.deleted).toBe(T2);
      await store.purge('alice', a.requestId);
      expect(await store.get('alice', a.requestId)).toBeUndefined();
      expect(await store.listDeleted(LATER, 10)).toEqual([]);
      // A live request is never purged.
      await store.purge('alice', b.requestId);
      expect(await store.get('alice', b.requestId)).toBeDefined();
    });
  });
}

export function operationsContract(name: string, make: Make<{ providerSets: ProviderSetStore }>) {
  describe(`ProviderSetStore contract: ${name}`, () => {
    it('keeps the provider sets, the empty one included', async () => {
      const { providerSets } = await make();
      expect(await providerSets.list()).toEqual([]);
      await providerSets.add('');
      await providerSets.add('kubo,remote');
      await providerSets.add('kubo,remote');
      expect(await providerSets.list()).toEqual(['', 'kubo,remote']);
      await providerSets.remove('');
      expect(await providerSets.list()).toEqual(['kubo,remote']);
    });
  });
}
