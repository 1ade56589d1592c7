import { describe, expect, it } from 'vitest';
import { MAX_FILE_LIST_ANSWER_BYTES } from '../../../contract/limits.ts';
import { type ContentId, fromCid, parseContentId } from '../../../lambdas/codecs/cid.ts';
import type { Principal } from '../../../lambdas/core/auth.ts';
import { maintainPins } from '../../../lambdas/core/pin-maintenance.ts';
import {
  answerBytes,
  checkContent,
  checkFileList,
  deleteUpload,
  getUpload,
  type IncomingCar,
  listUploads,
  PAGE_ANSWER_BYTES,
  renameUpload,
  storeUpload,
} from '../../../lambdas/core/uploads.ts';
import {
  type FakePorts,
  failNext,
  fakePorts,
  InjectedFailure,
  pauseBefore,
} from '../../support/fakes.ts';
import { partialCar, rawCar } from './incoming-car.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

const alice: Principal = { userId: 'alice', tokenId: 'aliceaaaaaaaaaaa', tokenName: 'laptop' };
const bob: Principal = { userId: 'bob', tokenId: 'bobbbbbbbbbbbbbb', tokenName: 'ci' };

const idOf = (car: IncomingCar): ContentId => fromCid(car.root);
const carKey = (car: IncomingCar) => `${car.carCid}/${car.carCid}.car`;

function setup() {
  const ports = fakePorts();
  ports.clock.set(T0);
  return { ports, deletePorts: ports };
}

const store = (
  ports: FakePorts,
  principal: Principal,
  car: IncomingCar,
  extra: { name?: string; type?: string } = {},
) => storeUpload({ principal, car, type: 'application/car', files: [], ...extra }, ports);

/** Everything a finished storeUpload leaves behind, for comparing states. */
async function stateOf(ports: FakePorts, principal: Principal, car: IncomingCar) {
  const id = idOf(car);
  return {
    blob: await ports.carpark.get(carKey(car)),
    cars: await ports.contents.listCars(id.v1),
    content: await ports.contents.get(id.v1),
    held: ports.contents.holders.get(id.v1),
    upload: await ports.uploads.get(principal.userId, id.v1),
    uploadCount: ports.uploads.uploads.size,
    contentCount: ports.contents.contents.size,
  };
}

describe('storeUpload', () => {
  it('stores the CAR under its own CID, then content, holder and upload', async () => {
    const { ports } = setup();
    const car = await rawCar('hello pinstack');
    const id = idOf(car);
    const status = await store(ports, alice, car, { name: 'greeting', type: 'text/plain' });

    expect(await ports.carpark.get(carKey(car))).toEqual(car.bytes);
    const carRecord = {
      carCid: car.carCid.toString(),
      key: carKey(car),
      size: (car.bytes as Uint8Array).length,
      roots: [car.root.toString()],
      created: T0,
    };
    expect(await ports.contents.listCars(id.v1)).toEqual([carRecord]);
    expect(await ports.contents.get(id.v1)).toEqual({
      cid: car.root.toV1().toString(),
      size: 14,
      structure: 'complete',
      pinStatus: 'pinned',
      created: T0,
      updated: T0,
    });
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);
    expect(await ports.uploads.get('alice', id.v1)).toEqual({
      userId: 'alice',
      cid: id.v1,
      sourceCid: id.source,
      name: 'greeting',
      type: 'text/plain',
      files: [],
      tokenId: alice.tokenId,
      tokenName: 'laptop',
      created: T0,
      updated: T0,
    });
    expect(status).toEqual({
      cid: car.root.toString(),
      created: T0,
      type: 'text/plain',
      scope: 'laptop',
      files: [],
      size: 14,
      name: 'greeting',
      pin: { cid: id.v1, created: T0, size: 14, status: 'pinned' },
      deals: [],
    });
    expect(ports.pinQueue.sent).toEqual([{ op: 'pin', cid: id.v1 }]);
    expect(ports.ingestQueue.sent).toEqual([]);
  });

  it('names an unnamed upload after its time', async () => {
    const { ports } = setup();
    const status = await store(ports, alice, await rawCar('unnamed'));
    expect(status.name).toBe(`Upload at ${T0}`);
  });

  it('a retried upload leaves exactly one upload and one content, created unchanged', async () => {
    const { ports } = setup();
    const car = await rawCar('retry me');
    await store(ports, alice, car, { name: 'n' });
    const first = await stateOf(ports, alice, car);
    ports.clock.advance(30_000);
    const status = await store(ports, alice, car, { name: 'n' });
    const second = await stateOf(ports, alice, car);

    expect(status.created).toBe(T0);
    expect(second.uploadCount).toBe(1);
    expect(second.contentCount).toBe(1);
    expect(second.cars).toHaveLength(1);
    // The same CAR, recorded once (a repeat only refreshes when it was last recorded).
    const withoutTime = ({ created: _, ...car }: { created: string }) => car;
    expect(second.cars.map(withoutTime)).toEqual(first.cars.map(withoutTime));
    expect(second.upload?.created).toBe(T0);
    expect(second.content?.created).toBe(T0);
    expect(ports.carpark.blobs.size).toBe(1);
  });

  it('two users storing the same content share one content record, each with an upload', async () => {
    const { ports } = setup();
    const car = await rawCar('shared');
    const id = idOf(car);
    await store(ports, alice, car);
    ports.clock.advance(5_000);
    const bobs = await store(ports, bob, car);

    expect(ports.contents.contents.size).toBe(1);
    expect((await ports.contents.get(id.v1))?.created).toBe(T0);
    expect(await ports.uploads.get('alice', id.v1)).toBeDefined();
    expect(await ports.uploads.get('bob', id.v1)).toMatchObject({ tokenName: 'ci' });
    expect(bobs.created).not.toBe(T0);
    expect(bobs.pin.created).toBe(T0);
    expect(ports.contents.holders.get(id.v1)).toEqual(new Set([`alice#${id.v1}`, `bob#${id.v1}`]));
  });

  it('a partial CAR leaves the content pinning and asks ingest to check the DAG', async () => {
    const { ports } = setup();
    const { car } = await partialCar('leaf not included');
    const id = idOf(car);
    const status = await store(ports, alice, car);

    expect(status.pin.status).toBe('pinning');
    expect(status.size).toBe(car.dagSize);
    expect(await ports.contents.get(id.v1)).toMatchObject({
      structure: 'partial',
      pinStatus: 'pinning',
    });
    expect(ports.ingestQueue.sent).toEqual([{ kind: 'check-dag', cid: id.v1 }]);
    expect(ports.pinQueue.sent).toEqual([{ op: 'pin', cid: id.v1 }]);
  });

  it('a CIDv0 root is one upload with its CIDv1 form and answers in the form uploaded', async () => {
    const { ports } = setup();
    const { car } = await partialCar('old tools', { v0: true });
    const status = await store(ports, alice, car);
    const v0 = car.root.toString();
    const v1 = car.root.toV1().toString();
    expect(v0.startsWith('Qm')).toBe(true);
    expect(status.cid).toBe(v0);
    expect((await ports.uploads.get('alice', v1))?.sourceCid).toBe(v0);

    const byV1 = await getUpload(alice, parseContentId(v1) as ContentId, ports);
    expect(byV1.ok && byV1.value.cid).toBe(v1);
    const byV0 = await getUpload(alice, parseContentId(v0) as ContentId, ports);
    expect(byV0.ok && byV0.value.cid).toBe(v0);
  });

  it('re-uploading after a delete revives the upload and cancels the unpin', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('comes back');
    const id = idOf(car);
    await store(ports, alice, car);
    ports.clock.advance(1_000);
    expect((await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).ok).toBe(
      true,
    );
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBeDefined();

    ports.clock.advance(1_000);
    const status = await store(ports, alice, car);
    expect(status.created).toBe(T0);
    expect((await ports.uploads.get('alice', id.v1))?.deleted).toBeUndefined();
    const content = await ports.contents.get(id.v1);
    expect(content?.unpinAfter).toBeUndefined();
    expect(content?.unpinRequested).toBeUndefined();
    expect(await ports.contents.listUnpinDue('2030-01-01T00:00:00.000Z', 10)).toEqual([]);
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);
    expect((await getUpload(alice, id, ports)).ok).toBe(true);
  });

  it('re-uploading after the unpin was requested cancels it and pins again', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('nearly gone');
    const id = idOf(car);
    await store(ports, alice, car);
    await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    await ports.contents.markUnpinRequested(id.v1, T0);
    ports.pinQueue.sent.length = 0;

    await store(ports, alice, car);
    expect((await ports.contents.get(id.v1))?.unpinRequested).toBeUndefined();
    expect(ports.pinQueue.sent).toEqual([{ op: 'pin', cid: id.v1 }]);
  });
});

describe('storeUpload after a crash', () => {
  const steps: [string, (ports: FakePorts) => void][] = [
    ['carpark.put', (p) => failNext(p.carpark, 'put')],
    ['contents.recordStored', (p) => failNext(p.contents, 'recordStored')],
    ['contents.recordCar', (p) => failNext(p.contents, 'recordCar')],
    ['uploads.create', (p) => failNext(p.uploads, 'create')],
    ['ingestQueue.send', (p) => failNext(p.ingestQueue, 'send')],
    ['pinQueue.send', (p) => failNext(p.pinQueue, 'send')],
  ];

  it.each(steps)(
    'a failure at %s then a retry ends in the same state as no failure',
    async (_step, breakIt) => {
      const { car } = await partialCar('crash course');

      const clean = setup().ports;
      await store(clean, alice, car, { name: 'n' });
      const expected = await stateOf(clean, alice, car);

      const { ports } = setup();
      breakIt(ports);
      await expect(store(ports, alice, car, { name: 'n' })).rejects.toThrow(InjectedFailure);
      await store(ports, alice, car, { name: 'n' });
      expect(await stateOf(ports, alice, car)).toEqual(expected);
      // Follow-up messages may repeat (consumers are idempotent) but are never lost.
      expect(ports.pinQueue.sent).toContainEqual(clean.pinQueue.sent[0]);
      expect(ports.ingestQueue.sent).toContainEqual(clean.ingestQueue.sent[0]);
    },
  );

  it.each([
    ['contents.cancelUnpin', (p: FakePorts) => failNext(p.contents, 'cancelUnpin')],
    ['uploads.revive', (p: FakePorts) => failNext(p.uploads, 'revive')],
  ] as const)(
    'a crash at %s while re-uploading deleted content still cancels the unpin',
    async (_step, breakIt) => {
      const { ports, deletePorts } = setup();
      const car = await rawCar('fragile');
      const id = idOf(car);
      await store(ports, alice, car);
      await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
      breakIt(ports);
      await expect(store(ports, alice, car)).rejects.toThrow(InjectedFailure);
      await store(ports, alice, car);
      expect((await ports.contents.get(id.v1))?.unpinAfter).toBeUndefined();
      expect((await ports.uploads.get('alice', id.v1))?.deleted).toBeUndefined();
    },
  );
});

describe('getUpload, listUploads, renameUpload, checkContent', () => {
  it("answers 404 for another user's upload and for unknown CIDs", async () => {
    const { ports } = setup();
    const car = await rawCar('private');
    await store(ports, alice, car);
    const theirs = await getUpload(bob, idOf(car), ports);
    expect(theirs).toEqual({ ok: false, error: { name: 'NotFound', message: 'NFT not found' } });
    const unknown = await getUpload(alice, idOf(await rawCar('never stored')), ports);
    expect(unknown.ok).toBe(false);
  });

  it("lists the caller's uploads newest first with their pins", async () => {
    const { ports } = setup();
    const first = await rawCar('first');
    const second = await rawCar('second');
    await store(ports, alice, first);
    ports.clock.advance(1_000);
    await store(ports, alice, second);
    await store(ports, bob, await rawCar('bobs'));
    const listed = await listUploads(
      alice,
      { limit: 10, before: '2030-01-01T00:00:00.000Z' },
      ports,
    );
    expect(listed.statuses.map((s) => s.cid)).toEqual([
      second.root.toString(),
      first.root.toString(),
    ]);
    expect(listed.statuses.every((s) => s.pin.status === 'pinned')).toBe(true);
    expect(listed.next).toBeUndefined();

    const paged = await listUploads(alice, { limit: 1, before: '2030-01-01T00:00:00.000Z' }, ports);
    expect(paged.statuses).toHaveLength(1);
    expect(paged.next).toBeDefined();
  });

  it('renames live uploads only', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('rename me');
    const id = idOf(car);
    await store(ports, alice, car);
    const renamed = await renameUpload(alice, id, 'new name', ports);
    expect(renamed.ok && renamed.value.name).toBe('new name');
    expect((await renameUpload(bob, id, 'hijack', ports)).ok).toBe(false);
    await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    expect((await renameUpload(alice, id, 'too late', ports)).ok).toBe(false);
  });

  it('checkContent answers for any stored content and 404 for unknown content', async () => {
    const { ports } = setup();
    const car = await rawCar('public');
    await store(ports, alice, car);
    expect(await checkContent(idOf(car), ports)).toEqual({
      ok: true,
      value: {
        cid: car.root.toString(),
        pin: { cid: car.root.toString(), created: T0, size: 6, status: 'pinned' },
        deals: [],
      },
    });
    const unknown = await checkContent(idOf(await rawCar('nope')), ports);
    expect(unknown.ok || unknown.error.name).toBe('NotFound');
  });
});

describe('deleteUpload', () => {
  it('deletes a live upload once; a repeat or an unknown CID is 404', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('delete me');
    const id = idOf(car);
    await store(ports, alice, car);
    expect(await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).toEqual({
      ok: true,
      value: undefined,
    });
    expect((await ports.uploads.get('alice', id.v1))?.deleted).toBe(T0);
    expect((await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).ok).toBe(
      false,
    );
    const unknown = await deleteUpload(alice, idOf(await rawCar('unknown')), deletePorts, {
      UNPIN_GRACE_DAYS: GRACE_DAYS,
    });
    expect(unknown.ok || unknown.error).toMatchObject({
      name: 'NotFound',
      message: 'NFT not found',
    });
    expect((await getUpload(alice, id, ports)).ok).toBe(false);
    const listed = await listUploads(
      alice,
      { limit: 10, before: '2030-01-01T00:00:00.000Z' },
      ports,
    );
    expect(listed.statuses).toEqual([]);
  });

  it("cannot touch another user's upload", async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('mine');
    const id = idOf(car);
    await store(ports, alice, car);
    expect((await deleteUpload(bob, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).ok).toBe(
      false,
    );
    expect((await ports.uploads.get('alice', id.v1))?.deleted).toBeUndefined();
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBeUndefined();
  });

  it('keeps the content served by checkContent after the upload is gone', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('still here');
    await store(ports, alice, car);
    await deleteUpload(alice, idOf(car), deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    const checked = await checkContent(idOf(car), ports);
    expect(checked.ok && checked.value.pin.status).toBe('pinned');
  });

  it('removing the last holder schedules the unpin the grace days after it', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('grace');
    const id = idOf(car);
    await store(ports, alice, car);
    await store(ports, bob, car);
    ports.clock.advance(60_000);

    await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);

    ports.clock.advance(60_000);
    await deleteUpload(bob, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    const due = new Date(Date.parse(T0) + 120_000 + GRACE_DAYS * DAY_MS).toISOString();
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBe(due);
    expect(
      await ports.contents.listUnpinDue(new Date(Date.parse(due) - 1).toISOString(), 10),
    ).toEqual([]);
    expect((await ports.contents.listUnpinDue(due, 10)).map((c) => c.cid)).toEqual([id.v1]);
  });

  it('a crash after hiding the upload is repaired by the retry', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('half deleted');
    const id = idOf(car);
    await store(ports, alice, car);
    failNext(ports.contents, 'removeHolder');
    await expect(
      deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS }),
    ).rejects.toThrow(InjectedFailure);
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);

    // The retry finds the upload already hidden (404) but still releases the hold.
    expect((await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).ok).toBe(
      false,
    );
    expect(await ports.contents.hasHolders(id.v1)).toBe(false);
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBeDefined();
  });

  // Both cases expose a core bug (lambdas/core/uploads.ts storeUpload/deleteUpload): when the
  // same user re-uploads while deleting that upload, the delete can remove the holder of the
  // revived upload; the pin-status cron then sees no holder and unpins live content.
  const expectHeldAndLive = async (ports: FakePorts, id: ContentId) => {
    expect((await ports.uploads.get('alice', id.v1))?.deleted).toBeUndefined();
    expect(await ports.contents.hasHolders(id.v1)).toBe(true);
    ports.clock.advance((GRACE_DAYS + 1) * DAY_MS);
    await maintainPins(ports, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: GRACE_DAYS }, 100);
    expect(ports.pinQueue.sent.filter((m) => m.op === 'unpin')).toEqual([]);
  };

  it('a re-upload finishing while a delete is about to release the hold keeps it held', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('contested');
    const id = idOf(car);
    await store(ports, alice, car);

    const gate = pauseBefore(ports.contents, 'removeHolder');
    const deleting = deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS });
    await gate.reached;
    await store(ports, alice, car);
    gate.release();
    await deleting;
    await expectHeldAndLive(ports, id);
  });

  it('a delete finishing while a re-upload is about to revive the upload keeps it held', async () => {
    const { ports, deletePorts } = setup();
    const car = await rawCar('contested too');
    const id = idOf(car);
    await store(ports, alice, car);

    const gate = pauseBefore(ports.uploads, 'revive');
    const storing = store(ports, alice, car);
    await gate.reached;
    expect((await deleteUpload(alice, id, deletePorts, { UNPIN_GRACE_DAYS: GRACE_DAYS })).ok).toBe(
      true,
    );
    gate.release();
    await storing;
    await expectHeldAndLive(ports, id);
  });
});

describe('long file lists', () => {
  const filesOf = (count: number, nameLength: number, seed: string) =>
    Array.from({ length: count }, (_, i) => ({
      name: `${seed}-${String(i).padStart(nameLength, '0')}.json`,
      type: 'application/json',
    }));

  it('are stored beside the CARs, kept out of the record, and shown whole', async () => {
    const { ports } = setup();
    const car = await rawCar('a collection');
    const files = filesOf(2_000, 40, 'meta');
    const status = await store(ports, alice, car, { type: 'directory' });
    expect(status.files).toEqual([]);
    const { ports: withList } = setup();
    const stored = await storeUpload({ principal: alice, car, type: 'directory', files }, withList);
    expect(stored.files).toEqual(files);
    const record = await withList.uploads.get('alice', idOf(car).v1);
    expect(record?.files).toEqual([]);
    expect(record?.fileList).toMatchObject({ count: 2_000 });
    expect(JSON.stringify(record).length).toBeLessThan(2_000);
    expect(withList.carpark.blobs.has(record?.fileList?.key ?? '')).toBe(true);
    const fetched = await getUpload(alice, idOf(car), withList);
    expect(fetched.ok && fetched.value.files).toEqual(files);
    const listed = await listUploads(alice, { limit: 10 }, withList);
    expect(listed.statuses[0]?.files).toEqual(files);
  });

  it('are refused when no answer could carry them, a `"` counting twice (escaped in the body)', () => {
    const named = (char: string) =>
      Array.from({ length: 7_300 }, (_, i) => ({ name: `${i}${char.repeat(250)}`, type: 'x/y' }));
    // Each about 1.9 MB of JSON; as an answer, the quotes' escapes double one of them.
    expect(checkFileList(named('a'))).toEqual({ ok: true, value: undefined });
    const refused = checkFileList(named('"'));
    expect(refused.ok).toBe(false);
    expect(answerBytes(named('"'))).toBeGreaterThan(MAX_FILE_LIST_ANSWER_BYTES);
  });

  it('end a list page by the bytes of its answer, not the characters of its lists', async () => {
    const { ports } = setup();
    // 32 KB of JSON each, kept inline, but twice that in an answer: 140 of them are
    // 4.6 MB of JSON and 9 MB of answer, more than a Lambda may send.
    const files = Array.from({ length: 120 }, (_, i) => ({
      name: `${i}${'"'.repeat(250)}`,
      type: 'x',
    }));
    for (let i = 0; i < 140; i++) {
      await storeUpload(
        { principal: alice, car: await rawCar(`quoted ${i}`), type: 'directory', files },
        ports,
      );
      ports.clock.advance(1_000);
    }
    let cursor: string | undefined;
    let listed = 0;
    let pages = 0;
    do {
      const page = await listUploads(alice, { limit: 1000, cursor }, ports);
      expect(answerBytes(page.statuses)).toBeLessThanOrEqual(PAGE_ANSWER_BYTES);
      listed += page.statuses.length;
      pages++;
      cursor = page.next;
    } while (cursor);
    expect(listed).toBe(140);
    expect(pages).toBeGreaterThan(1);
  });

  it('end a list page early, with a cursor, rather than outgrow a Lambda response', async () => {
    const { ports } = setup();
    // About 2.2 MB of answer each: two fit in a page's budget, three do not.
    for (const seed of ['one', 'two', 'three']) {
      await storeUpload(
        {
          principal: alice,
          car: await rawCar(seed),
          type: 'directory',
          files: filesOf(10_000, 160, seed),
        },
        ports,
      );
      ports.clock.advance(1_000);
    }
    const first = await listUploads(alice, { limit: 10 }, ports);
    expect(first.statuses).toHaveLength(2);
    expect(first.next).toBeDefined();
    const second = await listUploads(alice, { limit: 10, cursor: first.next }, ports);
    expect(second.statuses).toHaveLength(1);
    expect(second.next).toBeUndefined();
    expect(JSON.stringify(first.statuses).length).toBeLessThan(6_000_000);
  });
});
