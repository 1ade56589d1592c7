/**
 * Pinned means pinned: the pin worker, the dead-letter consumer and the pin-status cron on
 * in-memory ports, with in-memory providers and gateways. An upload is `pinned` at once with
 * no provider configured, and only once every provider says so with one; duplicate messages
 * make one pin; provider outages and lost messages are recovered by the cron; content requested
 * by CID is fetched from gateways, verified and stored; unpins reach providers and the carpark.
 */
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { CID } from 'multiformats/cid';
import { describe, expect, it } from 'vitest';
import type { PinMessage } from '../../../contract/messages.ts';
import { fromCid } from '../../../lambdas/codecs/cid.ts';
import { blockIndexKey, indexStoredCar } from '../../../lambdas/core/block-index.ts';
import { type Block, encodeCar, packFile } from '../../../lambdas/core/ipfs/index.ts';
import { requestPinByCid } from '../../../lambdas/core/pin-by-cid.ts';
import { giveUpPins } from '../../../lambdas/core/pin-dead-letters.ts';
import { HOLD_SETTLE_MS, maintainPins } from '../../../lambdas/core/pin-maintenance.ts';
import {
  CONTENT_WRITE_MS,
  type PinJob,
  processPinJobs,
  RETRY_BASE_MS,
} from '../../../lambdas/core/pinning.ts';
import { deleteUpload, storeUpload } from '../../../lambdas/core/uploads.ts';
import { type FakePorts, FakeProvider, fakePorts } from '../../support/fakes.ts';
import { seededBytes } from '../../support/ipfs-fixtures.ts';
import { rawCar } from './incoming-car.ts';

const alice = { userId: 'alice', tokenId: 'aaaaaaaaaaaaaaaa', tokenName: 'laptop' };
const bob = { userId: 'bob', tokenId: 'bbbbbbbbbbbbbbbb', tokenName: 'phone' };

const WORKER = {
  IPFS_GATEWAYS: ['https://gw.one', 'https://gw.two'],
  PIN_FETCH_MAX_BYTES: 64 * 1024 * 1024,
  PIN_FETCH_TIMEOUT_SECONDS: 60,
  PIN_FETCH_RETRIES: 2,
  PIN_FAILED_GRACE_HOURS: 24,
  GATEWAY_PUBLIC_URL: 'https://gateway.example',
};
const CRON = { PIN_RECHECK_MINUTES: 10, UNPIN_GRACE_DAYS: 7, ...WORKER };
const MINUTE = 60_000;

function setup(providers: FakeProvider[] = []) {
  const ports = fakePorts();
  ports.clock.set('2024-06-01T00:00:00.000Z');
  const settings = { PIN_PROVIDERS: providers.map((p) => ({ name: p.name })) };
  return { ports, providers, settings };
}

/** Runs the worker on every message the pin queue holds (as SQS would deliver them), once. */
async function drainPins(ports: FakePorts, providers: FakeProvider[]) {
  const messages = ports.pinQueue.sent.splice(0);
  const jobs: PinJob[] = messages.map((message, i) => ({ id: `m${i}`, message }));
  return processPinJobs(jobs, { ...ports, providers }, WORKER);
}

async function cron(ports: FakePorts, providers: FakeProvider[]) {
  return maintainPins({ ...ports, providers }, CRON);
}

async function upload(ports: FakePorts, settings: object, text: string, who = alice) {
  const car = await rawCar(text);
  await storeUpload({ principal: who, car, type: 'text/plain', files: [] }, ports, settings);
  return fromCid(car.root).v1;
}

/** A multi-block UnixFS file DAG, and its CAR. */
async function fileDag(bytes: number, seed = 7) {
  const packed = await packFile(seededBytes(bytes, seed));
  if (!packed.ok) throw new Error('pack failed');
  const { root, blocks } = packed.value;
  return { root, blocks: blocks as Block[], car: await encodeCar(root, blocks) };
}

const status = async (ports: FakePorts, cid: string) => (await ports.contents.get(cid))?.pinStatus;

describe('pin state with no provider configured', () => {
  it('an upload ends pinned at once, and its pin message changes nothing', async () => {
    const { ports, settings } = setup();
    const cid = await upload(ports, settings, 'no provider');
    expect(await status(ports, cid)).toBe('pinned');
    const before = await ports.contents.get(cid);
    const { report } = await drainPins(ports, []);
    expect(report).toMatchObject({ pinned: 0, skipped: 1 });
    expect(await ports.contents.get(cid)).toEqual(before);
  });
});

describe('pin state with providers configured', () => {
  it('is pinned only after every provider says so', async () => {
    const sync = new FakeProvider('kubo');
    const remote = new FakeProvider('remote', { createsRequests: true });
    remote.mode = 'async';
    const { ports, providers, settings } = setup([sync, remote]);
    const cid = await upload(ports, settings, 'two providers');
    expect(await status(ports, cid)).toBe('queued');

    await drainPins(ports, providers);
    const content = await ports.contents.get(cid);
    expect(content?.pinStatus).toBe('pinning');
    expect(content?.providers?.kubo?.status).toBe('pinned');
    expect(content?.providers?.remote).toMatchObject({ status: 'queued', requestId: 'req-1' });
    // The CAR pushed to the provider is the stored DAG.
    expect(sync.pushed.get(cid)?.length).toBeGreaterThan(0);

    // The cron polls; the remote is still working on it.
    ports.clock.advance(11 * MINUTE);
    await cron(ports, providers);
    expect(await status(ports, cid)).toBe('pinning');

    remote.settle();
    ports.clock.advance(11 * MINUTE);
    const report = await cron(ports, providers);
    expect(report.pinsConfirmed).toBe(1);
    const pinned = await ports.contents.get(cid);
    expect(pinned).toMatchObject({ pinStatus: 'pinned', pinnedWith: 'kubo,remote' });
    expect(remote.requests).toEqual([cid]);
  });

  it('a duplicated message leaves one pin, whether it comes again later or in the same batch', async () => {
    const remote = new FakeProvider('remote', { createsRequests: true });
    remote.mode = 'async';
    const { ports, providers, settings } = setup([remote]);
    const cid = await upload(ports, settings, 'duplicated');
    const message: PinMessage = { op: 'pin', cid };
    ports.pinQueue.sent.splice(0);
    const job = (id: string): PinJob => ({ id, message });
    await processPinJobs([job('a'), job('b')], { ...ports, providers }, WORKER);
    await processPinJobs([job('c')], { ...ports, providers }, WORKER);
    // Two workers at once: the second finds the first's claim.
    await Promise.all([
      processPinJobs([job('d')], { ...ports, providers }, WORKER),
      processPinJobs([job('e')], { ...ports, providers }, WORKER),
    ]);
    expect(remote.requests).toEqual([cid]);
    expect(remote.pins.size).toBe(1);
  });

  it('a provider outage leaves the pin pinning, and the next cron run recovers it', async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers, settings } = setup([kubo]);
    const cid = await upload(ports, settings, 'outage');
    kubo.mode = 'down';
    const outcome = await drainPins(ports, providers);
    expect([...outcome.retry.values()].map((f) => f.name)).toEqual(['ProviderUnavailable']);
    expect(outcome.soon.size).toBe(0);
    const content = await ports.contents.get(cid);
    expect(content?.pinStatus).toBe('pinning');
    expect(content?.providers?.kubo?.error).toMatch(/unreachable/);

    // Still down at the next run: still pinning, nothing lost.
    ports.clock.advance(11 * MINUTE);
    await cron(ports, providers);
    expect(await status(ports, cid)).toBe('pinning');

    kubo.mode = 'sync';
    ports.clock.advance(11 * MINUTE);
    const report = await cron(ports, providers);
    expect(report.pinsRequeued).toBe(1);
    await drainPins(ports, providers);
    expect(await status(ports, cid)).toBe('pinned');
  });

  it('a pin stranded in queued (its message lost) is re-queued by the cron', async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers, settings } = setup([kubo]);
    const cid = await upload(ports, settings, 'stranded');
    ports.pinQueue.sent.splice(0);
    ports.clock.advance(5 * MINUTE);
    expect((await cron(ports, providers)).pinsRequeued).toBe(0);
    ports.clock.advance(6 * MINUTE);
    expect((await cron(ports, providers)).pinsRequeued).toBe(1);
    expect(ports.pinQueue.sent).toEqual([{ op: 'pin', cids: [cid] }]);
    // Sent once per recheck period, not at every run.
    ports.clock.advance(5 * MINUTE);
    expect((await cron(ports, providers)).pinsRequeued).toBe(0);
    await drainPins(ports, providers);
    expect(await status(ports, cid)).toBe('pinned');
  });

  it('a message that arrives before its content is written is retried, an old one dropped', async () => {
    const { ports, providers } = setup([new FakeProvider('kubo')]);
    const cid = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve';
    const now = ports.clock.now().getTime();
    const young: PinJob = { id: 'y', message: { op: 'pin', cid }, sentAt: new Date(now - 1000) };
    const old: PinJob = {
      id: 'o',
      message: { op: 'pin', cid },
      sentAt: new Date(now - CONTENT_WRITE_MS - 1),
    };
    const early = await processPinJobs([young], { ...ports, providers }, WORKER);
    expect(early.retry.has('y')).toBe(true);
    // Soon, without the backoff of a failing provider.
    expect(early.soon.has('y')).toBe(true);
    expect((await processPinJobs([old], { ...ports, providers }, WORKER)).retry.size).toBe(0);
  });

  it('the dead-letter consumer marks a given-up pin failed with its last error, and the cron retries it', async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers, settings } = setup([kubo]);
    const cid = await upload(ports, settings, 'dead letter');
    kubo.mode = 'down';
    await drainPins(ports, providers);
    await giveUpPins([{ id: 'd', message: { op: 'pin', cid } }], ports, WORKER);
    const failed = await ports.contents.get(cid);
    expect(failed?.pinStatus).toBe('failed');
    expect(failed?.failure).toMatchObject({ kind: 'gave-up', attempts: 1 });
    expect(failed?.failure?.message).toMatch(/gave up after 3 attempts: kubo: .*unreachable/);
    expect(failed?.failure?.retryAt).toBeDefined();

    kubo.mode = 'sync';
    ports.clock.advance(RETRY_BASE_MS + 1);
    expect((await cron(ports, providers)).retriesQueued).toBe(1);
    await drainPins(ports, providers);
    expect(await status(ports, cid)).toBe('pinned');
  });

  it('queues content pinned before a provider was configured (backfill)', async () => {
    const none = setup();
    const cid = await upload(none.ports, none.settings, 'backfill');
    expect(await status(none.ports, cid)).toBe('pinned');
    await cron(none.ports, []);
    const kubo = new FakeProvider('kubo');
    const report = await cron(none.ports, [kubo]);
    expect(report.backfillQueued).toBe(1);
    expect(await status(none.ports, cid)).toBe('queued');
    await drainPins(none.ports, [kubo]);
    expect(await none.ports.contents.get(cid)).toMatchObject({
      pinStatus: 'pinned',
      pinnedWith: 'kubo',
    });
    expect((await cron(none.ports, [kubo])).backfillQueued).toBe(0);
  });
});

describe('the cron', () => {
  it('never runs twice at once: a run that finds the lease held does nothing', async () => {
    const { ports } = setup();
    await ports.leases.acquire('pin-status', 'another run', ports.clock.now(), 3600);
    expect(await cron(ports, [])).toMatchObject({ skipped: 'another run is in progress' });
    await ports.leases.release('pin-status', 'another run');
    expect((await cron(ports, [])).skipped).toBeUndefined();
    // It gives the lease back when done.
    expect(ports.leases.leases.size).toBe(0);
  });
});

describe('pin by CID', () => {
  it('fetches the DAG from a trustless gateway and stores it verified, in CAR chunks', async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers } = setup([kubo]);
    const dag = await fileDag(3_000_000);
    ports.gateway.serve('https://gw.two', dag.root.toString(), dag.car);
    const requested = await requestPinByCid(ports, { userId: 'alice', cid: dag.root.toString() });
    expect(requested.ok && requested.value.content.pinStatus).toBe('queued');
    await drainPins(ports, providers);
    const content = await ports.contents.get(dag.root.toString());
    expect(content).toMatchObject({ pinStatus: 'pinned', structure: 'complete' });
    expect(content?.size).toBe(dag.blocks.reduce((n, b) => n + b.bytes.length, 0));
    // gw.one has nothing and was asked first.
    expect(ports.gateway.asked.map((a) => a.gateway)).toEqual(['https://gw.one', 'https://gw.two']);
    // The stored CARs hold exactly the DAG's blocks.
    const stored = new Set<string>();
    for (const car of await ports.contents.listCars(dag.root.toString())) {
      const bytes = await ports.carpark.get(car.key);
      for (const block of CarBufferReader.fromBytes(bytes as Uint8Array).blocks()) {
        stored.add(block.cid.toString());
      }
    }
    expect([...stored].sort()).toEqual(dag.blocks.map((b) => b.cid.toString()).sort());
    // And the provider got them.
    expect(kubo.pushed.has(dag.root.toString())).toBe(true);
  });

  it("fetches from the request's HTTP origins first", async () => {
    const { ports } = setup();
    const dag = await fileDag(10_000, 3);
    ports.gateway.serve('http://127.0.0.1:9999', dag.root.toString(), dag.car);
    await requestPinByCid(ports, {
      userId: 'alice',
      cid: dag.root.toString(),
      origins: ['/ip4/10.0.0.1/tcp/4001/p2p/12D3KooWPeer', '/ip4/127.0.0.1/tcp/9999/http'],
    });
    await drainPins(ports, []);
    expect(await status(ports, dag.root.toString())).toBe('pinned');
    expect(ports.gateway.asked.map((a) => a.gateway)).toEqual(['http://127.0.0.1:9999']);
  });

  it('fails the pin when a gateway serves a block with a wrong hash, saying so', async () => {
    const { ports } = setup();
    const dag = await fileDag(600_000, 5);
    const [root, leaf, ...rest] = dag.blocks as [Block, Block, ...Block[]];
    const tampered = new Uint8Array(leaf.bytes);
    tampered[0] = (tampered[0] ?? 0) ^ 0xff;
    const { craftCar } = await import('../../support/ipfs-fixtures.ts');
    const bad = await craftCar([dag.root], [root, { cid: leaf.cid, bytes: tampered }, ...rest]);
    ports.gateway.serve('https://gw.one', dag.root.toString(), bad);
    await requestPinByCid(ports, { userId: 'alice', cid: dag.root.toString() });
    await drainPins(ports, []);
    const content = await ports.contents.get(dag.root.toString());
    expect(content?.pinStatus).toBe('failed');
    expect(content?.failure).toMatchObject({ kind: 'invalid' });
    expect(content?.failure?.message).toMatch(/gw\.one: failed hash verification/);
    expect(content?.failure?.retryAt).toBeUndefined();
  });

  it('retries a DAG no gateway has on a backoff schedule, up to PIN_FETCH_RETRIES, then for good', async () => {
    const { ports } = setup();
    const dag = await fileDag(5_000, 9);
    const cid = dag.root.toString();
    await requestPinByCid(ports, { userId: 'alice', cid });
    await drainPins(ports, []);
    let content = await ports.contents.get(cid);
    expect(content?.failure).toMatchObject({ kind: 'unretrievable', attempts: 1 });
    expect(content?.failure?.retryAt).toBe(
      new Date(ports.clock.now().getTime() + RETRY_BASE_MS).toISOString(),
    );
    // Retry 1, after 5 minutes: still nowhere.
    ports.clock.advance(RETRY_BASE_MS);
    expect((await cron(ports, [])).retriesQueued).toBe(1);
    await drainPins(ports, []);
    content = await ports.contents.get(cid);
    expect(content?.failure).toMatchObject({ attempts: 2 });
    // Retry 2, 20 minutes later: it appeared.
    ports.gateway.serve('https://gw.one', cid, dag.car);
    ports.clock.advance(4 * RETRY_BASE_MS - 1);
    expect((await cron(ports, [])).retriesQueued).toBe(0);
    ports.clock.advance(1);
    expect((await cron(ports, [])).retriesQueued).toBe(1);
    await drainPins(ports, []);
    expect(await status(ports, cid)).toBe('pinned');

    // Another never appears: after PIN_FETCH_RETRIES retries the failure is final.
    const other = await fileDag(5_000, 10);
    await requestPinByCid(ports, { userId: 'alice', cid: other.root.toString() });
    for (let attempt = 0; attempt <= WORKER.PIN_FETCH_RETRIES; attempt++) {
      await drainPins(ports, []);
      ports.clock.advance(RETRY_BASE_MS * 4 ** attempt);
      await cron(ports, []);
    }
    const final = await ports.contents.get(other.root.toString());
    expect(final?.failure).toMatchObject({ attempts: WORKER.PIN_FETCH_RETRIES + 1 });
    expect(final?.failure?.retryAt).toBeUndefined();
  });

  it('fails a DAG over the size cap for good', async () => {
    const { ports } = setup();
    const dag = await fileDag(1_000_000, 11);
    ports.gateway.serve('https://gw.one', dag.root.toString(), dag.car);
    await requestPinByCid(ports, { userId: 'alice', cid: dag.root.toString() });
    await processPinJobs(
      ports.pinQueue.sent.splice(0).map((message, i) => ({ id: `m${i}`, message })),
      { ...ports, providers: [] },
      { ...WORKER, PIN_FETCH_MAX_BYTES: 500_000 },
    );
    const content = await ports.contents.get(dag.root.toString());
    expect(content?.failure).toMatchObject({ kind: 'too-big' });
    expect(content?.failure?.retryAt).toBeUndefined();
  });

  it('is an upload of the CID for the user, idempotent, its content counted once', async () => {
    const { ports } = setup();
    const dag = await fileDag(300_000, 12);
    const cid = dag.root.toString();
    const v0 = dag.root.toV0();
    await requestPinByCid(ports, { userId: 'alice', cid, name: 'first', meta: { chain: 'eth' } });
    await requestPinByCid(ports, { userId: 'alice', cid, name: 'second' });
    await requestPinByCid(ports, { userId: 'bob', cid: v0.toString() });
    expect(ports.contents.contents.size).toBe(1);
    expect(ports.pinQueue.sent).toHaveLength(3);
    const uploads = [...ports.uploads.uploads.values()];
    expect(uploads.map((u) => [u.userId, u.name, u.type, u.meta]).sort()).toEqual([
      ['alice', 'first', 'remote', { chain: 'eth' }],
      ['bob', expect.stringMatching(/^Upload at /), 'remote', undefined],
    ]);
    expect(await ports.contents.hasHolders(cid)).toBe(true);
    const bad = await requestPinByCid(ports, { userId: 'alice', cid: 'not a cid' });
    expect(bad.ok || bad.error.name).toBe('InvalidCid');
  });
});

describe('removal', () => {
  it("unpins a deleted upload's content from every provider and the carpark after the grace period, and keeps it while another user holds it", async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers, settings } = setup([kubo]);
    const car = await rawCar('shared content');
    const cid = fromCid(car.root).v1;
    for (const who of [alice, bob]) {
      await storeUpload({ principal: who, car, type: '', files: [] }, ports, settings);
    }
    await drainPins(ports, providers);
    expect(await status(ports, cid)).toBe('pinned');
    ports.clock.advance(HOLD_SETTLE_MS + 1);
    await cron(ports, providers);

    await deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 7 });
    ports.clock.advance(8 * 86_400_000);
    await cron(ports, providers);
    await drainPins(ports, providers);
    // Bob still holds it.
    expect(await status(ports, cid)).toBe('pinned');
    expect(kubo.unpinned).toEqual([]);

    await deleteUpload(bob, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 7 });
    ports.clock.advance(6 * 86_400_000);
    expect((await cron(ports, providers)).unpinsRequested).toBe(0);
    ports.clock.advance(2 * 86_400_000);
    expect((await cron(ports, providers)).unpinsRequested).toBe(1);
    const { report } = await drainPins(ports, providers);
    expect(report.unpinned).toBe(1);
    expect(kubo.unpinned).toEqual([cid]);
    expect(await ports.contents.get(cid)).toBeUndefined();
    expect([...ports.carpark.blobs.keys()].filter((key) => key.endsWith('.car'))).toEqual([]);
  });

  it('removes the CARs, their block lists and block index rows, so the content stored again is indexed and advertised again', async () => {
    const { ports, providers, settings } = setup();
    const car = await rawCar('indexed');
    const cid = fromCid(car.root).v1;
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports, settings);
    const [stored] = await ports.contents.listCars(cid);
    const carCid = (stored as { carCid: string }).carCid;
    const indexing = { carpark: ports.carpark, blocks: ports.blocks };
    await indexStoredCar(`${carCid}/${carCid}.car`, indexing);
    expect(await ports.carpark.has(blockIndexKey(carCid))).toBe(true);
    expect(ports.blocks.places.size).toBeGreaterThan(0);
    await deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 0 });
    ports.clock.advance(1000);
    await cron(ports, providers);
    await drainPins(ports, providers);
    expect([...ports.carpark.blobs.keys()]).toEqual([]);
    // Nor does the block index name the removed CAR any more.
    expect(ports.blocks.places.size).toBe(0);
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports, settings);
    expect(await indexStoredCar(`${carCid}/${carCid}.car`, indexing)).toMatchObject({
      outcome: 'indexed',
    });
  });

  it('keeps content someone uploaded again before the unpin ran', async () => {
    const kubo = new FakeProvider('kubo');
    const { ports, providers, settings } = setup([kubo]);
    const car = await rawCar('back again');
    const cid = fromCid(car.root).v1;
    await storeUpload({ principal: alice, car, type: '', files: [] }, ports, settings);
    await drainPins(ports, providers);
    await deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 0 });
    ports.clock.advance(1000);
    await cron(ports, providers);
    const unpin = ports.pinQueue.sent.find((m) => m.op === 'unpin');
    expect(unpin).toBeDefined();
    await storeUpload({ principal: bob, car, type: '', files: [] }, ports, settings);
    await drainPins(ports, providers);
    expect(kubo.unpinned).toEqual([]);
    expect(await status(ports, cid)).toBe('pinned');
  });

  it('puts content back to its providers when a holder arrives while they unpin it', async () => {
    for (const cancelled of [true, false]) {
      const kubo = new FakeProvider('kubo');
      const { ports, providers, settings } = setup([kubo]);
      const car = await rawCar(`raced ${cancelled}`);
      const cid = fromCid(car.root).v1;
      await storeUpload({ principal: alice, car, type: '', files: [] }, ports, settings);
      await drainPins(ports, providers);
      await deleteUpload(alice, fromCid(car.root), ports, { UNPIN_GRACE_DAYS: 0 });
      ports.clock.advance(1000);
      await cron(ports, providers);
      // Bob uploads it after the worker's last look at the holders, as the provider unpins:
      // his upload cancels the unpin in time, or only after the content record went.
      const unpin = kubo.unpin.bind(kubo);
      kubo.unpin = async (items) => {
        await unpin(items);
        if (cancelled) {
          await storeUpload({ principal: bob, car, type: '', files: [] }, ports, settings);
        } else {
          await ports.contents.addHolder(cid, `bob#${cid}`, ports.clock.now().toISOString());
        }
      };
      const { report } = await drainPins(ports, providers);
      expect(report.unpinned).toBe(0);
      expect(kubo.unpinned).toEqual([cid]);
      expect(kubo.pins.get(cid)?.status).toBe('pinned');
      expect(await status(ports, cid)).toBe('pinned');
      expect((await ports.contents.listCars(cid)).length).toBe(1);
      expect([...ports.carpark.blobs.keys()].filter((key) => key.endsWith('.car'))).toHaveLength(1);
    }
  });
});

it('keeps CIDs as CIDv1 throughout', () => {
  expect(CID.parse('QmXoypizjW3WknFiJnKLwHCnL72vedxjQkDDP1mXWo6uco').toV1().toString()).toMatch(
    /^bafy/,
  );
});
