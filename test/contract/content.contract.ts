/** Behaviour every ContentStore and CarIndex must show (fakes and adapters alike). */
import { describe, expect, it } from 'vitest';
import type { CarRecord, ContentStore, DagStructure, StoredDag } from '../../lambdas/core/ports.ts';
import type { Make } from './make.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-01T00:00:01.000Z';
const T2 = '2024-01-01T00:00:02.000Z';
const T3 = '2024-01-01T00:00:03.000Z';
const DAY = '2024-01-08T00:00:00.000Z';

const dag = (cid: string, structure: DagStructure, now: string, size?: number): StoredDag => ({
  cid,
  structure,
  now,
  size,
});

const car = (carCid: string, overrides: Partial<CarRecord> = {}): CarRecord => ({
  carCid,
  key: `${carCid}/${carCid}.car`,
  size: 123,
  roots: ['bafyroot'],
  created: T0,
  ...overrides,
});

/** Shifts an ISO time by milliseconds. */
const at = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

export function contentStoreContract(name: string, makeStore: Make<ContentStore>) {
  describe(`ContentStore contract: ${name}`, () => {
    describe('recording stored DAGs', () => {
      it('gives undefined for unknown content', async () => {
        const contents = await makeStore();
        expect(await contents.get('mh-none')).toBeUndefined();
      });

      it('a complete DAG creates pinned content', async () => {
        const contents = await makeStore();
        const record = await contents.recordStored(dag('mh-a', 'complete', T0, 42));
        expect(record).toEqual({
          cid: 'mh-a',
          size: 42,
          structure: 'complete',
          pinStatus: 'pinned',
          created: T0,
          updated: T0,
        });
        expect(await contents.get('mh-a')).toEqual(record);
        expect(await contents.listPending('pinning', DAY, 10)).toEqual([]);
      });

      it('a partial DAG creates content that is pinning and pending', async () => {
        const contents = await makeStore();
        const record = await contents.recordStored(dag('mh-a', 'partial', T0, 42));
        expect(record).toMatchObject({ structure: 'partial', pinStatus: 'pinning', size: 42 });
        expect(await contents.get('mh-a')).toEqual(record);
        const pending = await contents.listPending('pinning', DAY, 10);
        expect(pending.map((c) => c.cid)).toEqual(['mh-a']);
      });

      it('an unknown structure is treated as not yet complete', async () => {
        const contents = await makeStore();
        const record = await contents.recordStored(dag('mh-a', 'unknown', T0));
        expect(record.pinStatus).toBe('pinning');
        expect(record.size).toBeUndefined();
      });

      it('partial then complete becomes pinned, keeps its creation time and leaves pending', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0, 10));
        const record = await contents.recordStored(dag('mh-a', 'complete', T1, 99));
        expect(record).toMatchObject({
          pinStatus: 'pinned',
          structure: 'complete',
          created: T0,
          updated: T1,
          // Measured (complete) replaces declared (partial): a client cannot inflate it.
          size: 99,
        });
        expect(await contents.listPending('pinning', DAY, 10)).toEqual([]);
      });

      it('a partial chunk after the content is pinned never downgrades it', async () => {
        const contents = await makeStore();
        const pinned = await contents.recordStored(dag('mh-a', 'complete', T0, 42));
        const after = await contents.recordStored(dag('mh-a', 'partial', T1, 7));
        expect(after).toEqual(pinned);
        expect(await contents.get('mh-a')).toEqual(pinned);
        expect(await contents.listPending('pinning', DAY, 10)).toEqual([]);
      });

      it('the first known size and creation time win', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0));
        await contents.recordStored(dag('mh-a', 'partial', T1, 500));
        await contents.recordStored(dag('mh-a', 'partial', T2, 900));
        const record = await contents.get('mh-a');
        expect(record).toMatchObject({ cid: 'mh-a', created: T0, updated: T2, size: 500 });
      });

      it('markComplete pins pending content and fills a missing size', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'unknown', T0));
        await contents.markComplete('mh-a', 321, T1);
        expect(await contents.get('mh-a')).toMatchObject({
          structure: 'complete',
          pinStatus: 'pinned',
          size: 321,
          updated: T1,
          created: T0,
        });
        expect(await contents.listPending('pinning', DAY, 10)).toEqual([]);
      });

      it('markComplete replaces a declared size with the measured one', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0, 10_000_000_000_000));
        await contents.markComplete('mh-a', 250, T1);
        expect((await contents.get('mh-a'))?.size).toBe(250);
      });

      it('keeps the first declared size while the DAG is partial', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0, 100));
        await contents.recordStored(dag('mh-a', 'partial', T1, 7));
        expect((await contents.get('mh-a'))?.size).toBe(100);
      });

      it('markComplete of unknown content fails rather than inventing a record', async () => {
        const contents = await makeStore();
        await expect(contents.markComplete('mh-none', 1, T0)).rejects.toThrow();
        expect(await contents.get('mh-none')).toBeUndefined();
      });
    });

    describe('markFailed', () => {
      it('fails incomplete content and takes it off the pending list', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0, 5));
        await contents.markFailed('mh-a', T1);
        expect(await contents.get('mh-a')).toMatchObject({
          pinStatus: 'failed',
          structure: 'partial',
          updated: T1,
          created: T0,
          size: 5,
        });
        expect(await contents.listPending('pinning', DAY, 10)).toEqual([]);
      });

      it('never touches pinned content', async () => {
        const contents = await makeStore();
        const pinned = await contents.recordStored(dag('mh-a', 'complete', T0, 5));
        await contents.markFailed('mh-a', T1);
        expect(await contents.get('mh-a')).toEqual(pinned);
      });

      it('does nothing for unknown content', async () => {
        const contents = await makeStore();
        await contents.markFailed('mh-none', T1);
        expect(await contents.get('mh-none')).toBeUndefined();
      });

      it('a later chunk revives failed content: partial to pinning, complete to pinned', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T0));
        await contents.markFailed('mh-a', T1);
        const revived = await contents.recordStored(dag('mh-a', 'partial', T2));
        expect(revived.pinStatus).toBe('pinning');
        const pending = await contents.listPending('pinning', DAY, 10);
        expect(pending.map((c) => c.cid)).toEqual(['mh-a']);
        await contents.markFailed('mh-a', T3);
        expect((await contents.recordStored(dag('mh-a', 'complete', DAY))).pinStatus).toBe(
          'pinned',
        );
      });
    });

    describe('getMany', () => {
      it('returns the known records keyed by CID and skips unknown ones', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0, 1));
        await contents.recordStored(dag('mh-b', 'partial', T0, 2));
        const found = await contents.getMany(['mh-a', 'mh-b', 'mh-none']);
        expect([...found.keys()].sort()).toEqual(['mh-a', 'mh-b']);
        expect(found.get('mh-b')).toEqual(await contents.get('mh-b'));
        expect((await contents.getMany([])).size).toBe(0);
      });

      it('reads more records than one batch holds', async () => {
        const contents = await makeStore();
        const multihashes = Array.from(
          { length: 130 },
          (_, i) => `mh-${String(i).padStart(3, '0')}`,
        );
        await Promise.all(
          multihashes.map((mh) => contents.recordStored(dag(mh, 'complete', T0, 1))),
        );
        const found = await contents.getMany(multihashes);
        expect(found.size).toBe(130);
      });
    });

    describe('CARs of content', () => {
      it('lists every CAR recorded, once, and only for that content', async () => {
        const contents = await makeStore();
        await contents.recordCar('mh-a', car('bagcar2'), 'alice#a');
        await contents.recordCar('mh-a', car('bagcar1', { size: 7 }), 'bob#a');
        await contents.recordCar('mh-a', car('bagcar2'), 'alice#a');
        await contents.recordCar('mh-b', car('bagcar3'), 'alice#b');
        const cars = await contents.listCars('mh-a');
        expect(cars.map((c) => c.carCid).sort()).toEqual(['bagcar1', 'bagcar2']);
        expect(cars.find((c) => c.carCid === 'bagcar1')).toEqual(car('bagcar1', { size: 7 }));
        expect(await contents.listCars('mh-none')).toEqual([]);
      });

      it('records the upload holding the content with its CAR', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.recordCar('mh-a', car('bagcar1'), 'alice#a');
        expect(await contents.hasHolders('mh-a')).toBe(true);
        await contents.removeHolder('mh-a', 'alice#a', DAY);
        expect(await contents.hasHolders('mh-a')).toBe(false);
        expect(await contents.listCars('mh-a')).toHaveLength(1);
      });
    });

    describe('unconfirmed holds', () => {
      it('a new hold is listed as unconfirmed, by when it was recorded, until confirmed', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#a', T1);
        await contents.recordCar('mh-b', car('bagcar1', { created: T0 }), 'bob#b');
        expect(await contents.listUnconfirmedHolders(T2, 10)).toEqual([
          { cid: 'mh-b', holder: 'bob#b', recorded: T0 },
          { cid: 'mh-a', holder: 'alice#a', recorded: T1 },
        ]);
        expect(await contents.listUnconfirmedHolders(T1, 10)).toHaveLength(1);
        expect(await contents.listUnconfirmedHolders(T2, 1)).toHaveLength(1);
        await contents.confirmHolder('mh-a', 'alice#a', T1);
        await contents.confirmHolder('mh-a', 'alice#a', T1);
        expect(await contents.listUnconfirmedHolders(T2, 10)).toEqual([
          { cid: 'mh-b', holder: 'bob#b', recorded: T0 },
        ]);
        expect(await contents.hasHolders('mh-a')).toBe(true);
      });

      it('confirms only a hold still unconfirmed since the time the cron saw', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#a', T0);
        // Taken again (by a delete about to release it) after the cron listed it.
        await contents.addHolder('mh-a', 'alice#a', T1);
        await contents.confirmHolder('mh-a', 'alice#a', T0);
        expect(await contents.listUnconfirmedHolders(T2, 10)).toEqual([
          { cid: 'mh-a', holder: 'alice#a', recorded: T1 },
        ]);
        await contents.confirmHolder('mh-a', 'alice#a', T1);
        expect(await contents.listUnconfirmedHolders(T2, 10)).toEqual([]);
      });

      it('confirming a released hold leaves it released', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#a', T0);
        await contents.removeHolder('mh-a', 'alice#a', DAY);
        await contents.confirmHolder('mh-a', 'alice#a', T0);
        expect(await contents.hasHolders('mh-a')).toBe(false);
        expect(await contents.listUnconfirmedHolders(DAY, 10)).toEqual([]);
      });

      it('a conditional release removes only a hold still unconfirmed since then', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#a', T0);
        // Taken again by the upload (a re-upload) before the release: it stays.
        await contents.addHolder('mh-a', 'alice#a', T1);
        await contents.removeHolder('mh-a', 'alice#a', DAY, T0);
        expect(await contents.hasHolders('mh-a')).toBe(true);
        await contents.removeHolder('mh-a', 'alice#a', DAY, T1);
        expect(await contents.hasHolders('mh-a')).toBe(false);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
      });
    });

    describe('holders and unpinning', () => {
      it('addHolder is idempotent and hasHolders reflects it', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        expect(await contents.hasHolders('mh-a')).toBe(false);
        await contents.addHolder('mh-a', 'alice#cid', T0);
        await contents.addHolder('mh-a', 'alice#cid', T0);
        expect(await contents.hasHolders('mh-a')).toBe(true);
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        expect(await contents.hasHolders('mh-a')).toBe(false);
      });

      // Scheduled before the hold goes, so a crash in between cannot leave content nothing
      // holds and nothing will unpin; the cron drops a schedule of held content when due.
      it('removing one of two holders schedules the unpin all the same', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#cid', T0);
        await contents.addHolder('mh-a', 'bob#cid', T0);
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        expect(await contents.hasHolders('mh-a')).toBe(true);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
        expect((await contents.listUnpinDue(DAY, 10)).map((c) => c.cid)).toEqual(['mh-a']);
      });

      it('a hold whose conditional removal fails still schedules the unpin', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#cid', T1);
        await contents.removeHolder('mh-a', 'alice#cid', DAY, T0);
        expect(await contents.hasHolders('mh-a')).toBe(true);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
      });

      it('removing a hold of content not recorded yet creates nothing', async () => {
        const contents = await makeStore();
        await contents.recordCar('mh-none', car('bagcar1'), 'alice#cid');
        await contents.removeHolder('mh-none', 'alice#cid', DAY);
        expect(await contents.hasHolders('mh-none')).toBe(false);
        expect(await contents.get('mh-none')).toBeUndefined();
        expect(await contents.listUnpinDue(DAY, 10)).toEqual([]);
      });

      it('removing the last holder schedules the unpin, due at and after its time only', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#cid', T0);
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
        expect(await contents.listUnpinDue(at(DAY, -1), 10)).toEqual([]);
        expect((await contents.listUnpinDue(DAY, 10)).map((c) => c.cid)).toEqual(['mh-a']);
        const later = await contents.listUnpinDue(at(DAY, 86_400_000), 10);
        expect(later.map((c) => c.cid)).toEqual(['mh-a']);
        expect(later[0]?.unpinAfter).toBe(DAY);
      });

      // The grace period runs from the last release.
      it('a later removal moves the due time later, an earlier one leaves it', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#cid', T0);
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        await contents.removeHolder('mh-a', 'bob#cid', at(DAY, 5000));
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(at(DAY, 5000));
        expect(await contents.listUnpinDue(DAY, 10)).toEqual([]);
        expect(await contents.listUnpinDue(at(DAY, 5000), 10)).toHaveLength(1);
      });

      it('a removal once the unpin is requested schedules nothing again', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        await contents.markUnpinRequested('mh-a', at(DAY, 60_000));
        await contents.removeHolder('mh-a', 'alice#cid', at(DAY, 120_000));
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
        expect(await contents.listUnpinDue(at(DAY, 120_000), 10)).toEqual([]);
      });

      it('lists due content oldest first, up to the limit', async () => {
        const contents = await makeStore();
        for (const [mh, due] of [
          ['mh-c', T3],
          ['mh-a', T1],
          ['mh-b', T2],
        ] as const) {
          await contents.recordStored(dag(mh, 'complete', T0));
          await contents.removeHolder(mh, 'gone', due);
        }
        const due = await contents.listUnpinDue(DAY, 2);
        expect(due.map((c) => c.cid)).toEqual(['mh-a', 'mh-b']);
      });

      it('cancelUnpin drops the schedule', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        await contents.cancelUnpin('mh-a');
        expect((await contents.get('mh-a'))?.unpinAfter).toBeUndefined();
        expect(await contents.listUnpinDue(at(DAY, 1000), 10)).toEqual([]);
      });

      it('cancelUnpin with a due time drops only a schedule still due then', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        // A release moved it later since the cron read it.
        await contents.removeHolder('mh-a', 'bob#cid', at(DAY, 1000));
        await contents.cancelUnpin('mh-a', DAY);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(at(DAY, 1000));
        await contents.cancelUnpin('mh-a', at(DAY, 1000));
        expect((await contents.get('mh-a'))?.unpinAfter).toBeUndefined();
        await contents.cancelUnpin('mh-none', DAY);
        expect(await contents.get('mh-none')).toBeUndefined();
      });

      // Exposes an adapter bug (lambdas/adapters/dynamodb/content.ts cancelUnpin): the update has
      // no condition, so DynamoDB creates a key-only item and get() answers `{}`.
      it('cancelUnpin of unknown content creates nothing', async () => {
        const contents = await makeStore();
        await contents.cancelUnpin('mh-none');
        expect(await contents.get('mh-none')).toBeUndefined();
      });

      it('a new holder leaves a scheduled unpin for cancelUnpin or the cron to drop', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.addHolder('mh-a', 'alice#cid', T0);
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        await contents.addHolder('mh-a', 'bob#cid', T0);
        expect(await contents.hasHolders('mh-a')).toBe(true);
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(DAY);
        expect(await contents.listUnpinDue(DAY, 10)).toHaveLength(1);
        await contents.cancelUnpin('mh-a');
        expect(await contents.listUnpinDue(DAY, 10)).toEqual([]);
        // When the last holder leaves again, a fresh unpin is scheduled.
        await contents.removeHolder('mh-a', 'bob#cid', at(DAY, 1000));
        expect((await contents.get('mh-a'))?.unpinAfter).toBe(at(DAY, 1000));
      });

      it('markUnpinRequested records the request and takes the content off the due list', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'complete', T0));
        await contents.removeHolder('mh-a', 'alice#cid', DAY);
        await contents.markUnpinRequested('mh-a', at(DAY, 60_000));
        expect((await contents.get('mh-a'))?.unpinRequested).toBe(at(DAY, 60_000));
        expect(await contents.listUnpinDue(at(DAY, 120_000), 10)).toEqual([]);
        await contents.cancelUnpin('mh-a');
        const record = await contents.get('mh-a');
        expect(record?.unpinRequested).toBeUndefined();
        expect(record?.unpinAfter).toBeUndefined();
      });

      it('markUnpinRequested of unknown content fails rather than inventing a record', async () => {
        const contents = await makeStore();
        await expect(contents.markUnpinRequested('mh-none', T0)).rejects.toThrow();
        expect(await contents.get('mh-none')).toBeUndefined();
      });
    });

    describe('listPending', () => {
      it('lists by status, updated strictly before the bound, oldest first, up to the limit', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-c', 'partial', T3));
        await contents.recordStored(dag('mh-a', 'partial', T1));
        await contents.recordStored(dag('mh-b', 'unknown', T2));
        await contents.recordStored(dag('mh-done', 'complete', T0));
        const ids = async (before: string, limit = 10) =>
          (await contents.listPending('pinning', before, limit)).map((c) => c.cid);
        expect(await ids(DAY)).toEqual(['mh-a', 'mh-b', 'mh-c']);
        expect(await ids(DAY, 2)).toEqual(['mh-a', 'mh-b']);
        expect(await ids(T2)).toEqual(['mh-a']);
        expect(await ids(at(T2, 1))).toEqual(['mh-a', 'mh-b']);
        expect(await contents.listPending('queued', DAY, 10)).toEqual([]);
        expect(await contents.listPending('pinned', DAY, 10)).toEqual([]);
      });

      it('a newer partial chunk moves the content to its new update time', async () => {
        const contents = await makeStore();
        await contents.recordStored(dag('mh-a', 'partial', T1));
        await contents.recordStored(dag('mh-b', 'partial', T2));
        await contents.recordStored(dag('mh-a', 'partial', T3));
        const pending = await contents.listPending('pinning', DAY, 10);
        expect(pending.map((c) => c.cid)).toEqual(['mh-b', 'mh-a']);
        expect(pending[1]?.updated).toBe(T3);
        expect((await contents.listPending('pinning', T3, 10)).map((c) => c.cid)).toEqual(['mh-b']);
      });
    });
  });
}
