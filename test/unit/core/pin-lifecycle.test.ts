/**
 * After the upload request: completing chunked DAGs in the ingest consumer, and the pin-status
 * cron re-queuing stale checks and requesting unpins once the grace period is over.
 */
import * as dagCbor from '@ipld/dag-cbor';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { fromCid } from '../../../lambdas/codecs/cid.ts';
import { completeDag } from '../../../lambdas/core/dag-completion.ts';
import { type Block, carCid, encodeCar, packFile } from '../../../lambdas/core/ipfs/index.ts';
import { maintainPins } from '../../../lambdas/core/pin-maintenance.ts';
import { carFromUpload } from '../../../lambdas/core/prepare.ts';
import { deleteUpload, linkIndexKey, storeUpload } from '../../../lambdas/core/uploads.ts';
import { FakeClock, failNext, fakePorts } from '../../support/fakes.ts';

const alice = { userId: 'alice', tokenId: 'aaaaaaaaaaaaaaaa', tokenName: 'laptop' };
const bob = { userId: 'bob', tokenId: 'bbbbbbbbbbbbbbbb', tokenName: 'phone' };

/** A 5-leaf file DAG split into two CAR chunks that share the root, as treewalk splitting does. */
async function chunkedDag() {
  let x = 7;
  const content = new Uint8Array(1_200_000).map(() => {
    x = (x * 1_103_515_245 + 12_345) >>> 0;
    return x >>> 24;
  });
  const packed = await packFile(content);
  if (!packed.ok) throw new Error('pack failed');
  const [root, ...leaves] = packed.value.blocks as [Block, ...Block[]];
  const chunk = async (blocks: Block[]) => {
    const bytes = await encodeCar(packed.value.root, [root, ...blocks]);
    const node = dagPb.decode(root.bytes);
    return {
      root: packed.value.root,
      bytes,
      carCid: await carCid(bytes),
      dagSize: root.bytes.length + node.Links.reduce((n, l) => n + (l.Tsize ?? 0), 0),
      structure: 'partial' as const,
    };
  };
  return {
    root: packed.value.root,
    first: await chunk(leaves.slice(0, 2)),
    second: await chunk(leaves.slice(2)),
  };
}

function setup(clock = new FakeClock('2024-05-01T00:00:00.000Z')) {
  const ports = fakePorts(clock);
  return {
    ports,
    completion: ports,
    maintenance: ports,
  };
}

describe('completeDag', () => {
  it('pins a chunked DAG once the union of its CARs is complete, keeping the whole-DAG size', async () => {
    const { ports, completion } = setup();
    const dag = await chunkedDag();
    const { v1: multihash } = fromCid(dag.root);

    await storeUpload(
      { principal: alice, car: dag.first, type: 'application/car', files: [] },
      ports,
    );
    expect(ports.ingestQueue.sent).toEqual([{ kind: 'check-dag', cid: multihash }]);
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'still-partial',
    );
    expect((await ports.contents.get(multihash))?.pinStatus).toBe('pinning');

    await storeUpload(
      { principal: alice, car: dag.second, type: 'application/car', files: [] },
      ports,
    );
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'completed',
    );
    const content = await ports.contents.get(multihash);
    expect(content).toMatchObject({
      pinStatus: 'pinned',
      structure: 'complete',
      size: dag.first.dagSize,
    });
    // Redelivered: nothing changes.
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'already-pinned',
    );
    expect(await ports.contents.get(multihash)).toEqual(content);
  });

  it('marks a DAG still incomplete after the deadline failed, and a late chunk still completes it', async () => {
    const clock = new FakeClock('2024-05-01T00:00:00.000Z');
    const { ports, completion } = setup(clock);
    const dag = await chunkedDag();
    const { v1: multihash } = fromCid(dag.root);
    await storeUpload(
      { principal: alice, car: dag.first, type: 'application/car', files: [] },
      ports,
    );
    clock.advance(25 * 3_600_000);
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'failed',
    );
    expect((await ports.contents.get(multihash))?.pinStatus).toBe('failed');

    await storeUpload(
      { principal: alice, car: dag.second, type: 'application/car', files: [] },
      ports,
    );
    expect((await ports.contents.get(multihash))?.pinStatus).toBe('pinning');
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'completed',
    );
  });

  it('walks the chunks from their link indexes, without reading their bytes', async () => {
    const { ports, completion } = setup();
    const dag = await chunkedDag();
    const { v1: multihash } = fromCid(dag.root);
    for (const chunk of [dag.first, dag.second]) {
      // As POST /upload and staged ingest prepare a CAR: validated, with its link index.
      const validated = await carFromUpload(chunk.bytes);
      if (!validated.ok) throw new Error(validated.error.message);
      expect(validated.value.structure).toBe('partial');
      expect(validated.value.linkIndex).toBeInstanceOf(Uint8Array);
      await storeUpload(
        { principal: alice, car: validated.value, type: 'application/car', files: [] },
        ports,
      );
    }
    const cars = await ports.contents.listCars(multihash);
    for (const car of cars) {
      const index = await ports.carpark.get(linkIndexKey(car.carCid));
      expect(index?.length ?? 0).toBeLessThan(car.size / 100);
      await ports.carpark.delete(car.key);
    }
    expect(await completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'completed',
    );
    expect((await ports.contents.get(multihash))?.size).toBe(dag.first.dagSize);
  });

  it('never counts a block listed under another codec as the block its link reads', async () => {
    // root (dag-pb) -> middle (dag-cbor) -> leaf (raw, never sent). The chunk lists middle's
    // bytes under a raw CID: read as raw it has no links, which would hide the missing leaf.
    const { ports, completion } = setup();
    const block = async (code: number, bytes: Uint8Array): Promise<Block> => ({
      cid: CID.create(1, code, await sha256.digest(bytes)),
      bytes,
    });
    const leaf = await block(raw.code, new TextEncoder().encode('leaf'));
    const middle = await block(dagCbor.code, dagCbor.encode({ leaf: leaf.cid }));
    const root = await block(
      dagPb.code,
      dagPb.encode(dagPb.prepare({ Links: [{ Hash: middle.cid, Name: 'm', Tsize: 9 }] })),
    );
    const mislabelled = { cid: CID.create(1, raw.code, middle.cid.multihash), bytes: middle.bytes };
    const chunk = await carFromUpload(await encodeCar(root.cid, [root, mislabelled]));
    if (!chunk.ok) throw new Error(chunk.error.message);
    // Read as the link reads it (dag-cbor), the chunk alone already shows the leaf missing.
    expect(chunk.value.structure).toBe('partial');
    await storeUpload(
      { principal: alice, car: chunk.value, type: 'application/car', files: [] },
      ports,
    );
    const { v1 } = fromCid(root.cid);
    expect(await completeDag(v1, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'still-partial',
    );
    expect((await ports.contents.get(v1))?.pinStatus).toBe('pinning');
  });

  it('reads a block listed under another codec as raw when its link is raw', async () => {
    // root (dag-cbor) -> leaf (raw), the leaf's bytes listed under a dag-pb CID they do not
    // decode as: the bytes are all the raw link needs.
    const { ports, completion } = setup();
    const leafBytes = new Uint8Array([0]);
    const leaf = CID.create(1, raw.code, await sha256.digest(leafBytes));
    const other = CID.create(1, raw.code, await sha256.digest(new Uint8Array([1])));
    const rootBytes = dagCbor.encode({ leaf, other });
    const root = CID.create(1, dagCbor.code, await sha256.digest(rootBytes));
    const chunks = [
      [{ cid: CID.create(1, dagPb.code, leaf.multihash), bytes: leafBytes }],
      [{ cid: other, bytes: new Uint8Array([1]) }],
    ];
    for (const blocks of chunks) {
      const chunk = await carFromUpload(
        await encodeCar(root, [{ cid: root, bytes: rootBytes }, ...blocks]),
      );
      if (!chunk.ok) throw new Error(chunk.error.message);
      await storeUpload(
        { principal: alice, car: chunk.value, type: 'application/car', files: [] },
        ports,
      );
    }
    const { v1 } = fromCid(root);
    expect(await completeDag(v1, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe('completed');
    expect((await ports.contents.get(v1))?.size).toBe(rootBytes.length + 2);
  });

  it('ignores unknown content and treats a recorded CAR missing from the carpark as a fault to retry', async () => {
    const { ports, completion } = setup();
    expect(await completeDag('bunknown', completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 })).toBe(
      'unknown-content',
    );
    const dag = await chunkedDag();
    const { v1: multihash } = fromCid(dag.root);
    await storeUpload(
      { principal: alice, car: dag.first, type: 'application/car', files: [] },
      ports,
    );
    const [car] = await ports.contents.listCars(multihash);
    await ports.carpark.delete(car?.key ?? '');
    await expect(
      completeDag(multihash, completion, { PARTIAL_DAG_DEADLINE_HOURS: 24 }),
    ).rejects.toThrow(/missing from the carpark/);
  });
});

describe('maintainPins (the pin-status cron)', () => {
  it('re-queues the check of a pin left in pinning (e.g. the message was lost)', async () => {
    const clock = new FakeClock('2024-05-01T00:00:00.000Z');
    const { ports, maintenance } = setup(clock);
    const dag = await chunkedDag();
    const { v1: multihash } = fromCid(dag.root);
    // A crash right before the check was enqueued.
    failNext(ports.ingestQueue, 'send');
    await expect(
      storeUpload({ principal: alice, car: dag.first, type: 'application/car', files: [] }, ports),
    ).rejects.toThrow();
    expect(ports.ingestQueue.sent).toEqual([]);

    // Too recent to re-check yet.
    expect(
      (await maintainPins(maintenance, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 }, 100))
        .rechecksQueued,
    ).toBe(0);
    clock.advance(11 * 60_000);
    expect(
      (await maintainPins(maintenance, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 }, 100))
        .rechecksQueued,
    ).toBe(1);
    expect(ports.ingestQueue.sent).toEqual([{ kind: 'check-dag', cid: multihash }]);
  });

  it('requests the unpin (and the IPNI withdrawal) of content nobody holds once the grace period is over, exactly once', async () => {
    const clock = new FakeClock('2024-05-01T00:00:00.000Z');
    const { ports, maintenance } = setup(clock);
    const packed = await packFile(new TextEncoder().encode('short lived'));
    if (!packed.ok) throw new Error('pack failed');
    const bytes = await encodeCar(packed.value.root, packed.value.blocks);
    const car = {
      root: packed.value.root,
      bytes,
      carCid: await carCid(bytes),
      dagSize: 11,
      structure: 'complete' as const,
    };
    const id = fromCid(packed.value.root);
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports);
    await storeUpload({ principal: bob, car, type: '', files: [] }, ports);

    await deleteUpload(alice, id, ports, { UNPIN_GRACE_DAYS: 7 });
    clock.advance(8 * 86_400_000);
    expect(
      (await maintainPins(maintenance, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 }, 100))
        .unpinsRequested,
    ).toBe(0); // bob still holds it

    await deleteUpload(bob, id, ports, { UNPIN_GRACE_DAYS: 7 });
    clock.advance(6 * 86_400_000);
    expect(
      (await maintainPins(maintenance, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 }, 100))
        .unpinsRequested,
    ).toBe(0); // grace period not over
    clock.advance(2 * 86_400_000);
    const report = await maintainPins(
      maintenance,
      { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 },
      100,
    );
    expect(report.unpinsRequested).toBe(1);
    expect(ports.pinQueue.sent.filter((m) => m.op === 'unpin')).toEqual([
      { op: 'unpin', cid: id.v1 },
    ]);
    // …and its removal from IPNI, named by the release's schedule (bob's delete + 7 days).
    expect(ports.ipniQueue.sent).toEqual([
      { kind: 'withdraw', cid: id.v1, removalId: '2024-05-16T00:00:00.000Z' },
    ]);
    expect(
      (await maintainPins(maintenance, { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 }, 100))
        .unpinsRequested,
    ).toBe(0);
    expect(ports.ipniQueue.sent).toHaveLength(1);
    // /check keeps answering: nothing is removed, only handed to the pin queue.
    expect(await ports.contents.get(id.v1)).toBeDefined();
  });

  it('cancels a due unpin when the content was uploaded again meanwhile', async () => {
    const clock = new FakeClock('2024-05-01T00:00:00.000Z');
    const { ports, maintenance } = setup(clock);
    const bytes = new TextEncoder().encode('comes back');
    const digest = await sha256.digest(bytes);
    const root = CID.create(1, 0x55, digest);
    const carBytes = await encodeCar(root, [{ cid: root, bytes }]);
    const car = {
      root,
      bytes: carBytes,
      carCid: await carCid(carBytes),
      dagSize: bytes.length,
      structure: 'complete' as const,
    };
    const id = fromCid(root);
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports);
    await deleteUpload(alice, id, ports, { UNPIN_GRACE_DAYS: 1 });
    // Bob's upload takes the content, but the schedule is left (a race the cron resolves).
    await ports.uploads.create({
      userId: 'bob',
      cid: id.v1,
      sourceCid: id.source,
      name: 'bob',
      type: '',
      files: [],
      tokenId: bob.tokenId,
      tokenName: bob.tokenName,
      created: clock.now().toISOString(),
      updated: clock.now().toISOString(),
    });
    await ports.contents.addHolder(id.v1, `bob#${id.v1}`, clock.now().toISOString());
    clock.advance(2 * 86_400_000);
    const report = await maintainPins(
      maintenance,
      { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7 },
      100,
    );
    expect(report).toMatchObject({ holdsConfirmed: 1, unpinsRequested: 0, unpinsCancelled: 1 });
    expect(ports.pinQueue.sent.filter((m) => m.op === 'unpin')).toEqual([]);
    expect((await ports.contents.get(id.v1))?.unpinAfter).toBeUndefined();
  });
});
