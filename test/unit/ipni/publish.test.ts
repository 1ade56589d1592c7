/**
 * The advertisement chain: linking, signing, batching by content, removal, redelivery, a crash
 * at every step, and concurrent publishers. Every test reads the chain back as an indexer would
 * (test/support/ipni.ts: every object checked against its CID, every signature checked) and
 * compares what the indexer would then hold with what pinstack holds.
 */
import { randomBytes } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { beforeEach, describe, expect, it } from 'vitest';
import { contextIdOf, GATEWAY_HTTP_METADATA } from '../../../lambdas/core/ipni/advertisement.ts';
import { MAX_CLAIM_ATTEMPTS, type Publisher, publish } from '../../../lambdas/core/ipni/publish.ts';
import { adObjectKey, type Work, workKey } from '../../../lambdas/core/ipni/work.ts';
import type { ChainPosition } from '../../../lambdas/core/ports.ts';
import { providerIdentity } from '../../../lambdas/core/provider/identity.ts';
import {
  FakeAdChainStore,
  FakeBlobStore,
  FakeCarBlockSource,
  FakeClock,
  InjectedFailure,
  pauseBefore,
} from '../../support/fakes.ts';
import { indexerView, readAdChain } from '../../support/ipni.ts';

const identity = await providerIdentity('pinstack unit test provider key seed, 32+ characters');
const publisher: Publisher = {
  ...identity,
  addresses: ['/dns/gateway.example/tcp/443/https'],
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const multihash = () => Digest.create(sha256.code, randomBytes(32)).bytes;

interface Content {
  root: CID;
  cars: { carCid: string; multihashes: Uint8Array[] }[];
}

/** A content of `cars` CARs of `blocks` random blocks each; the root is the first CAR's first block. */
function content(cars = 1, blocks = 3): Content {
  const root = CID.create(1, raw.code, Digest.create(sha256.code, randomBytes(32)));
  return {
    root,
    cars: Array.from({ length: cars }, (_, i) => ({
      carCid: CID.create(1, 0x0202, Digest.create(sha256.code, randomBytes(32))).toString(),
      multihashes: [
        ...(i === 0 ? [root.multihash.bytes] : []),
        ...Array.from({ length: blocks }, multihash),
      ],
    })),
  };
}

let chain: FakeAdChainStore;
let blobs: FakeBlobStore;
let cars: FakeCarBlockSource;
let ports: {
  chain: FakeAdChainStore;
  ads: FakeBlobStore;
  cars: FakeCarBlockSource;
  clock: FakeClock;
};

beforeEach(() => {
  chain = new FakeAdChainStore();
  blobs = new FakeBlobStore();
  cars = new FakeCarBlockSource();
  ports = { chain, ads: blobs, cars, clock: new FakeClock() };
});

function store(...contents: Content[]) {
  for (const c of contents) {
    for (const car of c.cars) cars.add(car.carCid, [c.root.toString()], car.multihashes);
  }
}

const advertise = (c: Content): Work[] =>
  c.cars.map((car) => ({ kind: 'advertise', carCid: car.carCid }));
const withdraw = (c: Content, removalId = 'r1'): Work => ({
  kind: 'withdraw',
  content: c.root.toV1().toString(),
  removalId,
});

async function readBack(store = blobs, chainStore = chain) {
  const head = await chainStore.head();
  if (!head) return { ads: [], view: new Map<string, Set<string>>() };
  const ads = await readAdChain((cid) => store.get(adObjectKey(cid)), CID.parse(head.ad));
  return { ads, view: indexerView(ads) };
}

async function expectedView(...contents: Content[]) {
  const view = new Map<string, Set<string>>();
  for (const c of contents) {
    view.set(
      hex(await contextIdOf(c.root)),
      new Set(c.cars.flatMap((car) => car.multihashes.map(hex))),
    );
  }
  return view;
}

/** The chain is one line 1..n, each position naming its ad, no work completed twice. */
async function expectWellFormed(chainStore = chain) {
  const positions = await chainStore.after(0);
  expect(positions.map((p) => p.seq)).toEqual(positions.map((_, i) => i + 1));
  const keys = positions.flatMap((p) => p.keys);
  expect(new Set(keys).size, 'a work key completed twice').toBe(keys.length);
  const { ads } = await readBack(blobs, chainStore);
  expect(ads.map((a) => a.cid.toString())).toEqual(positions.map((p) => p.ad));
  return positions;
}

describe('publishing advertisements', () => {
  it('starts a chain: one signed ad per content, every CAR of a content in its one ad', async () => {
    const a = content(2);
    const b = content(1);
    store(a, b);
    const outcome = await publish([...advertise(a), ...advertise(b)], ports, publisher);
    expect(outcome.error).toBeUndefined();
    expect(outcome.claimed).toHaveLength(2);
    expect(outcome.head?.seq).toBe(2);

    const { ads, view } = await readBack();
    expect(ads).toHaveLength(2);
    expect(ads[0]?.previous).toBeUndefined();
    expect(ads[1]?.previous?.toString()).toBe(ads[0]?.cid.toString());
    for (const ad of ads) {
      expect(ad.signer).toBe(identity.peerId);
      expect(ad.provider).toBe(identity.peerId);
      expect(ad.addresses).toEqual(publisher.addresses);
      expect(ad.metadata).toEqual(GATEWAY_HTTP_METADATA);
      expect(ad.isRm).toBe(false);
    }
    expect(view).toEqual(await expectedView(a, b));
    await expectWellFormed();
  });

  it('extends the chain from its head on the next batch', async () => {
    const a = content();
    const b = content();
    store(a, b);
    await publish(advertise(a), ports, publisher);
    const outcome = await publish(advertise(b), ports, publisher);
    expect(outcome.claimed.map((p) => p.seq)).toEqual([2]);
    const { ads, view } = await readBack();
    expect(ads).toHaveLength(2);
    expect(view).toEqual(await expectedView(a, b));
  });

  it('serves a signed head naming each new ad', async () => {
    const a = content();
    store(a);
    const { claimed } = await publish(advertise(a), ports, publisher);
    const position = claimed[0] as ChainPosition;
    const { decode } = await import('@ipld/dag-json');
    const head = decode(new TextEncoder().encode(position.signedHead)) as { head: CID };
    expect(head.head.toString()).toBe(position.ad);
  });

  it('does nothing more when a batch is delivered again', async () => {
    const a = content(2);
    store(a);
    await publish(advertise(a), ports, publisher);
    const objects = blobs.blobs.size;
    const again = await publish(advertise(a), ports, publisher);
    expect(again.claimed).toEqual([]);
    expect(again.done).toEqual(advertise(a));
    expect(blobs.blobs.size).toBe(objects);
    expect((await chain.after(0)).length).toBe(1);
  });

  it('advertises only what is new in a batch that repeats some work', async () => {
    const a = content();
    const b = content();
    store(a, b);
    await publish(advertise(a), ports, publisher);
    const outcome = await publish(
      [...advertise(a), ...advertise(b), ...advertise(b)],
      ports,
      publisher,
    );
    expect(outcome.claimed).toHaveLength(1);
    expect(outcome.done).toEqual(advertise(a));
    expect((await readBack()).view).toEqual(await expectedView(a, b));
  });

  it('withdraws a removed content with one IsRm ad for its ContextID, once', async () => {
    const a = content(2);
    const b = content();
    store(a, b);
    await publish([...advertise(a), ...advertise(b)], ports, publisher);
    const outcome = await publish([withdraw(a)], ports, publisher);
    expect(outcome.claimed).toHaveLength(1);
    const { ads, view } = await readBack();
    expect(ads.at(-1)?.isRm).toBe(true);
    expect(ads.at(-1)?.contextId).toBe(hex(await contextIdOf(a.root)));
    expect(ads.at(-1)?.entries).toEqual([]);
    expect(view).toEqual(await expectedView(b));

    const again = await publish([withdraw(a)], ports, publisher);
    expect(again.claimed).toEqual([]);
    expect(again.done).toEqual([withdraw(a)]);
  });

  it('advertises a content stored again after its removal, even with the same CAR', async () => {
    const a = content();
    store(a);
    await publish(advertise(a), ports, publisher);
    await publish([withdraw(a, 'first removal')], ports, publisher);
    expect((await readBack()).view.size).toBe(0);

    const again = await publish(advertise(a), ports, publisher);
    expect(again.claimed).toHaveLength(1);
    expect((await readBack()).view).toEqual(await expectedView(a));
    // ...and that new advertisement is done, not redone, when delivered twice.
    expect((await publish(advertise(a), ports, publisher)).claimed).toEqual([]);
    // A second removal withdraws it again.
    await publish([withdraw(a, 'second removal')], ports, publisher);
    expect((await readBack()).view.size).toBe(0);
  });

  it('puts withdrawals before advertisements in one batch', async () => {
    const a = content();
    store(a);
    await publish(advertise(a), ports, publisher);
    const readded = content();
    readded.root = a.root;
    store(readded);
    const outcome = await publish([...advertise(readded), withdraw(a)], ports, publisher);
    expect(outcome.claimed).toHaveLength(2);
    const { ads, view } = await readBack();
    expect(ads.map((ad) => ad.isRm)).toEqual([false, true, false]);
    expect(view).toEqual(await expectedView(readded));
  });

  it('skips a CAR the carpark no longer has', async () => {
    const a = content();
    const outcome = await publish(advertise(a), ports, publisher);
    expect(outcome.gone).toEqual(advertise(a));
    expect(outcome.claimed).toEqual([]);
    expect(await chain.head()).toBeUndefined();
  });

  it('keys content by its root in CIDv1 whatever version the CAR names it in', async () => {
    const a = content();
    const v0root = CID.createV0(Digest.create(sha256.code, randomBytes(32)));
    const car = a.cars[0] as Content['cars'][number];
    cars.add(car.carCid, [v0root.toString()], car.multihashes);
    const { claimed } = await publish(advertise(a), ports, publisher);
    expect(claimed[0]?.keys).toEqual([workKey.advertise(v0root.toV1().toString(), car.carCid)]);
    expect((await readBack()).ads[0]?.contextId).toBe(hex(v0root.toV1().bytes));
  });

  it('advertises nothing for a CAR of identity blocks only', async () => {
    const root = CID.create(1, raw.code, Digest.create(0x00, Uint8Array.of(1, 2, 3)));
    cars.add('bagidentity', [root.toString()], [root.multihash.bytes]);
    const outcome = await publish([{ kind: 'advertise', carCid: 'bagidentity' }], ports, publisher);
    expect(outcome.claimed).toEqual([]);
    expect(outcome.done).toHaveLength(1);
  });

  it('splits a content past the chunk limit of one ad into several ads, the last completing it', async () => {
    const a = content(1, 25);
    store(a);
    const limits = { entriesPerChunk: 4, chunkBudgetBytes: 1024, chunksPerChain: 3 };
    const outcome = await publish(advertise(a), ports, publisher, limits);
    // 26 multihashes, 4 per chunk, 3 chunks per ad: 12 + 12 + 2.
    expect(outcome.claimed.map((p) => p.keys.length)).toEqual([0, 0, 1]);
    const { ads, view } = await readBack();
    expect(ads.map((ad) => ad.entries.length)).toEqual([12, 12, 2]);
    expect(new Set(ads.map((ad) => ad.contextId)).size).toBe(1);
    expect(view).toEqual(await expectedView(a));
  });
});

/**
 * Counts every call into the chain store and the object store, and fails the call numbered
 * `crashAt` (and every later one): a publisher that died right there.
 */
function crashing(crashAt: number) {
  let calls = 0;
  const trap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, name, receiver) {
        const value = Reflect.get(obj, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          if (calls >= crashAt)
            return Promise.reject(new InjectedFailure(`crash at call ${calls}`));
          return value.apply(obj, args);
        };
      },
    });
  return {
    ports: { chain: trap(chain), ads: trap(blobs), cars, clock: ports.clock },
    calls: () => calls,
  };
}

describe('a publisher that crashes', () => {
  it('leaves no fork and no lost ad, whichever step it dies at, once the batch is redelivered', async () => {
    const before = content();
    const a = content(2);
    const b = content();
    // How many calls a clean run makes (on a chain that already has an ad).
    const probe = async () => {
      chain = new FakeAdChainStore();
      blobs = new FakeBlobStore();
      cars = new FakeCarBlockSource();
      ports = { chain, ads: blobs, cars, clock: new FakeClock() };
      store(before, a, b);
      await publish(advertise(before), ports, publisher);
    };
    await probe();
    const counter = crashing(Number.POSITIVE_INFINITY);
    const batch = [...advertise(a), ...advertise(b), withdraw(before)];
    await publish(batch, counter.ports, publisher);
    const steps = counter.calls();
    expect(steps).toBeGreaterThan(8);

    for (let crashAt = 1; crashAt <= steps; crashAt++) {
      await probe();
      const crashed = await publish(batch, crashing(crashAt).ports, publisher);
      expect(crashed.error, `crash at ${crashAt}`).toBeInstanceOf(InjectedFailure);
      const redelivered = await publish(batch, ports, publisher);
      expect(redelivered.error, `crash at ${crashAt}`).toBeUndefined();
      const positions = await expectWellFormed();
      const { view } = await readBack();
      expect(view, `crash at ${crashAt}`).toEqual(await expectedView(a, b));
      // Each piece of work completed exactly once, by the crashed run or the redelivery.
      expect(positions.flatMap((p) => p.keys).sort()).toEqual(
        [
          workKey.advertise(before.root.toString(), before.cars[0]?.carCid as string),
          ...a.cars.map((car) => workKey.advertise(a.root.toString(), car.carCid)),
          ...b.cars.map((car) => workKey.advertise(b.root.toString(), car.carCid)),
          workKey.withdraw(before.root.toString(), 'r1'),
        ].sort(),
      );
      // And once more: nothing left to do.
      expect((await publish(batch, ports, publisher)).claimed, `crash at ${crashAt}`).toEqual([]);
    }
  });
});

describe('concurrent publishers', () => {
  it('never fork: the one that loses a position re-signs on the new head', async () => {
    const a = content();
    const b = content();
    store(a, b);
    const held = pauseBefore(chain, 'claim');
    const first = publish(advertise(a), ports, publisher);
    await held.reached;
    // While the first waits to claim position 1, a second takes it.
    const second = await publish(advertise(b), ports, publisher);
    expect(second.claimed.map((p) => p.seq)).toEqual([1]);
    held.release();
    const firstOutcome = await first;
    expect(firstOutcome.claimed.map((p) => p.seq)).toEqual([2]);
    await expectWellFormed();
    expect((await readBack()).view).toEqual(await expectedView(a, b));
  });

  it('complete the same message once, whichever gets there first', async () => {
    const a = content();
    store(a);
    const held = pauseBefore(chain, 'claim');
    const first = publish(advertise(a), ports, publisher);
    await held.reached;
    const second = await publish(advertise(a), ports, publisher);
    expect(second.claimed).toHaveLength(1);
    held.release();
    const firstOutcome = await first;
    expect(firstOutcome.claimed).toEqual([]);
    expect(firstOutcome.done).toEqual(advertise(a));
    expect(await expectWellFormed()).toHaveLength(1);
  });

  it('give up, reporting the work as failed, after losing the race too often', async () => {
    const a = content();
    store(a);
    let claims = 0;
    ports.chain.claim = async () => {
      claims++;
      return false;
    };
    ports.chain.after = async () => [];
    const outcome = await publish(advertise(a), ports, publisher);
    expect(claims).toBe(MAX_CLAIM_ATTEMPTS);
    expect(outcome.failed).toEqual(advertise(a));
    expect(String(outcome.error)).toMatch(/lost the race/);
  });
});
