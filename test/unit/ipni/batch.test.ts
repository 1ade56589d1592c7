import { randomBytes } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import { publishBatch } from '../../../lambdas/core/ipni/batch.ts';
import { workOfMessage } from '../../../lambdas/core/ipni/work.ts';
import { providerIdentity } from '../../../lambdas/core/provider/identity.ts';
import {
  FakeAdChainStore,
  FakeBlobStore,
  FakeCarBlockSource,
  FakeClock,
  failNext,
} from '../../support/fakes.ts';

const identity = await providerIdentity('batch test provider key seed of 32 characters or more');
const publisher = async () => ({ ...identity, addresses: ['/dns/gw.example/tcp/443/https'] });

const s3Event = (...keys: string[]) =>
  JSON.stringify({
    Records: keys.map((key) => ({
      eventName: 'ObjectCreated:Put',
      eventTime: '2024-01-01T00:00:00.000Z',
      s3: { object: { key } },
    })),
  });

const carCid = () => CID.create(1, 0x0202, Digest.create(0x12, randomBytes(32))).toString();

describe('ipni queue messages', () => {
  it("turn S3 events of carpark CARs' block lists (stored by the indexer) into advertisements", () => {
    const a = carCid();
    const b = carCid();
    expect(workOfMessage(s3Event(`${a}/${a}.blocks.cbor`, `${b}/${b}.blocks.cbor`))).toEqual([
      { kind: 'advertise', carCid: a },
      { kind: 'advertise', carCid: b },
    ]);
  });

  it('ask nothing of other keys, other events, or S3’s test event', () => {
    const a = carCid();
    // The CAR itself is not advertised before the indexer has listed its blocks.
    expect(
      workOfMessage(s3Event(`${a}/${a}.car`, `${a}/${a}.links.cbor`, `${a}/other.car`, 'x.car')),
    ).toEqual([]);
    expect(
      workOfMessage(
        JSON.stringify({
          Records: [
            { eventName: 'ObjectRemoved:Delete', s3: { object: { key: `${a}/${a}.car` } } },
          ],
        }),
      ),
    ).toEqual([]);
    expect(workOfMessage(JSON.stringify({ Event: 's3:TestEvent' }))).toEqual([]);
  });

  it('turn a withdrawal into a withdrawal', () => {
    const cid = 'bafkreidvbhs33ighmljlvr7zbv2ywwzcmp5adtf4kqvlly67cy56bdtmve';
    expect(workOfMessage(JSON.stringify({ kind: 'withdraw', cid, removalId: 'r' }))).toEqual([
      { kind: 'withdraw', content: cid, removalId: 'r' },
    ]);
  });

  it('are no IPNI work when they are anything else', () => {
    for (const body of ['not json', 'null', '{}', '{"kind":"withdraw"}', '[1]']) {
      expect(workOfMessage(body), body).toBeUndefined();
    }
  });
});

describe('a batch of messages', () => {
  function ports() {
    return {
      chain: new FakeAdChainStore(),
      ads: new FakeBlobStore(),
      cars: new FakeCarBlockSource(),
      clock: new FakeClock(),
    };
  }

  function stored(p: ReturnType<typeof ports>) {
    const car = carCid();
    const root = CID.createV1(0x55, Digest.create(0x12, randomBytes(32)));
    p.cars.add(car, [root.toString()], [root.multihash.bytes]);
    return s3Event(`${car}/${car}.blocks.cbor`);
  }

  it('comes back only where it is not done: unrecognised messages, and work left undone', async () => {
    const p = ports();
    const messages = [
      { id: 'one', body: stored(p) },
      { id: 'bogus', body: 'nope' },
      { id: 'two', body: stored(p) },
    ];
    const first = await publishBatch(messages, p, publisher);
    expect(first.retry).toEqual(['bogus']);
    expect(first.unrecognised).toEqual(['bogus']);
    expect(first.outcome?.claimed).toHaveLength(2);
  });

  it('comes back from the first content the run could not publish', async () => {
    const p = ports();
    const messages = [
      { id: 'one', body: stored(p) },
      { id: 'two', body: stored(p) },
      { id: 'three', body: stored(p) },
    ];
    // The first ad claims; the second fails to write its object.
    const put = p.ads.put.bind(p.ads);
    let puts = 0;
    p.ads.put = async (key, bytes) => {
      puts++;
      // Each content writes an entry chunk, then its ad: fail the second content's ad.
      if (puts === 4) throw new Error('S3 is down');
      return put(key, bytes);
    };
    const batch = await publishBatch(messages, p, publisher);
    expect(batch.outcome?.claimed).toHaveLength(1);
    expect(batch.retry).toEqual(['two', 'three']);
  });

  it('comes back whole when the publisher cannot start (its key unreadable)', async () => {
    const p = ports();
    const messages = [{ id: 'one', body: stored(p) }];
    const batch = await publishBatch(messages, p, async () => {
      throw new Error('no key');
    });
    expect(batch.retry).toEqual(['one']);
    expect(String(batch.error)).toMatch(/no key/);
  });

  it('comes back whole when the chain cannot be read', async () => {
    const p = ports();
    const messages = [
      { id: 'one', body: stored(p) },
      { id: 'two', body: stored(p) },
    ];
    failNext(p.chain, 'head');
    const batch = await publishBatch(messages, p, publisher);
    expect(batch.retry.sort()).toEqual(['one', 'two']);
  });

  it('with the same CAR twice completes both messages with one advertisement', async () => {
    const p = ports();
    const body = stored(p);
    const batch = await publishBatch(
      [
        { id: 'a', body },
        { id: 'b', body },
      ],
      p,
      publisher,
    );
    expect(batch.retry).toEqual([]);
    expect(batch.outcome?.claimed).toHaveLength(1);
  });
});
