import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import {
  applyFilters,
  findProviders,
  parseFilter,
  providerRecord,
} from '../../../lambdas/core/provider/routing.ts';
import { FakeBlockPresence } from '../../support/fakes.ts';

const provider = {
  peerId: '12D3KooWRawPbxPtP1eZaJpumGnyWX2DcUyd3RQnydr3eAto4Az7',
  addresses: ['/dns/gw.example/tcp/443/https', '/ip4/127.0.0.1/tcp/8788/http'],
};
const record = providerRecord(provider);

describe('IPIP-484 filters', () => {
  it('split on commas (%2C decoded), ignore case and blanks', () => {
    expect(parseFilter('HTTPS, tcp,,!IP6')).toEqual(['https', 'tcp', '!ip6']);
    expect(parseFilter('')).toBeUndefined();
    expect(parseFilter(undefined)).toBeUndefined();
  });

  it('keep the addresses with any asked-for transport (Helia asks for tcp, not http)', () => {
    expect(applyFilters(record, { addrs: ['https'] })?.Addrs).toEqual([provider.addresses[0]]);
    expect(applyFilters(record, { addrs: ['tcp', 'webrtc'] })?.Addrs).toEqual(provider.addresses);
    expect(applyFilters(record, { addrs: ['webrtc'] })).toBeUndefined();
  });

  it('drop addresses with a negated transport, all others passing', () => {
    expect(applyFilters(record, { addrs: ['!ip4'] })?.Addrs).toEqual([provider.addresses[0]]);
    expect(applyFilters(record, { addrs: ['!tcp'] })).toBeUndefined();
    expect(applyFilters(record, { addrs: ['tcp', '!dns'] })?.Addrs).toEqual([
      provider.addresses[1],
    ]);
  });

  it('keep the whole record when it offers any asked-for protocol', () => {
    expect(
      applyFilters(record, { protocols: ['transport-bitswap', 'transport-ipfs-gateway-http'] }),
    ).toEqual(record);
    expect(applyFilters(record, { protocols: ['transport-bitswap', 'unknown'] })).toBeUndefined();
  });

  it('pass a record without addresses or protocols only when `unknown` is asked for', () => {
    const bare = { ...record, Addrs: [], Protocols: [] };
    expect(applyFilters(bare, { addrs: ['unknown'], protocols: ['unknown'] })).toEqual(bare);
    expect(applyFilters(bare, { addrs: ['tcp'] })).toBeUndefined();
  });
});

describe('finding providers', () => {
  const held = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(7)));
  const blocks = new FakeBlockPresence();
  blocks.add(held.multihash.bytes);

  it('names this provider for a block held here, by multihash, in any CID form', async () => {
    expect(await findProviders(held, {}, { blocks }, provider)).toEqual([record]);
    const asDagPb = CID.createV1(0x70, held.multihash);
    expect(await findProviders(asDagPb, {}, { blocks }, provider)).toEqual([record]);
  });

  it('names nobody for a block not held, or when the filters leave nothing', async () => {
    const other = CID.createV1(0x55, Digest.create(0x12, new Uint8Array(32).fill(8)));
    expect(await findProviders(other, {}, { blocks }, provider)).toEqual([]);
    expect(
      await findProviders(held, { protocols: ['transport-bitswap'] }, { blocks }, provider),
    ).toEqual([]);
  });

  it('holds every identity CID: its bytes are in the CID', async () => {
    expect(await findProviders(CID.parse('bafkqaaa'), {}, { blocks }, provider)).toEqual([record]);
  });
});
